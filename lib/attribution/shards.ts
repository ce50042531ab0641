/**
 * Sharded corpus indexes (issue 17): a corpus above one index's limit (MAX_CORPUS_TOKENS, or a configured smaller
 * size) is split at contribution boundaries into shards, each a normal CorpusIndex over a run of contributions in
 * ascending id order, and queried together. Every answer is the one index's answer over the same corpus.
 *
 * Why the answers can be identical, samples included: the one index orders suffixes by their own contribution's
 * text and then by the separator V + rank after it (corpus.ts). A shard holds a contiguous run of ranks, so within a
 * shard its local ranks order exactly as the global ones, and its suffix array is the one index's suffix array
 * restricted to its positions. The one index's suffix array is therefore a merge of the shards' arrays, and the
 * merge order is computable without building it: within rows sharing `depth` tokens, the rows split into blocks by
 * the token at `depth` (ascending, separators last); a block is the union of the shards' narrowed ranges, so its
 * size and place are known from K binary searches; inside a separator block, rows order by global rank, that is by
 * shard and then by row. Descending blocks until a block lives in one shard selects the row of any global rank
 * (selectRows). Every sample the one index takes is defined by ranks in SA order (version 1's stride ⌊k·M/S⌋,
 * version 2's seeded indices) or by text positions (version 2's empty context), so both are reproduced exactly, not
 * approximately, and ranges above maxSupport are identical too.
 *
 * Positions are global: shard i's local position p is tokenOffsets[i] + p, the position in the one index's text
 * (the shards' texts concatenated are the one index's text). Views (a model's subset of a shared index) are not
 * supported on sharded indexes yet.
 */
import { buildShardFromTokens, checkMaxSupport, continuationEnd, distributionOf, floorDiv, longestValid, MAX_CORPUS_TOKENS, narrow, rangeOf, rankAt, type BuildOptions, type CorpusContribution, type CorpusIndex, type CorpusTokens, type NextTokenDistribution, type TokenArray } from "./corpus";
import { copyMapFromSegments, keepComputedCopyMap, keptCopyMap, longLcpFlags, seededSample, sweepSegments, type CopyMap } from "./credit";
import { AttributionError } from "./errors";
import type { Prng } from "./infinigram";
import { checkTokens, encodeWith, MAX_VOCAB_SIZE, TOKENIZER, tokenizerInfo, toTokenArray } from "./tokenizer";

export interface ShardedIndex {
  readonly kind: "sharded";
  /** Each a normal index over a run of contributions (ascending id), at most maxShardTokens tokens with separators. */
  readonly shards: readonly CorpusIndex[];
  readonly maxShardTokens: number;
  /** Global position of each shard's first token; the last entry is the total (tokens + separators). */
  readonly tokenOffsets: Float64Array;
  /** Global rank of each shard's first contribution; the last entry is the contribution count. */
  readonly rankOffsets: Uint32Array;
  /** As CorpusIndex's, over the whole corpus (global ranks and positions). */
  readonly contributionIds: Uint32Array;
  readonly datanetIds: Uint32Array;
  readonly starts: Float64Array;
  /** Count of each token id over the corpus (summed over the shards). */
  readonly unigram: Float64Array;
  readonly params: { tokenizer: string; separator: number };
}

export interface ShardOptions extends BuildOptions {
  /**
   * Most tokens (separators included) a shard holds. Default MAX_CORPUS_TOKENS: a corpus one index can hold is one
   * shard, that very index (same arrays, same artifact bytes and hash).
   */
  maxShardTokens?: number;
}

export function isSharded(index: CorpusIndex | ShardedIndex): index is ShardedIndex {
  return (index as ShardedIndex).kind === "sharded";
}

/** Tokenizes the contributions (as buildCorpusIndex does) and shards them (buildShardedIndexFromTokens). */
export function buildShardedIndex(contributions: CorpusContribution[], opts?: ShardOptions): ShardedIndex {
  if (!Array.isArray(contributions) || contributions.length === 0) {
    throw new AttributionError("The corpus is empty: an index needs at least one contribution.");
  }
  const tokenizer = tokenizerInfo(opts?.tokenizer ?? TOKENIZER).name;
  const items = contributions.map((c): CorpusTokens => {
    if (typeof c?.text !== "string") throw new AttributionError(`Contribution ${String(c?.id)} has no text.`);
    return { id: c.id, datanetId: c.datanetId, tokens: encodeWith(tokenizer, c.text) };
  });
  return buildShardedIndexFromTokens(items, opts);
}

