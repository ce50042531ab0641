/**
 * The corpus index: every contribution's tokens, concatenated in ascending contribution id order with
 * a separator after each, and a suffix array over them (Infini-gram style, ≈ 6 bytes per token).
 *
 * Ordering rule: the suffix array is built over a working alphabet where real tokens keep their id
 * and the separator after the contribution of rank r is the symbol VOCAB_SIZE + r. Separators are
 * unique, larger than every token and ordered by contribution id, so comparing two suffixes never
 * reads past the first separator and their order depends only on their own contribution's text and
 * id. A model view (a subset of contributions) therefore sees its occurrences in exactly the order
 * a standalone index of that subset would have. Stored tokens use the single value SEPARATOR, which
 * is still larger than every token, so binary searches with separator-free patterns stay consistent.
 */
import type { CorpusIndex, TokenArray, TokenWidth } from "./corpus-index";
import { seededSample } from "./credit";
import { AttributionError } from "./errors";
import type { Prng } from "./infinigram";
import { suffixArray } from "./sais";
import { checkTokens, encodeWith, MAX_VOCAB_SIZE, SEPARATOR, TOKENIZER, tokenizerInfo, toTokenArray } from "./tokenizer";
import { countMembers, hasMember, viewFilter, type ModelView, type ViewFilter } from "./view";

export interface CorpusContribution {
  id: number;
  datanetId: number;
  text: string;
}

export interface CorpusTokens {
  id: number;
  datanetId: number;
  tokens: ArrayLike<number>;
}

export type { CorpusIndex, TokenArray, TokenWidth };
export { tokenWidth } from "./corpus-index";

export interface BuildOptions {
  onProgress?: (phase: "tokenizing" | "indexing", done: number, total: number) => void;
  /**
   * Bits per stored token (default 16: the artifact is format version 1, byte for byte as before). 32 stores
   * the same tokens as a Uint32Array and writes format version 2; queries answer identically.
   */
  tokenWidth?: TokenWidth;
  /**
   * The tokenizer (default r50k_base, GPT-2). cl100k_base and o200k_base need 32-bit tokens (their default here)
   * and `await loadTokenizer(name)` before building from text; their indexes generate, trace spans, retrieve and
   * evaluate with that tokenizer (it must be loaded for those too).
   */
  tokenizer?: string;
}

export interface NextTokenEntry {
  token: number;
  count: number;
  /** contribution id → occurrences (within the sample), ascending id order */
  byContribution: Map<number, number>;
}

export interface NextTokenDistribution {
  /** Length of the context suffix the distribution comes from (0 = whole-corpus unigram). */
  suffixLength: number;
  /** Sampled occurrences (≤ maxSupport) = Σ entry counts. */
  total: number;
  /** All occurrences of that suffix followed by a real token (in the view), before sampling. */
  occurrences: number;
  /** Sorted by token id. */
  entries: NextTokenEntry[];
}

/** Suffix-array positions are Uint32, but SA-IS works on Int32. */
export const MAX_CORPUS_TOKENS = 0x7ffffffe;
const MAX_ID = 0xffffffff;

function checkUint32(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_ID) {
    throw new AttributionError(`${what} must be an integer in 0..${MAX_ID}, got ${String(value)}.`);
  }
  return value;
}

export function buildCorpusIndex(contributions: CorpusContribution[], opts?: BuildOptions): CorpusIndex {
  if (!Array.isArray(contributions) || contributions.length === 0) {
    throw new AttributionError("The corpus is empty: an index needs at least one contribution.");
  }
  const tokenizer = tokenizerInfo(opts?.tokenizer ?? TOKENIZER).name;
  const items: CorpusTokens[] = new Array(contributions.length);
  for (let i = 0; i < contributions.length; i++) {
    const c = contributions[i];
    if (typeof c?.text !== "string") throw new AttributionError(`Contribution ${String(c?.id)} has no text.`);
    items[i] = { id: c.id, datanetId: c.datanetId, tokens: encodeWith(tokenizer, c.text) };
    opts?.onProgress?.("tokenizing", i + 1, contributions.length);
  }
  return buildCorpusIndexFromTokens(items, opts);
}

