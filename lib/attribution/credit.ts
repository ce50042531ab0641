/**
 * Attribution rules of record version 2: who a sampled occurrence credits, and how a token's credit is split.
 *
 * - Originality: an occurrence inside a verbatim run of at least L tokens (ORIGINAL_SPAN_TOKENS) that an
 *   earlier contribution (lower id, so registered first) of the model also holds credits that earlier
 *   contribution, not the copy (copyMap).
 * - Distinct contributions: a token's credit is split equally over the distinct contributions credited by its
 *   sampled occurrences; a contribution repeating a phrase counts once (ExactCredit).
 * - Exact fractions: credits are summed as exact fractions and rounded once, at the end (toPpm), so exact
 *   ties go to the lower contribution id.
 * - Sampling: when a context has more occurrences than maxSupport, a uniform sample seeded by the request
 *   (seededSample), so no contribution is favoured by where its text sorts.
 */
import { rankAt, type CorpusIndex } from "./corpus";
import type { TokenArray } from "./corpus-index";
import type { Prng } from "./infinigram";
import { nativeAddon, type SaisAddon } from "./native";
import { defaultSuffixSortEngine } from "./sais";
import type { ModelView, ViewFilter } from "./view";

// ---------------------------------------------------------------------------------------------
// Exact fractions.

const gcd = (a: bigint, b: bigint): bigint => {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
};

/** Credits as exact fractions: Σ numerator/denominator per contribution rank, rounded only by toPpm. */
export class ExactCredit {
  /** rank → denominator → Σ numerators */
  private readonly byRank = new Map<number, Map<number, bigint>>();

  /** Adds amount/d to each rank of `ranks` (their distinct count is d). */
  split(ranks: ArrayLike<number>, amount: bigint): void {
    const d = ranks.length;
    if (d === 0 || amount === 0n) return;
    for (let i = 0; i < d; i++) {
      let m = this.byRank.get(ranks[i]);
      if (!m) this.byRank.set(ranks[i], (m = new Map()));
      m.set(d, (m.get(d) ?? 0n) + amount);
    }
  }

  /** contribution id → weight over one common denominator (the lcm of every denominator used), ascending id. */
  weights(contributionIds: Uint32Array): Map<number, bigint> {
    let lcm = 1n;
    for (const m of this.byRank.values()) {
      for (const d of m.keys()) {
        const b = BigInt(d);
        lcm = (lcm / gcd(lcm, b)) * b;
      }
    }
    const out = new Map<number, bigint>();
    for (const r of [...this.byRank.keys()].sort((a, b) => a - b)) {
      let w = 0n;
      for (const [d, num] of this.byRank.get(r)!) w += num * (lcm / BigInt(d));
      if (w > 0n) out.set(contributionIds[r], w);
    }
    return out;
  }
}

/** `amount` split over `ids` (ascending) in integers: floor each, the remainder one by one to the lowest ids. */
export function splitInteger(ids: number[], amount: number): [number, number][] {
  const d = ids.length;
  const base = Math.floor(amount / d);
  const extra = amount - base * d;
  return ids.map((id, i) => [id, base + (i < extra ? 1 : 0)]);
}

// ---------------------------------------------------------------------------------------------
// Copies: which positions repeat an earlier contribution's run of ≥ L tokens.

/** Positions inside copied runs and the rank of the contribution they credit instead. */
export interface CopyMap {
  readonly spanTokens: number;
  /** Sorted, disjoint segments [start, end) with the rank of the original they credit. */
  readonly starts: Uint32Array | Float64Array;
  readonly ends: Uint32Array | Float64Array;
  readonly owners: Uint32Array;
  /** The credited rank at a token position: the original's when copied, else -1. */
  ownerAt(position: number): number;
}

class Segments implements CopyMap {
  constructor(
    readonly spanTokens: number,
    readonly starts: Uint32Array | Float64Array,
    readonly ends: Uint32Array | Float64Array,
    readonly owners: Uint32Array,
  ) {}

  ownerAt(position: number): number {
    const s = this.starts;
    let a = 0;
    let b = s.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (s[m] <= position) a = m + 1;
      else b = m;
    }
    return a > 0 && position < this.ends[a - 1] ? this.owners[a - 1] : -1;
  }
}

/** 1 at k when the suffixes at sa[k−1] and sa[k] share ≥ L real tokens (Kasai, capped at L). Cached per index and L. */
const longLcp = new WeakMap<CorpusIndex, Map<number, Uint8Array>>();

