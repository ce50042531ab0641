/**
 * The tokenizers a corpus model can be built with (issue 17), as plain names: the build request schema and the
 * Factory wizard need the list without loading any BPE table (lib/attribution/tokenizer.ts has the tokenizers).
 */
export const TOKENIZER_NAMES = ["r50k_base", "cl100k_base", "o200k_base"] as const;
export type TokenizerName = (typeof TOKENIZER_NAMES)[number];
/** GPT-2's: what every model built before the choice existed uses, and what a request that names none gets. */
export const DEFAULT_TOKENIZER: TokenizerName = "r50k_base";

/** What each is, for builders choosing one. */
export const TOKENIZER_LABELS: Readonly<Record<TokenizerName, string>> = {
  r50k_base: "r50k_base (GPT-2, 50k tokens)",
  cl100k_base: "cl100k_base (GPT-4, 100k tokens)",
  o200k_base: "o200k_base (GPT-4o, 200k tokens; best for non-English text)",
};

/** The tokenizer a model's card or parameters name (absent: r50k_base, as every model before the choice). */
export function tokenizerOfParameters(parameters: unknown): TokenizerName {
  const t = parameters && typeof parameters === "object" ? (parameters as { tokenizer?: unknown }).tokenizer : undefined;
  return typeof t === "string" && (TOKENIZER_NAMES as readonly string[]).includes(t) ? (t as TokenizerName) : DEFAULT_TOKENIZER;
}

/** The tokenizer a model's tokens are counted in (usage, per-token prices): its corpus's; r50k_base for a kNN model. */
export function modelTokenizerName(kind: string, parameters: unknown): TokenizerName {
  return kind === "knn" ? DEFAULT_TOKENIZER : tokenizerOfParameters(parameters);
}
