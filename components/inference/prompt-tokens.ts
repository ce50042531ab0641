/**
 * Counts a prompt's tokens in the browser the way the server counts T_in (lib/attribution/tokenizer.ts `encode`:
 * r50k_base BPE over the text read as Unicode 15.0, "<|endoftext|>" as plain characters). The server module cannot
 * run here: it refuses runtimes whose Unicode version it cannot read, and a browser has no process.versions.unicode.
 * prompt-tokens.test.ts checks that both counts agree.
 */

/** Contributed and prompted text is plain text: special-token strings are encoded as characters. */
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

export type CountTokens = (text: string) => number;

let loading: Promise<CountTokens> | null = null;

/** The BPE tables are large (~0.6 MB): loaded once, and only when a per-token model's estimate needs them. */
export function loadTokenCounter(): Promise<CountTokens> {
  loading ??= Promise.all([import("gpt-tokenizer/encoding/r50k_base"), import("@/lib/attribution/unicode")]).then(
    ([bpe, { unicode15 }]) =>
      (text: string) =>
        bpe.encode(unicode15(text), PLAIN_TEXT).length,
    (err: unknown) => {
      // A chunk that failed to load (offline, deploy in between) is tried again next time.
      loading = null;
      throw err;
    },
  );
  return loading;
}