/**
 * The shards' contents: the contributions in ascending id order, cut into runs of at most maxShardTokens
 * tokens with separators. Checks the input as a build does.
 */
export function shardRuns(items: CorpusTokens[], opts?: ShardOptions): { runs: CorpusTokens[][]; limit: number } {
  if (!Array.isArray(items) || items.length === 0) {
    throw new AttributionError("The corpus is empty: an index needs at least one contribution.");
  }
  const limit = opts?.maxShardTokens ?? MAX_CORPUS_TOKENS;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 2 || limit > MAX_CORPUS_TOKENS) {
    throw new AttributionError(`maxShardTokens must be an integer in 2..${MAX_CORPUS_TOKENS}, got ${String(limit)}.`);
  }
  const sorted = [...items].sort((a, b) => a?.id - b?.id);
  let realTokens = 0;
  for (const it of sorted) {
    if (it?.tokens === null || typeof it?.tokens !== "object" || typeof it.tokens.length !== "number") {
      throw new AttributionError(`Contribution ${String(it?.id)} has no token array.`);
    }
    if (it.tokens.length + 1 > limit) {
      throw new AttributionError(`Contribution ${it.id} has ${it.tokens.length} tokens; a shard holds at most ${limit} with separators.`);
    }
    realTokens += it.tokens.length;
  }
  if (realTokens === 0) throw new AttributionError("The corpus is empty: its contributions contain no tokens.");
  const runs: CorpusTokens[][] = [];
  let run: CorpusTokens[] = [];
  let size = 0;
  for (const it of sorted) {
    const need = it.tokens.length + 1;
    if (size + need > limit) {
      runs.push(run);
      run = [];
      size = 0;
    }
    run.push(it);
    size += need;
  }
  runs.push(run);
  return { runs, limit };
}

/** Splits the contributions (in ascending id order) into runs of at most maxShardTokens tokens and indexes each run. */
export function buildShardedIndexFromTokens(items: CorpusTokens[], opts?: ShardOptions): ShardedIndex {
  const { runs, limit } = shardRuns(items, opts);
  const shards = runs.map((r) => buildShardFromTokens(r, opts));
  return fromShards(shards, limit);
}

/** A sharded index over already built shards (e.g. loaded from their artifacts), in ascending contribution id order. */
export function fromShards(shards: CorpusIndex[], maxShardTokens: number = MAX_CORPUS_TOKENS): ShardedIndex {
  if (!Array.isArray(shards) || shards.length === 0) throw new AttributionError("A sharded index needs at least one shard.");
  const params = shards[0].params;
  const k = shards.length;
  const tokenOffsets = new Float64Array(k + 1);
  const rankOffsets = new Uint32Array(k + 1);
  for (let i = 0; i < k; i++) {
    const s = shards[i];
    if (s.params.tokenizer !== params.tokenizer || s.params.separator !== params.separator) {
      throw new AttributionError(`Shard ${i} uses tokenizer ${s.params.tokenizer}; shard 0 uses ${params.tokenizer}.`);
    }
    if (s.tokens.length > maxShardTokens) throw new AttributionError(`Shard ${i} has ${s.tokens.length} tokens, above maxShardTokens ${maxShardTokens}.`);
    if (i > 0 && s.contributionIds[0] <= shards[i - 1].contributionIds[shards[i - 1].contributionIds.length - 1]) {
      throw new AttributionError(`Shard ${i}'s contribution ids do not follow shard ${i - 1}'s: shards hold ascending runs of ids.`);
    }
    tokenOffsets[i + 1] = tokenOffsets[i] + s.tokens.length;
    rankOffsets[i + 1] = rankOffsets[i] + s.contributionIds.length;
  }
  const c = rankOffsets[k];
  const contributionIds = new Uint32Array(c);
  const datanetIds = new Uint32Array(c);
  const starts = new Float64Array(c);
  const unigram = new Float64Array(shards[0].unigram.length);
  for (let i = 0; i < k; i++) {
    const s = shards[i];
    contributionIds.set(s.contributionIds, rankOffsets[i]);
    datanetIds.set(s.datanetIds, rankOffsets[i]);
    for (let r = 0; r < s.starts.length; r++) starts[rankOffsets[i] + r] = tokenOffsets[i] + s.starts[r];
    for (let t = 0; t < unigram.length; t++) unigram[t] += s.unigram[t];
  }
  return { kind: "sharded", shards, maxShardTokens, tokenOffsets, rankOffsets, contributionIds, datanetIds, starts, unigram, params };
}

