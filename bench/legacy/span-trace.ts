// The span tracer as it was before issue 17's engine work, kept verbatim (imports aside) for `npm run bench -- scale` ratios
// and the same-answer check. Not used by the app.
/**
 * Attribution of an external model's output, OLMoTrace-style: the maximal spans of the output that
 * occur verbatim in the corpus, weighted by rarity and split over the contributions that contain them.
 *
 * Version 2 (record version 2): spans start and end on word boundaries; each output token is paid once (by
 * the first span covering it); a token's rarity is −ln(c/N) (c its count in the model's contributions, N
 * their tokens); it is split equally over the distinct contributions its sampled occurrences credit, a copy
 * crediting its original (lib/attribution/credit.ts). Version 1 (kept to verify old records): every span
 * extending the previous one pays all its tokens, rarity Σ −ln((c+1)/(N+50257)), split by occurrence counts.
 */
import { checkMaxSupport, floorDiv, rankAt, sampleRange, seededRangeSample, type CorpusIndex } from "@/lib/attribution/corpus";
import type { TokenArray } from "@/lib/attribution/corpus-index";
import { unicode15 } from "@/lib/attribution/unicode";
import { copyMap, ExactCredit, seededSample } from "@/lib/attribution/credit";
import { AttributionError } from "@/lib/attribution/errors";
import { Prng, promptTokens } from "@/lib/attribution/infinigram";
import { ORIGINAL_SPAN_TOKENS } from "@/lib/attribution/originality";
import { CURRENT_RECORD_VERSION } from "@/lib/attribution/record";
import { VerbatimGuard, type VerbatimLimits } from "@/lib/attribution/terms";
import { decode, TOKENIZER, VOCAB_SIZE } from "@/lib/attribution/tokenizer";
import { countMembers, hasMember, viewFilter, viewStats, type ModelView, type ViewFilter } from "@/lib/attribution/view";
import { globalRankAt, isSharded, selectRows, shardedCopyMap, shardedLength, type ShardedIndex, type ShardRanges } from "@/lib/attribution/shards";

/** This copy decodes with GPT-2's tables only (the engine has since taken every tokenizer). */
function requireDefaultTokenizer(index: CorpusIndex, what: string): void {
  if (index.params.tokenizer !== TOKENIZER) throw new AttributionError(`${what} (previous engine) supports ${TOKENIZER} indexes only.`);
}

export const MAX_TRACE_TOKENS = 32_768;

export interface TracedSpan {
  /** Token positions in the output, [start, end). */
  start: number;
  end: number;
  text: string;
  /** Σ rarity over the span's tokens, in millionths (version 2: −ln(c/N) per token; version 1: smoothed). */
  rarityMicros: bigint;
  /** Version 2: the first output token this span pays (earlier ones were paid by the span before). */
  paidFrom?: number;
  /** Occurrences of the span in the corpus (in the view). */
  occurrences: number;
  /** contribution id → occurrences within the sample of at most maxSupport, ascending id. */
  contributions: Map<number, number>;
  /**
   * Version 2: contribution id → its share of the rarity this span paid (copies credited to the original),
   * ascending id; for display only — the record's weights are the exact ones.
   */
  credit?: Map<number, number>;
}

export interface TraceOptions {
  minSpanTokens: number;
  maxSupport: number;
  view?: ModelView;
  /** Record version whose rules apply (default 2; 1 recomputes version 1 records). */
  rules?: 1 | 2;
  /** Version 2: the shortest verbatim run that counts as a copy (default ORIGINAL_SPAN_TOKENS). */
  originalSpanTokens?: number;
  /** Version 2: contributors' "no verbatim over N tokens" terms; the result names the contributions whose limit the answer exceeded. */
  verbatimLimits?: VerbatimLimits;
}

export interface TraceResult {
  spans: TracedSpan[];
  rawWeights: Map<number, bigint>;
  /** Version 2: contribution ids (ascending) containing a run of the answer longer than their verbatim limit. */
  violations: number[];
}

let rangeLo = new Uint32Array(256);
let rangeHi = new Uint32Array(256);

/**
 * Traces one index or a sharded one (shards.ts): a sharded index traces exactly what the one index of the same corpus
 * traces (spans, samples, credit; no view and no verbatim limits on a sharded index yet).
 */
