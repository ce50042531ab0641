/**
 * kNN text classifier over hashed TF-IDF vectors, with exact kNN-Shapley attribution (Jia et al. 2019).
 * Records live in flat typed arrays so one query over 100k records stays in the tens of milliseconds.
 */
import { AttributionError } from "./errors";
import { unicode15 } from "./unicode";

export interface LabelledRecord {
  contributionId: number;
  text: string;
  label: string;
}

export interface KnnOptions {
  /** neighbours that vote */
  k: number;
  /** hashed feature space: a power of two, e.g. 2^18 */
  dims: number;
}

export interface KnnModel {
  k: number;
  dims: number;
  /** sorted, unique */
  labels: string[];
  /** per record: index into `labels` */
  recordLabel: Uint32Array;
  /** per record: contribution id (records sorted by contribution id, then input order) */
  recordContribution: Uint32Array;
  /** CSR: record r's features are indices[offsets[r] .. offsets[r+1]), ascending */
  offsets: Uint32Array;
  indices: Uint32Array;
  /** L2-normalised tf-idf weights, parallel to `indices` */
  values: Float32Array;
  /** idf of every feature, length `dims` (unseen features: ln(1+N) + 1) */
  idf: Float64Array;
  /** sorted unique contribution ids, and each record's slot in it (derived, not serialised) */
  contributionIds: Uint32Array;
  recordSlot: Uint32Array;
}

export const MIN_DIMS = 16;
export const MAX_DIMS = 1 << 24;
const MAX_ID = 0xffffffff;

export function labelledRecordsOf(contributionId: number, records: string[]): LabelledRecord[] {
  if (!Number.isSafeInteger(contributionId) || contributionId < 0 || contributionId > MAX_ID) {
    throw new AttributionError(`A contribution id must be an integer in 0..${MAX_ID}, got ${String(contributionId)}.`);
  }
  return records.map((line, i) => {
    const where = `Contribution ${contributionId}, record ${i + 1}`;
    if (typeof line !== "string" || line.trim() === "") throw new AttributionError(`${where} is empty.`);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new AttributionError(`${where} is not JSON: a labelled record must be an object like {"text": "…", "label": "…"}.`);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new AttributionError(`${where} is not a JSON object with "text" and "label".`);
    }
    const { text, label } = value as { text?: unknown; label?: unknown };
    if (typeof text !== "string") throw new AttributionError(`${where} has no "text" string.`);
    if (typeof label !== "string") throw new AttributionError(`${where} has no "label" string.`);
    if (text.trim() === "") throw new AttributionError(`${where} has an empty "text".`);
    if (label === "") throw new AttributionError(`${where} has an empty "label".`);
    return { contributionId, text, label };
  });
}

// ---------------------------------------------------------------------------------------------
// Features

const WORD_RE = /[\p{L}\p{N}]+/gu;

/** FNV-1a 32-bit over the UTF-8 bytes of `s`, without allocating. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = c <= 0xdbff && i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else c = 0xfffd; // a lone surrogate encodes as U+FFFD, as TextEncoder does
    }
    if (c < 0x80) {
      h = Math.imul(h ^ c, 0x01000193);
    } else if (c < 0x800) {
      h = Math.imul(h ^ (0xc0 | (c >> 6)), 0x01000193);
      h = Math.imul(h ^ (0x80 | (c & 63)), 0x01000193);
    } else if (c < 0x10000) {
      h = Math.imul(h ^ (0xe0 | (c >> 12)), 0x01000193);
      h = Math.imul(h ^ (0x80 | ((c >> 6) & 63)), 0x01000193);
      h = Math.imul(h ^ (0x80 | (c & 63)), 0x01000193);
    } else {
      h = Math.imul(h ^ (0xf0 | (c >> 18)), 0x01000193);
      h = Math.imul(h ^ (0x80 | ((c >> 12) & 63)), 0x01000193);
      h = Math.imul(h ^ (0x80 | ((c >> 6) & 63)), 0x01000193);
      h = Math.imul(h ^ (0x80 | (c & 63)), 0x01000193);
    }
  }
  return h >>> 0;
}

/** Lowercase word tokens: runs of Unicode letters and digits (NFC first, so "é" matches "é"). */
export function wordsOf(text: string): string[] {
  return unicode15(text).normalize("NFC").toLowerCase().match(WORD_RE) ?? [];
}

