"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { ShieldIcon } from "@/components/icons";
import { Button } from "@/components/ui/button";
import type { VerifyReport } from "@/lib/inference/verify";
import { cn } from "@/lib/utils";

async function fetchReport(requestId: number): Promise<VerifyReport> {
  const res = await fetch(`/api/inferences/${requestId}/verify`, { cache: "no-store" });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const msg = body && typeof body === "object" && "error" in body ? String((body as { error: unknown }).error) : `HTTP ${res.status}`;
    throw new Error(msg);
  }
  return body as VerifyReport;
}

/**
 * "Verify": asks the server to recompute the answer and attribution record from the model artifact and
 * compare it with the stored record and the hashes settled on-chain; shows each check. No wallet needed.
 */
export function VerifyButton({ requestId }: { requestId: number }) {
  const verify = useMutation({ mutationFn: () => fetchReport(requestId) });
  const report = verify.data;
  const failed = report?.checks.filter((c) => !c.ok) ?? [];

  return (
    <div className="space-y-4" data-testid="verify">
      <div className="flex flex-wrap items-center gap-3">
        <Button onClick={() => verify.mutate()} disabled={verify.isPending}>
          <ShieldIcon />
          {verify.isPending ? "Verifying…" : report ? "Verify again" : "Verify"}
        </Button>
        <p className="text-sm text-muted-foreground">Recompute the attribution from the model artifact and compare it with what was settled.</p>
      </div>

      {verify.isError ? (
        <p role="alert" className="text-sm text-destructive">
          Could not verify: {verify.error.message}
        </p>
      ) : null}

      {report ? (
        <div aria-live="polite" className="space-y-3">
          <ul className="space-y-2" data-testid="verify-checks">
            {report.checks.map((c) => (
              <li key={c.name} className="flex items-start gap-2 text-sm" data-testid="verify-check" data-ok={c.ok}>
                <span
                  aria-hidden="true"
                  className={cn(
                    "mt-0.5 flex size-5 shrink-0 items-center justify-center rounded-full text-xs font-bold",
                    c.ok ? "bg-success/15 text-success" : "bg-destructive/15 text-destructive",
                  )}
                >
                  {c.ok ? "✓" : "✗"}
                </span>
                <span className="min-w-0">
                  <span className="font-medium">
                    <span className="sr-only">{c.ok ? "Passed: " : "Failed: "}</span>
                    {c.name}
                  </span>
                  <span className="block break-all text-muted-foreground">{c.detail}</span>
                </span>
              </li>
            ))}
          </ul>
          <p
            data-testid="verify-result"
            className={cn(
              "rounded-md border px-3 py-2 text-sm font-medium",
              report.ok ? "border-success/25 bg-success/10 text-success" : "border-destructive/25 bg-destructive/10 text-destructive",
            )}
          >
            {report.ok
              ? "Verified: the attribution is exactly what was settled."
              : `Not verified: ${failed.length ? failed.map((c) => c.name).join(", ") : "no checks could run"} failed.`}
          </p>
        </div>
      ) : null}
    </div>
  );
}

/** A full hash or address in mono, selectable, with a copy button (no explorer on the local chain). */
export function CopyableHash({ value, label }: { value: string | null | undefined; label?: string }) {
  const [copied, setCopied] = useState(false);
  if (!value) return <span className="text-muted-foreground">—</span>;
  return (
    <span className="flex min-w-0 items-start gap-2">
      <code className="min-w-0 select-all break-all font-mono text-xs" data-testid={label ? `hash-${label}` : undefined}>
        {value}
      </code>
      <Button
        variant="ghost"
        size="sm"
        className="h-6 px-2"
        aria-label={`Copy ${label ?? "hash"}`}
        onClick={() => {
          void navigator.clipboard?.writeText(value).then(
            () => {
              setCopied(true);
              setTimeout(() => setCopied(false), 1500);
            },
            () => undefined,
          );
        }}
      >
        {copied ? "Copied" : "Copy"}
      </Button>
    </span>
  );
}
