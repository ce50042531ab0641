/**
 * Text is read as Unicode 15.0, whatever the runtime's version. Tokenizing (gpt-tokenizer's `\p{L}`/`\p{N}`
 * split), search terms (NFKC, lower case, letters and digits) and word boundaries all ask the runtime's Unicode
 * tables, which grow with every Node release: a letter assigned in Unicode 16 is a letter on Node 22 and an
 * unassigned code point on Node 20.9, so the same contribution would tokenize differently and a Verify on
 * another machine would disagree. Unicode's stability policies keep the properties used here (general
 * category of letters, digits and marks, lower-case mappings, normalization) fixed for code points once
 * assigned, so replacing every code point that Unicode 15.0 leaves unassigned by U+FFFD makes all of them a
 * pure function of the text on any runtime with Unicode ≥ 15.0 (Node ≥ 20.9, ICU 73).
 */
import { UNASSIGNED_RANGES_15 } from "./unicode-15";

export const UNICODE_VERSION = "15.0.0";
const REPLACEMENT = "\uFFFD";
/** The first code point Unicode 15.0 leaves unassigned: text below it needs no look-up. */
const FIRST_UNASSIGNED = 0x378;

/** [begin, end) pairs, sorted. */
const ranges: Uint32Array = (() => {
  const parts = UNASSIGNED_RANGES_15.split(" ").map((p) => parseInt(p, 36));
  const out = new Uint32Array(parts.length);
  let at = 0;
  for (let i = 0; i < parts.length; i += 2) {
    out[i] = at += parts[i];
    out[i + 1] = at += parts[i + 1];
  }
  return out;
})();

/** Whether Unicode 15.0 assigns this code point (surrogates count as assigned: they are category Cs). */
export function assignedIn15(cp: number): boolean {
  let lo = 0;
  let hi = ranges.length / 2;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ranges[2 * mid + 1] <= cp) lo = mid + 1;
    else hi = mid;
  }
  return !(lo < ranges.length / 2 && ranges[2 * lo] <= cp);
}

const BEYOND_FIRST_UNASSIGNED = /[^\u0000-\u0377]/;

/** The text with every code point Unicode 15.0 leaves unassigned replaced by U+FFFD. */
export function unicode15(text: string): string {
  if (!BEYOND_FIRST_UNASSIGNED.test(text)) return text;
  let out = "";
  let from = 0;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    if (cp >= FIRST_UNASSIGNED && !assignedIn15(cp)) {
      out += text.slice(from, i) + REPLACEMENT;
      from = i + width;
    }
    i += width;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** The runtime's Unicode version is at least 15.0 (older tables would call some 15.0 letters unassigned). */
export function runtimeUnicodeSupported(version = process.versions.unicode ?? "0"): boolean {
  const [major, minor] = version.split(".").map(Number);
  return major > 15 || (major === 15 && minor >= 0);
}