/** Reused buffers for feature extraction: one query or record at a time, no per-record allocation. */
let hashBuf = new Uint32Array(256);
let featBuf = new Uint32Array(256);
let countBuf = new Uint32Array(256);

/**
 * Sorted unique features of `text` with their counts in `featBuf`/`countBuf` (hash collisions merge,
 * as the hashing trick intends). Returns how many; the buffers are valid until the next call.
 */
function countFeatures(text: string, mask: number): number {
  const words = wordsOf(text);
  const len = words.length;
  if (hashBuf.length < len) {
    const size = Math.max(len, hashBuf.length * 2);
    hashBuf = new Uint32Array(size);
    featBuf = new Uint32Array(size);
    countBuf = new Uint32Array(size);
  }
  const hashed = hashBuf.subarray(0, len);
  for (let i = 0; i < len; i++) hashed[i] = fnv1a32(words[i]) & mask;
  hashed.sort();
  let u = -1;
  for (let i = 0; i < len; i++) {
    if (i === 0 || hashed[i] !== hashed[i - 1]) {
      featBuf[++u] = hashed[i];
      countBuf[u] = 0;
    }
    countBuf[u]++;
  }
  return u + 1;
}

function checkOptions(opts: KnnOptions): void {
  if (!Number.isSafeInteger(opts?.k) || opts.k < 1) throw new AttributionError(`k must be an integer ≥ 1, got ${String(opts?.k)}.`);
  const d = opts.dims;
  if (!Number.isSafeInteger(d) || d < MIN_DIMS || d > MAX_DIMS || (d & (d - 1)) !== 0) {
    throw new AttributionError(`dims must be a power of two between ${MIN_DIMS} and ${MAX_DIMS} (e.g. 262144), got ${String(d)}.`);
  }
}

const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Slots of the sorted unique contribution ids; records are already sorted by id. */
export function contributionSlots(recordContribution: Uint32Array): { contributionIds: Uint32Array; recordSlot: Uint32Array } {
  const n = recordContribution.length;
  const recordSlot = new Uint32Array(n);
  let distinct = 0;
  for (let r = 0; r < n; r++) {
    if (r === 0 || recordContribution[r] !== recordContribution[r - 1]) distinct++;
    recordSlot[r] = distinct - 1;
  }
  const contributionIds = new Uint32Array(distinct);
  for (let r = 0; r < n; r++) contributionIds[recordSlot[r]] = recordContribution[r];
  return { contributionIds, recordSlot };
}

