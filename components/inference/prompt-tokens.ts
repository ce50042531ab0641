/**
 * Counts a prompt's tokens in the browser the way the server counts T_in (lib/attribution/tokenizer.ts: the model's
 * own BPE — r50k_base, cl100k_base or o200k_base — over the text read as Unicode 15.0, "<|endoftext|>" as plain
 * characters). The server module cannot run here: it refuses runtimes whose Unicode version it cannot read, and a
 * browser has no process.versions.unicode. prompt-tokens.test.ts checks that both counts agree.
 */
import { DEFAULT_TOKENIZER, type TokenizerName } from "@/lib/attribution/tokenizer-names";

/** Contributed and prompted text is plain text: special-token strings are encoded as characters. */
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

export type CountTokens = (text: string) => number;

type Encode = (text: string, opts: typeof PLAIN_TEXT) => number[];

// Literal import paths, one per tokenizer, so the bundler splits each into its own chunk.
const encoders: Record<TokenizerName, () => Promise<{ encode: Encode }>> = {
  r50k_base: () => import("gpt-tokenizer/encoding/r50k_base"),
  cl100k_base: () => import("gpt-tokenizer/encoding/cl100k_base"),
  o200k_base: () => import("gpt-tokenizer/encoding/o200k_base"),
};

const loading = new Map<TokenizerName, Promise<CountTokens>>();

/**
 * The model's tokenizer's counter. Its BPE tables are large (r50k_base ~0.6 MB, o200k_base ~2.4 MB): loaded once per
 * tokenizer, and only when a per-token model's estimate needs them.
 */
export function loadTokenCounter(tokenizer: TokenizerName = DEFAULT_TOKENIZER): Promise<CountTokens> {
  const name: TokenizerName = Object.hasOwn(encoders, tokenizer) ? tokenizer : DEFAULT_TOKENIZER;
  let pending = loading.get(name);
  if (!pending) {
    pending = Promise.all([encoders[name](), import("@/lib/attribution/unicode")]).then(
      ([bpe, { unicode15 }]) =>
        (text: string) =>
          bpe.encode(unicode15(text), PLAIN_TEXT).length,
      (err: unknown) => {
        // A chunk that failed to load (offline, deploy in between) is tried again next time.
        loading.delete(name);
        throw err;
      },
    );
    loading.set(name, pending);
  }
  return pending;
}