/** Builds from already tokenized contributions (ids must be real tokens, < VOCAB_SIZE). */
export function buildCorpusIndexFromTokens(items: CorpusTokens[], opts?: BuildOptions): CorpusIndex {
  return buildFromTokens(items, opts, false);
}

/**
 * One shard of a sharded index (shards.ts): a normal index, except that it may hold only empty contributions
 * (a corpus's empty contributions keep their place, and so their rank, in the shard their id falls in).
 */
export function buildShardFromTokens(items: CorpusTokens[], opts?: BuildOptions): CorpusIndex {
  return buildFromTokens(items, opts, true);
}

function buildFromTokens(items: CorpusTokens[], opts: BuildOptions | undefined, allowNoTokens: boolean): CorpusIndex {
  if (!Array.isArray(items) || items.length === 0) {
    throw new AttributionError("The corpus is empty: an index needs at least one contribution.");
  }
  const c = items.length;
  const order = items.map((_, i) => i);
  let total = c;
  for (const it of items) {
    checkUint32(it?.id, "A contribution id");
    checkUint32(it.datanetId, `The Datanet id of contribution ${it.id}`);
    if (it.tokens === null || typeof it.tokens !== "object" || typeof it.tokens.length !== "number") {
      throw new AttributionError(`Contribution ${it.id} has no token array.`);
    }
    total += it.tokens.length;
  }
  if (total > MAX_CORPUS_TOKENS) {
    throw new AttributionError(`The corpus has ${total} tokens; one index holds at most ${MAX_CORPUS_TOKENS}.`);
  }
  order.sort((a, b) => items[a].id - items[b].id);
  const contributionIds = new Uint32Array(c);
  const datanetIds = new Uint32Array(c);
  const starts = new Uint32Array(c);
  const info = tokenizerInfo(opts?.tokenizer ?? TOKENIZER);
  const V = info.vocabSize;
  const gpt2 = info.name === TOKENIZER;
  const width = opts?.tokenWidth ?? info.minWidth;
  if (width !== 16 && width !== 32) throw new AttributionError(`tokenWidth must be 16 or 32, got ${String(width)}.`);
  if (width < info.minWidth) throw new AttributionError(`${info.name} needs 32-bit tokens: its ids and separator go up to ${V}, above 16 bits.`);
  // Working text for the suffix array: unique separator VOCAB_SIZE + rank after each contribution. It is the
  // token array itself (separators reset to V after the sort) unless V + rank overflows 16 bits: peak memory.
  const tokens: TokenArray = width === 32 ? new Uint32Array(total) : new Uint16Array(total);
  const inPlace = width === 32 || V + c <= 0xffff;
  const work = inPlace ? tokens : new Int32Array(total);
  const unigram = new Uint32Array(V);
  let p = 0;
  for (let r = 0; r < c; r++) {
    const it = items[order[r]];
    if (r > 0 && it.id === contributionIds[r - 1]) {
      throw new AttributionError(`Contribution id ${it.id} appears twice; ids must be unique.`);
    }
    contributionIds[r] = it.id;
    datanetIds[r] = it.datanetId;
    starts[r] = p;
    let src: ArrayLike<number>;
    if (gpt2) src = toTokenArray(it.tokens, `Contribution ${it.id}`);
    else checkTokens((src = it.tokens), V, info.name, `Contribution ${it.id}`);
    tokens.set(src, p);
    for (let j = 0; j < src.length; j++) unigram[src[j]]++;
    if (!inPlace) work.set(src, p);
    p += src.length;
    work[p] = V + r;
    p++;
  }
  if (total === c && !allowNoTokens) throw new AttributionError("The corpus is empty: its contributions contain no tokens.");
  opts?.onProgress?.("indexing", 0, 1);
  const sa = suffixArray(work, V + c);
  for (let r = 0; r < c; r++) tokens[(r + 1 < c ? starts[r + 1] : total) - 1] = V;
  opts?.onProgress?.("indexing", 1, 1);
  return { tokens, sa, contributionIds, datanetIds, starts, unigram, params: { tokenizer: info.name, separator: V } };
}

// ---------------------------------------------------------------------------------------------
// Search primitives (shared with infinigram, span-trace and evaluate-infinigram).

