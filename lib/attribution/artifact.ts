/**
 * The corpus index as a model artifact: one little-endian binary blob, ≈ 6 bytes per token (Uint16
 * tokens + Uint32 suffix array), whose sha-256 is the artifact hash records commit to.
 *
 * Layout (all offsets multiples of 4):
 *   0  "LLIX"          magic
 *   4  u32 version     (1)
 *   8  u32 checksum    over every 32-bit word from offset 12 to the end
 *  12  u32 vocabSize, u32 separator, u32 contributionCount C, u32 tokenCount N, u32 nameLength
 *  32  tokenizer name (UTF-8), zero-padded to 4 bytes
 *      u32[C] contributionIds, u32[C] datanetIds, u32[C] starts
 *      u16[N] tokens, zero-padded to 4 bytes
 *      u32[N] suffix array
 * The unigram counts are recomputed on load.
 *
 * Version 2 (written only for what version 1 cannot hold: 32-bit tokens) adds one header word and widens the
 * tokens; everything else is as in version 1:
 *  32  u32 tokenBits  (16 or 32)
 *  36  tokenizer name (UTF-8), zero-padded to 4 bytes
 *      u32[C] contributionIds, u32[C] datanetIds, u32[C] starts
 *      u16[N] or u32[N] tokens (zero-padded to 4 bytes)
 *      u32[N] suffix array
 * A 16-bit index is always written as version 1, so default builds keep the bytes (and the artifactHash) they
 * had; both versions load.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import { tokenWidth, type CorpusIndex, type TokenArray } from "./corpus-index";
import { AttributionError } from "./errors";
import { tokenizerInfo } from "./tokenizer";
import {
  ARTIFACT_MAGIC,
  checkTokenizer,
  corrupt,
  HEADER,
  layout,
  LITTLE_ENDIAN_HOST,
  MAX_NAME,
  pad4,
  readHeader,
} from "./artifact-format";

export { ARTIFACT_MAGIC, ARTIFACT_VERSION } from "./artifact-format";

/** 32-bit word checksum: each step is a bijection of the state, so any single changed word is caught. */
function checksum(bytes: Uint8Array, from: number): number {
  const words = (bytes.length - from) >>> 2;
  let h = 0x811c9dc5;
  if (LITTLE_ENDIAN_HOST && (bytes.byteOffset + from) % 4 === 0) {
    const w = new Uint32Array(bytes.buffer, bytes.byteOffset + from, words);
    for (let i = 0; i < words; i++) h = Math.imul(h ^ w[i], 0x01000193);
  } else {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < words; i++) h = Math.imul(h ^ dv.getUint32(from + 4 * i, true), 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

function writeU32s(dv: DataView, bytes: Uint8Array, off: number, a: Uint32Array): void {
  if (LITTLE_ENDIAN_HOST) new Uint32Array(bytes.buffer, off, a.length).set(a);
  else for (let i = 0; i < a.length; i++) dv.setUint32(off + 4 * i, a[i], true);
}

function readU32s(dv: DataView, bytes: Uint8Array, off: number, count: number): Uint32Array {
  if (LITTLE_ENDIAN_HOST && (bytes.byteOffset + off) % 4 === 0) {
    return new Uint32Array(bytes.buffer, bytes.byteOffset + off, count).slice();
  }
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) out[i] = dv.getUint32(off + 4 * i, true);
  return out;
}

export function serializeCorpusIndex(index: CorpusIndex): Uint8Array {
  const c = index.contributionIds.length;
  const n = index.tokens.length;
  const name = new TextEncoder().encode(index.params.tokenizer);
  if (name.length > MAX_NAME) throw new AttributionError("The tokenizer name is too long for an artifact.");
  if (index.sa.length !== n || index.datanetIds.length !== c || index.starts.length !== c) {
    throw new AttributionError("This corpus index is inconsistent (array lengths differ) and cannot be serialized.");
  }
  const bits = tokenWidth(index);
  const version = bits === 16 ? 1 : 2;
  const L = layout(c, n, name.length, version, bits);
  const bytes = new Uint8Array(L.total);
  const dv = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(ARTIFACT_MAGIC), 0);
  dv.setUint32(4, version, true);
  if (version === 2) dv.setUint32(32, bits, true);
  dv.setUint32(12, tokenizerInfo(index.params.tokenizer).vocabSize, true);
  dv.setUint32(16, index.params.separator, true);
  dv.setUint32(20, c, true);
  dv.setUint32(24, n, true);
  dv.setUint32(28, name.length, true);
  bytes.set(name, L.name);
  writeU32s(dv, bytes, L.ids, index.contributionIds);
  writeU32s(dv, bytes, L.datanets, index.datanetIds);
  writeU32s(dv, bytes, L.starts, index.starts);
  if (index.tokens instanceof Uint32Array) writeU32s(dv, bytes, L.tokens, index.tokens);
  else if (LITTLE_ENDIAN_HOST) new Uint16Array(bytes.buffer, L.tokens, n).set(index.tokens);
  else for (let i = 0; i < n; i++) dv.setUint16(L.tokens + 2 * i, index.tokens[i], true);
  writeU32s(dv, bytes, L.sa, index.sa);
  dv.setUint32(8, checksum(bytes, 12), true);
  return bytes;
}

