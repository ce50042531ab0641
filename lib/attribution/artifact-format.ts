/** The artifact's binary layout and header checks, shared by the readers (artifact.ts, artifact-mapped.ts). */
import { type TokenWidth } from "./corpus-index";
import { AttributionError } from "./errors";
import { tokenizerInfo, type TokenizerInfo } from "./tokenizer";

export const ARTIFACT_MAGIC = "LLIX";
/** The newest format this build writes (for 32-bit tokens) and reads; 16-bit indexes are written as version 1. */
export const ARTIFACT_VERSION = 2;
export const HEADER = 32;
export const HEADER_V2 = 36;
export const MAX_NAME = 64;
export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export const pad4 = (x: number): number => (x + 3) & ~3;

export function layout(c: number, n: number, nameLength: number, version: number, bits: TokenWidth) {
  const name = version === 1 ? HEADER : HEADER_V2;
  const ids = name + pad4(nameLength);
  const datanets = ids + 4 * c;
  const starts = datanets + 4 * c;
  const tokens = starts + 4 * c;
  const sa = tokens + pad4((bits / 8) * n);
  const total = sa + 4 * n;
  return { name, ids, datanets, starts, tokens, sa, total };
}

export function corrupt(why: string): never {
  throw new AttributionError(`The corpus index artifact is corrupt: ${why}.`);
}

/**
 * The header's fields, checked (magic, version, counts, name length, token width) against an artifact of
 * `size` bytes. `bitsWord` reads version 2's token-width word (offset 32), only once the version asks for it.
 */
export function readHeader(head: Uint8Array, size: number, bitsWord: () => number) {
  if (new TextDecoder().decode(head.subarray(0, 4)) !== ARTIFACT_MAGIC) {
    throw new AttributionError(`This is not a corpus index artifact (it does not start with "${ARTIFACT_MAGIC}").`);
  }
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const version = dv.getUint32(4, true);
  if (version !== 1 && version !== 2) {
    throw new AttributionError(`Corpus index artifact version ${version} is not supported (this build reads versions 1 and ${ARTIFACT_VERSION}).`);
  }
  const c = dv.getUint32(20, true);
  const n = dv.getUint32(24, true);
  const nameLength = dv.getUint32(28, true);
  if (nameLength > MAX_NAME) corrupt("the tokenizer name length is invalid");
  if (c > n) corrupt("there are more contributions than tokens");
  if (version === 2 && size < HEADER_V2) corrupt(`it is ${size} bytes, shorter than the ${HEADER_V2}-byte version 2 header`);
  const bits = version === 1 ? 16 : bitsWord();
  if (bits !== 16 && bits !== 32) corrupt(`the token width is ${bits} bits; it must be 16 or 32`);
  const L = layout(c, n, nameLength, version, bits);
  if (L.total !== size) corrupt(`it should be ${L.total} bytes but is ${size}`);
  return { dv, c, n, nameLength, bits: bits as TokenWidth, L };
}

/** The recorded tokenizer, known to this build, with its vocabulary size, separator and a wide enough token width. */
export function checkTokenizer(tokenizer: string, dv: DataView, bits: TokenWidth): TokenizerInfo {
  const info = tokenizerInfo(tokenizer);
  if (dv.getUint32(12, true) !== info.vocabSize) corrupt("the vocabulary size does not match the tokenizer");
  const separator = dv.getUint32(16, true);
  if (separator !== info.vocabSize) corrupt(`the separator is ${separator}, expected ${info.vocabSize}`);
  if (bits < info.minWidth) corrupt(`${tokenizer} needs 32-bit tokens, but they are stored in ${bits} bits`);
  return info;
}
