/**
 * GPT-2 BPE (r50k_base): 50,257 ids, so a token fits in a Uint16 and one more value (50257) is free
 * to mark the end of a contribution inside a corpus. cl100k_base and o200k_base (issue 17) are loaded on
 * demand (loadTokenizer) and used through the same facade (tokenizerFor).
 */
import { encode as bpeEncode, setMergeCacheSize as setR50kMergeCacheSize } from "gpt-tokenizer/encoding/r50k_base";
import ranks from "gpt-tokenizer/esm/bpeRanks/r50k_base";
import { AttributionError } from "./errors";
import { runtimeUnicodeSupported, unicode15, UNICODE_VERSION } from "./unicode";

export const TOKENIZER = "r50k_base";
export const VOCAB_SIZE = 50257;
/** Stored after every contribution in a corpus's token array; never a real token. */
export const SEPARATOR = 50257;

/**
 * Entries of each vocabulary's BPE merge cache (gpt-tokenizer keeps one per pre-token text, 100,000 by default). A
 * long word is one pre-token: an 8,000-character one retains ~42 KiB, and prompts are counted before payment, so the
 * default let unpaid requests pin gigabytes per vocabulary. This bound encodes real text as fast as the default.
 */
export const MERGE_CACHE_ENTRIES = 1024;
setR50kMergeCacheSize(MERGE_CACHE_ENTRIES);

// Contributed text is plain text: "<|endoftext|>" inside it is encoded as characters, never as the special token.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

const UNICODE_OK = runtimeUnicodeSupported();

/** Tokens of a text read as Unicode 15.0 (./unicode.ts), so the same text gives the same tokens on every runtime. */
export function encode(text: string): Uint16Array {
  if (typeof text !== "string") throw new AttributionError("Only text (a string) can be tokenized.");
  if (!UNICODE_OK) {
    throw new AttributionError(`This runtime's Unicode tables (${process.versions.unicode}) are older than ${UNICODE_VERSION}: use Node 20.9 or later.`);
  }
  return Uint16Array.from(bpeEncode(unicode15(text), PLAIN_TEXT));
}

const utf8 = new TextEncoder();
/** The one special token of r50k_base; contributed text never produces it, but it is a valid id. */
const END_OF_TEXT = 50256;
let tokenBytes: Uint8Array[] | null = null;

/** Each token's bytes (the BPE vocabulary maps ids to byte strings, not to characters). */
function bytesOf(id: number): Uint8Array {
  tokenBytes ??= Array.from({ length: VOCAB_SIZE }, (_, t) => {
    const v = t === END_OF_TEXT ? "<|endoftext|>" : (ranks as (string | number[])[])[t];
    return typeof v === "string" ? utf8.encode(v) : Uint8Array.from(v);
  });
  return tokenBytes[id];
}

/**
 * Text of a token sequence: its bytes decoded by a fresh decoder, so the result is a pure function of
 * the tokens. (gpt-tokenizer's own `decode` shares one streaming TextDecoder across calls: bytes left
 * from a sequence that ended inside a character were glued onto the next call's text.) An incomplete
 * character at the end is dropped, as a streaming decoder does.
 */
export function decode(tokens: ArrayLike<number>): string {
  checkDecodable(tokens, VOCAB_SIZE, TOKENIZER);
  let length = 0;
  for (let i = 0; i < tokens.length; i++) length += bytesOf(tokens[i]).length;
  const bytes = new Uint8Array(length);
  for (let i = 0, at = 0; i < tokens.length; i++) {
    const b = bytesOf(tokens[i]);
    bytes.set(b, at);
    at += b.length;
  }
  return new TextDecoder("utf-8").decode(bytes, { stream: true });
}

/**
 * Checks that every id is a real token (not the separator) and returns them as a Uint16Array
 * (the input itself when it already is one).
 */
export function toTokenArray(tokens: ArrayLike<number>, what: string): Uint16Array {
  checkTokens(tokens, VOCAB_SIZE, TOKENIZER, what);
  return tokens instanceof Uint16Array ? tokens : Uint16Array.from(tokens);
}

// ---------------------------------------------------------------------------------------------
// Tokenizers an index can be built with (issue 17). r50k_base (GPT-2) stays the default; cl100k_base and
// o200k_base (gpt-tokenizer) build, store (artifact format version 2, 32-bit tokens), generate, trace spans,
// retrieve and evaluate through the same facade (tokenizerFor) once loaded (loadTokenizer).

export interface TokenizerInfo {
  name: string;
  /** Ids are below this (tiktoken's n_vocab, special tokens included); the separator is this value. */
  vocabSize: number;
  /** The narrowest token width that holds every id and the separator. */
  minWidth: 16 | 32;
}