/** Total tokens (with separators) of the corpus. */
export function shardedLength(index: ShardedIndex): number {
  return index.tokenOffsets[index.shards.length];
}

/** Global rank of the contribution containing a global position. */
export function globalRankAt(starts: Float64Array, position: number): number {
  let a = 0;
  let b = starts.length - 1;
  while (a < b) {
    const m = (a + b + 1) >>> 1;
    if (starts[m] <= position) a = m;
    else b = m - 1;
  }
  return a;
}

/** The token at a global position. */
export function tokenAt(index: ShardedIndex, position: number): number {
  const i = shardAt(index, position);
  return index.shards[i].tokens[position - index.tokenOffsets[i]];
}

function shardAt(index: ShardedIndex, position: number): number {
  const off = index.tokenOffsets;
  let a = 0;
  let b = index.shards.length - 1;
  while (a < b) {
    const m = (a + b + 1) >>> 1;
    if (off[m] <= position) a = m;
    else b = m - 1;
  }
  return a;
}

// ---------------------------------------------------------------------------------------------
// The merge order: rows of a global rank.

/** Per-shard SA ranges: rows [lo[i], hi[i]) of shard i. */
export interface ShardRanges {
  lo: number[];
  hi: number[];
}

interface Frame {
  lo: number[];
  hi: number[];
  depth: number;
  from: number;
  to: number;
  base: number;
}

const r2 = new Uint32Array(2);

/**
 * The rows of the given global ranks in the merged range (the one index's rows ranges.lo..: rank g is its
 * (lo + g)-th row), where every row of the range shares its first `depth` tokens. `ranks[0..n)` ascending; writes
 * each one's shard to outShard and its local position to outLocal (same order).
 */
export function selectRows(
  index: ShardedIndex,
  ranges: ShardRanges,
  depth: number,
  ranks: ArrayLike<number>,
  n: number,
  outShard: Uint32Array,
  outLocal: Uint32Array,
): void {
  const { shards } = index;
  const k = shards.length;
  const sep = index.params.separator;
  const stack: Frame[] = [{ lo: ranges.lo.slice(), hi: ranges.hi.slice(), depth, from: 0, to: n, base: 0 }];
  while (stack.length > 0) {
    const f = stack.pop()!;
    if (f.from === f.to) continue;
    let live = -1;
    let lives = 0;
    for (let i = 0; i < k; i++) {
      if (f.lo[i] < f.hi[i]) {
        live = i;
        lives++;
      }
    }
    if (lives === 0) throw new AttributionError("Internal: ranks to select in an empty range.");
    if (lives === 1) {
      const sa = shards[live].sa;
      for (let q = f.from; q < f.to; q++) {
        outShard[q] = live;
        outLocal[q] = sa[f.lo[live] + ranks[q] - f.base];
      }
      continue;
    }
    // Skip the tokens every row shares (long repeats across shards): a sorted range's rows all share what its first
    // and last rows share, so comparing those (2 reads per shard per token) replaces a level of binary searches.
    let d = f.depth;
    for (;;) {
      let t = -1;
      let same = true;
      for (let i = 0; i < k && same; i++) {
        if (f.lo[i] === f.hi[i]) continue;
        const { tokens, sa } = shards[i];
        const a = tokens[sa[f.lo[i]] + d];
        const z = tokens[sa[f.hi[i] - 1] + d];
        if (a === sep || a !== z || (t >= 0 && a !== t)) same = false;
        t = a;
      }
      if (!same) break;
      d++;
    }
    f.depth = d;
    const cur = f.lo.slice();
    let b = f.base;
    let q = f.from;
    while (q < f.to) {
      // The smallest token at depth over the shards: its block comes next in the merged order.
      let t = Infinity;
      for (let i = 0; i < k; i++) {
        if (cur[i] < f.hi[i]) {
          const v = shards[i].tokens[shards[i].sa[cur[i]] + f.depth];
          if (v < t) t = v;
        }
      }
      const end = new Array<number>(k);
      let size = 0;
      for (let i = 0; i < k; i++) {
        if (cur[i] < f.hi[i]) {
          narrow(shards[i].tokens, shards[i].sa, cur[i], f.hi[i], f.depth, t, r2);
          end[i] = r2[1];
          size += r2[1] - cur[i];
        } else end[i] = cur[i];
      }
      let q2 = q;
      while (q2 < f.to && ranks[q2] < b + size) q2++;
      if (q2 > q) {
        if (t === sep) {
          // Suffixes ending here order by their separator, V + global rank: by shard, then by row.
          for (let j = q; j < q2; j++) {
            let g = ranks[j] - b;
            let i = 0;
            while (g >= end[i] - cur[i]) g -= end[i] - cur[i++];
            outShard[j] = i;
            outLocal[j] = shards[i].sa[cur[i] + g];
          }
        } else stack.push({ lo: cur.slice(), hi: end, depth: f.depth + 1, from: q, to: q2, base: b });
      }
      for (let i = 0; i < k; i++) cur[i] = end[i];
      b += size;
      q = q2;
    }
  }
}