export function buildKnnModel(
  records: LabelledRecord[],
  opts: KnnOptions,
  onProgress?: (done: number, total: number) => void,
): KnnModel {
  checkOptions(opts);
  if (!Array.isArray(records) || records.length === 0) throw new AttributionError("A kNN model needs at least one labelled record.");
  records.forEach((r, i) => {
    if (!Number.isSafeInteger(r?.contributionId) || r.contributionId < 0 || r.contributionId > MAX_ID) {
      throw new AttributionError(`Record ${i + 1} has an invalid contribution id ${String(r?.contributionId)}.`);
    }
    if (typeof r.text !== "string") throw new AttributionError(`Record ${i + 1} (contribution ${r.contributionId}) has no text.`);
    if (typeof r.label !== "string" || r.label === "") {
      throw new AttributionError(`Record ${i + 1} (contribution ${r.contributionId}) has no label.`);
    }
  });
  const n = records.length;
  const order = records.map((_, i) => i);
  order.sort((a, b) => records[a].contributionId - records[b].contributionId || a - b);

  const labels = [...new Set(records.map((r) => r.label))].sort(compareStrings);
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const mask = opts.dims - 1;

  const recordLabel = new Uint32Array(n);
  const recordContribution = new Uint32Array(n);
  const offsets = new Uint32Array(n + 1);
  const df = new Uint32Array(opts.dims);
  let indices = new Uint32Array(Math.max(16, n * 8));
  let counts = new Uint32Array(indices.length);
  const step = Math.max(1, Math.floor(n / 100));
  for (let r = 0; r < n; r++) {
    const rec = records[order[r]];
    recordLabel[r] = labelIndex.get(rec.label)!;
    recordContribution[r] = rec.contributionId;
    const m = countFeatures(rec.text, mask);
    const base = offsets[r];
    if (base + m > MAX_ID) throw new AttributionError("The training set is too large for one kNN model (over 4 billion features).");
    if (base + m > indices.length) {
      const size = Math.max(base + m, Math.min(MAX_ID, indices.length * 2));
      const grownI = new Uint32Array(size);
      grownI.set(indices.subarray(0, base));
      const grownC = new Uint32Array(size);
      grownC.set(counts.subarray(0, base));
      indices = grownI;
      counts = grownC;
    }
    for (let j = 0; j < m; j++) {
      const f = featBuf[j];
      indices[base + j] = f;
      counts[base + j] = countBuf[j];
      df[f]++;
    }
    offsets[r + 1] = base + m;
    if (onProgress && (r + 1) % step === 0 && r + 1 < n) onProgress(r + 1, n);
  }

  const idf = new Float64Array(opts.dims);
  for (let f = 0; f < opts.dims; f++) idf[f] = Math.log((1 + n) / (1 + df[f])) + 1;

  const nnz = offsets[n];
  indices = indices.slice(0, nnz);
  const values = new Float32Array(nnz);
  for (let r = 0; r < n; r++) {
    const start = offsets[r];
    const end = offsets[r + 1];
    let norm = 0;
    for (let j = start; j < end; j++) {
      const w = (1 + Math.log(counts[j])) * idf[indices[j]];
      norm += w * w;
    }
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let j = start; j < end; j++) values[j] = (1 + Math.log(counts[j])) * idf[indices[j]] * inv;
  }
  onProgress?.(n, n);
  return {
    k: opts.k,
    dims: opts.dims,
    labels,
    recordLabel,
    recordContribution,
    offsets,
    indices,
    values,
    idf,
    ...contributionSlots(recordContribution),
  };
}

// ---------------------------------------------------------------------------------------------
// Queries

/** Per-model dense scratch vector, reset after each query so a query costs O(nnz), not O(dims). */
const scratch = new WeakMap<KnnModel, Float64Array>();

/** Cosine similarity of `text` to every record; `words` is 0 when the text has no word tokens. */
export function similarities(model: KnnModel, text: string): { sims: Float64Array; words: number } {
  if (typeof text !== "string") throw new AttributionError("The text to classify must be a string.");
  const m = countFeatures(text, model.dims - 1);
  const features = featBuf.slice(0, m);
  let q = scratch.get(model);
  if (!q) {
    q = new Float64Array(model.dims);
    scratch.set(model, q);
  }
  let norm = 0;
  for (let j = 0; j < m; j++) {
    const w = (1 + Math.log(countBuf[j])) * model.idf[features[j]];
    q[features[j]] = w;
    norm += w * w;
  }
  const n = model.recordLabel.length;
  const sims = new Float64Array(n);
  if (norm > 0) {
    const inv = 1 / Math.sqrt(norm);
    for (let j = 0; j < features.length; j++) q[features[j]] *= inv;
    const { offsets, indices, values } = model;
    let start = offsets[0];
    for (let r = 0; r < n; r++) {
      const end = offsets[r + 1];
      let s = 0;
      for (let j = start; j < end; j++) s += values[j] * q[indices[j]];
      sims[r] = s;
      start = end;
    }
    for (let j = 0; j < features.length; j++) q[features[j]] = 0;
  }
  return { sims, words: features.length };
}

/**
 * Record indices by similarity descending, ties by index ascending. Similarities are ≥ 0, so the
 * zeros keep index order for free; the positives go through a stable LSD radix sort on the float64
 * bits (non-negative doubles order like their bit patterns), which beats a comparator sort ~10×.
 */