/**
 * SA range [out[0], out[1]) of the suffixes that start with pat[off..off+len), len ≥ 1. Binary search
 * with the lcp-of-bounds shortcut: suffixes between two bounds share min(lcpLo, lcpHi) tokens with
 * the pattern, so those need not be compared again.
 */
export function rangeOf(tokens: TokenArray, sa: Uint32Array, pat: TokenArray, off: number, len: number, out: Uint32Array): void {
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
  // Ranges are usually small: gallop from the first row to bracket the end before bisecting (a few rows near the
  // first, on cache lines already read, instead of a search over the whole array).
  for (let step = 1; ; step *= 2) {
    const probe = first + step;
    if (probe >= n) break;
    const p = sa[probe];
    let j = 0;
    while (j < len && tokens[p + j] === pat[off + j]) j++;
    if (j < len) {
      hi = probe;
      lcpHi = j;
      break;
    }
    lo = probe;
  }
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
export function narrow(tokens: TokenArray, sa: Uint32Array, lo: number, hi: number, depth: number, t: number, out: Uint32Array): void {
  let a = lo;
  let b = hi;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (tokens[sa[m] + depth] < t) a = m + 1;
    else b = m;
  }
  const first = a;
  if (first === hi || tokens[sa[first] + depth] !== t) {
    out[0] = first;
    out[1] = first;
    return;
  }
  // Gallop from the first row (the sub-range is usually small), then bisect: rows before a hold ≤ t, rows from b on > t.
  b = hi;
  for (let step = 1; first + step < hi; step *= 2) {
    const q = first + step;
    if (tokens[sa[q] + depth] > t) {
      b = q;
      break;
    }
    a = q + 1;
  }
  while (a < b) {
    const m = (a + b) >>> 1;
    if (tokens[sa[m] + depth] <= t) a = m + 1;
    else b = m;
  }
  out[0] = first;
  out[1] = a;
}

/**
 * End of the part of an SA range (suffixes sharing `depth` tokens) followed by a real token: those
 * followed by a separator sort last.
 */
export function continuationEnd(tokens: TokenArray, sa: Uint32Array, lo: number, hi: number, depth: number, separator: number = SEPARATOR): number {
  let a = lo;
  let b = hi;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (tokens[sa[m] + depth] === separator) b = m;
    else a = m + 1;
  }
  return a;
}

/** Rank of the contribution containing a position (its separator belongs to it). */
export function rankAt(starts: Uint32Array, position: number): number {
  let a = 0;
  let b = starts.length - 1;
  while (a < b) {
    const m = (a + b + 1) >>> 1;
    if (starts[m] <= position) a = m;
    else b = m - 1;
  }
  return a;
}

/** Exact floor(a / b) for integers below 2^53. */
export function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  if (q * b > a) q--;
  else if ((q + 1) * b <= a) q++;
  return q;
}

let samplePositions = new Uint32Array(1024);

/**
 * Deterministic sample of the view's occurrences in SA range [lo, hi): with M members m_0..m_{M-1} in
 * SA order and M > maxSupport, the members m_⌊k·M/S⌋ for k < S = maxSupport; otherwise all of them.
 * A stride, not the first S: within a range the suffixes are sorted by what follows, so the first S
 * would only ever see the lowest next-token ids. Returns the shared positions buffer (valid until
 * the next call) and writes the count to out[0], M to out[1].
 */
export function sampleRange(
  sa: Uint32Array,
  filter: ViewFilter | null,
  lo: number,
  hi: number,
  maxSupport: number,
  out: Float64Array,
): Uint32Array {
  const m = countMembers(filter, lo, hi);
  const s = m < maxSupport ? m : maxSupport;
  if (samplePositions.length < s) {
    let cap = samplePositions.length;
    while (cap < s) cap *= 2;
    samplePositions = new Uint32Array(cap);
  }
  const buf = samplePositions;
  if (filter === null) {
    if (m <= maxSupport) for (let k = 0; k < s; k++) buf[k] = sa[lo + k];
    else for (let k = 0; k < s; k++) buf[k] = sa[lo + floorDiv(k * m, s)];
  } else {
    const { saRank, members } = filter;
    if (m <= maxSupport) {
      for (let q = lo, i = 0; q < hi; q++) if (members[saRank[q]] === 1) buf[i++] = sa[q];
    } else {
      let i = 0; // member index
      let k = 0; // sample index
      let target = 0;
      for (let q = lo; q < hi && k < s; q++) {
        if (members[saRank[q]] === 0) continue;
        if (i === target) {
          buf[k++] = sa[q];
          target = floorDiv(k * m, s);
        }
        i++;
      }
    }
  }
  out[0] = s;
  out[1] = m;
  return buf;
}

