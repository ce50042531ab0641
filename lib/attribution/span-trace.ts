/**
 * Attribution of an external model's output, OLMoTrace-style: the maximal spans of the output that
 * occur verbatim in the corpus, weighted by rarity (Σ −ln unigram probability) and split over the
 * contributions that contain them.
 */
import { checkMaxSupport, narrow, rangeOf, rankAt, sampleRange, type CorpusIndex } from "./corpus";
import { AttributionError } from "./errors";
import { decode, VOCAB_SIZE } from "./tokenizer";
import { promptTokens } from "./infinigram";
import { countMembers, hasMember, viewFilter, viewStats, type ModelView } from "./view";

export const MAX_TRACE_TOKENS = 32_768;

export interface TracedSpan {
  /** Token positions in the output, [start, end). */
  start: number;
  end: number;
  text: string;
  /** Σ −ln p_unigram over the span's tokens, in millionths. */
  rarityMicros: bigint;
  /** Occurrences of the span in the corpus (in the view). */
  occurrences: number;
  /** contribution id → occurrences within the sample of at most maxSupport, ascending id. */
  contributions: Map<number, number>;
}

export interface TraceOptions {
  minSpanTokens: number;
  maxSupport: number;
  view?: ModelView;
}

let rangeLo = new Uint32Array(256);
let rangeHi = new Uint32Array(256);

export function traceSpans(
  index: CorpusIndex,
  output: string | Uint16Array,
  opts: TraceOptions,
): { spans: TracedSpan[]; rawWeights: Map<number, bigint> } {
  if (opts === null || typeof opts !== "object") throw new AttributionError("Span tracing needs options.");
  const minSpan = opts.minSpanTokens;
  if (typeof minSpan !== "number" || !Number.isInteger(minSpan) || minSpan < 1 || minSpan > MAX_TRACE_TOKENS) {
    throw new AttributionError(`minSpanTokens must be an integer in 1..${MAX_TRACE_TOKENS}, got ${String(minSpan)}.`);
  }
  const maxSupport = checkMaxSupport(opts.maxSupport);
  const filter = viewFilter(index, opts.view);
  const out = promptTokens(output, MAX_TRACE_TOKENS, "The output to trace");
  const { tokens, sa, starts, contributionIds } = index;
  const stats = viewStats(index, opts.view);
  const logDenominator = Math.log(stats.tokens + VOCAB_SIZE);
  const n = out.length;
  const r2 = new Uint32Array(2);
  const sampleOut = new Float64Array(2);
  const spans: TracedSpan[] = [];
  const weights = new Map<number, bigint>(); // rank → weight

  let prevEnd = 0;
  for (let i = 0; i < n; i++) {
    // The previous match minus its first token still matches: start from there.
    const known = prevEnd > i ? prevEnd - i : 0;
    let lo = 0;
    let hi = sa.length;
    if (known > 0) {
      rangeOf(tokens, sa, out, i, known, r2);
      lo = r2[0];
      hi = r2[1];
    }
    let len = known;
    if (filter === null) {
      while (i + len < n) {
        narrow(tokens, sa, lo, hi, len, out[i + len], r2);
        if (r2[0] === r2[1]) break;
        lo = r2[0];
        hi = r2[1];
        len++;
      }
    } else {
      // Extend in the whole index, then keep the longest length with an occurrence in the view
      // (monotone: a member occurrence of a span is one of each of its prefixes).
      let m = 0;
      rangeLo[0] = lo;
      rangeHi[0] = hi;
      while (i + known + m < n) {
        narrow(tokens, sa, rangeLo[m], rangeHi[m], known + m, out[i + known + m], r2);
        if (r2[0] === r2[1]) break;
        m++;
        if (m >= rangeLo.length) {
          const grow = (a: Uint32Array): Uint32Array<ArrayBuffer> => {
            const b = new Uint32Array(a.length * 2);
            b.set(a);
            return b;
          };
          rangeLo = grow(rangeLo);
          rangeHi = grow(rangeHi);
        }
        rangeLo[m] = r2[0];
        rangeHi[m] = r2[1];
      }
      let good = 0;
      let bad = m + 1;
      while (bad - good > 1) {
        const mid = (good + bad) >>> 1;
        if (hasMember(filter, rangeLo[mid], rangeHi[mid])) good = mid;
        else bad = mid;
      }
      len = known + good;
      lo = rangeLo[good];
      hi = rangeHi[good];
    }
    const end = i + len;
    if (len >= minSpan && end > prevEnd) {
      let rarity = 0;
      for (let j = i; j < end; j++) rarity -= Math.log(stats.unigram(out[j]) + 1) - logDenominator;
      const rarityMicros = BigInt(Math.round(rarity * 1e6));
      const occurrences = countMembers(filter, lo, hi);
      const positions = sampleRange(sa, filter, lo, hi, maxSupport, sampleOut);
      const s = sampleOut[0];
      const ranks = new Uint32Array(s);
      for (let k = 0; k < s; k++) ranks[k] = rankAt(starts, positions[k]);
      ranks.sort();
      const contributions = new Map<number, number>();
      const total = BigInt(s);
      let cum = 0n;
      let prev = 0n;
      for (let k = 0; k < s; ) {
        let j = k + 1;
        while (j < s && ranks[j] === ranks[k]) j++;
        const r = ranks[k];
        contributions.set(contributionIds[r], j - k);
        cum += BigInt(j - k);
        const upTo = (rarityMicros * cum) / total;
        if (upTo > prev) weights.set(r, (weights.get(r) ?? 0n) + upTo - prev);
        prev = upTo;
        k = j;
      }
      spans.push({ start: i, end, text: decode(out.subarray(i, end)), rarityMicros, occurrences, contributions });
    }
    if (end > prevEnd) prevEnd = end;
  }

  const rawWeights = new Map<number, bigint>();
  for (const r of [...weights.keys()].sort((a, b) => a - b)) rawWeights.set(contributionIds[r], weights.get(r)!);
  return { spans, rawWeights };
}
