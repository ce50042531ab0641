import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Hex } from "viem";
import type { Db } from "@/db/client";
import { contents } from "@/db/schema";
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
}

const mediaTypes: Record<ContentFormat, string> = {
  text: "text/plain",
  markdown: "text/markdown",
  jsonl: "application/jsonl",
  csv: "text/csv",
  json: "application/json",
};

/**
 * Stores bytes under their sha-256 (the hash the contributor then registers on-chain).
 * Storing the same bytes twice is a no-op that returns the same answer.
 */
export async function storeContent(
  db: Db,
  input: { body: Uint8Array; filename?: string; mediaType?: string },
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
  await db
    .insert(contents)
    .values({ hash, bytes: input.body.byteLength, mediaType, filename: input.filename ?? null, records: records.length, body: input.body })
    .onConflictDoNothing();
  return { hash, bytes: input.body.byteLength, records: records.length, format, mediaType };
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