/** Rows of a pattern in each shard. */
function rangesOf(index: ShardedIndex, pat: TokenArray, off: number, len: number): ShardRanges {
  const lo: number[] = [];
  const hi: number[] = [];
  for (const s of index.shards) {
    if (len === 0) {
      lo.push(0);
      hi.push(s.sa.length);
      continue;
    }
    rangeOf(s.tokens, s.sa, pat, off, len, r2);
    lo.push(r2[0]);
    hi.push(r2[1]);
  }
  return { lo, hi };
}

function sizeOf(r: ShardRanges): number {
  let m = 0;
  for (let i = 0; i < r.lo.length; i++) m += r.hi[i] - r.lo[i];
  return m;
}

// ---------------------------------------------------------------------------------------------
// Public queries.

function checkPattern(index: ShardedIndex, pattern: ArrayLike<number>, what: string): TokenArray {
  if (pattern === null || typeof pattern !== "object" || typeof pattern.length !== "number") {
    throw new AttributionError(`${what} must be an array of token ids.`);
  }
  const name = index.params.tokenizer;
  if (name === TOKENIZER) return toTokenArray(pattern, what);
  checkTokens(pattern, tokenizerInfo(name).vocabSize, name, what);
  return pattern instanceof Uint32Array ? pattern : Uint32Array.from(pattern);
}

/** Each shard's SA range of the pattern, and their total (the one index's hi − lo). */
export function shardedFind(index: ShardedIndex, pattern: ArrayLike<number>): ShardRanges & { count: number } {
  const pat = checkPattern(index, pattern, "The pattern");
  if (pat.length === 0) throw new AttributionError("The pattern is empty; search for at least one token.");
  const r = rangesOf(index, pat, 0, pat.length);
  return { ...r, count: sizeOf(r) };
}

/** Occurrences of the pattern: the sum over the shards. */
export function shardedCount(index: ShardedIndex, pattern: ArrayLike<number>): number {
  return shardedFind(index, pattern).count;
}

/**
 * Global positions of the pattern's occurrences [from, to) in the one index's suffix-array order: what
 * `index.sa.subarray(lo + from, lo + to)` of the one index holds (default: all of them).
 */
export function shardedOccurrences(index: ShardedIndex, pattern: ArrayLike<number>, from = 0, to?: number): number[] {
  const r = shardedFind(index, pattern);
  const end = Math.min(to ?? r.count, r.count);
  const n = Math.max(0, end - from);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; i++) ranks[i] = from + i;
  const sh = new Uint32Array(n);
  const loc = new Uint32Array(n);
  selectRows(index, r, pattern.length, ranks, n, sh, loc);
  return Array.from(sh, (s, i) => index.tokenOffsets[s] + loc[i]);
}