// Per-token tables, long enough for every supported vocabulary and its separator.
const tokenCounts = new Uint32Array(MAX_VOCAB_SIZE + 1);
/** Stride path: index (in sample order) of each distinct token's first sample. */
const tokenFirst = new Uint32Array(MAX_VOCAB_SIZE + 1);
let tokenSamples = new Uint32Array(1024);
const emptyContextCache = new WeakMap<ModelView, { maxSupport: number; includeEnd: boolean; positions: Uint32Array; occurrences: number }[]>();
const distinctTokens = new Uint32Array(MAX_VOCAB_SIZE + 1);
let distinctCount = 0;

/**
 * Repeated next-token queries over one index and view (generation, evaluation): finds the longest
 * context suffix with an occurrence followed by a real token (or by a separator too, with
 * includeEnd) in the view, samples its occurrences and counts what follows. Results live in shared
 * buffers until the next query; the functions using it are synchronous.
 */
/**
 * The longest context length in [0, ctxLen] for which `check` holds, or -1 when not even 0 does. Validity is
 * monotone in the length (a shorter suffix occurs wherever a longer one does), so galloping plus binary search finds
 * it; `bound` ≥ 0 is a known upper bound (the previous answer + 1 after appending a token): galloping down from it
 * usually succeeds at once. The last check that held is for the answer (callers keep that check's state).
 */
export function longestValid(check: (len: number) => boolean, ctxLen: number, bound: number): number {
  let good: number;
  let bad: number;
  if (bound >= 0) {
    const top = bound < ctxLen ? bound : ctxLen;
    if (check(top)) {
      good = top;
      bad = top + 1;
    } else {
      bad = top;
      good = -1;
      for (let step = 1; ; step *= 2) {
        const probe = top - step > 0 ? top - step : 0;
        if (check(probe)) {
          good = probe;
          break;
        }
        bad = probe;
        if (probe === 0) return -1;
      }
    }
  } else {
    if (!check(0)) return -1;
    good = 0;
    bad = ctxLen + 1;
    for (let probe = 1; probe <= ctxLen; probe *= 2) {
      if (!check(probe)) {
        bad = probe;
        break;
      }
      good = probe;
    }
  }
  while (bad - good > 1) {
    const mid = (good + bad) >>> 1;
    if (check(mid)) good = mid;
    else bad = mid;
  }
  return good;
}

export class NextTokenQuery {
  readonly tokens: TokenArray;
  readonly sa: Uint32Array;
  readonly filter: ViewFilter | null;
  /** Result of the last query. */
  suffixLength = -1;
  support = 0;
  occurrences = 0;
  /**
   * The last query's sampled positions (support of them), when it visited them: the seeded sample,
   * a view's sample, or (searchOnly false) the stride sample. Null after a stride query counted by
   * search (samplesOf gives the positions per token then).
   */
  positions: Uint32Array | null = samplePositions;
  /** Which samples the last query counted without visiting them: the stride sample of [lo, end) with no view. */
  private strided = false;
  private lo = 0;
  private end = 0;
  private readonly range = new Uint32Array(2);
  private readonly sampleOut = new Float64Array(2);

  /**
   * `sampler`: record version 2's sampling — a uniform sample of maxSupport occurrences drawn from the
   * request's seed. Without it, version 1's evenly spaced sample in suffix-array order.
   */
  constructor(
    readonly index: CorpusIndex,
    readonly view: ModelView | undefined,
    readonly maxSupport: number,
    readonly includeEnd: boolean,
    readonly sampler?: Prng,
  ) {
    this.tokens = index.tokens;
    this.sa = index.sa;
    this.filter = viewFilter(index, view);
  }

