/**
 * Stored unigram counts for on-disk mode (issue 17): a sidecar file `<artifact>.unigram` written beside an artifact,
 * so opening it mapped reads O(vocabulary) bytes instead of searching the suffix array's buckets (which touches
 * pages in proportion to the corpus: ≈ 4.9 GiB at 1 B tokens).
 *
 * Why a sidecar and not a new artifact version or a manifest section: the artifact's bytes, its on-chain
 * artifactHash and a sharded manifest's hash stay exactly what earlier builds wrote (rebuilding an old model gives
 * the same bytes), and an artifact without a sidecar (older builds, other writers) still opens by the bucket search.
 * The sidecar is a cache, never an authority: it names the artifact it was computed from (size, first 36 bytes
 * — which hold the checksum over every word of the file — and sha-256), and a reader ignores one that does not match
 * and computes the counts instead. Written by the sharded writers (shards-artifact.ts) and by a verified mapped open
 * that had to compute the counts (artifact-mapped.ts), so an artifact from before sidecars gets one on first use. Counts for a trusted open are taken as they are (the file is trusted, like the
 * artifact beside it); a verified open checks them against the suffix array (artifact-mapped.ts).
 *
 * Layout (little-endian):
 *   0  "LLUG"  magic
 *   4  u32 version (1)
 *   8  u32 vocabSize V (the number of counts)
 *  12  u32 checksum over the counts (catches a torn or altered file)
 *  16  u32 artifact size, low and high words
 *  24  32 bytes: the artifact's sha-256
 *  56  36 bytes: the artifact's first 36 bytes
 *  92  u32 reserved (0)
 *  96  u32[V] counts
 */
import fs from "node:fs";
import { LITTLE_ENDIAN_HOST } from "./artifact-format";

export const UNIGRAM_SIDECAR_SUFFIX = ".unigram";
const MAGIC = "LLUG";
const VERSION = 1;
const BOUND = 36;
const COUNTS = 96;

export const unigramSidecarPath = (artifactFile: string): string => artifactFile + UNIGRAM_SIDECAR_SUFFIX;

function countsChecksum(counts: Uint32Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < counts.length; i++) h = Math.imul(h ^ counts[i], 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

const hexBytes = (sha: `0x${string}`): Uint8Array => Uint8Array.from(Buffer.from(sha.slice(2), "hex"));

/** The sidecar's bytes for an artifact (its bytes or at least its first 36, its size and sha-256) and its unigram counts. */
export function encodeUnigramSidecar(artifact: { head: Uint8Array; size: number; sha256: `0x${string}` }, unigram: Uint32Array): Uint8Array {
  const out = new Uint8Array(COUNTS + 4 * unigram.length);
  const dv = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  dv.setUint32(4, VERSION, true);
  dv.setUint32(8, unigram.length, true);
  dv.setUint32(12, countsChecksum(unigram), true);
  dv.setUint32(16, artifact.size % 2 ** 32, true);
  dv.setUint32(20, Math.floor(artifact.size / 2 ** 32), true);
  out.set(hexBytes(artifact.sha256), 24);
  out.set(artifact.head.subarray(0, BOUND), 56);
  for (let t = 0; t < unigram.length; t++) dv.setUint32(COUNTS + 4 * t, unigram[t], true);
  return out;
}

/** Writes `<artifactFile>.unigram` atomically (temp file + rename), so a reader never sees half of one. */
export function writeUnigramSidecar(artifactFile: string, artifact: { head: Uint8Array; size: number; sha256: `0x${string}` }, unigram: Uint32Array): void {
  const file = unigramSidecarPath(artifactFile);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, encodeUnigramSidecar(artifact, unigram));
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** A sidecar read and matched against its artifact, or the reason it cannot be used. */
export type SidecarRead = { ok: true; unigram: Uint32Array; sha256: `0x${string}` } | { ok: false; why: string };

/**
 * Reads the sidecar beside `artifactFile` and checks it names this artifact (`head`: its first 36 bytes, `size`)
 * and holds V counts summing to `rows` (the artifact's non-separator tokens). Never throws for a bad sidecar.
 */
export function readUnigramSidecar(artifactFile: string, artifact: { head: Uint8Array; size: number }, V: number, rows: number): SidecarRead {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(fs.readFileSync(unigramSidecarPath(artifactFile)));
  } catch {
    return { ok: false, why: "no sidecar" };
  }
  if (bytes.length !== COUNTS + 4 * V) return { ok: false, why: `the sidecar is ${bytes.length} bytes, expected ${COUNTS + 4 * V}` };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC || dv.getUint32(4, true) !== VERSION || dv.getUint32(8, true) !== V) {
    return { ok: false, why: "the sidecar's magic, version or vocabulary size differs" };
  }
  const size = dv.getUint32(16, true) + dv.getUint32(20, true) * 2 ** 32;
  if (size !== artifact.size || !Buffer.from(bytes.subarray(56, 56 + BOUND)).equals(Buffer.from(artifact.head.subarray(0, BOUND)))) {
    return { ok: false, why: "the sidecar was written for another artifact (size or header differs)" };
  }
  const unigram = new Uint32Array(V);
  if (LITTLE_ENDIAN_HOST) unigram.set(new Uint32Array(bytes.buffer, bytes.byteOffset + COUNTS, V));
  else for (let t = 0; t < V; t++) unigram[t] = dv.getUint32(COUNTS + 4 * t, true);
  if (countsChecksum(unigram) !== dv.getUint32(12, true)) return { ok: false, why: "the sidecar's checksum does not match its counts" };
  let sum = 0;
  for (let t = 0; t < V; t++) sum += unigram[t];
  if (sum !== rows) return { ok: false, why: `the sidecar's counts sum to ${sum}, the artifact holds ${rows} tokens` };
  return { ok: true, unigram, sha256: `0x${Buffer.from(bytes.subarray(24, 56)).toString("hex")}` };
}