/** Longest suffix of the context with an occurrence in any shard; its ranges and total occurrences. */
export function shardedLongestSuffix(index: ShardedIndex, context: ArrayLike<number>): { length: number; count: number; ranges: ShardRanges } {
  const ctx = checkPattern(index, context, "The context");
  let good = 0;
  let goodR = rangesOf(index, ctx, 0, 0);
  let bad = ctx.length + 1;
  const ok = (len: number): boolean => {
    const r = rangesOf(index, ctx, ctx.length - len, len);
    if (sizeOf(r) === 0) return false;
    goodR = r;
    return true;
  };
  for (let probe = 1; probe <= ctx.length; probe *= 2) {
    if (!ok(probe)) {
      bad = probe;
      break;
    }
    good = probe;
  }
  while (bad - good > 1) {
    const mid = (good + bad) >>> 1;
    if (ok(mid)) good = mid;
    else bad = mid;
  }
  if (good === 0) goodR = rangesOf(index, ctx, 0, 0);
  return { length: good, count: sizeOf(goodR), ranges: goodR };
}

// ---------------------------------------------------------------------------------------------
// Next-token queries.

const tokenCounts = new Uint32Array(MAX_VOCAB_SIZE + 1);
/** Index in the sample of each distinct token's first sample (samples are sorted by rank, so a token's are consecutive). */
const tokenFirst = new Uint32Array(MAX_VOCAB_SIZE + 1);
const distinctTokens = new Uint32Array(MAX_VOCAB_SIZE + 1);
let distinctCount = 0;
const emptyPrefixes = new WeakMap<ShardedIndex, { includeEnd: boolean; cum: Float64Array }[]>();

/**
 * NextTokenQuery over a sharded index, answering what NextTokenQuery answers over the one index of the same
 * corpus (no view): the longest context suffix with a continuation over all shards, the same sample (version 1's
 * stride, or version 2's seeded sample with the same stream), the same counts, and samplesOf's positions (global).
 * It visits its sample (S rows selected in the merge order), where the one index counts version 1's stride by search.
 */
export class ShardedNextTokenQuery {
  suffixLength = -1;
  support = 0;
  occurrences = 0;
  private ranges: ShardRanges = { lo: [], hi: [] };
  /** Whether the last query selected its samples' rows (shardOf/localOf/positions); otherwise samplesOf selects a token's on demand. */
  private visited = false;
  private shardOf = new Uint32Array(1024);
  private localOf = new Uint32Array(1024);
  private ranks = new Float64Array(1024);
  private positions = new Float64Array(1024);
  private perToken = new Float64Array(1024);
  private blockRanks = new Float64Array(1024);

  constructor(
    readonly index: ShardedIndex,
    readonly maxSupport: number,
    readonly includeEnd: boolean,
    readonly sampler?: Prng,
  ) {}

  private check(ctx: TokenArray, ctxLen: number, len: number): boolean {
    const r = rangesOf(this.index, ctx, ctxLen - len, len);
    const sep = this.index.params.separator;
    let m = 0;
    for (let i = 0; i < r.lo.length; i++) {
      const s = this.index.shards[i];
      if (!this.includeEnd && r.lo[i] < r.hi[i]) r.hi[i] = continuationEnd(s.tokens, s.sa, r.lo[i], r.hi[i], len, sep);
      m += r.hi[i] - r.lo[i];
    }
    if (m === 0) return false;
    this.ranges = r;
    return true;
  }