/** Reads and validates an artifact; the index owns copies of its arrays. */
export function deserializeCorpusIndex(bytes: Uint8Array): CorpusIndex {
  if (!(bytes instanceof Uint8Array)) throw new AttributionError("A corpus index artifact must be a byte array.");
  if (bytes.length < HEADER) corrupt(`it is ${bytes.length} bytes, shorter than the ${HEADER}-byte header`);
  const { dv, c, n, nameLength, bits, L } = readHeader(bytes, bytes.length, () => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(32, true));
  if (checksum(bytes, 12) !== dv.getUint32(8, true)) corrupt("the checksum does not match (the bytes were altered or truncated)");
  const tokenizer = new TextDecoder().decode(bytes.subarray(L.name, L.name + nameLength));
  const info = checkTokenizer(tokenizer, dv, bits);
  const separator = info.vocabSize;
  if (c === 0 || n === c) corrupt("the corpus is empty");

  const contributionIds = readU32s(dv, bytes, L.ids, c);
  const datanetIds = readU32s(dv, bytes, L.datanets, c);
  const starts = readU32s(dv, bytes, L.starts, c);
  let tokens: TokenArray;
  if (bits === 32) {
    tokens = readU32s(dv, bytes, L.tokens, n);
  } else if (LITTLE_ENDIAN_HOST && (bytes.byteOffset + L.tokens) % 2 === 0) {
    tokens = new Uint16Array(bytes.buffer, bytes.byteOffset + L.tokens, n).slice();
  } else {
    tokens = new Uint16Array(n);
    for (let i = 0; i < n; i++) tokens[i] = dv.getUint16(L.tokens + 2 * i, true);
  }
  const sa = readU32s(dv, bytes, L.sa, n);

  return checkedIndex(tokenizer, separator, contributionIds, datanetIds, starts, tokens, sa);
}

/** The structure checks every reader applies; computes the unigram counts. */
function checkedIndex(
  tokenizer: string,
  separator: number,
  contributionIds: Uint32Array,
  datanetIds: Uint32Array,
  starts: Uint32Array,
  tokens: TokenArray,
  sa: Uint32Array,
): CorpusIndex {
  const c = contributionIds.length;
  const n = tokens.length;
  // Structure: ascending ids, contributions tiling the tokens, each ending with its one separator.
  const V = separator; // the separator is the vocabulary size (checked against the tokenizer)
  const unigram = new Uint32Array(V);
  for (let r = 0; r < c; r++) {
    if (r > 0 && contributionIds[r] <= contributionIds[r - 1]) corrupt("contribution ids are not strictly ascending");
    const start = starts[r];
    const end = r + 1 < c ? starts[r + 1] : n;
    if ((r === 0 && start !== 0) || end <= start || end > n) corrupt("contribution starts are out of order");
    for (let p = start; p < end - 1; p++) {
      const t = tokens[p];
      if (t >= V) corrupt(`token ${t} at position ${p} is not in the vocabulary`);
      unigram[t]++;
    }
    if (tokens[end - 1] !== V) corrupt(`contribution ${contributionIds[r]} does not end with a separator`);
  }
  // The suffix array is a permutation whose last C entries are the separators in contribution order
  // (separators sort after every token, by rank).
  const seen = new Uint32Array(Math.ceil(n / 32));
  for (let k = 0; k < n; k++) {
    const p = sa[k];
    if (p >= n) corrupt("a suffix array entry is out of range");
    const bit = 1 << (p & 31);
    if ((seen[p >>> 5] & bit) !== 0) corrupt("the suffix array repeats a position");
    seen[p >>> 5] |= bit;
    if (k > 0 && tokens[sa[k - 1]] > tokens[p]) corrupt("the suffix array is not sorted");
  }
  for (let r = 0; r < c; r++) {
    const sepPos = (r + 1 < c ? starts[r + 1] : n) - 1;
    if (sa[n - c + r] !== sepPos) corrupt("the suffix array does not order separators by contribution");
  }
  return { tokens, sa, contributionIds, datanetIds, starts, unigram, params: { tokenizer, separator } };
}