  /** Version 2: a seeded uniform sample of the view's occurrences in [lo, end) (positions; count and M in sampleOut). */
  private seededPositions(len: number): Uint32Array {
    if (len > 0) return seededRangeSample(this.sa, this.filter, this.lo, this.end, this.maxSupport, this.sampler!, this.sampleOut);
    // The empty context: every real token (and, with includeEnd, separator) of the members, in text order —
    // the same order a standalone index of the members has, so a view samples what that index would.
    const { ranks, cum, total: m } = memberPrefix(this.index, this.view, this.includeEnd);
    const starts = this.index.starts;
    const pick = (i: number) => {
      let a = 0;
      let b = ranks.length - 1;
      while (a < b) {
        const mid = (a + b) >>> 1;
        if (cum[mid + 1] <= i) a = mid + 1;
        else b = mid;
      }
      return starts[ranks[a]] + (i - cum[a]);
    };
    const chosenIdx = seededSample(m, this.maxSupport, this.sampler!);
    const s = chosenIdx.length;
    if (samplePositions.length < s) {
      let cap = samplePositions.length;
      while (cap < s) cap *= 2;
      samplePositions = new Uint32Array(cap);
    }
    for (let k = 0; k < s; k++) samplePositions[k] = pick(chosenIdx[k]);
    this.sampleOut[0] = s;
    this.sampleOut[1] = m;
    return samplePositions;
  }

  /**
   * The empty context's sample scans the whole suffix array under a partial view, and it is the same
   * every time: cache it per view (last two settings only).
   */
  private emptyContextSample(view: ModelView): Uint32Array {
    let cache = emptyContextCache.get(view);
    if (cache === undefined) {
      cache = [];
      emptyContextCache.set(view, cache);
    }
    let hit = cache.find((e) => e.maxSupport === this.maxSupport && e.includeEnd === this.includeEnd);
    if (hit === undefined) {
      const buf = sampleRange(this.sa, this.filter, this.lo, this.end, this.maxSupport, this.sampleOut);
      hit = { maxSupport: this.maxSupport, includeEnd: this.includeEnd, positions: buf.slice(0, this.sampleOut[0]), occurrences: this.sampleOut[1] };
      cache.unshift(hit);
      cache.length = Math.min(cache.length, 2);
    }
    this.sampleOut[0] = hit.positions.length;
    this.sampleOut[1] = hit.occurrences;
    return hit.positions;
  }

  /** Occurrence check for the suffix of length len; remembers its range when it holds. */
  private check(ctx: TokenArray, ctxLen: number, len: number): boolean {
    const { tokens, sa, filter } = this;
    let lo = 0;
    let hi = sa.length;
    if (len > 0) {
      rangeOf(tokens, sa, ctx, ctxLen - len, len, this.range);
      lo = this.range[0];
      hi = this.range[1];
      if (lo === hi) return false;
    }
    const end = this.includeEnd ? hi : continuationEnd(tokens, sa, lo, hi, len, this.index.params.separator);
    if (end === lo) return false;
    if (filter !== null && !hasMember(filter, lo, end)) return false;
    this.lo = lo;
    this.end = end;
    return true;
  }