  /** As NextTokenQuery.query (same galloping, same bound semantics). */
  query(ctx: TokenArray, ctxLen: number, bound: number): boolean {
    for (let i = 0; i < distinctCount; i++) tokenCounts[distinctTokens[i]] = 0;
    distinctCount = 0;
    this.suffixLength = -1;
    this.support = 0;
    this.occurrences = 0;
    const good = longestValid((len) => this.check(ctx, ctxLen, len), ctxLen, bound);
    if (good < 0) return false;
    // this.ranges belong to the last successful check, which is `good` (as in NextTokenQuery).
    const len = good;
    const m = sizeOf(this.ranges);
    let s: number;
    this.suffixLength = len;
    if (this.sampler && len === 0) {
      // Positions in text order: visit them.
      s = this.emptyContextSeeded(m);
      this.visited = true;
      const { shards } = this.index;
      for (let k = 0; k < s; k++) {
        const t = shards[this.shardOf[k]].tokens[this.localOf[k] + len];
        if (tokenCounts[t]++ === 0) distinctTokens[distinctCount++] = t;
      }
    } else {
      if (this.sampler) {
        const idx = seededSample(m, this.maxSupport, this.sampler);
        s = idx.length;
        this.grow(s);
        this.ranks.set(idx);
      } else {
        s = m < this.maxSupport ? m : this.maxSupport;
        this.grow(s);
        const ranks = this.ranks;
        if (m <= this.maxSupport) for (let k = 0; k < s; k++) ranks[k] = k;
        else for (let k = 0; k < s; k++) ranks[k] = floorDiv(k * m, s);
      }
      this.visited = false;
      this.countBlocks(s);
    }
    this.suffixLength = len;
    this.support = s;
    this.occurrences = m;
    return s > 0;
  }

  /** Version 2's empty context: a seeded sample of positions in text order (as NextTokenQuery's, over all contributions). */
  private emptyContextSeeded(m: number): number {
    const index = this.index;
    let list = emptyPrefixes.get(index);
    if (!list) emptyPrefixes.set(index, (list = []));
    let hit = list.find((e) => e.includeEnd === this.includeEnd);
    if (!hit) {
      const c = index.starts.length;
      const n = shardedLength(index);
      const cum = new Float64Array(c + 1);
      for (let r = 0; r < c; r++) cum[r + 1] = cum[r] + (r + 1 < c ? index.starts[r + 1] : n) - index.starts[r] - (this.includeEnd ? 0 : 1);
      list.push((hit = { includeEnd: this.includeEnd, cum }));
    }
    const cum = hit.cum;
    if (cum[cum.length - 1] !== m) throw new AttributionError("Internal: the empty context's occurrences disagree with the contributions' sizes.");
    const idx = seededSample(m, this.maxSupport, this.sampler!);
    const s = idx.length;
    this.grow(s);
    const { shardOf, localOf, positions } = this;
    for (let k = 0; k < s; k++) {
      const i = idx[k];
      let a = 0;
      let b = cum.length - 2;
      while (a < b) {
        const mid = (a + b) >>> 1;
        if (cum[mid + 1] <= i) a = mid + 1;
        else b = mid;
      }
      const p = index.starts[a] + (i - cum[a]);
      positions[k] = p;
      const sh = shardAt(index, p);
      shardOf[k] = sh;
      localOf[k] = p - index.tokenOffsets[sh];
    }
    return s;
  }

  private grow(s: number): void {
    if (this.ranks.length < s) {
      let cap = this.ranks.length;
      while (cap < s) cap *= 2;
      this.ranks = new Float64Array(cap);
      this.shardOf = new Uint32Array(cap);
      this.localOf = new Uint32Array(cap);
      this.positions = new Float64Array(cap);
      this.perToken = new Float64Array(cap);
    }
  }

  /**
   * Counts the sample (sorted global ranks ranks[0..s) of the merged range) per next token without selecting rows:
   * the rows followed by token t are one block of the merged order (the union of the shards' narrowed ranges), its
   * place is the sizes of the blocks before it, and its samples are the ranks that fall in it (tokens ascending).
   */
  private countBlocks(s: number): void {
    const { shards } = this.index;
    const k = shards.length;
    const len = this.suffixLength;
    const { lo, hi } = this.ranges;
    const cur = lo.slice();
    const ranks = this.ranks;
    let b = 0;
    let q = 0;
    while (q < s) {
      let t = Infinity;
      for (let i = 0; i < k; i++) {
        if (cur[i] < hi[i]) {
          const v = shards[i].tokens[shards[i].sa[cur[i]] + len];
          if (v < t) t = v;
        }
      }
      let size = 0;
      for (let i = 0; i < k; i++) {
        if (cur[i] < hi[i]) {
          narrow(shards[i].tokens, shards[i].sa, cur[i], hi[i], len, t, r2);
          size += r2[1] - cur[i];
          cur[i] = r2[1];
        }
      }
      const first = q;
      while (q < s && ranks[q] < b + size) q++;
      if (q > first) {
        tokenCounts[t] = q - first;
        tokenFirst[t] = first;
        distinctTokens[distinctCount++] = t;
      }
      b += size;
    }
  }

