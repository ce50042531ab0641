/**
 * On-disk mode (issue 17): an artifact's tokens and suffix array are memory-mapped (native/mmap), not read.
 * Opening a trusted file costs the header, the contribution tables and the unigram counts read from the
 * sidecar written beside it (unigram-sidecar.ts): O(vocabulary + contributions), whatever the corpus size.
 * Without a usable sidecar the counts are computed by one binary search per distinct token over the suffix
 * array's first-token buckets (pages in proportion to the corpus). The kernel reads the pages a query touches
 * and drops them under memory pressure, so an index larger than RAM is served from the pages its queries use,
 * like infini-gram's mmap. The arrays are the same bytes an in-memory load holds, so every query answers
 * identically in both modes.
 *
 * What is checked: the header, sizes and tables always; the file's sha-256 (the artifactHash) only when
 * `expectHash` is given (a streamed read with constant memory), and then the sidecar's counts against the
 * suffix array too; a verified open that had to compute the counts stores them beside the file (best effort,
 * `storeUnigram: false` to not), so the artifact's later trusted opens are O(vocabulary). Without `expectHash`
 * the file and its sidecar are trusted: use that for an operator's own cache of artifacts verified once when
 * written. A mapped file must not be truncated while in use (the process would fault): artifacts are written
 * once under their hash and never rewritten.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import { checkTokenizer, corrupt, HEADER, layout, LITTLE_ENDIAN_HOST, pad4, readHeader } from "./artifact-format";
import type { CorpusIndex, TokenArray } from "./corpus-index";
import { AttributionError } from "./errors";
import { mmapAddon } from "./native";
import { mappedSaRanks, type SaRankSource } from "./sa-rank-sidecar";
import { readUnigramSidecar, writeUnigramSidecar } from "./unigram-sidecar";
import { keepSaRanksWith } from "./view";

/** Node 20's cap on one typed array (bytes): a larger suffix array is served as shards. */
const MAX_VIEW_BYTES = 2 ** 32;
const HASH_CHUNK = 8 << 20;


/** Streams the file through sha-256 with one reused buffer. */
function fileHash(fd: number, size: number): `0x${string}` {
  const sha = createHash("sha256");
  const buf = new Uint8Array(Math.min(HASH_CHUNK, Math.max(size, 1)));
  for (let pos = 0; pos < size; ) {
    const got = fs.readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos);
    if (got <= 0) corrupt(`it ends at byte ${pos}`);
    sha.update(buf.subarray(0, got));
    pos += got;
  }
  return `0x${sha.digest("hex")}`;
}

/**
 * Unigram counts from the suffix array: rows [0, n − C) sort by first token, so each distinct token is one
 * bucket, found by galloping then binary search. O(distinct tokens · log n) page touches instead of a scan.
 */
function unigramFromBuckets(tokens: TokenArray, sa: Uint32Array, rows: number, V: number): Uint32Array {
  const unigram = new Uint32Array(V);
  const first = (r: number): number => tokens[sa[r]];
  let lo = 0;
  while (lo < rows) {
    const t = first(lo);
    if (t >= V) corrupt(`token ${t} at position ${sa[lo]} is not in the vocabulary`);
    let step = 1;
    let inside = lo; // last row known to hold t
    while (inside + step < rows && first(inside + step) === t) {
      inside += step;
      step *= 2;
    }
    let hi = Math.min(inside + step, rows); // first row known not to hold t (or rows)
    while (hi - inside > 1) {
      const mid = inside + ((hi - inside) >>> 1);
      if (first(mid) === t) inside = mid;
      else hi = mid;
    }
    if (hi < rows && first(hi) < t) corrupt("the suffix array is not sorted");
    unigram[t] = hi - lo;
    lo = hi;
  }
  return unigram;
}

/**
 * Whether stored counts equal the bucket sizes, in two probes per distinct token: with rows sorted by first token,
 * a bucket whose first and last rows hold t lies inside t's rows, and buckets tiling every row leave no room for
 * more (the counts' sum was checked), so each bucket is exactly t's rows — what unigramFromBuckets would find.
 */
function countsMatchBuckets(tokens: TokenArray, sa: Uint32Array, unigram: Uint32Array): boolean {
  let row = 0;
  for (let t = 0; t < unigram.length; t++) {
    const u = unigram[t];
    if (u === 0) continue;
    if (tokens[sa[row]] !== t || tokens[sa[row + u - 1]] !== t) return false;
    row += u;
  }
  return true;
}

/** Counts of a verified artifact, stored for its next opens; a read-only directory only costs the next open the search. */
function storeBestEffort(file: string, artifact: { head: Uint8Array; size: number; sha256: `0x${string}` }, unigram: Uint32Array): void {
  try {
    writeUnigramSidecar(file, artifact, unigram);
  } catch {
    // not stored: the counts are computed again next time
  }
}

/** How an open got its unigram counts (for tests and the benchmark). */
export type UnigramSource = { source: "sidecar" } | { source: "buckets"; why: string };