  /**
   * Queries the context ctx[0..ctxLen). `bound`, when ≥ 0, is a known upper bound on the answer (the
   * previous answer + 1 after appending a token): the answer is then found by galloping down from
   * it, which usually succeeds at once. Validity is monotone in the length (a shorter suffix occurs
   * wherever a longer one does), so galloping plus binary search finds the longest.
   * Returns false when not even the empty context has a continuation.
   */
  query(ctx: TokenArray, ctxLen: number, bound: number): boolean {
    for (let i = 0; i < distinctCount; i++) tokenCounts[distinctTokens[i]] = 0;
    distinctCount = 0;
    this.suffixLength = -1;
    this.support = 0;
    this.occurrences = 0;
    const good = longestValid((len) => this.check(ctx, ctxLen, len), ctxLen, bound);
    if (good < 0) return false;
    // this.lo/end belong to the last successful check, which is `good`.
    const len = good;
    this.strided = false;
    if (!this.sampler && this.filter === null) {
      this.countStrided(len);
      return this.support > 0;
    }
    let positions: Uint32Array;
    if (this.sampler) {
      positions = this.seededPositions(len);
    } else if (len === 0 && this.view !== undefined && this.filter !== null) {
      positions = this.emptyContextSample(this.view);
    } else {
      positions = sampleRange(this.sa, this.filter, this.lo, this.end, this.maxSupport, this.sampleOut);
    }
    const s = this.sampleOut[0];
    const tokens = this.tokens;
    for (let k = 0; k < s; k++) {
      const t = tokens[positions[k] + len];
      if (tokenCounts[t]++ === 0) distinctTokens[distinctCount++] = t;
    }
    this.positions = positions;
    this.suffixLength = len;
    this.support = s;
    this.occurrences = this.sampleOut[1];
    return s > 0;
  }

  /**
   * Version 1's evenly spaced sample of [lo, end) with no view (sample k is SA row lo + ⌊k·M/S⌋, or lo + k
   * when M ≤ maxSupport), counted without visiting every sample: the rows are sorted, so the tokens at
   * offset len are non-decreasing in k, and each distinct token's samples are one run whose end is found
   * by galloping then binary search — O(D log(S/D)) probes for D distinct tokens instead of S visits.
   * The counts are exactly those of visiting the sample (same samples, same runs, tokens ascending).
   */
  private countStrided(len: number): void {
    const { tokens, sa, lo } = this;
    const m = this.end - lo;
    const s = m < this.maxSupport ? m : this.maxSupport;
    const dense = m <= this.maxSupport;
    // Token after the context at sample k.
    const tokAt = (k: number): number => tokens[sa[lo + (dense ? k : floorDiv(k * m, s))] + len];
    let k = 0;
    while (k < s) {
      const t = tokAt(k);
      // Gallop: the run of t covers [k, good]; bad is past it (or s).
      let good = k;
      let step = 1;
      let bad = s;
      while (good + step < s) {
        if (tokAt(good + step) !== t) {
          bad = good + step;
          break;
        }
        good += step;
        step *= 2;
      }
      while (bad - good > 1) {
        const mid = (good + bad) >>> 1;
        if (tokAt(mid) === t) good = mid;
        else bad = mid;
      }
      tokenCounts[t] = bad - k;
      tokenFirst[t] = k;
      distinctTokens[distinctCount++] = t;
      k = bad;
    }
    this.strided = true;
    this.positions = null;
    this.suffixLength = len;
    this.support = s;
    this.occurrences = m;
  }

  /**
   * Positions of the last query's sampled occurrences followed by token t, in sample order (a shared
   * buffer, valid until the next call; its length is countOf(t)).
   */
  samplesOf(t: number): Uint32Array {
    const c = tokenCounts[t];
    if (tokenSamples.length < c) {
      let cap = tokenSamples.length;
      while (cap < c) cap *= 2;
      tokenSamples = new Uint32Array(cap);
    }
    const out = tokenSamples;
    if (c === 0) return out.subarray(0, 0);
    const { sa, lo, suffixLength: len } = this;
    if (this.strided) {
      const m = this.occurrences;
      const s = this.support;
      const first = tokenFirst[t];
      if (m <= this.maxSupport) for (let i = 0; i < c; i++) out[i] = sa[lo + first + i];
      else for (let i = 0; i < c; i++) out[i] = sa[lo + floorDiv((first + i) * m, s)];
    } else {
      const positions = this.positions!;
      const tokens = this.tokens;
      for (let k = 0, i = 0; k < this.support && i < c; k++) {
        const p = positions[k];
        if (tokens[p + len] === t) out[i++] = p;
      }
    }
    return out.subarray(0, c);
  }

  /** Distinct next tokens of the last query (shared buffer, first `distinctCount` entries). */
  get distinct(): Uint32Array {
    return distinctTokens;
  }

  get distinctCount(): number {
    return distinctCount;
  }

  /** Count of next token t in the last query's sample. */
  countOf(t: number): number {
    return tokenCounts[t];
  }
}

let memberRows = new Uint32Array(1024);

