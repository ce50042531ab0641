/**
 * GPT-2 BPE (r50k_base): 50,257 ids, so a token fits in a Uint16 and one more value (50257) is free
 * to mark the end of a contribution inside a corpus.
 */
import { decode as bpeDecode, encode as bpeEncode } from "gpt-tokenizer/encoding/r50k_base";
import { AttributionError } from "./errors";

export const TOKENIZER = "r50k_base";
export const VOCAB_SIZE = 50257;
/** Stored after every contribution in a corpus's token array; never a real token. */
export const SEPARATOR = 50257;

// Contributed text is plain text: "<|endoftext|>" inside it is encoded as characters, never as the special token.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

export function encode(text: string): Uint16Array {
  if (typeof text !== "string") throw new AttributionError("Only text (a string) can be tokenized.");
  return Uint16Array.from(bpeEncode(text, PLAIN_TEXT));
}

export function decode(tokens: ArrayLike<number>): string {
  const ids = new Array<number>(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (!Number.isInteger(t) || t < 0 || t >= VOCAB_SIZE) {
      throw new AttributionError(
        t === SEPARATOR
          ? `Token ${i} is the contribution separator (${SEPARATOR}), which is not text and cannot be decoded.`
          : `Token ${i} has id ${String(t)}, outside the ${TOKENIZER} vocabulary (0..${VOCAB_SIZE - 1}).`,
      );
    }
    ids[i] = t;
  }
  return bpeDecode(ids);
}

/**
 * Checks that every id is a real token (not the separator) and returns them as a Uint16Array
 * (the input itself when it already is one).
 */
export function toTokenArray(tokens: ArrayLike<number>, what: string): Uint16Array {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === SEPARATOR) {
      throw new AttributionError(`${what} contains the contribution separator (${SEPARATOR}) at position ${i}; only real tokens are allowed.`);
    }
    if (!Number.isInteger(t) || t < 0 || t >= VOCAB_SIZE) {
      throw new AttributionError(`${what} has token id ${String(t)} at position ${i}, outside the ${TOKENIZER} vocabulary (0..${VOCAB_SIZE - 1}).`);
    }
  }
  return tokens instanceof Uint16Array ? tokens : Uint16Array.from(tokens);
}