export const TOKENIZERS: Readonly<Record<string, TokenizerInfo>> = {
  r50k_base: { name: "r50k_base", vocabSize: VOCAB_SIZE, minWidth: 16 },
  cl100k_base: { name: "cl100k_base", vocabSize: 100277, minWidth: 32 },
  o200k_base: { name: "o200k_base", vocabSize: 200019, minWidth: 32 },
};
/** The largest vocabulary of any supported tokenizer, with its separator: per-token tables are this long. */
export const MAX_VOCAB_SIZE = 200019;

/** The tokenizer's facts, or a clear refusal for a name this build does not know. */
export function tokenizerInfo(name: string): TokenizerInfo {
  const info = Object.hasOwn(TOKENIZERS, name) ? TOKENIZERS[name] : undefined;
  if (!info) throw new AttributionError(`Tokenizer "${name}" is not supported; this build knows ${Object.keys(TOKENIZERS).join(", ")}.`);
  return info;
}

type Encoder = (text: string, opts: { disallowedSpecial: Set<string> }) => number[];
const loadedEncoders = new Map<string, Encoder>();
/**
 * Per loaded tokenizer: its ids' byte strings (special tokens spelled out; unused ids are empty), packed: token t is
 * bytes[offsets[t] .. offsets[t + 1]) (one buffer, not 200,019 small arrays).
 */
const loadedBytes = new Map<string, { bytes: Uint8Array; offsets: Uint32Array }>();

/**
 * Loads a tokenizer's BPE tables (cl100k_base ≈ 1 MB, o200k_base ≈ 2.4 MB of JavaScript): only when an index
 * uses it, so serving GPT-2 models never pays for them. r50k_base is always loaded.
 */
export async function loadTokenizer(name: string): Promise<void> {
  tokenizerInfo(name);
  if (name === TOKENIZER || (loadedEncoders.has(name) && loadedBytes.has(name))) return;
  // Requests arriving while the tables load (a burst of unpaid 402 probes at a cold start) share the one load instead
  // of each rebuilding the tables on the event loop; a failed load is forgotten, so the next use tries again.
  let pending = loading.get(name);
  if (!pending) {
    pending = loadTables(name).finally(() => loading.delete(name));
    loading.set(name, pending);
  }
  return pending;
}

const loading = new Map<string, Promise<void>>();

async function loadTables(name: string): Promise<void> {
  const info = tokenizerInfo(name);
  const cl100k = name === "cl100k_base";
  const [mod, table, special] = await Promise.all([
    cl100k ? import("gpt-tokenizer/encoding/cl100k_base") : import("gpt-tokenizer/encoding/o200k_base"),
    cl100k ? import("gpt-tokenizer/esm/bpeRanks/cl100k_base") : import("gpt-tokenizer/esm/bpeRanks/o200k_base"),
    cl100k ? import("gpt-tokenizer/esm/encodingParams/cl100k_base") : import("gpt-tokenizer/esm/encodingParams/o200k_base"),
  ]);
  const ranks = table.default as (string | number[])[];
  const specials: Map<string, number> = cl100k
    ? (special as { Cl100KBase: (r: unknown) => { specialTokensEncoder: Map<string, number> } }).Cl100KBase(null).specialTokensEncoder
    : (special as { createO200KSpecialTokenMap: () => Map<string, number> }).createO200KSpecialTokenMap();
  const V = info.vocabSize;
  const specialText = new Map<number, string>();
  for (const [text, id] of specials) if (id < V) specialText.set(id, text);
  const pieces: Uint8Array[] = new Array(V);
  const offsets = new Uint32Array(V + 1);
  const none = new Uint8Array(0);
  for (let t = 0; t < V; t++) {
    const v = specialText.get(t) ?? ranks[t];
    pieces[t] = v === undefined ? none : typeof v === "string" ? utf8.encode(v) : Uint8Array.from(v);
    offsets[t + 1] = offsets[t] + pieces[t].length;
  }
  const bytes = new Uint8Array(offsets[V]);
  for (let t = 0; t < V; t++) bytes.set(pieces[t], offsets[t]);
  mod.setMergeCacheSize(MERGE_CACHE_ENTRIES);
  loadedBytes.set(name, { bytes, offsets });
  loadedEncoders.set(name, mod.encode as Encoder);
}

/** Whether a tokenizer's tables are loaded (r50k_base always is). */
export function isTokenizerLoaded(name: string): boolean {
  return name === TOKENIZER || (loadedEncoders.has(name) && loadedBytes.has(name));
}

/** Tokens of a text with the named tokenizer (Unicode 15.0, plain text, as encode); others need loadTokenizer first. */
export function encodeWith(name: string, text: string): Uint16Array | Uint32Array {
  if (name === TOKENIZER) return encode(text);
  tokenizerInfo(name);
  const enc = loadedEncoders.get(name);
  if (!enc) throw new AttributionError(`Tokenizer ${name} is not loaded: await loadTokenizer("${name}") first.`);
  if (typeof text !== "string") throw new AttributionError("Only text (a string) can be tokenized.");
  if (!UNICODE_OK) {
    throw new AttributionError(`This runtime's Unicode tables (${process.versions.unicode}) are older than ${UNICODE_VERSION}: use Node 20.9 or later.`);
  }
  return Uint32Array.from(enc(unicode15(text), PLAIN_TEXT));
}