/** Opens an artifact in on-disk mode (see the module comment); both format versions. */
export function openCorpusIndexMapped(
  file: string,
  opts: {
    expectHash?: `0x${string}`;
    storeUnigram?: boolean;
    onUnigram?: (how: UnigramSource) => void;
    /** false: a partial view computes its ranks in memory instead of in `<file>.sarank` (sa-rank-sidecar.ts). */
    saRankSidecar?: boolean;
    onSaRanks?: (how: SaRankSource) => void;
  } = {},
): CorpusIndex {
  if (!LITTLE_ENDIAN_HOST) throw new AttributionError("On-disk mode needs a little-endian machine (the artifact's byte order).");
  const native = mmapAddon();
  const fd = fs.openSync(file, "r");
  try {
    const size = fs.fstatSync(fd).size;
    if (size < HEADER) corrupt(`it is ${size} bytes, shorter than the ${HEADER}-byte header`);
    const read = (pos: number, len: number): Uint8Array => {
      const out = new Uint8Array(len);
      if (len > 0 && fs.readSync(fd, out, 0, len, pos) !== len) corrupt(`it ends before byte ${pos + len}`);
      return out;
    };
    const head = read(0, HEADER);
    const { dv, c, n, nameLength, bits } = readHeader(head, size, () => new DataView(read(32, 4).buffer).getUint32(0, true));
    const L = layout(c, n, nameLength, bits === 16 ? 1 : 2, bits);
    const tokenizer = new TextDecoder().decode(read(L.name, nameLength));
    const info = checkTokenizer(tokenizer, dv, bits);
    const V = info.vocabSize;
    if (c === 0 || n === c) corrupt("the corpus is empty");
    if (4 * n > MAX_VIEW_BYTES) {
      throw new AttributionError(`This index has ${n} tokens; on-disk mode maps at most ${MAX_VIEW_BYTES / 4} per index (build it as shards).`);
    }
    const sha = opts.expectHash ? fileHash(fd, size) : null;
    if (opts.expectHash && sha !== opts.expectHash.toLowerCase()) {
      throw new AttributionError(`The artifact file does not hash to ${opts.expectHash} (its sha-256 differs).`);
    }
    const tables = new Uint32Array(read(L.ids, 12 * c).buffer);
    const contributionIds = tables.slice(0, c);
    const datanetIds = tables.slice(c, 2 * c);
    const starts = tables.slice(2 * c, 3 * c);
    for (let r = 0; r < c; r++) {
      if (r > 0 && contributionIds[r] <= contributionIds[r - 1]) corrupt("contribution ids are not strictly ascending");
      if ((r === 0 && starts[r] !== 0) || (r > 0 && starts[r] <= starts[r - 1]) || starts[r] >= n) corrupt("contribution starts are out of order");
    }
    const tokenBuf = native.map(file, L.tokens, pad4((bits / 8) * n), true);
    const tokens: TokenArray = bits === 32 ? new Uint32Array(tokenBuf, 0, n) : new Uint16Array(tokenBuf, 0, n);
    const sa = new Uint32Array(native.map(file, L.sa, 4 * n, true));
    // The last C rows are the separators in contribution order. A trusted open checks the ends of that block: four
    // pages at any size (every row would touch a token page per contribution, ≈ all of them at scale). A verified
    // open, whose pages the hash has just read, checks every row: O(contributions).
    const separatorRow = (r: number): void => {
      const at = (r + 1 < c ? starts[r + 1] : n) - 1;
      if (sa[n - c + r] !== at || tokens[at] !== V) corrupt("the suffix array does not end with the separators in contribution order");
    };
    if (sha) for (let r = 0; r < c; r++) separatorRow(r);
    else {
      separatorRow(0);
      separatorRow(c - 1);
    }
    let unigram: Uint32Array | null = null;
    let why = "";
    const bound = read(0, Math.min(36, size)); // what a sidecar names its artifact by
    const stored = readUnigramSidecar(file, { head: bound, size }, V, n - c);
    if (!stored.ok) why = stored.why;
    else if (sha && stored.sha256 !== sha) why = "the sidecar names another sha-256";
    else if (sha && !countsMatchBuckets(tokens, sa, stored.unigram)) why = "the sidecar's counts do not match the suffix array";
    else unigram = stored.unigram;
    opts.onUnigram?.(unigram ? { source: "sidecar" } : { source: "buckets", why });
    if (!unigram) {
      unigram = unigramFromBuckets(tokens, sa, n - c, V);
      if (sha && opts.storeUnigram !== false) storeBestEffort(file, { head: bound, size, sha256: sha }, unigram);
    }
    const index: CorpusIndex = { tokens, sa, contributionIds, datanetIds, starts, unigram, params: { tokenizer, separator: V } };
    // A partial view's 4-byte-per-token ranks come from a mapped file beside the artifact, not the heap.
    if (opts.saRankSidecar !== false) keepSaRanksWith(index, () => mappedSaRanks(file, index, { head: bound, size, sha256: sha }, opts.onSaRanks));
    return index;
  } finally {
    fs.closeSync(fd);
  }
}
