"use client";

import { useQuery } from "@tanstack/react-query";
import { AddressText } from "@/components/domain";
import { formatNumber, formatPpmPercent, plural } from "@/components/format";
import { Badge } from "@/components/ui/badge";
import { Skeleton } from "@/components/ui/skeleton";
import { apiGet, type SpecAt, type Wire } from "@/lib/api/client";
import { queryKeys } from "@/lib/live/query-keys";
import { cn } from "@/lib/utils";

export type OriginalityWire = Wire<SpecAt<"/api/datanets/{id}/originality">>;

export { formatPpmPercent } from "@/components/format";

/** How much of an uploaded (not yet registered) file already exists in the Datanet. */
export function useUploadOriginality(datanetId: number, hash: string | null | undefined) {
  return useQuery({
    queryKey: [...queryKeys.datanet(datanetId), "originality", "upload", hash],
    queryFn: () => apiGet("/api/datanets/{id}/originality", { params: { id: datanetId }, query: { hash }, what: "The originality check" }),
    enabled: !!hash,
    staleTime: 30_000,
    retry: 1,
  });
}

/** How much of a registered contribution repeats contributions registered before it. */
export function useContributionOriginality(datanetId: number, contributionId: number) {
  return useQuery({
    queryKey: [...queryKeys.datanet(datanetId), "originality", "contribution", contributionId],
    queryFn: () =>
      apiGet("/api/datanets/{id}/contributions/{contributionId}/originality", {
        params: { id: datanetId, contributionId },
        what: "The originality check",
      }),
    staleTime: 30_000,
    retry: 1,
  });
}

/**
 * The originality shield's verdict on a file or contribution: exact duplicate, near-duplicate with its sources,
 * or original. `subject` words it for the contributor ("this file") or the reviewer ("this contribution").
 */
export function OriginalityReport({
  data,
  subject,
  curated,
  className,
}: {
  data: OriginalityWire;
  subject: "file" | "contribution";
  curated: boolean;
  className?: string;
}) {
  const top = data.sources[0];
  const exact = data.exactDuplicate;
  const tone = exact ? (curated || subject === "contribution" ? "warning" : "destructive") : data.copiedPpm > 0 ? "warning" : "success";
  return (
    <div
      className={cn(
        "space-y-1.5 rounded-md border px-3 py-2 text-sm",
        tone === "destructive" ? "border-destructive/40 bg-destructive/5" : tone === "warning" ? "border-warning/40 bg-warning/5" : "border-border",
        className,
      )}
      data-testid="originality"
      data-copied-ppm={data.copiedPpm}
      data-exact={exact ? exact.contributionId : undefined}
    >
      <p className="flex flex-wrap items-center gap-2">
        <Badge variant={tone}>{exact ? "Exact duplicate" : data.copiedPpm > 0 ? "Partly copied" : "Original"}</Badge>
        {exact ? (
          <span>
            {subject === "file" ? "This file already appears" : "This contribution already appears"} as contribution #{exact.contributionId} by{" "}
            <AddressText address={exact.contributor} />
            {exact.match === "normalized" ? " (the same text, up to whitespace)" : ""}
            {exact.status === "pending" ? ", still pending review" : ""}.
          </span>
        ) : top ? (
          <span>
            {formatPpmPercent(data.copiedPpm)} of this {subject} already appears in contribution #{top.contributionId} by <AddressText address={top.contributor} />
            {data.sources.length > 1 ? ` and ${plural(data.sources.length - 1, "other contribution")}` : ""}.
          </span>
        ) : (
          <span className="text-muted-foreground">
            No run of {data.spanTokens} tokens or more repeats an earlier contribution of this Datanet.
          </span>
        )}
      </p>
      {!exact && data.sources.length > 0 ? (
        <ul className="space-y-0.5 text-xs text-muted-foreground" aria-label="Where the copied text comes from">
          {data.sources.map((s) => (
            <li key={s.contributionId} data-testid={`originality-source-${s.contributionId}`}>
              #{s.contributionId} by <AddressText address={s.contributor} />
              {s.status === "pending" ? " (pending)" : ""}: {formatPpmPercent(s.sharePpm)} ({plural(s.tokens, "token")})
            </li>
          ))}
        </ul>
      ) : null}
      {exact && subject === "file" && !curated ? (
        <p className="text-xs">This open Datanet accepts each text once: the server will not attest it, so it cannot be registered. Nothing was signed.</p>
      ) : exact || data.copiedPpm > 0 ? (
        <p className="text-xs text-muted-foreground">
          {subject === "file"
            ? `Copied runs (${data.spanTokens} tokens or more) earn the original author in attribution, not you; only the rest of the file can earn for you.`
            : `Copied runs (${data.spanTokens} tokens or more) earn the original contribution in attribution even if you accept this one.`}
        </p>
      ) : null}
      {!data.compared.complete ? (
        <p className="text-xs text-muted-foreground">
          Compared with {plural(data.compared.contributions, "earlier contribution")} ({formatNumber(data.compared.tokens)} tokens): some earlier contributions were not
          searched for copied runs (not held by this server, or past the size bound); exact duplicates were checked in all of them.
        </p>
      ) : null}
    </div>
  );
}

/** Loading and failure states around OriginalityReport. */
export function OriginalityState({
  query,
  subject,
  curated,
  className,
}: {
  query: { isPending: boolean; isError: boolean; error: Error | null; data?: OriginalityWire };
  subject: "file" | "contribution";
  curated: boolean;
  className?: string;
}) {
  if (query.isError) {
    return (
      <p className={cn("text-xs text-muted-foreground", className)} data-testid="originality-error">
        Could not check originality: {query.error?.message}
      </p>
    );
  }
  if (query.isPending || !query.data) {
    return (
      <div className={cn("space-y-1", className)} aria-live="polite" data-testid="originality-loading">
        <p className="text-xs text-muted-foreground">Checking how much of this {subject} already appears in this Datanet…</p>
        <Skeleton className="h-8 w-full" />
      </div>
    );
  }
  return <OriginalityReport data={query.data} subject={subject} curated={curated} className={className} />;
}
