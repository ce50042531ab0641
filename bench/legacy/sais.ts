// The previous engine version (before issue 17), kept verbatim for `npm run bench -- scale` ratios. Not used by the app.
/**
 * Suffix array construction by induced sorting (SA-IS, Nong–Zhang–Chan 2009), after the AtCoder
 * Library's formulation. Linear time, typed arrays only; recursion happens only on the reduced
 * string (at most half as long), so the depth is logarithmic and every inner loop is iterative.
 */
import { AttributionError } from "@/lib/attribution/errors";

type Text = Int32Array | Uint32Array | Uint16Array;

/** Suffix array of `text`, whose symbols must lie in [0, alphabetSize). */
export function suffixArray(text: Text, alphabetSize: number): Uint32Array {
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
  // Symbols are < 2^31, so a Uint32Array can be read as an Int32Array in place.
  const s =
    text instanceof Int32Array ? text : text instanceof Uint32Array ? new Int32Array(text.buffer, text.byteOffset, n) : Int32Array.from(text);
  const sa = saIs(s, alphabetSize - 1);
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

function small(s: Int32Array): Int32Array {
  return Int32Array.from(naiveSuffixArray(s));
}

/** s[i] in [0, upper]. */
function saIs(s: Int32Array, upper: number): Int32Array {
  const n = s.length;
  if (n === 0) return new Int32Array(0);
  if (n < 16) return small(s);

  const sa = new Int32Array(n);
  // ls[i] = 1 when suffix i is S-type (smaller than suffix i+1).
  const ls = new Uint8Array(n);
  for (let i = n - 2; i >= 0; i--) {
    ls[i] = s[i] === s[i + 1] ? ls[i + 1] : s[i] < s[i + 1] ? 1 : 0;
  }
  const sumL = new Int32Array(upper + 2);
  const sumS = new Int32Array(upper + 2);
  for (let i = 0; i < n; i++) {
    if (ls[i] === 0) sumS[s[i]]++;
    else sumL[s[i] + 1]++;
  }
  for (let i = 0; i <= upper; i++) {
    sumS[i] += sumL[i];
    if (i < upper) sumL[i + 1] += sumS[i];
  }
  const buf = new Int32Array(upper + 2);

  const induce = (lms: Int32Array, m: number): void => {
    sa.fill(-1);
    buf.set(sumS);
    for (let k = 0; k < m; k++) {
      const d = lms[k];
      if (d === n) continue;
      sa[buf[s[d]]++] = d;
    }
    buf.set(sumL);
    sa[buf[s[n - 1]]++] = n - 1;
    for (let i = 0; i < n; i++) {
      const v = sa[i];
      if (v >= 1 && ls[v - 1] === 0) sa[buf[s[v - 1]]++] = v - 1;
    }
    buf.set(sumL);
    for (let i = n - 1; i >= 0; i--) {
      const v = sa[i];
      if (v >= 1 && ls[v - 1] === 1) sa[--buf[s[v - 1] + 1]] = v - 1;
    }
  };

  const lmsMap = new Int32Array(n + 1).fill(-1);
  let m = 0;
  for (let i = 1; i < n; i++) {
    if (ls[i - 1] === 0 && ls[i] === 1) lmsMap[i] = m++;
  }
  const lms = new Int32Array(m);
  for (let i = 1, k = 0; i < n; i++) {
    if (ls[i - 1] === 0 && ls[i] === 1) lms[k++] = i;
  }
  induce(lms, m);

  if (m > 0) {
    const sortedLms = new Int32Array(m);
    for (let i = 0, k = 0; i < n; i++) {
      const v = sa[i];
      if (lmsMap[v] !== -1) sortedLms[k++] = v;
    }
    const recS = new Int32Array(m);
    let recUpper = 0;
    recS[lmsMap[sortedLms[0]]] = 0;
    for (let i = 1; i < m; i++) {
      let l = sortedLms[i - 1];
      let r = sortedLms[i];
      const endL = lmsMap[l] + 1 < m ? lms[lmsMap[l] + 1] : n;
      const endR = lmsMap[r] + 1 < m ? lms[lmsMap[r] + 1] : n;
      let same = true;
      if (endL - l !== endR - r) {
        same = false;
      } else {
        while (l < endL) {
          if (s[l] !== s[r]) break;
          l++;
          r++;
        }
        // r may reach n, where s[r] is undefined: that LMS substring runs to the end, so it differs.
        if (l === n || r === n || s[l] !== s[r]) same = false;
      }
      if (!same) recUpper++;
      recS[lmsMap[sortedLms[i]]] = recUpper;
    }
    const recSa = saIs(recS, recUpper);
    for (let i = 0; i < m; i++) sortedLms[i] = lms[recSa[i]];
    induce(sortedLms, m);
  }
  return sa;
}
