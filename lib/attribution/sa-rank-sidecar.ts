/**
 * A mapped index's suffix-array ranks kept beside its artifact (`<artifact>.sarank`, issue 17). A partial model view
 * (a takedown, or a model of some of a shared index's contributions) filters suffix-array rows by the contribution
 * each starts in (view.ts): 4 bytes per token. Held in memory, that array would undo on-disk mode at scale (4 GiB at
 * 1 B tokens), so for a mapped index it is computed once, streamed into this file, and mapped: a query then touches
 * its pages as it touches the suffix array's.
 *
 * Derived data, like the unigram sidecar: it names its artifact (size, first 36 bytes — which hold the checksum over
 * the whole file — and the sha-256 when the open was verified) and is written atomically (temporary file, rename).
 * One that names another artifact, has the wrong size or cannot be read is recomputed. Its values are not re-read on
 * open (that would touch all of it): it is trusted like the artifact beside it.
 *
 * Layout (little-endian):
 *   0  "LLSR"  magic
 *   4  u32 version (1)
 *   8  u32 n (suffix-array rows)
 *  12  u32 contributions
 *  16  u32 artifact size, low and high words
 *  24  32 bytes: the artifact's sha-256 (zero when the writing open did not hash it)
 *  56  36 bytes: the artifact's first 36 bytes
 *  92  u32 reserved (0)
 *  96  u32[n] the rank (position in contributionIds) of the contribution sa[k] starts in
 */
import fs from "node:fs";
import type { CorpusIndex } from "./corpus-index";
import { mmapAddon } from "./native";
import { rankBlocks, saRanksInto } from "./view";

export const SA_RANK_SIDECAR_SUFFIX = ".sarank";
const MAGIC = "LLSR";
const VERSION = 1;
const BOUND = 36;
const RANKS = 96;
const CHUNK = 1 << 20;

export const saRankSidecarPath = (artifactFile: string): string => artifactFile + SA_RANK_SIDECAR_SUFFIX;

/** The artifact a sidecar belongs to: its first 36 bytes, size and (when known) sha-256. */
export interface SaRankArtifact {
  head: Uint8Array;
  size: number;
  sha256: `0x${string}` | null;
}

/** How a mapped index got its ranks (tests and logs). */
export type SaRankSource = { source: "sidecar" } | { source: "computed"; why: string } | { source: "memory"; why: string };

function header(index: CorpusIndex, artifact: SaRankArtifact): Uint8Array {
  const out = new Uint8Array(RANKS);
  const dv = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  dv.setUint32(4, VERSION, true);
  dv.setUint32(8, index.sa.length, true);
  dv.setUint32(12, index.contributionIds.length, true);
  dv.setUint32(16, artifact.size % 2 ** 32, true);
  dv.setUint32(20, Math.floor(artifact.size / 2 ** 32), true);
  if (artifact.sha256) out.set(Buffer.from(artifact.sha256.slice(2), "hex"), 24);
  out.set(artifact.head.subarray(0, BOUND), 56);
  return out;
}

/** Why the sidecar at `file` does not fit this index and artifact, or null when it does. */
function unfit(file: string, index: CorpusIndex, artifact: SaRankArtifact): string | null {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch {
    return "no sidecar";
  }
  try {
    const n = index.sa.length;
    if (fs.fstatSync(fd).size !== RANKS + 4 * n) return "the sidecar's size does not fit the index";
    const got = new Uint8Array(RANKS);
    if (fs.readSync(fd, got, 0, RANKS, 0) !== RANKS) return "the sidecar's header is torn";
    const want = header(index, artifact);
    // The sha-256 is compared only when both the sidecar and this open know it.
    const zero = (b: Uint8Array) => b.every((x) => x === 0);
    const shaGot = got.subarray(24, 56);
    const shaWant = want.subarray(24, 56);
    const sameSha = zero(shaGot) || zero(shaWant) || Buffer.from(shaGot).equals(Buffer.from(shaWant));
    const rest = (b: Uint8Array) => Buffer.concat([b.subarray(0, 24), b.subarray(56, RANKS)]);
    if (!rest(got).equals(rest(want))) return "the sidecar was written for another artifact or index";
    if (!sameSha) return "the sidecar names another sha-256";
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/** Computes the ranks chunk by chunk into the sidecar (constant memory), atomically. */
function write(file: string, index: CorpusIndex, artifact: SaRankArtifact): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, header(index, artifact));
    const n = index.sa.length;
    const chunk = new Uint32Array(Math.min(CHUNK, n));
    const bytes = new Uint8Array(chunk.buffer);
    const blocks = rankBlocks(index.starts, n);
    for (let k = 0; k < n; k += CHUNK) {
      const len = Math.min(CHUNK, n - k);
      const out = len === chunk.length ? chunk : chunk.subarray(0, len);
      saRanksInto(index.sa, index.starts, blocks, k, out);
      fs.writeSync(fd, len === chunk.length ? bytes : bytes.subarray(0, 4 * len));
    }
    fs.closeSync(fd);
    fs.renameSync(tmp, file);
  } catch (err) {
    try {
      fs.closeSync(fd);
    } catch {
      /* already closed */
    }
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * The ranks of a mapped index, mapped from `<artifactFile>.sarank` (written first when missing or unfit), or null when
 * the file cannot be written or mapped (a read-only store): the caller then computes them in memory.
 */
export function mappedSaRanks(artifactFile: string, index: CorpusIndex, artifact: SaRankArtifact, onSource?: (how: SaRankSource) => void): Uint32Array | null {
  const file = saRankSidecarPath(artifactFile);
  const why = unfit(file, index, artifact);
  if (why) {
    try {
      write(file, index, artifact);
    } catch (err) {
      onSource?.({ source: "memory", why: `${why}, and it could not be written: ${(err as Error).message}` });
      return null;
    }
  }
  try {
    const ranks = new Uint32Array(mmapAddon().map(file, RANKS, 4 * index.sa.length, true));
    onSource?.(why ? { source: "computed", why } : { source: "sidecar" });
    return ranks;
  } catch (err) {
    onSource?.({ source: "memory", why: `the sidecar could not be mapped: ${(err as Error).message}` });
    return null;
  }
}
