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
import { buildCorpusIndex, type CorpusIndex } from "./corpus";
import { generate } from "./infinigram";
import { traceSpans } from "./span-trace";
import { loadTokenizer, tokenizerFor } from "./tokenizer";

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
  const passage = "Der Straßenbahnfahrer grüßt die Fahrgäste freundlich und öffnet die Türen am Hauptbahnhof von München.";
  const corpusText = (copies: number) => [
    { id: 1, datanetId: 1, text: "東京の地下鉄はとても便利です。The quick brown fox jumps over the lazy dog near the river bank." },
    { id: 2, datanetId: 1, text: `Le café crème coûte trois euros à Montréal. ${passage}` },
    // Many contributions holding the same passage: samples of more than the scratch's first 1,024 entries.
    ...Array.from({ length: copies }, (_, k) => ({ id: 10 + k, datanetId: 2, text: `Kopie ${k}. ${passage}` })),
  ];
  const short = "Ich sage: The quick brown fox jumps over the lazy dog near the river bank, und Le café crème coûte trois euros.";
  const long = Array.from({ length: 40 }, (_, k) => `${k % 2 ? passage : short} ${k}`).join(" ");
  const traceOpts = { minSpanTokens: 4, maxSupport: 5_000, rules: 2 as const };
  const genOpts = { maxTokens: 48, temperature: 0.9, topK: 20, seed: 11, maxSupport: 5_000 };
  let o200k: CorpusIndex;
  const results = () => {
    const trace = traceSpans(o200k, short, traceOpts);
    const gen = generate(o200k, "Der Straßenbahnfahrer", genOpts);
    return { trace, gen: { tokens: Array.from(gen.tokens), text: gen.text, credit: gen.credit } };
  };

  it("an o200k_base trace and generation are the same after long answers, large samples and 16-bit and cl100k indexes", () => {
    o200k = buildCorpusIndex(corpusText(1_500), { tokenizer: "o200k_base" });
    const first = results();
    expect(first.trace.spans.length).toBeGreaterThan(1);
    expect(first.gen.tokens.length).toBeGreaterThan(4);

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

    const again = results();
    expect(again.trace).toEqual(first.trace);
    expect(again.gen).toEqual(first.gen);
    // And a freshly built index of the same corpus answers the same.
    o200k = buildCorpusIndex(corpusText(1_500), { tokenizer: "o200k_base" });
    const rebuilt = results();
    expect(rebuilt.trace).toEqual(first.trace);
    expect(rebuilt.gen).toEqual(first.gen);
  }, 120_000);
});