export function rankBySimilarity(sims: Float64Array): Uint32Array {
  const n = sims.length;
  const rank = new Uint32Array(n);
  let pos = 0;
  for (let r = 0; r < n; r++) if (sims[r] > 0) pos++;
  let p = 0;
  let z = pos;
  for (let r = 0; r < n; r++) {
    if (sims[r] > 0) rank[p++] = r;
    else rank[z++] = r;
  }
  if (pos > 1) radixSortDesc(rank, pos, sims);
  return rank;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function radixSortDesc(rank: Uint32Array, m: number, sims: Float64Array): void {
  const words = new Uint32Array(sims.buffer, sims.byteOffset, sims.length * 2);
  const lo = LITTLE_ENDIAN ? 0 : 1;
  const hi = 1 - lo;
  // Descending = ascending on the complemented bits; stability keeps index order within ties.
  const keyHi = new Uint32Array(m);
  const keyLo = new Uint32Array(m);
  for (let i = 0; i < m; i++) {
    const r = rank[i];
    keyHi[i] = ~words[2 * r + hi] >>> 0;
    keyLo[i] = ~words[2 * r + lo] >>> 0;
  }
  let src: Uint32Array = rank.subarray(0, m);
  let srcHi = keyHi;
  let srcLo = keyLo;
  let dst: Uint32Array = new Uint32Array(m);
  let dstHi = new Uint32Array(m);
  let dstLo = new Uint32Array(m);
  const count = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const useHi = pass >= 2;
    const shift = pass % 2 === 0 ? 0 : 16;
    const keys = useHi ? srcHi : srcLo;
    count.fill(0);
    for (let i = 0; i < m; i++) count[(keys[i] >>> shift) & 0xffff]++;
    if (count[(keys[0] >>> shift) & 0xffff] === m) continue; // every key shares this digit
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = count[d];
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < m; i++) {
      const at = count[(keys[i] >>> shift) & 0xffff]++;
      dst[at] = src[i];
      dstHi[at] = srcHi[i];
      dstLo[at] = srcLo[i];
    }
    [src, dst] = [dst, src];
    [srcHi, dstHi] = [dstHi, srcHi];
    [srcLo, dstLo] = [dstLo, srcLo];
  }
  if (src.buffer !== rank.buffer) rank.set(src, 0);
}

/**
 * Exact kNN-Shapley values (Jia et al. 2019, Theorem 1) for records already sorted nearest first:
 * s_N = 1[y_N = y] / max(N, K), s_i = s_{i+1} + (1[y_i = y] − 1[y_{i+1} = y]) / K · min(K, i) / i.
 * The paper writes s_N = 1[·]/N assuming K ≤ N; max(N, K) keeps it exact when K > N (then s_i = 1[·]/K).
 */
export function knnShapley(matches: ArrayLike<boolean>, k: number): Float64Array {
  return shapleyOf(matches, k);
}

function shapleyOf(matches: ArrayLike<boolean | number>, k: number): Float64Array {
  if (!Number.isSafeInteger(k) || k < 1) throw new AttributionError(`k must be an integer ≥ 1, got ${String(k)}.`);
  const n = matches.length;
  const s = new Float64Array(n);
  if (n === 0) return s;
  s[n - 1] = (matches[n - 1] ? 1 : 0) / Math.max(n, k);
  for (let i = n - 1; i >= 1; i--) {
    // 1-based position i ↔ 0-based index i − 1
    const diff = (matches[i - 1] ? 1 : 0) - (matches[i] ? 1 : 0);
    s[i - 1] = diff === 0 ? s[i] : s[i] + (diff / k) * (Math.min(k, i) / i);
  }
  return s;
}

/** The k nearest records in rank order, without sorting everything (used by voting and evaluation). */
function topK(sims: Float64Array, k: number): Uint32Array {
  const n = sims.length;
  const m = Math.min(k, n);
  const best = new Uint32Array(m);
  let size = 0;
  for (let r = 0; r < n; r++) {
    const s = sims[r];
    // Equal similarity never displaces: the earlier index ranks first.
    if (size === m && s <= sims[best[m - 1]]) continue;
    let at = size < m ? size++ : m - 1;
    while (at > 0 && sims[best[at - 1]] < s) {
      best[at] = best[at - 1];
      at--;
    }
    best[at] = r;
  }
  return best;
}

function resolveK(model: KnnModel, k: number | undefined): number {
  const kk = k ?? model.k;
  if (!Number.isSafeInteger(kk) || kk < 1) throw new AttributionError(`k must be an integer ≥ 1, got ${String(kk)}.`);
  return kk;
}