/**
 * Version 2's sample of an SA range [lo, hi): S = min(M, maxSupport) of the view's M occurrences, uniformly
 * from `rng` (seededSample). Returns their text positions in a shared buffer; S and M go to out[0], out[1].
 */
export function seededRangeSample(sa: Uint32Array, filter: ViewFilter | null, lo: number, hi: number, maxSupport: number, rng: Prng, out: Float64Array): Uint32Array {
  let m = 0;
  if (filter === null) m = hi - lo;
  else {
    const { saRank, members } = filter;
    for (let q = lo; q < hi; q++) {
      if (members[saRank[q]] === 0) continue;
      if (m === memberRows.length) {
        const grown = new Uint32Array(m * 2);
        grown.set(memberRows);
        memberRows = grown;
      }
      memberRows[m++] = q;
    }
  }
  const idx = seededSample(m, maxSupport, rng);
  const s = idx.length;
  if (samplePositions.length < s) {
    let cap = samplePositions.length;
    while (cap < s) cap *= 2;
    samplePositions = new Uint32Array(cap);
  }
  for (let k = 0; k < s; k++) samplePositions[k] = filter === null ? sa[lo + idx[k]] : sa[memberRows[idx[k]]];
  out[0] = s;
  out[1] = m;
  return samplePositions;
}

const memberPrefixes = new WeakMap<object, { includeEnd: boolean; ranks: Uint32Array; cum: Float64Array; total: number }[]>();

/** The view's (or the whole index's) member ranks and the running count of their positions (real tokens, plus the separator with includeEnd). */
function memberPrefix(index: CorpusIndex, view: ModelView | undefined, includeEnd: boolean): { ranks: Uint32Array; cum: Float64Array; total: number } {
  const key: object = view ?? index;
  let list = memberPrefixes.get(key);
  if (!list) memberPrefixes.set(key, (list = []));
  const hit = list.find((e) => e.includeEnd === includeEnd);
  if (hit) return hit;
  const c = index.starts.length;
  const n = index.tokens.length;
  const ranks: number[] = [];
  for (let r = 0; r < c; r++) if (!view || view.members[r] === 1) ranks.push(r);
  const cum = new Float64Array(ranks.length + 1);
  for (let i = 0; i < ranks.length; i++) {
    const r = ranks[i];
    const size = (r + 1 < c ? index.starts[r + 1] : n) - index.starts[r] - (includeEnd ? 0 : 1);
    cum[i + 1] = cum[i] + size;
  }
  const entry = { includeEnd, ranks: Uint32Array.from(ranks), cum, total: cum[ranks.length] };
  list.push(entry);
  return entry;
}

// ---------------------------------------------------------------------------------------------
// Public queries.

function checkPattern(index: CorpusIndex, pattern: ArrayLike<number>, what: string): TokenArray {
  if (pattern === null || typeof pattern !== "object" || typeof pattern.length !== "number") {
    throw new AttributionError(`${what} must be an array of token ids.`);
  }
  const name = index.params.tokenizer;
  if (name === TOKENIZER) return toTokenArray(pattern, what);
  checkTokens(pattern, tokenizerInfo(name).vocabSize, name, what);
  return pattern instanceof Uint32Array ? pattern : Uint32Array.from(pattern);
}

/** SA range [lo, hi) of the suffixes starting with the pattern (whole index, no view). */
export function find(index: CorpusIndex, pattern: ArrayLike<number>): { lo: number; hi: number } {
  const pat = checkPattern(index, pattern, "The pattern");
  if (pat.length === 0) throw new AttributionError("The pattern is empty; search for at least one token.");
  const out = new Uint32Array(2);
  rangeOf(index.tokens, index.sa, pat, 0, pat.length, out);
  return { lo: out[0], hi: out[1] };
}

/** Occurrences of the pattern (inside the view's contributions, when given). */
export function count(index: CorpusIndex, pattern: ArrayLike<number>, view?: ModelView): number {
  const filter = viewFilter(index, view);
  const { lo, hi } = find(index, pattern);
  return countMembers(filter, lo, hi);
}

