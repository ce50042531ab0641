/**
 * Suffix array construction by induced sorting (SA-IS, Nong–Zhang–Chan 2009), after the AtCoder
 * Library's formulation. Linear time, typed arrays only; recursion happens only on the reduced
 * string (at most half as long), so the depth is logarithmic and every inner loop is iterative.
 */
import { AttributionError } from "./errors";
import { nativeAddon, type SaisAddon } from "./native";

type Text = Int32Array | Uint32Array | Uint16Array;

/**
 * Which implementation sorts: "native" is native/sais (the same SA-IS in C, about twice as fast; the suffix
 * array is unique, so both give the same bytes), "js" the code below. Default: native when built.
 */
export type SuffixSortEngine = "native" | "js";

export function defaultSuffixSortEngine(): SuffixSortEngine {
  return nativeAddon<SaisAddon>("sais") ? "native" : "js";
}

/** Suffix array of `text`, whose symbols must lie in [0, alphabetSize). */
export function suffixArray(text: Text, alphabetSize: number, engine: SuffixSortEngine = defaultSuffixSortEngine()): Uint32Array {
  if (!(text instanceof Int32Array || text instanceof Uint32Array || text instanceof Uint16Array)) {
    throw new AttributionError("suffixArray needs an Int32Array, Uint32Array or Uint16Array.");
  }
  if (!Number.isSafeInteger(alphabetSize) || alphabetSize < 1 || alphabetSize > 0x7fffffff) {
    throw new AttributionError(`The alphabet size must be an integer in 1..2^31-1, got ${String(alphabetSize)}.`);
  }
  const n = text.length;
  if (n > 0x7ffffffe) throw new AttributionError(`A suffix array holds at most 2^31-2 symbols, got ${n}.`);
  for (let i = 0; i < n; i++) {
    const c = text[i];
    if (c < 0 || c >= alphabetSize) {
      throw new AttributionError(`Symbol ${c} at position ${i} is outside the alphabet 0..${alphabetSize - 1}.`);
    }
  }
  // Symbols are < 2^31, so a Uint32Array can be read as an Int32Array in place; a Uint16Array is read
  // as is (no 4 B/token copy).
  const s = text instanceof Uint32Array ? new Int32Array(text.buffer, text.byteOffset, n) : text;
  const sa = new Int32Array(n);
  if (engine === "native") {
    const addon = nativeAddon<SaisAddon>("sais");
    if (!addon) throw new AttributionError("The native suffix sort is not built: run `npm run postinstall` (node-gyp), or use the js engine.");
    addon.suffixArray(s, alphabetSize - 1, sa);
  } else saIs(s, alphabetSize - 1, sa);
  return new Uint32Array(sa.buffer, sa.byteOffset, n);
}

/** O(n² log n) reference for tests: sorts suffixes by direct comparison. */
export function naiveSuffixArray(text: ArrayLike<number>): Uint32Array {
  const n = text.length;
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => {
    while (a < n && b < n) {
      if (text[a] !== text[b]) return text[a] - text[b];
      a++;
      b++;
    }
    // The shorter suffix (the one that ran out) is smaller.
    return a === n ? -1 : 1;
  });
  return Uint32Array.from(idx);
}

type Sym = Int32Array | Uint16Array;

/**
 * s[i] in [0, upper]. Types (AtCoder's convention: the last suffix is L-type) are never stored: they are
 * derived where needed from the symbols themselves and from where a suffix sits in its bucket (L-type
 * suffixes fill a bucket's head, S-type its tail), which keeps the induced-sorting passes to the text,
 * the suffix array and the bucket tables (no type array, no LMS map: about 4n bytes fewer random reads).
 *  - L pass: every entry v read is an LMS seed or L-type, so suffix v−1 is L-type iff s[v−1] ≥ s[v].
 *  - S pass: every entry v read at row i is final, and v is S-type iff i ≥ sumS[s[v]]; so suffix v−1 is
 *    S-type iff s[v−1] < s[v], or s[v−1] = s[v] and v is S-type.
 * LMS substrings are named with their lengths and names kept at sa[m + ⌊j/2⌋] (LMS positions are at
 * least 2 apart and m ≤ n/2), then compacted in text order, as in Mori's sais-lite.
 */