/** Majority vote of the ranked neighbours; a tie goes to the label whose best neighbour ranks first. */
function vote(model: KnnModel, nearest: Uint32Array): { winner: number; votes: { label: number; count: number; first: number }[] } {
  const tallies = new Map<number, { label: number; count: number; first: number }>();
  nearest.forEach((r, pos) => {
    const l = model.recordLabel[r];
    const t = tallies.get(l);
    if (t) t.count++;
    else tallies.set(l, { label: l, count: 1, first: pos });
  });
  const votes = [...tallies.values()].sort((a, b) => b.count - a.count || a.first - b.first);
  return { winner: votes[0].label, votes };
}

/** Predicted label index only: what evaluation needs, O(N·k) instead of a full ranking. */
export function predictLabel(model: KnnModel, text: string, k?: number): string {
  const kk = resolveK(model, k);
  const { sims } = similarities(model, text);
  return model.labels[vote(model, topK(sims, kk)).winner];
}

export interface Classification {
  label: string;
  votes: { label: string; count: number }[];
  neighbours: { record: number; contributionId: number; label: string; similarity: number }[];
  /** kNN-Shapley value of each training record, indexed by record (all 0 when no record shares a word) */
  shapley: Float64Array;
  /** Σ per contribution of round(max(s, 0) · 1e12): input to `buildRecord` */
  rawWeights: Map<number, bigint>;
}

export const SHAPLEY_SCALE = 1e12;

export function classify(model: KnnModel, text: string, opts: { k?: number; label?: string } = {}): Classification {
  const k = resolveK(model, opts.k);
  if (typeof text !== "string" || text.trim() === "") throw new AttributionError("The text to classify is empty.");
  const { sims, words } = similarities(model, text);
  if (words === 0) throw new AttributionError("The text to classify has no words (letters or digits) to compare.");
  const n = sims.length;
  const rank = rankBySimilarity(sims);
  const nearest = rank.subarray(0, Math.min(k, n));
  const { winner, votes } = vote(model, nearest);

  let target = winner;
  if (opts.label !== undefined) {
    if (typeof opts.label !== "string") throw new AttributionError("The label to attribute must be a string.");
    // A label the model never saw gets no support from any record: all values are zero.
    target = model.labels.indexOf(opts.label);
  }
  const recordLabel = model.recordLabel;
  const shapley = new Float64Array(n);
  // No record shares a word with the text: the ranking is pure index order, so the values would
  // only reward low contribution ids. Nobody earns; buildRecord falls back explicitly.
  if (sims[rank[0]] > 0) {
    const matches = new Uint8Array(n);
    for (let i = 0; i < n; i++) matches[i] = recordLabel[rank[i]] === target ? 1 : 0;
    const byRank = shapleyOf(matches, k);
    for (let i = 0; i < n; i++) shapley[rank[i]] = byRank[i];
  }

  // Integers rounded per record are exact in a double until 2^53; flush to bigint before that.
  const slots = model.contributionIds.length;
  const acc = new Float64Array(slots);
  const big = new Array<bigint>(slots).fill(0n);
  const recordSlot = model.recordSlot;
  for (let r = 0; r < n; r++) {
    const v = shapley[r];
    if (!(v > 0)) continue;
    const units = Math.round(v * SHAPLEY_SCALE);
    const slot = recordSlot[r];
    if (acc[slot] + units > Number.MAX_SAFE_INTEGER) {
      big[slot] += BigInt(acc[slot]);
      acc[slot] = 0;
    }
    acc[slot] += units;
  }
  const rawWeights = new Map<number, bigint>();
  for (let c = 0; c < slots; c++) {
    const total = big[c] + BigInt(acc[c]);
    if (total > 0n) rawWeights.set(model.contributionIds[c], total);
  }

  return {
    label: model.labels[winner],
    votes: votes.map((v) => ({ label: model.labels[v.label], count: v.count })),
    neighbours: Array.from(nearest, (r) => ({
      record: r,
      contributionId: model.recordContribution[r],
      label: model.labels[recordLabel[r]],
      similarity: sims[r],
    })),
    shapley,
    rawWeights,
  };
}