export function traceSpans(
  index: CorpusIndex | ShardedIndex,
  output: string | Uint16Array,
  opts: TraceOptions,
): TraceResult {
  if (opts === null || typeof opts !== "object") throw new AttributionError("Span tracing needs options.");
  const minSpan = opts.minSpanTokens;
  if (typeof minSpan !== "number" || !Number.isInteger(minSpan) || minSpan < 1 || minSpan > MAX_TRACE_TOKENS) {
    throw new AttributionError(`minSpanTokens must be an integer in 1..${MAX_TRACE_TOKENS}, got ${String(minSpan)}.`);
  }
  const maxSupport = checkMaxSupport(opts.maxSupport);
  if (isSharded(index)) return traceSharded(index, output, minSpan, maxSupport, opts);
  const filter = viewFilter(index, opts.view);
  requireDefaultTokenizer(index, "Span tracing");
  const out = promptTokens(output, MAX_TRACE_TOKENS, "The output to trace") as Uint16Array;
  const rules = opts.rules ?? CURRENT_RECORD_VERSION;
  if (rules === 2) return traceV2(index, filter, out, minSpan, maxSupport, opts);
  if (rules !== 1) throw new AttributionError(`rules must be 1 or 2, got ${String(opts.rules)}.`);
  if (opts.verbatimLimits?.size) throw new AttributionError("Verbatim limits are terms of version 2 records; version 1 has none.");
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
      const contributions = splitRarity(ranks, rarityMicros, contributionIds, weights);
      spans.push({ start: i, end, text: decode(out.subarray(i, end)), rarityMicros, occurrences, contributions });
    }
    if (end > prevEnd) prevEnd = end;
  }

  const rawWeights = new Map<number, bigint>();
  for (const r of [...weights.keys()].sort((a, b) => a - b)) rawWeights.set(contributionIds[r], weights.get(r)!);
  return { spans, rawWeights, violations: [] };
}

// ---------------------------------------------------------------------------------------------
// Version 2.

const WORD_CHAR = /[\p{L}\p{N}]/u;
const tokenText = new Map<number, string>();

function textOf(t: number): string {
  let s = tokenText.get(t);
  if (s === undefined) tokenText.set(t, (s = unicode15(decode([t]))));
  return s;
}

/** Word boundaries of the output: before token 0, after the last, and where a token starts or the previous one ends with a non-word character. */
export function wordBoundaries(out: Uint16Array): Uint8Array {
  const n = out.length;
  const b = new Uint8Array(n + 1);
  b[0] = 1;
  b[n] = 1;
  for (let j = 1; j < n; j++) {
    const cur = textOf(out[j]);
    const prev = textOf(out[j - 1]);
    if (!WORD_CHAR.test(cur.charAt(0)) || !WORD_CHAR.test(prev.charAt(prev.length - 1))) b[j] = 1;
  }
  return b;
}

/** A deterministic 64-bit seed from the output's tokens (FNV-1a): the sample is a function of the request. */
export function outputSeed(out: Uint16Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (let j = 0; j < out.length; j++) h = BigInt.asUintN(64, (h ^ BigInt(out[j])) * 0x100000001b3n);
  return h;
}

function traceV2(
  index: CorpusIndex,
  filter: ViewFilter | null,
  out: Uint16Array,
  minSpan: number,
  maxSupport: number,
  opts: TraceOptions,
): TraceResult {
  const { tokens, sa, starts, contributionIds } = index;
  const stats = viewStats(index, opts.view);
  const spanTokens = opts.originalSpanTokens ?? ORIGINAL_SPAN_TOKENS;
  if (!Number.isInteger(spanTokens) || spanTokens < 1) throw new AttributionError(`originalSpanTokens must be a positive integer, got ${String(spanTokens)}.`);
  const copies = copyMap(index, opts.view, filter, spanTokens);
  const logN = Math.log(stats.tokens);
  const n = out.length;
  const boundary = wordBoundaries(out);
  const rng = new Prng(outputSeed(out));
  const r2 = new Uint32Array(2);
  const sampleOut = new Float64Array(2);
  const spans: TracedSpan[] = [];
  const exact = new ExactCredit();
  const rarity = (t: number): bigint => BigInt(Math.round((logN - Math.log(stats.unigram(t))) * 1e6));
  let paidEnd = 0;
  let matchEnd = 0; // where the last longest match ended (before trimming to a word boundary)
  for (let i = 0; i < n; i++) {
    if (!boundary[i]) continue;
    // The longest match from i that occurs in the view, extended token by token (monotone in the length). It is at
    // least what is left of the last match: a suffix of an occurrence is an occurrence in the same contribution, so
    // one search finds that range instead of one narrowing per token.
    let lo = 0;
    let hi = sa.length;
    let len = matchEnd > i ? matchEnd - i : 0;
    if (len > 0) {
      rangeOf(tokens, sa, out, i, len, r2);
      lo = r2[0];
      hi = r2[1];
    }
    while (i + len < n) {
      narrow(tokens, sa, lo, hi, len, out[i + len], r2);
      if (r2[0] === r2[1] || (filter !== null && !hasMember(filter, r2[0], r2[1]))) break;
      lo = r2[0];
      hi = r2[1];
      len++;
    }
    matchEnd = i + len;
    let end = i + len;
    while (end > i && !boundary[end]) end--;
    if (end - i < minSpan || end <= paidEnd) continue;
    rangeOf(tokens, sa, out, i, end - i, r2);
    const positions = seededRangeSample(sa, filter, r2[0], r2[1], maxSupport, rng, sampleOut);
    const s = sampleOut[0];
    const from = Math.max(i, paidEnd);
    spans.push(creditedSpan({ out, i, end, from, positions, samples: s, occurrences: sampleOut[1], rankOf: (p) => rankAt(starts, p), contributionIds, copies, exact, rarity }));
    paidEnd = end;
  }
  const guard = opts.verbatimLimits?.size ? new VerbatimGuard(index, opts.view, opts.verbatimLimits) : null;
  const violations = guard ? guard.violations(out).map((r) => contributionIds[r]) : [];
  return { spans, rawWeights: exact.weights(contributionIds), violations };
}

