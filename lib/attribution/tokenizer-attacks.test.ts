/**
 * Attacks on the tokenizer choice (issue 17), engine side:
 * - special-token strings of any vocabulary (in a prompt, in contributed text) are plain text in all three
 *   tokenizers: never a special id, never the separator, and they round-trip;
 * - token arrays cannot carry the separator or an id outside the vocabulary into any tokenizer;
 * - module-level scratch (span-trace, corpus, infinigram) does not leak one call's state into the next: an o200k_base
 *   answer traces and generates to the same result before and after long answers, big samples and other vocabularies.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { Cl100KBase } from "gpt-tokenizer/esm/encodingParams/cl100k_base";
import { createO200KSpecialTokenMap } from "gpt-tokenizer/esm/encodingParams/o200k_base";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { buildCorpusIndex } from "./corpus";
import { generate } from "./infinigram";
import { traceSpans } from "./span-trace";
import { loadTokenizer, tokenizerFor } from "./tokenizer";
import { corpusText, fingerprint, genOpts, long, short, traceOpts } from "./tokenizer-scenario";

const NAMES = ["r50k_base", "cl100k_base", "o200k_base"] as const;
/** Every special token string any of the three vocabularies knows, and the ids each gives them. */
const specialIds: Record<(typeof NAMES)[number], Map<string, number>> = {
  r50k_base: new Map([["<|endoftext|>", 50256]]),
  cl100k_base: (Cl100KBase as unknown as (r: unknown) => { specialTokensEncoder: Map<string, number> })(null).specialTokensEncoder,
  o200k_base: createO200KSpecialTokenMap(),
};
const allSpecials = [...new Set(NAMES.flatMap((n) => [...specialIds[n].keys()]))];

beforeAll(async () => {
  for (const n of NAMES) await loadTokenizer(n);
});

describe("special-token strings are plain text", () => {
  it.each(NAMES)("%s: every vocabulary's special strings encode as characters, never as a special id or the separator, and round-trip", (name) => {
    const t = tokenizerFor(name);
    const special = new Set(specialIds[name].values());
    expect(allSpecials.length).toBeGreaterThan(5);
    for (const s of [...allSpecials, allSpecials.join(""), `Hello ${allSpecials.join(" world ")} 東京😀`]) {
      const ids = t.encode(s);
      expect(ids.length).toBeGreaterThan(1);
      for (const id of ids) {
        expect(special.has(id), `${name} encoded ${JSON.stringify(s)} with special id ${id}`).toBe(false);
        expect(id).toBeLessThan(t.separator);
      }
      expect(t.decode(ids)).toBe(s);
    }
  });

  it.each(NAMES)("%s: a token array with the separator, an id past the vocabulary or a non-integer is refused", (name) => {
    const t = tokenizerFor(name);
    for (const bad of [t.separator, t.separator + 1, 2 ** 32 - 1, -1, 1.5, Number.NaN]) {
      expect(() => t.tokens([1, 2, bad], "The prompt")).toThrow(/separator|outside/);
      expect(() => t.decode([1, bad])).toThrow(/separator|outside/);
    }
    // A 32-bit array given to GPT-2's tokenizer: ids above 65535 must not wrap into valid 16-bit ids.
    if (name === "r50k_base") expect(() => t.tokens(Uint32Array.of(1, 65536 + 50), "The prompt")).toThrow(/outside/);
  });
});

describe("one call's scratch does not reach the next (any vocabulary)", () => {
  it("an o200k_base trace and generation are the same after long answers, large samples and 16-bit and cl100k indexes, and in a fresh process", () => {
    let o200k = buildCorpusIndex(corpusText(1_500), { tokenizer: "o200k_base" });
    const first = fingerprint(o200k);
    const parsed = JSON.parse(first) as { trace: { spans: unknown[] }; gen: { tokens: number[]; rawWeights: unknown[] } };
    expect(parsed.trace.spans.length).toBeGreaterThan(1);
    expect(parsed.gen.tokens.length).toBeGreaterThan(4);
    expect(parsed.gen.rawWeights.length).toBeGreaterThan(0);

    // Other work in between: a long answer (grows the start and range scratch), more than 1,024 samples per span
    // (grows the per-sample scratch), and indexes of the other vocabularies (16-bit and 32-bit token arrays).
    const longTrace = traceSpans(o200k, long, traceOpts);
    expect(longTrace.spans.some((s) => s.occurrences > 1_024)).toBe(true);
    for (const name of ["r50k_base", "cl100k_base"]) {
      const other = buildCorpusIndex(corpusText(1_200), { tokenizer: name });
      traceSpans(other, long, traceOpts);
      traceSpans(other, short, { ...traceOpts, rules: 1 });
      generate(other, "Le café crème", { ...genOpts, maxTokens: 200, seed: 3 });
    }
    generate(o200k, "Le café crème", { ...genOpts, maxTokens: 300, seed: 5 });
    expect(fingerprint(o200k)).toBe(first);
    // A freshly built index of the same corpus answers the same, and so does a fresh process (its first call).
    o200k = buildCorpusIndex(corpusText(1_500), { tokenizer: "o200k_base" });
    expect(fingerprint(o200k)).toBe(first);
    const fresh = execFileSync(path.resolve("node_modules/.bin/tsx"), ["lib/attribution/tokenizer-scenario.ts"], { encoding: "utf8", maxBuffer: 64 << 20 });
    expect(fresh).toBe(first);
  }, 120_000);
});
