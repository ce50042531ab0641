/**
 * "Many models, one index": a model whose Datanets overlap with others' is a view over one shared
 * CorpusIndex, namely the set of contributions it was built from. Queries through a view count only
 * occurrences inside member contributions; thanks to the corpus ordering rule (unique separators
 * ordered by contribution id) they return exactly what a standalone index of those contributions
 * would.
 *
 * Memory: a view holds one byte per contribution. Filtering reads, for each suffix-array entry, the
 * rank of the contribution it starts in; that array (4 bytes per token) is built once per index, on
 * its first partial view, and shared by all its views; a mapped index keeps it in a file it maps
 * (sa-rank-sidecar.ts), so on disk it costs the pages queries touch.
 */
import type { CorpusIndex } from "./corpus-index";
import { AttributionError } from "./errors";

export interface ModelView {
  readonly index: CorpusIndex;
  /** True when every contribution of the index is a member: queries then skip filtering. */
  readonly full: boolean;
  /** 1 at the rank (position in index.contributionIds) of each member contribution. */
  readonly members: Uint8Array;
  /** Member contribution ids, ascending. */
  readonly contributionIds: Uint32Array;
  /** Real tokens (separators excluded) in member contributions. */
  readonly tokenCount: number;
  has(contributionId: number): boolean;
  /** Occurrences of a token in member contributions (cached per token). */
  unigramCount(token: number): number;
}

/** Membership test for suffix-array entries: members[saRank[k]] === 1. */
export interface ViewFilter {
  saRank: Uint32Array;
  members: Uint8Array;
}

/**
 * Rank lookup by position without an n-sized table: the rank at every 2^shift-th position, the block no longer than
 * an average contribution (so a lookup scans `starts` forward one step or none, on average), at most n/4 bytes.
 */
export interface RankBlocks {
  shift: number;
  ranks: Uint32Array;
}

export function rankBlocks(starts: ArrayLike<number>, n: number): RankBlocks {
  const c = starts.length;
  const shift = Math.min(16, Math.max(4, Math.floor(Math.log2(Math.max(1, n / c)))));
  const ranks = new Uint32Array(Math.floor(n / 2 ** shift) + 1);
  for (let b = 0, r = 0; b < ranks.length; b++) {
    const p = b * 2 ** shift;
    while (r + 1 < c && starts[r + 1] <= p) r++;
    ranks[b] = r;
  }
  return { shift, ranks };
}

/** out[i] = rank of the contribution suffix sa[from + i] starts in. */
export function saRanksInto(sa: ArrayLike<number>, starts: ArrayLike<number>, blocks: RankBlocks, from: number, out: Uint32Array): void {
  const c = starts.length;
  const { shift, ranks } = blocks;
  for (let i = 0; i < out.length; i++) {
    const p = sa[from + i];
    let r = ranks[p >>> shift];
    while (r + 1 < c && starts[r + 1] <= p) r++;
    out[i] = r;
  }
}

const saRanks = new WeakMap<CorpusIndex, Uint32Array>();
const saRankSources = new WeakMap<CorpusIndex, () => Uint32Array | null>();

/**
 * Where an index's ranks come from instead of the JS heap (a mapped index's sidecar file, sa-rank-sidecar.ts): asked
 * once, on its first partial view; null falls back to computing them in memory.
 */
export function keepSaRanksWith(index: CorpusIndex, source: () => Uint32Array | null): void {
  saRankSources.set(index, source);
}

/** Rank of the contribution each suffix starts in, in suffix-array order (shared per index). */
function saRankOf(index: CorpusIndex): Uint32Array {
  let saRank = saRanks.get(index);
  if (saRank === undefined) {
    saRank = saRankSources.get(index)?.() ?? undefined;
    if (saRank === undefined) {
      saRank = new Uint32Array(index.sa.length);
      saRanksInto(index.sa, index.starts, rankBlocks(index.starts, index.sa.length), 0, saRank);
    }
    saRanks.set(index, saRank);
  }
  return saRank;
}

class View implements ModelView {
  private readonly unigramCache = new Map<number, number>();
  readonly filter: ViewFilter | null;

