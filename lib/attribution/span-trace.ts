/**
 * Attribution of an external model's output, OLMoTrace-style: the maximal spans of the output that
 * occur verbatim in the corpus, weighted by rarity and split over the contributions that contain them.
 *
 * Version 2 (record version 2): spans start and end on word boundaries; each output token is paid once (by
 * the first span covering it); a token's rarity is −ln(c/N) (c its count in the model's contributions, N
 * their tokens); it is split equally over the distinct contributions its sampled occurrences credit, a copy
 * crediting its original (lib/attribution/credit.ts). Version 1 (kept to verify old records): every span
 * extending the previous one pays all its tokens, rarity Σ −ln((c+1)/(N+V)) (V the vocabulary size, 50257 for r50k_base), split by occurrence counts.
 */
import { checkMaxSupport, floorDiv, narrow, rangeOf, rankAt, sampleRange, seededRangeSample, type CorpusIndex } from "./corpus";
import { unicode15 } from "./unicode";
import { copyMap, ExactCredit, seededSample, type CopyMap } from "./credit";
import { AttributionError } from "./errors";
import { indexTokenizer, Prng, promptTokens } from "./infinigram";
import { ORIGINAL_SPAN_TOKENS } from "./originality";
import { CURRENT_RECORD_VERSION } from "./record";
import { VerbatimGuard, type VerbatimLimits } from "./terms";
import { tokenizerFor, type Tokenizer, type Tokens } from "./tokenizer";
import { countMembers, hasMember, viewFilter, viewStats, type ModelView, type ViewFilter } from "./view";
import { globalRankAt, isSharded, selectRows, shardedCopyMap, shardedLength, type ShardedIndex, type ShardRanges } from "./shards";

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
// Version 2's scratch (traceV2 is synchronous): word-boundary starts, and a match's SA range at each length.
let startsAt = new Int32Array(512);
let spanLo = new Uint32Array(512);
let spanHi = new Uint32Array(512);
// creditedSpan's scratch, per sample: contribution rank, copy-map segment cursor, credited rank; sorted distinct ranks.
let sampleRanks = new Uint32Array(1024);
let segmentAt = new Int32Array(1024);
let creditedBy = new Uint32Array(1024);
let creditedRanks = new Uint32Array(1024);

/**
 * Traces one index or a sharded one (shards.ts): a sharded index traces exactly what the one index of the same corpus
 * traces (spans, samples, credit; no view and no verbatim limits on a sharded index yet).
 */