export function longLcpFlags(index: CorpusIndex, L: number, opts: { cache?: boolean } = {}): Uint8Array {
  const engine = defaultSuffixSortEngine();
  // A sharded index's copy map needs each shard's flags once: not kept (n bytes per shard).
  if (opts.cache === false) return longLcp.get(index)?.get(L) ?? computeLongLcpFlags(index.tokens, index.sa, L, engine, index.params.separator);
  let byL = longLcp.get(index);
  if (!byL) longLcp.set(index, (byL = new Map()));
  const hit = byL.get(L);
  if (hit) return hit;
  const flags = computeLongLcpFlags(index.tokens, index.sa, L, engine, index.params.separator);
  byL.set(L, flags);
  return flags;
}

/**
 * Uncached; "native" is the same loop in C (native/sais/lcp.c), most of a copy map's first computation. `separator` is
 * the index's own (its vocabulary size: 50257 for r50k_base, 100277 / 200019 for cl100k_base / o200k_base, where 50257
 * is a real token): a shared run stops there, so it never reaches across a contribution's end into the next one.
 */
export function computeLongLcpFlags(tokens: TokenArray, sa: Uint32Array, L: number, engine: "native" | "js", separator: number): Uint8Array {
  const n = sa.length;
  const flags = new Uint8Array(n);
  if (engine === "native") {
    const native = nativeAddon<SaisAddon>("sais");
    if (!native) throw new Error("native/sais is not built");
    native.longLcpFlags(tokens, sa, L, separator, flags);
    return flags;
  }
  const rank = new Uint32Array(n);
  for (let k = 0; k < n; k++) rank[sa[k]] = k;
  let h = 0;
  for (let i = 0; i < n; i++) {
    const k = rank[i];
    if (k === 0) {
      h = 0;
      continue;
    }
    const j = sa[k - 1];
    // Kasai's bound holds for the capped value too: lcp(i + 1) ≥ min(lcp(i), L) − 1.
    while (h < L && i + h < n && j + h < n && tokens[i + h] === tokens[j + h] && tokens[i + h] !== separator) h++;
    if (h >= L) flags[k] = 1;
    if (h > 0) h--;
  }
  return flags;
}

const copyMaps = new WeakMap<object, Map<number, CopyMap>>();

/**
 * Where an index's copy maps are kept between processes (copy-map-store.ts): a copy map is a pure function of the
 * index, the view's members and L, so a serving process computes it once per corpus instead of once per start.
 * `key` names the view ("all", or a digest of its members) and L.
 */
export interface CopyMapStore {
  read(key: string, spanTokens: number): CopyMap | null;
  write(key: string, map: CopyMap): void;
}

const stores = new WeakMap<object, { store: CopyMapStore; viewKey: (view: ModelView | undefined) => string }>();

/**
 * Keeps this index's copy maps (one index's, or a sharded index's: shards.ts) in `store`; the catalog does it for the
 * models it serves, Verify never does.
 */
export function keepCopyMaps(index: object, store: CopyMapStore, viewKey: (view: ModelView | undefined) => string = () => "all"): void {
  stores.set(index, { store, viewKey });
}

/** The copy map kept for `index` (and `view`: the whole index when undefined) at L = spanTokens, or null. */
export function keptCopyMap(index: object, view: ModelView | undefined, spanTokens: number): CopyMap | null {
  const kept = stores.get(index);
  return kept ? kept.store.read(`${kept.viewKey(view)}-L${spanTokens}`, spanTokens) : null;
}

/** Keeps a copy map just computed, when the index has a store. */
export function keepComputedCopyMap(index: object, view: ModelView | undefined, map: CopyMap): void {
  const kept = stores.get(index);
  kept?.store.write(`${kept.viewKey(view)}-L${map.spanTokens}`, map);
}

/** A copy map from its segments (sorted, disjoint [start, end) with the credited rank). */
export function copyMapFromSegments(spanTokens: number, starts: Uint32Array | Float64Array, ends: Uint32Array | Float64Array, owners: Uint32Array): CopyMap {
  return new Segments(spanTokens, starts, ends, owners);
}

/**
 * The copy map of a model (its view of the index, or the whole index): every L-token run that occurs in
 * two or more member contributions is credited to the lowest-ranked (= lowest id, registered first) of
 * them; a position inside several such runs credits the lowest of their originals. Computed once per
 * view (one pass over the suffix array) and cached.
 */
export function copyMap(index: CorpusIndex, view: ModelView | undefined, filter: ViewFilter | null, spanTokens: number): CopyMap {
  const key: object = view ?? index;
  let byL = copyMaps.get(key);
  if (!byL) copyMaps.set(key, (byL = new Map()));
  const hit = byL.get(spanTokens);
  if (hit) return hit;
  let map = keptCopyMap(index, view, spanTokens);
  if (!map) {
    map = computeCopyMap(index, filter, spanTokens);
    keepComputedCopyMap(index, view, map);
  }
  byL.set(spanTokens, map);
  return map;
}