/** sha-256 of the artifact bytes, as 0x-prefixed hex. */
export function artifactHash(bytes: Uint8Array): `0x${string}` {
  if (!(bytes instanceof Uint8Array)) throw new AttributionError("An artifact hash needs the artifact's bytes.");
  return `0x${createHash("sha256").update(bytes).digest("hex")}`;
}

/** In-memory bytes per stored token (separators included): tokens + suffix array + tables. */
export function bytesPerToken(index: CorpusIndex): number {
  const bytes =
    index.tokens.byteLength +
    index.sa.byteLength +
    index.contributionIds.byteLength +
    index.datanetIds.byteLength +
    index.starts.byteLength +
    index.unigram.byteLength;
  return bytes / index.tokens.length;
}

const CHUNK = 64 << 20;

/**
 * Reads an artifact file straight into the index's own typed arrays with positional reads in 64 MiB
 * chunks (no whole-file buffer, no copy, no 2 GiB readFileSync limit): the load peaks at about the index
 * itself plus the verification bitmap (n/8 bytes). Checks what deserializeCorpusIndex checks, on the same
 * bytes, and with `expectHash` also their sha-256 (the artifactHash), computed while reading.
 * Reads both format versions: the file's bytes and hash are those serializeCorpusIndex writes.
 */
export function loadCorpusIndexFile(file: string, opts: { expectHash?: `0x${string}` } = {}): CorpusIndex {
  if (!LITTLE_ENDIAN_HOST) return deserializeCorpusIndex(new Uint8Array(fs.readFileSync(file)));
  const fd = fs.openSync(file, "r");
  try {
    const size = fs.fstatSync(fd).size;
    const sha = opts.expectHash ? createHash("sha256") : null;
    let pos = 0;
    let h = 0x811c9dc5;
    /** Reads the next `into.byteLength` bytes of the file into `into`; the checksum covers words from offset 12. */
    const read = (into: Uint8Array): void => {
      for (let off = 0; off < into.byteLength; ) {
        const len = Math.min(CHUNK, into.byteLength - off);
        const got = fs.readSync(fd, into, off, len, pos);
        if (got <= 0) corrupt(`it ends at byte ${pos}, before its layout does`);
        const part = into.subarray(off, off + got);
        sha?.update(part);
        off += got;
        pos += got;
      }
      const from = pos - into.byteLength < 12 ? 12 - (pos - into.byteLength) : 0;
      const w = new Uint32Array(into.buffer, into.byteOffset + from, (into.byteLength - from) >>> 2);
      for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w[i], 0x01000193);
    };
    if (size < HEADER) corrupt(`it is ${size} bytes, shorter than the ${HEADER}-byte header`);
    const head = new Uint8Array(HEADER);
    read(head);
    const { dv, c, n, nameLength, bits } = readHeader(head, size, () => {
      const word = new Uint8Array(4);
      read(word);
      return new DataView(word.buffer).getUint32(0, true);
    });
    const name = new Uint8Array(pad4(nameLength));
    read(name);
    const tokenizer = new TextDecoder().decode(name.subarray(0, nameLength));
    const info = checkTokenizer(tokenizer, dv, bits);
    const separator = info.vocabSize;
    if (c === 0 || n === c) corrupt("the corpus is empty");
    const u32 = (count: number): Uint32Array => {
      const a = new Uint32Array(count);
      read(new Uint8Array(a.buffer));
      return a;
    };
    const contributionIds = u32(c);
    const datanetIds = u32(c);
    const starts = u32(c);
    // Tokens with their zero padding to 4 bytes, then a view of the n tokens.
    const tokenBytes = new Uint8Array(pad4((bits / 8) * n));
    read(tokenBytes);
    const tokens: TokenArray = bits === 32 ? new Uint32Array(tokenBytes.buffer, 0, n) : new Uint16Array(tokenBytes.buffer, 0, n);
    const sa = u32(n);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    if (h >>> 0 !== dv.getUint32(8, true)) corrupt("the checksum does not match (the bytes were altered or truncated)");
    if (sha && `0x${sha.digest("hex")}` !== opts.expectHash!.toLowerCase()) {
      throw new AttributionError(`The artifact file does not hash to ${opts.expectHash} (its sha-256 differs).`);
    }
    return checkedIndex(tokenizer, separator, contributionIds, datanetIds, starts, tokens, sa);
  } finally {
    fs.closeSync(fd);
  }
}
