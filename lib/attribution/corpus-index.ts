/** The shape of a built corpus index (corpus.ts builds it, view.ts filters it): its own module so neither imports the other for it. */
export interface CorpusIndex {
  /** Contributions in ascending id order, each followed by SEPARATOR. */
  tokens: Uint16Array;
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