  /** Global positions of the last query's samples followed by token t, in sample order (valid until the next call). */
  samplesOf(t: number): Float64Array {
    const c = tokenCounts[t];
    const out = this.perToken;
    if (c === 0) return out.subarray(0, 0);
    const { shards } = this.index;
    const len = this.suffixLength;
    if (this.visited) {
      for (let k = 0, i = 0; k < this.support && i < c; k++) {
        if (shards[this.shardOf[k]].tokens[this.localOf[k] + len] === t) out[i++] = this.positions[k];
      }
      return out.subarray(0, c);
    }
    // The block of t: each shard's rows followed by t, and its first global rank.
    const { lo, hi } = this.ranges;
    const block: ShardRanges = { lo: [], hi: [] };
    let base = 0;
    for (let i = 0; i < shards.length; i++) {
      if (lo[i] < hi[i]) narrow(shards[i].tokens, shards[i].sa, lo[i], hi[i], len, t, r2);
      else r2[0] = r2[1] = lo[i];
      block.lo.push(r2[0]);
      block.hi.push(r2[1]);
      base += r2[0] - lo[i];
    }
    const first = tokenFirst[t];
    const rel = this.blockRanks.length < c ? (this.blockRanks = new Float64Array(this.perToken.length)) : this.blockRanks;
    for (let i = 0; i < c; i++) rel[i] = this.ranks[first + i] - base;
    selectRows(this.index, block, len, rel, c, this.shardOf, this.localOf);
    for (let i = 0; i < c; i++) out[i] = this.index.tokenOffsets[this.shardOf[i]] + this.localOf[i];
    return out.subarray(0, c);
  }

  get distinct(): Uint32Array {
    return distinctTokens;
  }

  get distinctCount(): number {
    return distinctCount;
  }

  countOf(t: number): number {
    return tokenCounts[t];
  }
}

/** As nextTokenDistribution over the one index of the same corpus (no view). */
export function shardedNextTokenDistribution(index: ShardedIndex, context: ArrayLike<number>, opts: { maxSupport: number }): NextTokenDistribution {
  const ctx = checkPattern(index, context, "The context");
  const maxSupport = checkMaxSupport(opts?.maxSupport);
  const q = new ShardedNextTokenQuery(index, maxSupport, false);
  if (!q.query(ctx, ctx.length, -1)) return { suffixLength: 0, total: 0, occurrences: 0, entries: [] };
  return distributionOf(q, index.contributionIds, (p) => globalRankAt(index.starts, p));
}

const asOneShard = new WeakMap<CorpusIndex, ShardedIndex>();
function oneShard(index: CorpusIndex): ShardedIndex {
  let sh = asOneShard.get(index);
  if (!sh) asOneShard.set(index, (sh = fromShards([index])));
  return sh;
}

/**
 * ∞-gram probability P(token | context) (Infini-gram): over the longest suffix of the context followed by a real
 * token, count(suffix · token) / count(suffix followed by a real token), exact (no sampling). Works on one index
 * too (a single index is one shard). Also returns the suffix length.
 */
export function infinigramProbability(index: CorpusIndex | ShardedIndex, context: ArrayLike<number>, token: number): { probability: number; suffixLength: number } {
  const sharded = isSharded(index) ? index : oneShard(index);
  const ctx = checkPattern(sharded, context, "The context");
  checkPattern(sharded, [token], "The token");
  const q = new ShardedNextTokenQuery(sharded, 1, false);
  if (!q.query(ctx, ctx.length, -1)) return { probability: 0, suffixLength: 0 };
  const len = q.suffixLength;
  const pat = new Uint32Array(len + 1);
  pat.set(ctx.subarray(ctx.length - len));
  pat[len] = token;
  const hits = sizeOf(rangesOf(sharded, pat, 0, len + 1));
  return { probability: hits / q.occurrences, suffixLength: len };
}

