/** The shape of a built corpus index (corpus.ts builds it, view.ts filters it): its own module so neither imports the other for it. */

/**
 * Stored tokens: 16-bit (the default, vocabularies up to 65,535 ids with the separator) or 32-bit, chosen
 * per model at build time and recorded in the artifact (format version 2). Queries answer the same on both.
 */
export type TokenArray = Uint16Array | Uint32Array;
export type TokenWidth = 16 | 32;

export interface CorpusIndex {
  /** Contributions in ascending id order, each followed by SEPARATOR. */
  tokens: TokenArray;
  /** Suffix array over tokens (with the ordering rule above). */
  sa: Uint32Array;
  /** Ascending. */
  contributionIds: Uint32Array;
  /** Parallel to contributionIds. */
  datanetIds: Uint32Array;
  /** Start of each contribution in tokens (ascending). */
  starts: Uint32Array;
  /** Count of each token id over the corpus (length VOCAB_SIZE). */
  unigram: Uint32Array;
  params: { tokenizer: string; separator: number };
}

/** Bits per stored token of an index (16 or 32). */
export function tokenWidth(index: { tokens: TokenArray }): TokenWidth {
  return index.tokens instanceof Uint32Array ? 32 : 16;
}