// ---------------------------------------------------------------------------------------------
// Sharded indexes: the same spans, samples and credit as the one index of the same corpus.

/** The shards' ranges narrowed by one more token at `depth`; their total. */
/**
 * One traced span of version 2 (one index or shards): how many sampled occurrences each contribution holds, and each
 * paid token's rarity split over the contributions its sampled occurrences belong to (a copied passage credits its
 * first owner), exactly (ExactCredit) and as doubles for display.
 */
function creditedSpan(a: {
  out: Uint16Array;
  i: number;
  end: number;
  from: number;
  positions: ArrayLike<number>;
  samples: number;
  occurrences: number;
  rankOf: (position: number) => number;
  contributionIds: Uint32Array;
  copies: { ownerAt(position: number): number };
  exact: ExactCredit;
  rarity: (t: number) => bigint;
}): TracedSpan {
  const { out, i, end, from, positions, samples, rankOf, contributionIds, copies, exact, rarity } = a;
  let spanRarity = 0n;
  const counts = new Map<number, number>();
  const credit = new Map<number, number>();
  for (let k = 0; k < samples; k++) {
    const id = contributionIds[rankOf(positions[k])];
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  for (let j = i; j < end; j++) {
    const w = rarity(out[j]);
    spanRarity += w;
    if (j < from) continue;
    const credited = new Set<number>();
    for (let k = 0; k < samples; k++) {
      const p = positions[k];
      const owner = copies.ownerAt(p + (j - i));
      credited.add(owner >= 0 ? owner : rankOf(p));
    }
    const ranks = Uint32Array.from([...credited].sort((x, y) => x - y));
    exact.split(ranks, w);
    const share = Number(w) / ranks.length;
    for (const r of ranks) credit.set(contributionIds[r], (credit.get(contributionIds[r]) ?? 0) + share);
  }
  return {
    start: i,
    end,
    text: decode(out.subarray(i, end)),
    rarityMicros: spanRarity,
    paidFrom: from,
    occurrences: a.occurrences,
    contributions: new Map([...counts].sort((x, y) => x[0] - y[0])),
    credit: new Map([...credit].sort((x, y) => x[0] - y[0])),
  };
}

/**
 * Version 1's span credit: the span's rarity split over its sampled occurrences' contributions in proportion to their
 * counts, by cumulative integer division (the parts sum to the whole); adds to `weights` (by rank), returns the counts
 * per contribution id. Sorts `ranks`.
 */
function splitRarity(ranks: Uint32Array, rarityMicros: bigint, contributionIds: Uint32Array, weights: Map<number, bigint>): Map<number, number> {
  ranks.sort();
  const s = ranks.length;
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
  return contributions;
}

function narrowAll(index: ShardedIndex, from: ShardRanges, depth: number, t: number, to: ShardRanges, r2: Uint32Array): number {
  let m = 0;
  for (let i = 0; i < index.shards.length; i++) {
    const sh = index.shards[i];
    if (from.lo[i] < from.hi[i]) {
      narrow(sh.tokens, sh.sa, from.lo[i], from.hi[i], depth, t, r2);
      to.lo[i] = r2[0];
      to.hi[i] = r2[1];
    } else {
      to.lo[i] = from.lo[i];
      to.hi[i] = from.lo[i];
    }
    m += to.hi[i] - to.lo[i];
  }
  return m;
}

function wholeRanges(index: ShardedIndex): ShardRanges {
  return { lo: index.shards.map(() => 0), hi: index.shards.map((s) => s.sa.length) };
}

/** The longest match of out[i..) (at least `known` tokens are known to match), its ranges and length. */
function extendSharded(index: ShardedIndex, out: Uint16Array, i: number, known: number, r2: Uint32Array): { len: number; ranges: ShardRanges; m: number } {
  let cur = wholeRanges(index);
  let m = 0;
  for (let i2 = 0; i2 < cur.lo.length; i2++) m += cur.hi[i2] - cur.lo[i2];
  if (known > 0) {
    m = 0;
    for (let k = 0; k < index.shards.length; k++) {
      const sh = index.shards[k];
      rangeOf(sh.tokens, sh.sa, out, i, known, r2);
      cur.lo[k] = r2[0];
      cur.hi[k] = r2[1];
      m += r2[1] - r2[0];
    }
  }
  let len = known;
  let next: ShardRanges = { lo: cur.lo.slice(), hi: cur.hi.slice() };
  while (i + len < out.length) {
    const m2 = narrowAll(index, cur, len, out[i + len], next, r2);
    if (m2 === 0) break;
    [cur, next] = [next, cur];
    m = m2;
    len++;
  }
  return { len, ranges: cur, m };
}

function rangesOfSpan(index: ShardedIndex, out: Uint16Array, i: number, len: number, r2: Uint32Array): { ranges: ShardRanges; m: number } {
  const ranges = wholeRanges(index);
  let m = 0;
  for (let k = 0; k < index.shards.length; k++) {
    const sh = index.shards[k];
    rangeOf(sh.tokens, sh.sa, out, i, len, r2);
    ranges.lo[k] = r2[0];
    ranges.hi[k] = r2[1];
    m += r2[1] - r2[0];
  }
  return { ranges, m };
}

/** Global positions of the rows of the given ranks (ascending) in the merged ranges. */
function positionsOf(index: ShardedIndex, ranges: ShardRanges, depth: number, ranks: ArrayLike<number>, s: number): Float64Array {
  const sh = new Uint32Array(s);
  const loc = new Uint32Array(s);
  selectRows(index, ranges, depth, ranks, s, sh, loc);
  const out = new Float64Array(s);
  for (let k = 0; k < s; k++) out[k] = index.tokenOffsets[sh[k]] + loc[k];
  return out;
}

function traceSharded(index: ShardedIndex, output: string | Uint16Array, minSpan: number, maxSupport: number, opts: TraceOptions): TraceResult {
  if (opts.view !== undefined) throw new AttributionError("Model views over a sharded index are not supported yet.");
  if (opts.verbatimLimits?.size) throw new AttributionError("Verbatim limits over a sharded index are not supported yet.");
  requireDefaultTokenizer(index.shards[0], "Span tracing");
  const out = promptTokens(output, MAX_TRACE_TOKENS, "The output to trace") as Uint16Array;
  const rules = opts.rules ?? CURRENT_RECORD_VERSION;
  if (rules !== 1 && rules !== 2) throw new AttributionError(`rules must be 1 or 2, got ${String(opts.rules)}.`);
  const { contributionIds, starts } = index;
  const realTokens = shardedLength(index) - contributionIds.length;
  const unigram = (t: number): number => index.unigram[t];
  const n = out.length;
  const r2 = new Uint32Array(2);
  const spans: TracedSpan[] = [];

  if (rules === 1) {
    const logDenominator = Math.log(realTokens + VOCAB_SIZE);
    const weights = new Map<number, bigint>(); // rank → weight
    let prevEnd = 0;
    for (let i = 0; i < n; i++) {
      const known = prevEnd > i ? prevEnd - i : 0;
      const { len, ranges, m } = extendSharded(index, out, i, known, r2);
      const end = i + len;
      if (len >= minSpan && end > prevEnd) {
        let rarity = 0;
        for (let j = i; j < end; j++) rarity -= Math.log(unigram(out[j]) + 1) - logDenominator;
        const rarityMicros = BigInt(Math.round(rarity * 1e6));
        // Version 1's stride sample (sampleRange) of the merged range.
        const s = m < maxSupport ? m : maxSupport;
        const ranksIdx = new Float64Array(s);
        for (let k = 0; k < s; k++) ranksIdx[k] = m <= maxSupport ? k : floorDiv(k * m, s);
        const positions = positionsOf(index, ranges, len, ranksIdx, s);
        const ranks = new Uint32Array(s);
        for (let k = 0; k < s; k++) ranks[k] = globalRankAt(starts, positions[k]);
        const contributions = splitRarity(ranks, rarityMicros, contributionIds, weights);
        spans.push({ start: i, end, text: decode(out.subarray(i, end)), rarityMicros, occurrences: m, contributions });
      }
      if (end > prevEnd) prevEnd = end;
    }
    const rawWeights = new Map<number, bigint>();
    for (const r of [...weights.keys()].sort((a, b) => a - b)) rawWeights.set(contributionIds[r], weights.get(r)!);
    return { spans, rawWeights, violations: [] };
  }

  const spanTokens = opts.originalSpanTokens ?? ORIGINAL_SPAN_TOKENS;
  if (!Number.isInteger(spanTokens) || spanTokens < 1) throw new AttributionError(`originalSpanTokens must be a positive integer, got ${String(spanTokens)}.`);
  const copies = shardedCopyMap(index, spanTokens);
  const logN = Math.log(realTokens);
  const boundary = wordBoundaries(out);
  const rng = new Prng(outputSeed(out));
  const exact = new ExactCredit();
  const rarity = (t: number): bigint => BigInt(Math.round((logN - Math.log(unigram(t))) * 1e6));
  let paidEnd = 0;
  for (let i = 0; i < n; i++) {
    if (!boundary[i]) continue;
    const { len } = extendSharded(index, out, i, 0, r2);
    let end = i + len;
    while (end > i && !boundary[end]) end--;
    if (end - i < minSpan || end <= paidEnd) continue;
    const { ranges, m } = rangesOfSpan(index, out, i, end - i, r2);
    // Version 2's seeded sample (seededRangeSample) of the merged range.
    const idx = seededSample(m, maxSupport, rng);
    const s = idx.length;
    const positions = positionsOf(index, ranges, end - i, idx, s);
    const from = Math.max(i, paidEnd);
    spans.push(creditedSpan({ out, i, end, from, positions, samples: s, occurrences: m, rankOf: (p) => globalRankAt(starts, p), contributionIds, copies, exact, rarity }));
    paidEnd = end;
  }
  return { spans, rawWeights: exact.weights(contributionIds), violations: [] };
}

// The search primitives as they were (lib/attribution/corpus.ts has since changed them).

/**
 * SA range [out[0], out[1]) of the suffixes that start with pat[off..off+len), len ≥ 1. Binary search
 * with the lcp-of-bounds shortcut: suffixes between two bounds share min(lcpLo, lcpHi) tokens with
 * the pattern, so those need not be compared again.
 */
function rangeOf(tokens: TokenArray, sa: Uint32Array, pat: TokenArray, off: number, len: number, out: Uint32Array): void {
  const n = sa.length;
  let lo = -1;
  let hi = n;
  let lcpLo = 0;
  let lcpHi = 0;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    const p = sa[mid];
    let j = lcpLo < lcpHi ? lcpLo : lcpHi;
    // The last token is a separator, which never equals a pattern token, so p + j stays in bounds.
    while (j < len && tokens[p + j] === pat[off + j]) j++;
    if (j === len || tokens[p + j] > pat[off + j]) {
      hi = mid;
      lcpHi = j;
    } else {
      lo = mid;
      lcpLo = j;
    }
  }
  if (hi === n || lcpHi !== len) {
    out[0] = hi;
    out[1] = hi;
    return;
  }
  const first = hi;
  lo = first;
  lcpLo = len;
  hi = n;
  lcpHi = 0;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    const p = sa[mid];
    let j = lcpLo < lcpHi ? lcpLo : lcpHi;
    while (j < len && tokens[p + j] === pat[off + j]) j++;
    if (j < len && tokens[p + j] > pat[off + j]) {
      hi = mid;
      lcpHi = j;
    } else {
      lo = mid;
      lcpLo = j;
    }
  }
  out[0] = first;
  out[1] = hi;
}

/**
 * Within an SA range whose suffixes share `depth` tokens, the sub-range whose token at `depth` is t
 * (the tokens there are sorted, separators last).
 */
function narrow(tokens: TokenArray, sa: Uint32Array, lo: number, hi: number, depth: number, t: number, out: Uint32Array): void {
  let a = lo;
  let b = hi;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (tokens[sa[m] + depth] < t) a = m + 1;
    else b = m;
  }
  const first = a;
  b = hi;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (tokens[sa[m] + depth] <= t) a = m + 1;
    else b = m;
  }
  out[0] = first;
  out[1] = a;
}