// ---------------------------------------------------------------------------------------------
// Copies (record version 2's originality rule) over shards.

const shardedCopyMaps = new WeakMap<ShardedIndex, Map<number, CopyMap>>();

/**
 * copyMap(index, undefined, null, L) of the one index, from the shards: a group is every suffix sharing one L-token
 * run (no separator). Shards hold contributions in rank order, so a group's lowest rank lies in the earliest shard
 * holding its run, at that shard's lowest position of it. Shard by shard: a run found in an earlier shard credits that
 * shard's original in every row here; otherwise the shard's own group (adjacent rows with lcp ≥ L) credits its
 * lowest position's contribution, as copyMap does. Windows stay inside a contribution, so each shard is swept on its
 * own (O(shard) memory at a time) and the segments concatenated.
 */
export function shardedCopyMap(index: ShardedIndex, spanTokens: number, opts: { onShard?: (done: number, shards: number) => void } = {}): CopyMap {
  let byL = shardedCopyMaps.get(index);
  if (!byL) shardedCopyMaps.set(index, (byL = new Map()));
  const hit = byL.get(spanTokens);
  if (hit) return hit;
  const kept = keptCopyMap(index, undefined, spanTokens);
  if (kept) {
    byL.set(spanTokens, kept);
    return kept;
  }
  const { shards, tokenOffsets, rankOffsets } = index;
  const L = spanTokens;
  const parts: CopyMap[] = [];
  for (let i = 0; i < shards.length; i++) {
    const s = shards[i];
    const { tokens, sa, starts } = s;
    const n = sa.length;
    const flags = longLcpFlags(s, L, { cache: false });
    const ownerAt = new Int32Array(n).fill(-1);
    for (let a = 0; a < n; ) {
      let b = a + 1;
      while (b < n && flags[b] === 1) b++;
      const p0 = sa[a];
      let full = i > 0 && p0 + L <= n;
      for (let j = 0; full && j < L; j++) if (tokens[p0 + j] === s.params.separator) full = false;
      let owner = -1;
      for (let o = 0; full && o < i && owner < 0; o++) {
        const t = shards[o];
        rangeOf(t.tokens, t.sa, tokens, p0, L, r2);
        if (r2[1] > r2[0]) {
          let first = t.sa[r2[0]];
          for (let k = r2[0] + 1; k < r2[1]; k++) if (t.sa[k] < first) first = t.sa[k];
          owner = rankOffsets[o] + rankAt(t.starts, first);
        }
      }
      if (owner >= 0) {
        for (let k = a; k < b; k++) ownerAt[sa[k]] = owner;
      } else if (b - a >= 2) {
        let first = sa[a];
        for (let k = a + 1; k < b; k++) if (sa[k] < first) first = sa[k];
        const min = rankAt(starts, first);
        const end = min + 1 < starts.length ? starts[min + 1] : n;
        for (let k = a; k < b; k++) if (sa[k] >= end) ownerAt[sa[k]] = rankOffsets[i] + min;
      }
      a = b;
    }
    parts.push(sweepSegments(ownerAt, L));
    opts.onShard?.(i + 1, shards.length);
  }
  // The shards' segments at their global positions, in typed arrays of the exact size (no growing lists).
  let total = 0;
  for (const p of parts) total += p.starts.length;
  const starts = new Float64Array(total);
  const ends = new Float64Array(total);
  const owners = new Uint32Array(total);
  let w = 0;
  parts.forEach((p, i) => {
    for (let k = 0; k < p.starts.length; k++, w++) {
      starts[w] = tokenOffsets[i] + p.starts[k];
      ends[w] = tokenOffsets[i] + p.ends[k];
    }
    owners.set(p.owners, w - p.starts.length);
  });
  const map = copyMapFromSegments(L, starts, ends, owners);
  keepComputedCopyMap(index, undefined, map);
  byL.set(spanTokens, map);
  return map;
}