/** Checks that every id is a real token of a vocabulary of `vocabSize` ids (not its separator). */
export function checkTokens(tokens: ArrayLike<number>, vocabSize: number, tokenizer: string, what: string): void {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === vocabSize) {
      throw new AttributionError(`${what} contains the contribution separator (${vocabSize}) at position ${i}; only real tokens are allowed.`);
    }
    if (!Number.isInteger(t) || t < 0 || t >= vocabSize) {
      throw new AttributionError(`${what} has token id ${String(t)} at position ${i}, outside the ${tokenizer} vocabulary (0..${vocabSize - 1}).`);
    }
  }
}

/** Refuses what is not text of the vocabulary (V ids; V itself is its contribution separator) before decoding. */
function checkDecodable(tokens: ArrayLike<number>, V: number, name: string): void {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (!Number.isInteger(t) || t < 0 || t >= V) {
      throw new AttributionError(
        t === V
          ? `Token ${i} is the contribution separator (${V}), which is not text and cannot be decoded.`
          : `Token ${i} has id ${String(t)}, outside the ${name} vocabulary (0..${V - 1}).`,
      );
    }
  }
}

/** Text of a token sequence of any loaded tokenizer (a pure function of the tokens, as decode). */
export function decodeWith(name: string, tokens: ArrayLike<number>): string {
  if (name === TOKENIZER) return decode(tokens);
  const info = tokenizerInfo(name);
  const table = loadedBytes.get(name);
  if (!table) throw new AttributionError(`Tokenizer ${name} is not loaded: await loadTokenizer("${name}") first.`);
  checkDecodable(tokens, info.vocabSize, name);
  const { bytes: all, offsets } = table;
  let length = 0;
  for (let i = 0; i < tokens.length; i++) length += offsets[tokens[i] + 1] - offsets[tokens[i]];
  const bytes = new Uint8Array(length);
  for (let i = 0, at = 0; i < tokens.length; i++) {
    const t = tokens[i];
    bytes.set(all.subarray(offsets[t], offsets[t + 1]), at);
    at += offsets[t + 1] - offsets[t];
  }
  return new TextDecoder("utf-8").decode(bytes, { stream: true });
}

/** Token ids of one tokenizer: r50k_base's fit 16 bits (Uint16Array), the others' 32. */
export type Tokens = Uint16Array | Uint32Array;

/**
 * One tokenizer behind one interface (issue 17): what generation, span tracing, retrieval, evaluation and token
 * counting use, so each model works with the tokenizer its index was built with.
 */
export interface Tokenizer {
  readonly name: string;
  /** Ids are below this; the contribution separator is this value. */
  readonly vocabSize: number;
  readonly separator: number;
  encode(text: string): Tokens;
  decode(tokens: ArrayLike<number>): string;
  /** Checks that every id is a real token (not the separator); returns them in this tokenizer's array type. */
  tokens(tokens: ArrayLike<number>, what: string): Tokens;
}

const R50K: Tokenizer = {
  name: TOKENIZER,
  vocabSize: VOCAB_SIZE,
  separator: SEPARATOR,
  encode,
  decode,
  tokens: toTokenArray,
};
const facades = new Map<string, Tokenizer>([[TOKENIZER, R50K]]);

/**
 * The named tokenizer (r50k_base when none is named). cl100k_base and o200k_base must be loaded first
 * (`await loadTokenizer(name)`): their BPE tables are megabytes, so a GPT-2-only server never loads them.
 */
export function tokenizerFor(name: string = TOKENIZER): Tokenizer {
  const have = facades.get(name);
  if (have) return have;
  const info = tokenizerInfo(name);
  if (!isTokenizerLoaded(name)) throw new AttributionError(`Tokenizer ${name} is not loaded: await loadTokenizer("${name}") first.`);
  const t: Tokenizer = {
    name,
    vocabSize: info.vocabSize,
    separator: info.vocabSize,
    encode: (text) => encodeWith(name, text),
    decode: (tokens) => decodeWith(name, tokens),
    tokens: (tokens, what) => {
      checkTokens(tokens, info.vocabSize, name, what);
      return tokens instanceof Uint32Array ? tokens : Uint32Array.from(tokens);
    },
  };
  facades.set(name, t);
  return t;
}

/** tokenizerFor after loading its tables. */
export async function loadedTokenizer(name: string = TOKENIZER): Promise<Tokenizer> {
  await loadTokenizer(name);
  return tokenizerFor(name);
}
