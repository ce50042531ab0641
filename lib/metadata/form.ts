/**
 * Datanet metadata and bond as people type them (the /datanets/new wizard and the owner's edit form), checked
 * against the schema the indexer applies, so a bad value is named before anything is stored or signed.
 */
import { parseUnits } from "viem";
import { canonicalJson, datanetMetadataSchema, type DatanetMetadata } from "./index";

/** The largest bond the forms accept, in wei (1,000,000 OPEN): a typo of extra zeros is refused. */
export const MAX_FORM_BOND = parseUnits("1000000", 18);

/** Tags as typed ("birds, Audio ,  songs") → the metadata's list (lower-case, trimmed, unique, in order). */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean))];
}

/** The metadata as it will be stored (canonical JSON bytes), or the first problem in words. */
export function checkMetadata(input: { name: string; summary: string; description: string; tags: string; license: string }):
  | { ok: true; metadata: DatanetMetadata; bytes: Uint8Array }
  | { ok: false; field: string; message: string } {
  const parsed = datanetMetadataSchema.safeParse({ ...input, tags: parseTags(input.tags) });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue.path[0] ?? "metadata");
    const message =
      field === "tags"
        ? "Use at most 12 tags of at most 32 characters each."
        : field === "description"
          ? "The description is at most 20,000 characters."
          : field === "summary"
            ? "The summary is at most 200 characters."
            : issue.message;
    return { ok: false, field, message };
  }
  return { ok: true, metadata: parsed.data, bytes: new TextEncoder().encode(canonicalJson(parsed.data)) };
}

/** A bond typed in OPEN → wei (bigint, exact), or why not. */
export function parseBond(text: string): { ok: true; wei: bigint } | { ok: false; message: string } {
  const s = text.trim();
  if (!/^\d+(\.\d{1,18})?$/.test(s)) return { ok: false, message: "Enter the bond in OPEN, e.g. 1 or 0.5 (0 for none; at most 18 decimals)." };
  const wei = parseUnits(s, 18);
  if (wei > MAX_FORM_BOND) return { ok: false, message: "The bond is at most 1,000,000 OPEN." };
  return { ok: true, wei };
}