/** Rank (index into contributionIds) of the contribution containing a token position. */
export function contributionIndexAt(index: CorpusIndex, position: number): number {
  if (!Number.isInteger(position) || position < 0 || position >= index.tokens.length) {
    throw new AttributionError(`Position ${String(position)} is outside the corpus (0..${index.tokens.length - 1}).`);
  }
  return rankAt(index.starts, position);
}

/**
 * Longest suffix of the context that occurs in the corpus (in the view). lo/hi are its SA range in
 * the index itself (with a view, it also holds non-member occurrences).
 */
export function longestSuffix(index: CorpusIndex, context: ArrayLike<number>, view?: ModelView): { length: number; lo: number; hi: number } {
  const ctx = checkPattern(index, context, "The context");
  const filter = viewFilter(index, view);
  const { tokens, sa } = index;
  const out = new Uint32Array(2);
  let goodLo = 0;
  let goodHi = sa.length;
  // The empty suffix is the whole suffix array; longestValid leaves goodLo/goodHi at its answer's range.
  const ok = (len: number): boolean => {
    if (len === 0) {
      goodLo = 0;
      goodHi = sa.length;
      return true;
    }
    rangeOf(tokens, sa, ctx, ctx.length - len, len, out);
    if (out[0] === out[1]) return false;
    if (filter !== null && !hasMember(filter, out[0], out[1])) return false;
    goodLo = out[0];
    goodHi = out[1];
    return true;
  };
  const length = longestValid(ok, ctx.length, -1);
  return { length, lo: goodLo, hi: goodHi };
}

export function checkMaxSupport(maxSupport: unknown): number {
  if (typeof maxSupport !== "number" || !Number.isInteger(maxSupport) || maxSupport < 1 || maxSupport > 1_000_000) {
    throw new AttributionError(`maxSupport must be an integer in 1..1,000,000, got ${String(maxSupport)}.`);
  }
  return maxSupport;
}

/**
 * Next-token distribution from the longest suffix of the context with an occurrence followed by a
 * real token (backing off down to the empty context, the whole-corpus unigram), over a
 * deterministic sample of at most maxSupport occurrences (see sampleRange).
 */
export function nextTokenDistribution(
  index: CorpusIndex,
  context: ArrayLike<number>,
  opts: { maxSupport: number; view?: ModelView },
): NextTokenDistribution {
  const ctx = checkPattern(index, context, "The context");
  const maxSupport = checkMaxSupport(opts?.maxSupport);
  const q = new NextTokenQuery(index, opts.view, maxSupport, false);
  if (!q.query(ctx, ctx.length, -1)) return { suffixLength: 0, total: 0, occurrences: 0, entries: [] };
  return distributionOf(q, index.contributionIds, (p) => rankAt(index.starts, p));
}

/** What a next-token query found, as a distribution: per next token, its count and its samples per contribution. */
export function distributionOf(
  q: { suffixLength: number; support: number; occurrences: number; distinctCount: number; distinct: ArrayLike<number>; samplesOf(token: number): ArrayLike<number> },
  contributionIds: Uint32Array,
  rankOf: (position: number) => number,
): NextTokenDistribution {
  const c = contributionIds.length;
  // (token, rank) pairs as one sortable number: token·C + rank < 2^53.
  const keys = new Float64Array(q.support);
  let nk = 0;
  for (let i = 0; i < q.distinctCount; i++) {
    const t = q.distinct[i];
    const ps = q.samplesOf(t);
    for (let k = 0; k < ps.length; k++) keys[nk++] = t * c + rankOf(ps[k]);
  }
  keys.sort();
  const entries: NextTokenEntry[] = [];
  for (let k = 0; k < keys.length; ) {
    const key = keys[k];
    let j = k + 1;
    while (j < keys.length && keys[j] === key) j++;
    const token = Math.floor(key / c);
    const rank = key - token * c;
    let e = entries[entries.length - 1];
    if (e === undefined || e.token !== token) {
      e = { token, count: 0, byContribution: new Map() };
      entries.push(e);
    }
    e.count += j - k;
    e.byContribution.set(contributionIds[rank], j - k);
    k = j;
  }
  return { suffixLength: q.suffixLength, total: q.support, occurrences: q.occurrences, entries };
}
