"use client";

import { useId, useState } from "react";
import { formatUnits, type Hex } from "viem";
import { Field, inputClass } from "@/components/factory/fields";
import { MarkdownText } from "@/components/markdown-text";
import { ApiError, apiGet, type SpecAt, type Wire } from "@/lib/api/client";
export { checkMetadata, parseBond, parseTags } from "@/lib/metadata/form";
import { cn } from "@/lib/utils";
import { uploadContent } from "./contribute";

/**
 * What the Datanet wizard and the owner's edit form share: the metadata fields (with a markdown preview), the
 * bond in OPEN, storing the metadata JSON content-addressed, and waiting until the indexer shows a change.
 */

export const LICENSES = ["CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0", "ODC-BY-1.0", "MIT", "Apache-2.0", "WordNet-3.0"] as const;

export const bondText = (wei: bigint) => formatUnits(wei, 18);

/** Uploads the metadata JSON (needs the Sign-In with Ethereum session) and answers its sha-256, as the registry stores it. */
export async function storeMetadata(bytes: Uint8Array): Promise<Hex> {
  const file = new File([bytes as BlobPart], "datanet.json", { type: "application/json" });
  const stored = await uploadContent(file, () => {});
  return stored.hash;
}

export type IndexedDatanet = Wire<SpecAt<"/api/datanets/{id}">>;

/** Polls the API until the indexed Datanet `id` satisfies `ready` (the indexer follows the chain within seconds). */
export async function waitForIndexed(id: number, ready: (d: IndexedDatanet) => boolean = () => true, timeoutMs = 60_000): Promise<IndexedDatanet> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const d = await apiGet("/api/datanets/{id}", { params: { id }, what: "The Datanet" });
      if (ready(d)) return d;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) throw err;
    }
    if (Date.now() > until) throw new Error("The transaction is confirmed, but the indexer has not shown it yet. Reload the page in a moment.");
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** A markdown textarea with Write / Preview tabs; the preview is the same safe renderer the Datanet page uses. */
export function MarkdownField({ id, label, value, onChange, disabled, hint }: { id: string; label: string; value: string; onChange: (v: string) => void; disabled?: boolean; hint?: string }) {
  const [preview, setPreview] = useState(false);
  const tabs = useId();
  return (
    <div className="space-y-1.5">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <label htmlFor={id} className="text-sm font-medium">
          {label}
        </label>
        <div role="tablist" aria-label={`${label}: write or preview`} className="inline-flex rounded-md border border-border p-0.5 text-xs">
          {(["Write", "Preview"] as const).map((t) => {
            const selected = (t === "Preview") === preview;
            return (
              <button
                key={t}
                type="button"
                role="tab"
                id={`${tabs}-${t}`}
                aria-selected={selected}
                aria-controls={`${tabs}-panel`}
                onClick={() => setPreview(t === "Preview")}
                className={cn("rounded px-2 py-0.5 font-medium", selected ? "bg-muted text-foreground" : "text-muted-foreground hover:text-foreground")}
                data-testid={`markdown-${t.toLowerCase()}`}
              >
                {t}
              </button>
            );
          })}
        </div>
      </div>
      <div id={`${tabs}-panel`} role="tabpanel" aria-labelledby={`${tabs}-${preview ? "Preview" : "Write"}`}>
        {preview ? (
          <div className="min-h-40 rounded-md border border-border bg-card px-3 py-2" data-testid="markdown-preview">
            {value.trim() ? <MarkdownText source={value} /> : <p className="text-sm italic text-muted-foreground">Nothing to preview yet.</p>}
          </div>
        ) : (
          <textarea
            id={id}
            value={value}
            onChange={(e) => onChange(e.target.value)}
            disabled={disabled}
            rows={8}
            maxLength={20_000}
            className={cn(inputClass, "h-auto min-h-40 py-2 font-mono text-xs leading-relaxed")}
          />
        )}
      </div>
      {hint ? <p className="text-xs text-muted-foreground">{hint}</p> : null}
    </div>
  );
}

export function TextField({
  id,
  label,
  value,
  onChange,
  disabled,
  hint,
  maxLength,
  placeholder,
  inputMode,
  list,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  disabled?: boolean;
  hint?: string;
  maxLength?: number;
  placeholder?: string;
  inputMode?: "decimal" | "text";
  list?: string;
}) {
  return (
    <Field label={label} htmlFor={id} hint={hint}>
      <input
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        disabled={disabled}
        maxLength={maxLength}
        placeholder={placeholder}
        inputMode={inputMode}
        list={list}
        className={inputClass}
      />
    </Field>
  );
}