  constructor(
    readonly index: CorpusIndex,
    readonly full: boolean,
    readonly members: Uint8Array,
    readonly contributionIds: Uint32Array,
    readonly tokenCount: number,
  ) {
    this.filter = full ? null : { saRank: saRankOf(index), members };
  }

  has(contributionId: number): boolean {
    const r = rankOfId(this.index, contributionId);
    return r >= 0 && this.members[r] === 1;
  }

  unigramCount(token: number): number {
    if (this.filter === null) return this.index.unigram[token] ?? 0;
    let c = this.unigramCache.get(token);
    if (c === undefined) {
      // The suffixes starting with the token form one SA range.
      const { tokens, sa } = this.index;
      let a = 0;
      let b = sa.length;
      while (a < b) {
        const m = (a + b) >>> 1;
        if (tokens[sa[m]] < token) a = m + 1;
        else b = m;
      }
      const { saRank, members } = this.filter;
      c = 0;
      for (let k = a; k < sa.length && tokens[sa[k]] === token; k++) c += members[saRank[k]];
      this.unigramCache.set(token, c);
    }
    return c;
  }
}

/** Rank of a contribution id in index.contributionIds, or -1. */
export function rankOfId(index: CorpusIndex, id: number): number {
  const ids = index.contributionIds;
  let a = 0;
  let b = ids.length;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (ids[m] < id) a = m + 1;
    else b = m;
  }
  return a < ids.length && ids[a] === id ? a : -1;
}

/** A model's view of a shared index. Create it once per model and reuse it: its cost is O(C). */
export function createView(index: CorpusIndex, contributionIds: Iterable<number>): ModelView {
  const c = index.contributionIds.length;
  const members = new Uint8Array(c);
  let count = 0;
  for (const id of contributionIds) {
    if (!Number.isSafeInteger(id) || id < 0) {
      throw new AttributionError(`A contribution id must be a non-negative integer, got ${String(id)}.`);
    }
    const r = rankOfId(index, id);
    if (r < 0) throw new AttributionError(`Contribution ${id} is not in this corpus index, so a model view cannot include it.`);
    if (members[r] === 0) {
      members[r] = 1;
      count++;
    }
  }
  if (count === 0) throw new AttributionError("A model view needs at least one contribution.");
  const ids = new Uint32Array(count);
  const n = index.tokens.length;
  let tokenCount = 0;
  for (let r = 0, k = 0; r < c; r++) {
    if (members[r] === 0) continue;
    ids[k++] = index.contributionIds[r];
    tokenCount += (r + 1 < c ? index.starts[r + 1] : n) - index.starts[r] - 1;
  }
  if (tokenCount === 0) throw new AttributionError("The contributions of this model view contain no tokens.");
  return new View(index, count === c, members, ids, tokenCount);
}

/**
 * The filter to apply (null = none), after checking that the view belongs to the index.
 */
export function viewFilter(index: CorpusIndex, view: ModelView | undefined): ViewFilter | null {
  if (view === undefined) return null;
  if (view.index !== index) throw new AttributionError("This model view was created for a different corpus index.");
  if (view.full) return null;
  return view instanceof View ? view.filter : { saRank: saRankOf(index), members: view.members };
}

/** Real-token count and per-token counts the view's queries see. */
export function viewStats(index: CorpusIndex, view: ModelView | undefined): { tokens: number; unigram: (token: number) => number } {
  viewFilter(index, view);
  if (view === undefined || view.full) {
    const u = index.unigram;
    return { tokens: index.tokens.length - index.contributionIds.length, unigram: (t) => u[t] };
  }
  return { tokens: view.tokenCount, unigram: (t) => view.unigramCount(t) };
}

/** Number of entries in SA range [lo, hi) that start in member contributions. */
export function countMembers(filter: ViewFilter | null, lo: number, hi: number): number {
  if (filter === null) return hi - lo;
  const { saRank, members } = filter;
  let m = 0;
  for (let k = lo; k < hi; k++) m += members[saRank[k]];
  return m;
}

export function hasMember(filter: ViewFilter, lo: number, hi: number): boolean {
  const { saRank, members } = filter;
  for (let k = lo; k < hi; k++) if (members[saRank[k]] === 1) return true;
  return false;
}