function computeCopyMap(index: CorpusIndex, filter: ViewFilter | null, spanTokens: number): CopyMap {
  const flags = longLcpFlags(index, spanTokens);
  const { sa, starts } = index;
  const n = sa.length;
  const rankOf = (k: number): number => (filter ? filter.saRank[k] : rankAt(starts, sa[k]));
  const member = (r: number): boolean => !filter || filter.members[r] === 1;
  // Window [p, p + L) of a later member at ownerAt[p]: its group's lowest member rank (-1: no window). A position
  // starts at most one window (it is one row of the suffix array), so no sort is needed: the sweep reads them in order.
  const ownerAt = new Int32Array(n).fill(-1);
  for (let a = 0; a < n; ) {
    let b = a + 1;
    while (b < n && flags[b] === 1) b++;
    if (b - a >= 2 && !filter) {
      // Contributions lie in rank order, so the group's lowest rank holds its lowest position, and another row is
      // a later contribution iff it lies past that one's end: one rank lookup per group instead of two per row.
      let first = sa[a];
      for (let k = a + 1; k < b; k++) if (sa[k] < first) first = sa[k];
      const min = rankAt(starts, first);
      const end = min + 1 < starts.length ? starts[min + 1] : n;
      for (let k = a; k < b; k++) if (sa[k] >= end) ownerAt[sa[k]] = min;
    } else if (b - a >= 2) {
      let min = -1;
      for (let k = a; k < b; k++) {
        const r = rankOf(k);
        if (member(r) && (min < 0 || r < min)) min = r;
      }
      if (min >= 0) {
        for (let k = a; k < b; k++) {
          const r = rankOf(k);
          if (r !== min && member(r)) ownerAt[sa[k]] = min;
        }
      }
    }
    a = b;
  }
  return sweepSegments(ownerAt, spanTokens);
}

/**
 * Segments from windows given by their start (ownerAt[p] ≥ 0 starts [p, p + L) crediting that rank): at each position
 * the lowest owner of the windows covering it, by a sliding-window minimum (deque of windows, owners increasing).
 * O(n), no sort: shared by one index (copyMap) and each shard of a sharded one (shardedCopyMap).
 */
export function sweepSegments(ownerAt: Int32Array, spanTokens: number): CopyMap {
  const n = ownerAt.length;
  const segStart: number[] = [];
  const segEnd: number[] = [];
  const segOwner: number[] = [];
  const dqStart = new Int32Array(Math.min(n, spanTokens) + 1);
  const dqOwner = new Int32Array(dqStart.length);
  const cap = dqStart.length;
  let head = 0; // ring buffer [head, head + size)
  let size = 0;
  for (let p = 0; p < n; p++) {
    const o = ownerAt[p];
    if (o >= 0) {
      while (size > 0 && dqOwner[(head + size - 1) % cap] >= o) size--;
      const at = (head + size) % cap;
      dqStart[at] = p;
      dqOwner[at] = o;
      size++;
    }
    while (size > 0 && dqStart[head] + spanTokens <= p) {
      head = (head + 1) % cap;
      size--;
    }
    if (size === 0) continue;
    const owner = dqOwner[head];
    const last = segEnd.length - 1;
    if (last >= 0 && segEnd[last] === p && segOwner[last] === owner) segEnd[last] = p + 1;
    else {
      segStart.push(p);
      segEnd.push(p + 1);
      segOwner.push(owner);
    }
  }
  return new Segments(spanTokens, Uint32Array.from(segStart), Uint32Array.from(segEnd), Uint32Array.from(segOwner));
}

// ---------------------------------------------------------------------------------------------
// Seeded sampling.

let chosen = new Uint32Array(1024);

/**
 * S = min(M, maxSupport) of the M items 0..M−1, uniformly without replacement (Floyd's algorithm), drawn
 * from `rng`: a deterministic function of the request's seed. Returns a shared buffer of S indices in
 * ascending order (valid until the next call).
 */
export function seededSample(m: number, maxSupport: number, rng: Prng): Uint32Array {
  const s = m < maxSupport ? m : maxSupport;
  if (chosen.length < s) {
    let cap = chosen.length;
    while (cap < s) cap *= 2;
    chosen = new Uint32Array(cap);
  }
  if (s === m) {
    for (let k = 0; k < s; k++) chosen[k] = k;
    return chosen.subarray(0, s);
  }
  const picked = new Set<number>();
  for (let j = m - s; j < m; j++) {
    const t = Math.floor(rng.nextDouble() * (j + 1));
    picked.add(picked.has(t) ? j : t);
  }
  let k = 0;
  for (const v of picked) chosen[k++] = v;
  const out = chosen.subarray(0, s);
  out.sort();
  return out;
}
