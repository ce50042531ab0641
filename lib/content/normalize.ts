/**
 * The originality shield's normalisation (lib/content/originality.ts): two uploads whose texts are equal after
 * it are exact duplicates. Kept apart so the content store can hash every upload without the shield's imports.
 */
import { createHash } from "node:crypto";
import type { Hex } from "viem";

/**
 * The text two uploads must share to be exact duplicates: Unicode NFC (composed and decomposed accents are
 * the same text), every run of whitespace (JavaScript's `\s`: spaces, tabs, line breaks, no-break and other
 * Unicode spaces, the byte-order mark) replaced by one space, and no whitespace at either end. So a file
 * re-saved with other line endings, indentation or blank lines is the same file; any other change is not.
 */
export function normalizeText(text: string): string {
  return text.normalize("NFC").replace(/\s+/gu, " ").trim();
}

/** sha-256 of the normalised text (0x-hex), or null for bytes that are not UTF-8 text. */
export function normalizedHashOf(body: Uint8Array): Hex | null {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    return null;
  }
  return `0x${createHash("sha256").update(normalizeText(text), "utf8").digest("hex")}`;
}

