import { createHash } from "node:crypto";
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Hex } from "viem";
import type { Db } from "@/db/client";
import { contents } from "@/db/schema";
import { normalizedHashOf } from "./normalize";
import { ContentError, formatOf, MAX_CONTENT_BYTES, parseRecords, type ContentFormat } from "./records";

export function sha256Hex(bytes: Uint8Array): Hex {
  return `0x${createHash("sha256").update(bytes).digest("hex")}`;
}

export interface StoredContent {
  hash: Hex;
  bytes: number;
  records: number;
  format: ContentFormat;
  mediaType: string;
  /** The account that uploaded these bytes first (lower-case), or null for content stored by the server itself. */
  uploader: string | null;
}

const mediaTypes: Record<ContentFormat, string> = {
  text: "text/plain",
  markdown: "text/markdown",
  jsonl: "application/jsonl",
  csv: "text/csv",
  json: "application/json",
};

/**
 * Stores bytes under their sha-256 (the hash the contributor then registers on-chain) and remembers who
 * uploaded them first: the content attester binds them to that account only, so copying someone's upload
 * (or their pending transaction's hash) gains nothing. Storing the same bytes again changes nothing but
 * names an uploader for bytes that had none (stored by the server, or before uploaders were recorded).
 */
export async function storeContent(
  db: Db,
  input: { body: Uint8Array; filename?: string; mediaType?: string; uploader?: string },
): Promise<StoredContent> {
  if (input.body.byteLength === 0) throw new ContentError("The upload is empty.");
  if (input.body.byteLength > MAX_CONTENT_BYTES) {
    throw new ContentError(`The upload is ${input.body.byteLength} bytes; the limit is ${MAX_CONTENT_BYTES} bytes.`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(input.body);
  } catch {
    throw new ContentError("The upload is not UTF-8 text.");
  }
  const format = formatOf(input.filename, input.mediaType);
  const { records } = parseRecords(text, format);
  const hash = sha256Hex(input.body);
  const mediaType = mediaTypes[format];
  const uploader = input.uploader?.toLowerCase() ?? null;
  // One statement, so two accounts uploading the same bytes at once cannot both be first.
  const [row] = await db
    .insert(contents)
    .values({
      hash,
      bytes: input.body.byteLength,
      mediaType,
      filename: input.filename ?? null,
      records: records.length,
      body: input.body,
      uploader,
      normalizedHash: normalizedHashOf(input.body),
    })
    .onConflictDoUpdate({
      target: contents.hash,
      set: { uploader: sql`coalesce(${contents.uploader}, excluded.uploader)`, normalizedHash: sql`coalesce(${contents.normalizedHash}, excluded.normalized_hash)` },
    })
    .returning({ uploader: contents.uploader });
  return { hash, bytes: input.body.byteLength, records: records.length, format, mediaType, uploader: row.uploader };
}

/**
 * The first uploader of `hash`: the stored one, or `account` when the bytes had none yet (it claims them now,
 * atomically). Null when no content has that hash.
 */
export async function firstUploader(db: Db, hash: string, account: string): Promise<string | null> {
  const key = hash.toLowerCase();
  await db
    .update(contents)
    .set({ uploader: account.toLowerCase() })
    .where(and(eq(contents.hash, key), isNull(contents.uploader)));
  const [row] = await db.select({ uploader: contents.uploader }).from(contents).where(eq(contents.hash, key)).limit(1);
  return row ? row.uploader : null;
}

export async function loadContent(db: Db, hash: string) {
  const [row] = await db.select().from(contents).where(eq(contents.hash, hash.toLowerCase())).limit(1);
  return row ?? null;
}

export function contentText(row: { body: Uint8Array }): string {
  return new TextDecoder().decode(row.body);
}

export function formatOfMediaType(mediaType: string): ContentFormat {
  return (Object.entries(mediaTypes).find(([, m]) => m === mediaType)?.[0] as ContentFormat) ?? "text";
}