function saIs(s: Sym, upper: number, sa: Int32Array): void {
  const n = s.length;
  if (n === 0) return;
  if (n < 16) {
    sa.set(naiveSuffixArray(s));
    return;
  }
  const sumL = new Int32Array(upper + 2);
  const sumS = new Int32Array(upper + 2);
  // Right to left: count L (into sumS) and S (into sumL[c + 1]) suffixes per symbol, and list the LMS
  // positions at the end of sa (ascending, since they are found in descending order).
  let top = n;
  {
    let nextS = false; // type of suffix i + 1 (n − 1 is L-type)
    let next = s[n - 1];
    sumS[next]++;
    for (let i = n - 2; i >= 0; i--) {
      const c = s[i];
      const isS: boolean = c < next || (c === next && nextS);
      if (isS) sumL[c + 1]++;
      else {
        sumS[c]++;
        if (nextS) sa[--top] = i + 1;
      }
      nextS = isS;
      next = c;
    }
  }
  for (let i = 0; i <= upper; i++) {
    sumS[i] += sumL[i];
    if (i < upper) sumL[i + 1] += sumS[i];
  }
  const m = n - top;
  const lms = sa.slice(top, n);
  const buf = new Int32Array(upper + 2);

  const induce = (seeds: Int32Array): void => {
    sa.fill(-1);
    buf.set(sumS);
    for (let k = 0; k < m; k++) {
      const d = seeds[k];
      sa[buf[s[d]]++] = d;
    }
    buf.set(sumL);
    sa[buf[s[n - 1]]++] = n - 1;
    for (let i = 0; i < n; i++) {
      const v = sa[i];
      if (v >= 1) {
        const c = s[v - 1];
        if (c >= s[v]) sa[buf[c]++] = v - 1;
      }
    }
    buf.set(sumL);
    for (let i = n - 1; i >= 0; i--) {
      const v = sa[i];
      if (v >= 1) {
        const c = s[v - 1];
        const d = s[v];
        if (c < d || (c === d && i >= sumS[d])) sa[--buf[c + 1]] = v - 1;
      }
    }
  };

  induce(lms);
  if (m === 0) return;

  // Sorted LMS suffixes (by their LMS substrings) to sa[0..m): v is LMS iff S-type and v − 1 is L-type.
  let k = 0;
  for (let i = 0; i < n; i++) {
    const v = sa[i];
    if (v > 0 && s[v - 1] > s[v] && i >= sumS[s[v]]) sa[k++] = v;
  }
  // LMS substring lengths (to the next LMS position, or to the end) at sa[m + ⌊j/2⌋].
  sa.fill(0, m);
  for (let i = 0; i < m; i++) {
    const j = lms[i];
    sa[m + (j >>> 1)] = (i + 1 < m ? lms[i + 1] : n) - j;
  }
  // Names (1-based) in sorted order: equal when the substrings and the symbols at their ends are equal
  // (a substring that runs to the end of the text is unique).
  let name = 0;
  let prev = -1;
  let prevLen = 0;
  for (let i = 0; i < m; i++) {
    const j = sa[i];
    const len = sa[m + (j >>> 1)];
    let same = false;
    if (len === prevLen && prev + len < n && j + len < n) {
      let d = 0;
      while (d <= len && s[prev + d] === s[j + d]) d++;
      same = d > len;
    }
    if (!same) name++;
    sa[m + (j >>> 1)] = name;
    prev = j;
    prevLen = len;
  }
  // The reduced string goes to sa[n − m, n) (compacted right to left, so no unread name is overwritten)
  // and its suffix array to sa[0, m) (m ≤ n/2): no m-sized arrays beyond lms at any level.
  if (name < m) {
    for (let i = n - 1, w = n; i >= m; i--) {
      const v = sa[i];
      if (v !== 0) sa[--w] = v - 1;
    }
    saIs(sa.subarray(n - m), name - 1, sa.subarray(0, m));
  } else {
    // All names distinct: the reduced suffix array is the inverse of the names.
    for (let i = m, r = 0; i < n; i++) {
      const v = sa[i];
      if (v !== 0) sa[v - 1] = r++;
    }
  }
  for (let i = 0; i < m; i++) sa[i] = lms[sa[i]];
  lms.set(sa.subarray(0, m));
  induce(lms);
}
