/**
 * Issue 17: indexes built with cl100k_base or o200k_base generate, trace spans, retrieve and evaluate with their own
 * tokenizer (they used to be refused by every path that encodes or decodes text).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { buildCorpusIndex } from "./corpus";
import { evaluateInfinigram } from "./evaluate-infinigram";
import { generate } from "./infinigram";
import { extractiveAnswer, retrieve } from "./rag";
import { buildShardedIndex } from "./shards";
import { traceSpans } from "./span-trace";
import { decodeWith, encode, encodeWith, loadTokenizer, tokenizerFor } from "./tokenizer";

const STRASSENBAHN = "Der Straßenbahnfahrer grüßt die Fahrgäste freundlich und öffnet die Türen am Hauptbahnhof.";
const CAFE = "Le café crème coûte trois euros à Montréal, près de la gare.\n\nЗдравствуйте: московское метро открылось в 1935 году.";
const TOKYO = "東京の地下鉄はとても便利です。The quick brown fox jumps over the lazy dog.";
const corpus = [
  { id: 1, datanetId: 1, text: STRASSENBAHN },
  { id: 2, datanetId: 1, text: CAFE },
  { id: 3, datanetId: 2, text: TOKYO },
];
const greedy = { maxTokens: 64, temperature: 0, topK: 1, seed: 7, maxSupport: 10, originalSpanTokens: 4, stopAtSeparator: true };

describe.each(["o200k_base", "cl100k_base"])("a %s index", (name) => {
  beforeAll(() => loadTokenizer(name));

  it("tokenizes the corpus differently from r50k_base, and decodes its own ids back to the text", () => {
    for (const c of corpus) {
      const ids = encodeWith(name, c.text);
      expect(ids).toBeInstanceOf(Uint32Array);
      expect(Array.from(ids)).not.toEqual(Array.from(encode(c.text)));
      expect(tokenizerFor(name).decode(ids)).toBe(c.text);
    }
  });

  it("generates with its own tokenizer: the answer continues the matching contribution and decodes correctly", () => {
    const index = buildCorpusIndex(corpus, { tokenizer: name });
    const prompt = "Der Straßenbahnfahrer grüßt";
    const g = generate(index, prompt, greedy);
    expect(g.tokens).toBeInstanceOf(Uint32Array);
    expect(g.text).toBe(decodeWith(name, g.tokens));
    expect(g.text.length).toBeGreaterThan(0);
    expect(prompt + g.text).toBe(STRASSENBAHN);
    expect([...g.rawWeights.keys()]).toEqual([1]);
    // Same request, same bytes; token prompts of the index's tokenizer answer the same as text.
    expect(generate(index, prompt, greedy)).toEqual(g);
    expect(generate(index, encodeWith(name, prompt), greedy).text).toBe(g.text);
    // A sharded index of the same corpus generates exactly the same.
    const sharded = buildShardedIndex(corpus, { tokenizer: name, maxShardTokens: 60 });
    expect(sharded.shards.length).toBeGreaterThan(1);
    const gs = generate(sharded, prompt, greedy);
    expect(gs.text).toBe(g.text);
    expect(gs.rawWeights).toEqual(g.rawWeights);
  });

  it("keeps a contributor's verbatim limit in its own tokens (the guard skips this index's separator, not GPT-2's)", () => {
    const index = buildCorpusIndex(corpus, { tokenizer: name });
    const prompt = "Der Straßenbahnfahrer";
    const g = generate(index, prompt, { ...greedy, verbatimLimits: new Map([[1, 8]]) });
    expect(g.limited).toEqual([1]);
    expect(g.text).not.toContain("\uFFFD");
    // No run of more than 8 of the answer's tokens occurs in contribution 1 (its tokens in the index, as ids).
    const ids = Array.from(g.tokens);
    expect(ids.length).toBeGreaterThan(8);
    const own = `,${Array.from(encodeWith(name, STRASSENBAHN)).join(",")},`;
    for (let i = 0; i + 9 <= ids.length; i++) expect(own.includes(`,${ids.slice(i, i + 9).join(",")},`)).toBe(false);
    // Without the limit the same request copies it whole.
    const free = generate(index, prompt, greedy);
    expect(prompt + free.text).toBe(STRASSENBAHN);
    expect(free.tokens.length).toBeGreaterThan(8);
    expect(free.limited).toEqual([]);
  });

  it("traces spans with its own tokenizer: span texts decode correctly and credit the contribution they came from", () => {
    const index = buildCorpusIndex(corpus, { tokenizer: name });
    const output = "Le café crème coûte trois euros à Montréal.\n東京の地下鉄はとても便利です。";
    const t = traceSpans(index, output, { minSpanTokens: 2, maxSupport: 10, originalSpanTokens: 4 });
    expect(t.spans.length).toBeGreaterThan(0);
    const ids = encodeWith(name, output);
    for (const s of t.spans) {
      expect(s.text).toBe(decodeWith(name, ids.subarray(s.start, s.end)));
      expect(output).toContain(s.text);
    }
    const cafe = t.spans.find((s) => s.text.includes("café crème"));
    const tokyo = t.spans.find((s) => s.text.includes("地下鉄"));
    expect([...cafe!.contributions.keys()]).toEqual([2]);
    expect([...tokyo!.contributions.keys()]).toEqual([3]);
    expect([...t.rawWeights.keys()]).toEqual([2, 3]);
    // Sharded: the same spans and weights.
    const sharded = buildShardedIndex(corpus, { tokenizer: name, maxShardTokens: 60 });
    const ts = traceSpans(sharded, output, { minSpanTokens: 2, maxSupport: 10, originalSpanTokens: 4 });
    expect(ts.spans.map((s) => [s.start, s.end, s.text])).toEqual(t.spans.map((s) => [s.start, s.end, s.text]));
    expect(ts.rawWeights).toEqual(t.rawWeights);
  });

  it("retrieves passages decoded with its own tokenizer (RAG), and quotes them intact", () => {
    const index = buildCorpusIndex(corpus, { tokenizer: name });
    const got = retrieve(index, undefined, "Was macht der Straßenbahnfahrer?", 3);
    expect(got[0].passage.contributionId).toBe(1);
    expect(got[0].passage.text).toBe(STRASSENBAHN);
    const metro = retrieve(index, undefined, "московское метро", 3);
    expect(metro[0].passage.contributionId).toBe(2);
    expect(metro[0].passage.text).toBe("Здравствуйте: московское метро открылось в 1935 году.");
    const answer = extractiveAnswer(index, undefined, got, { quotes: 1 });
    expect(answer.text).toContain("grüßt die Fahrgäste");
    // A verbatim limit cuts the quote in the index's tokens.
    const limited = extractiveAnswer(index, undefined, got, { quotes: 1, verbatimLimits: new Map([[1, 8]]) });
    expect(limited.limited).toEqual([1]);
    expect(limited.text).not.toContain("\uFFFD");
  });

  it("evaluates held-out text in its own tokens", () => {
    const index = buildCorpusIndex(corpus, { tokenizer: name });
    const heldOut = "Der Straßenbahnfahrer grüßt die Fahrgäste.";
    const e = evaluateInfinigram(index, [heldOut], { maxSupport: 10 });
    expect(e.tokens).toBe(encodeWith(name, heldOut).length);
    expect(e.nextTokenAccuracy).toBeGreaterThan(0.5);
    expect(Number.isFinite(e.perplexity)).toBe(true);
  });
});