export function traceSpans(
  index: CorpusIndex | ShardedIndex,
  output: string | Tokens,
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
  const tokenizer = indexTokenizer(index);
  const out = promptTokens(output, MAX_TRACE_TOKENS, "The output to trace", tokenizer);
  const rules = opts.rules ?? CURRENT_RECORD_VERSION;
  if (rules === 2) return traceV2(index, filter, out, minSpan, maxSupport, opts, tokenizer);
  if (rules !== 1) throw new AttributionError(`rules must be 1 or 2, got ${String(opts.rules)}.`);
  if (opts.verbatimLimits?.size) throw new AttributionError("Verbatim limits are terms of version 2 records; version 1 has none.");
  const { tokens, sa, starts, contributionIds } = index;
  const stats = viewStats(index, opts.view);
  const logDenominator = Math.log(stats.tokens + tokenizer.vocabSize);
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
      spans.push({ start: i, end, text: tokenizer.decode(out.subarray(i, end)), rarityMicros, occurrences, contributions });
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
// Per tokenizer, per token id: 1 = known, 2 = its text (Unicode 15.0) starts with a word character, 4 = ends with one.
// Decoding and testing a token once, not twice per output position, is most of what word boundaries cost.
const KNOWN = 1;
const STARTS_WORD = 2;
const ENDS_WORD = 4;
const wordFlags = new Map<string, Uint8Array>();

function flagsOf(tokenizer: Tokenizer, flags: Uint8Array, t: number): number {
  let f = flags[t];
  if (!f) {
    const text = unicode15(tokenizer.decode([t]));
    f = KNOWN | (WORD_CHAR.test(text.charAt(0)) ? STARTS_WORD : 0) | (WORD_CHAR.test(text.charAt(text.length - 1)) ? ENDS_WORD : 0);
    flags[t] = f;
  }
  return f;
}

/** Word boundaries of the output: before token 0, after the last, and where a token starts or the previous one ends with a non-word character. */
export function wordBoundaries(out: Tokens, tokenizer: Tokenizer = tokenizerFor()): Uint8Array {
  let flags = wordFlags.get(tokenizer.name);
  if (flags === undefined) wordFlags.set(tokenizer.name, (flags = new Uint8Array(tokenizer.vocabSize)));
  const n = out.length;
  const b = new Uint8Array(n + 1);
  b[0] = 1;
  b[n] = 1;
  let prev = n > 0 ? flagsOf(tokenizer, flags, out[0]) : 0;
  for (let j = 1; j < n; j++) {
    const cur = flagsOf(tokenizer, flags, out[j]);
    if (!(cur & STARTS_WORD) || !(prev & ENDS_WORD)) b[j] = 1;
    prev = cur;
  }
  return b;
}

/** A deterministic 64-bit seed from the output's tokens (FNV-1a): the sample is a function of the request. */
export function outputSeed(out: Tokens): bigint {
  let h = 0xcbf29ce484222325n;
  for (let j = 0; j < out.length; j++) h = BigInt.asUintN(64, (h ^ BigInt(out[j])) * 0x100000001b3n);
  return h;
}

/**
 * Every start after startsAt[b] whose match began inside b's match ends at matchEnd or beyond. One that ends exactly
 * there pays nothing: it trims to the same end as b's match (or to nothing), which b paid or could not pay. So the
 * next start worth a search is the first q in (startsAt[b], matchEnd] whose match goes past matchEnd — `reaches(q)`:
 * out[q..matchEnd] occurs, monotone in q — found galloping down from the last such start, then bisecting (a few
 * searches, not one per start); else the first start past matchEnd. `preset`: the last `reaches` that returned true
 * was for the start returned (its range can seed the extension).
 */
function firstStartPast(startsAt: Int32Array, b: number, nb: number, matchEnd: number, reaches: (q: number) => boolean): { b: number; preset: boolean } {
  let last = b;
  while (last + 1 < nb && startsAt[last + 1] <= matchEnd) last++;
  if (last === b) return { b: b + 1, preset: false };
  let bad = b + 1;
  let good = last + 1; // none found yet
  if (reaches(startsAt[b + 1])) good = b + 1;
  else {
    for (let step = 1, k = last; k > bad; step *= 2, k = last + 1 - step) {
      if (!reaches(startsAt[k])) {
        bad = k;
        break;
      }
      good = k;
    }
    while (good - bad > 1) {
      const mid = (good + bad) >>> 1;
      if (reaches(startsAt[mid])) good = mid;
      else bad = mid;
    }
  }
  return { b: good, preset: good <= last };
}

function traceV2(
  index: CorpusIndex,
  filter: ViewFilter | null,
  out: Tokens,
  minSpan: number,
  maxSupport: number,
  opts: TraceOptions,
  tokenizer: Tokenizer,
): TraceResult {
  const { tokens, sa, starts, contributionIds } = index;
  const stats = viewStats(index, opts.view);
  const spanTokens = opts.originalSpanTokens ?? ORIGINAL_SPAN_TOKENS;
  if (!Number.isInteger(spanTokens) || spanTokens < 1) throw new AttributionError(`originalSpanTokens must be a positive integer, got ${String(spanTokens)}.`);
  const copies = copyMap(index, opts.view, filter, spanTokens);
  const logN = Math.log(stats.tokens);
  const n = out.length;
  const boundary = wordBoundaries(out, tokenizer);
  const rng = new Prng(outputSeed(out));
  const r2 = new Uint32Array(2);
  const sampleOut = new Float64Array(2);
  const spans: TracedSpan[] = [];
  const exact = new ExactCredit();
  const rarity = (t: number): bigint => BigInt(Math.round((logN - Math.log(stats.unigram(t))) * 1e6));
  let paidEnd = 0;
  let matchEnd = 0; // where the last longest match ended (before trimming to a word boundary)
  // Word-boundary starts, in order; the search visits only some of them (see the skip below).
  if (startsAt.length < n) startsAt = new Int32Array(Math.max(n, 2 * startsAt.length));
  let nb = 0;
  for (let j = 0; j < n; j++) if (boundary[j]) startsAt[nb++] = j;
  let preset = -1; // a start whose range of out[i..matchEnd] (matchEnd + 1 − i tokens) the skip already found
  let presetLo = 0;
  let presetHi = 0;
  // Whether out[q..matchEnd] occurs in the view; its range is kept for the start the skip lands on.
  const reaches = (q: number): boolean => {
    rangeOf(tokens, sa, out, q, matchEnd + 1 - q, r2);
    if (r2[0] === r2[1] || (filter !== null && !hasMember(filter, r2[0], r2[1]))) return false;
    presetLo = r2[0];
    presetHi = r2[1];
    return true;
  };
  for (let b = 0; b < nb; b++) {
    const i = startsAt[b];
    // The longest match from i that occurs in the view, extended token by token (monotone in the length). It is at
    // least what is left of the last match: a suffix of an occurrence is an occurrence in the same contribution, so
    // one search finds that range instead of one narrowing per token.
    let lo = 0;
    let hi = sa.length;
    let len = matchEnd > i ? matchEnd - i : 0;
    if (b === preset) {
      lo = presetLo;
      hi = presetHi;
      len = matchEnd + 1 - i;
    } else if (len > 0) {
      rangeOf(tokens, sa, out, i, len, r2);
      lo = r2[0];
      hi = r2[1];
    }
    // The range at every length from len0 on, so the span trimmed to a word boundary needs no new search.
    const len0 = len;
    if (spanLo.length < n - i - len0 + 1) {
      spanLo = new Uint32Array(Math.max(n + 1, 2 * spanLo.length));
      spanHi = new Uint32Array(spanLo.length);
    }
    spanLo[0] = lo;
    spanHi[0] = hi;
    while (i + len < n) {
      narrow(tokens, sa, lo, hi, len, out[i + len], r2);
      if (r2[0] === r2[1] || (filter !== null && !hasMember(filter, r2[0], r2[1]))) break;
      lo = r2[0];
      hi = r2[1];
      len++;
      spanLo[len - len0] = lo;
      spanHi[len - len0] = hi;
    }
    matchEnd = i + len;
    let end = i + len;
    while (end > i && !boundary[end]) end--;
    if (end - i >= minSpan && end > paidEnd) {
      if (end - i >= len0) {
        r2[0] = spanLo[end - i - len0];
        r2[1] = spanHi[end - i - len0];
      } else rangeOf(tokens, sa, out, i, end - i, r2);
      const positions = seededRangeSample(sa, filter, r2[0], r2[1], maxSupport, rng, sampleOut);
      const s = sampleOut[0];
      const from = Math.max(i, paidEnd);
      spans.push(creditedSpan({ tokenizer, out, i, end, from, positions, samples: s, occurrences: sampleOut[1], rankOf: (p) => rankAt(starts, p), contributionIds, copies, exact, rarity }));
      paidEnd = end;
    }
    if (matchEnd >= n) break; // the match never ends beyond the output's end
    const next = firstStartPast(startsAt, b, nb, matchEnd, reaches);
    preset = next.preset ? next.b : -1;
    b = next.b - 1;
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
  tokenizer: Tokenizer;
  out: Tokens;
  i: number;
  end: number;
  from: number;
  positions: ArrayLike<number>;
  samples: number;
  occurrences: number;
  rankOf: (position: number) => number;
  contributionIds: Uint32Array;
  copies: CopyMap;
  exact: ExactCredit;
  rarity: (t: number) => bigint;
}): TracedSpan {
  const { out, i, end, from, positions, samples, rankOf, contributionIds, copies, exact, rarity } = a;
  if (sampleRanks.length < samples) {
    const cap = Math.max(samples, 2 * sampleRanks.length);
    sampleRanks = new Uint32Array(cap);
    segmentAt = new Int32Array(cap);
    creditedBy = new Uint32Array(cap);
    creditedRanks = new Uint32Array(cap);
  }
  let spanRarity = 0n;
  const credit = new Map<number, number>();
  // Each sample's contribution rank once (not once per token), and a cursor into the copy map's segments: the paid
  // tokens of one occurrence are consecutive positions, so one binary search per sample finds them all.
  const { starts: segStarts, ends: segEnds, owners } = copies;
  const segments = segStarts.length;
  for (let k = 0; k < samples; k++) {
    sampleRanks[k] = rankOf(positions[k]);
    const first = positions[k] + (from - i);
    let lo = 0;
    let hi = segments;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (segStarts[m] <= first) lo = m + 1;
      else hi = m;
    }
    segmentAt[k] = lo; // segments starting at or before the position
  }
  // Consecutive tokens credited to the same ranks (the usual case) share one exact split of their summed amounts: the
  // same weights, since ExactCredit only adds amounts per rank and denominator.
  let d = 0;
  let have = false;
  let pending = 0n;
  for (let j = i; j < end; j++) {
    const w = rarity(out[j]);
    spanRarity += w;
    if (j < from) continue;
    let same = have;
    for (let k = 0; k < samples; k++) {
      const pos = positions[k] + (j - i);
      let g = segmentAt[k];
      while (g < segments && segStarts[g] <= pos) g++;
      segmentAt[k] = g;
      const c = g > 0 && pos < segEnds[g - 1] ? owners[g - 1] : sampleRanks[k];
      if (creditedBy[k] !== c) same = false;
      creditedBy[k] = c;
    }
    if (!same) {
      if (have) exact.split(creditedRanks.subarray(0, d), pending);
      const sorted = creditedRanks.subarray(0, samples);
      sorted.set(creditedBy.subarray(0, samples));
      sorted.sort();
      d = 0;
      for (let k = 0; k < samples; k++) if (k === 0 || sorted[k] !== sorted[k - 1]) creditedRanks[d++] = sorted[k];
      pending = 0n;
      have = true;
    }
    pending += w;
    const share = Number(w) / d;
    for (let q = 0; q < d; q++) {
      const id = contributionIds[creditedRanks[q]];
      credit.set(id, (credit.get(id) ?? 0) + share);
    }
  }
  if (have) exact.split(creditedRanks.subarray(0, d), pending);
  // Occurrences per contribution, ascending id (= ascending rank): counted over the sorted ranks.
  const sortedRanks = creditedRanks.subarray(0, samples);
  sortedRanks.set(sampleRanks.subarray(0, samples));
  sortedRanks.sort();
  const contributions = new Map<number, number>();
  for (let k = 0; k < samples; ) {
    let k2 = k + 1;
    while (k2 < samples && sortedRanks[k2] === sortedRanks[k]) k2++;
    contributions.set(contributionIds[sortedRanks[k]], k2 - k);
    k = k2;
  }
  return {
    start: i,
    end,
    text: a.tokenizer.decode(out.subarray(i, end)),
    rarityMicros: spanRarity,
    paidFrom: from,
    occurrences: a.occurrences,
    contributions,
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
function extendSharded(index: ShardedIndex, out: Tokens, i: number, known: number, r2: Uint32Array): { len: number; ranges: ShardRanges; m: number } {
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

function rangesOfSpan(index: ShardedIndex, out: Tokens, i: number, len: number, r2: Uint32Array): { ranges: ShardRanges; m: number } {
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

function traceSharded(index: ShardedIndex, output: string | Tokens, minSpan: number, maxSupport: number, opts: TraceOptions): TraceResult {
  if (opts.view !== undefined) throw new AttributionError("Model views over a sharded index are not supported yet.");
  if (opts.verbatimLimits?.size) throw new AttributionError("Verbatim limits over a sharded index are not supported yet.");
  const tokenizer = indexTokenizer(index);
  const out = promptTokens(output, MAX_TRACE_TOKENS, "The output to trace", tokenizer);
  const rules = opts.rules ?? CURRENT_RECORD_VERSION;
  if (rules !== 1 && rules !== 2) throw new AttributionError(`rules must be 1 or 2, got ${String(opts.rules)}.`);
  const { contributionIds, starts } = index;
  const realTokens = shardedLength(index) - contributionIds.length;
  const unigram = (t: number): number => index.unigram[t];
  const n = out.length;
  const r2 = new Uint32Array(2);
  const spans: TracedSpan[] = [];

  if (rules === 1) {
    const logDenominator = Math.log(realTokens + tokenizer.vocabSize);
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
        spans.push({ start: i, end, text: tokenizer.decode(out.subarray(i, end)), rarityMicros, occurrences: m, contributions });
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
  const boundary = wordBoundaries(out, tokenizer);
  const rng = new Prng(outputSeed(out));
  const exact = new ExactCredit();
  const rarity = (t: number): bigint => BigInt(Math.round((logN - Math.log(unigram(t))) * 1e6));
  let paidEnd = 0;
  let matchEnd = 0; // where the last longest match ended (before trimming to a word boundary)
  const starts32 = new Int32Array(n);
  let nb = 0;
  for (let j = 0; j < n; j++) if (boundary[j]) starts32[nb++] = j;
  // As on one index: each match starts from what is left of the last one, and starts that cannot pay are skipped.
  const reaches = (q: number): boolean => rangesOfSpan(index, out, q, matchEnd + 1 - q, r2).m > 0;
  for (let b = 0; b < nb; b++) {
    const i = starts32[b];
    const { len } = extendSharded(index, out, i, matchEnd > i ? matchEnd - i : 0, r2);
    matchEnd = i + len;
    let end = i + len;
    while (end > i && !boundary[end]) end--;
    if (end - i >= minSpan && end > paidEnd) {
      const { ranges, m } = rangesOfSpan(index, out, i, end - i, r2);
      // Version 2's seeded sample (seededRangeSample) of the merged range.
      const idx = seededSample(m, maxSupport, rng);
      const s = idx.length;
      const positions = positionsOf(index, ranges, end - i, idx, s);
      const from = Math.max(i, paidEnd);
      spans.push(creditedSpan({ tokenizer, out, i, end, from, positions, samples: s, occurrences: m, rankOf: (p) => globalRankAt(starts, p), contributionIds, copies, exact, rarity }));
      paidEnd = end;
    }
    if (matchEnd >= n) break;
    b = firstStartPast(starts32, b, nb, matchEnd, reaches).b - 1;
  }
  return { spans, rawWeights: exact.weights(contributionIds), violations: [] };
}
