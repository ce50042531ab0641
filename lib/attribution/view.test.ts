import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildCorpusIndex, buildCorpusIndexFromTokens, count, longestSuffix, nextTokenDistribution } from "./corpus";
import { AttributionError } from "./errors";
import { evaluateInfinigram } from "./evaluate-infinigram";
import { generate } from "./infinigram";
import { traceSpans } from "./span-trace";
import { decode } from "./tokenizer";
import { createView } from "./view";

interface Doc {
  id: number;
  datanetId: number;
  tokens: number[];
}

const build = (docs: Doc[]) => buildCorpusIndexFromTokens(docs.map((d) => ({ ...d, tokens: Uint16Array.from(d.tokens) })));

/** A corpus and a non-empty subset of it (as a mask) whose contributions hold at least one token. */
const corpusAndSubset = fc
  .uniqueArray(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 7 })
  .chain((ids) =>
    fc.tuple(
      fc.constant(ids),
      fc.array(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 20 }), { minLength: ids.length, maxLength: ids.length }),
      fc.array(fc.boolean(), { minLength: ids.length, maxLength: ids.length }),
    ),
  )
  .map(([ids, ts, mask]) => ({ docs: ts.map((tokens, i) => ({ id: ids[i], datanetId: i % 3, tokens })), mask }))
  .filter(({ docs, mask }) => docs.some((d, i) => mask[i] && d.tokens.length > 0));

const tokensArb = (max: number) => fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: max });

describe("model views over a shared index", () => {
  it("answer every query exactly as a standalone index of the view's contributions", () => {
    fc.assert(
      fc.property(
        corpusAndSubset,
        fc.array(tokensArb(5), { minLength: 1, maxLength: 4 }),
        tokensArb(12),
        fc.record({
          maxTokens: fc.integer({ min: 1, max: 10 }),
          temperature: fc.constantFrom(0, 1, 1.7),
          topK: fc.integer({ min: 1, max: 4 }),
          seed: fc.integer({ min: 0, max: 99 }),
          maxSupport: fc.integer({ min: 1, max: 6 }),
          stopAtSeparator: fc.boolean(),
        }),
        fc.integer({ min: 1, max: 3 }),
        ({ docs, mask }, patterns, output, genOpts, minSpanTokens) => {
          const shared = build(docs);
          const subset = docs.filter((_, i) => mask[i]);
          const alone = build(subset);
          const view = createView(shared, subset.map((d) => d.id));
          expect(view.full).toBe(subset.length === docs.length);
          const { maxSupport } = genOpts;
          for (const pat of patterns) {
            if (pat.length > 0) expect(count(shared, pat, view)).toBe(count(alone, pat));
            expect(nextTokenDistribution(shared, pat, { maxSupport, view })).toEqual(nextTokenDistribution(alone, pat, { maxSupport }));
            expect(longestSuffix(shared, pat, view).length).toBe(longestSuffix(alone, pat).length);
          }
          const prompt = Uint16Array.from(patterns[0]);
          const standalone = generate(alone, prompt, genOpts);
          expect(generate(shared, prompt, { ...genOpts, view })).toEqual(standalone);
          // Again, now that the view has cached its empty-context sample.
          expect(generate(shared, prompt, { ...genOpts, view })).toEqual(standalone);
          const out = Uint16Array.from(output);
          expect(traceSpans(shared, out, { minSpanTokens, maxSupport, view })).toEqual(traceSpans(alone, out, { minSpanTokens, maxSupport }));
          const heldOut = [decode(out.subarray(0, 6)), decode(out.subarray(6))].filter((t) => t.length > 0);
          if (heldOut.length > 0) {
            // Decoded single-byte tokens may re-encode differently; both sides see the same strings.
            const a = evaluateInfinigram(shared, heldOut, { maxSupport, view });
            const b = evaluateInfinigram(alone, heldOut, { maxSupport });
            expect(a).toEqual(b);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("a view of every contribution skips filtering and matches the index itself", () => {
    const docs = [
      { id: 3, datanetId: 1, text: "One index serves many models." },
      { id: 8, datanetId: 2, text: "Each model is a view over the contributions it was built from." },
    ];
    const index = buildCorpusIndex(docs);
    const view = createView(index, [8, 3, 8]);
    expect(view.full).toBe(true);
    expect(view.unigramCount(index.tokens[0])).toBe(index.unigram[index.tokens[0]]);
    const opts = { maxTokens: 12, temperature: 1, topK: 5, seed: 3, maxSupport: 10 };
    expect(generate(index, "Each model", { ...opts, view })).toEqual(generate(index, "Each model", opts));
    expect(view.has(3) && view.has(8) && !view.has(4)).toBe(true);
  });

  it("a partial view knows its members, tokens and unigram", () => {
    const index = build([
      { id: 1, datanetId: 0, tokens: [5, 5, 6] },
      { id: 2, datanetId: 0, tokens: [6] },
      { id: 4, datanetId: 0, tokens: [7, 5] },
    ]);
    const view = createView(index, new Set([4, 1]));
    expect(view.full).toBe(false);
    expect(Array.from(view.contributionIds)).toEqual([1, 4]);
    expect(view.tokenCount).toBe(5);
    expect([view.unigramCount(5), view.unigramCount(6), view.unigramCount(7), view.unigramCount(8)]).toEqual([3, 1, 1, 0]);
    expect(count(index, [6], view)).toBe(1);
    expect(view.has(2)).toBe(false);
  });

  it("rejects unknown ids, empty views, token-less views and views of another index", () => {
    const index = build([
      { id: 1, datanetId: 0, tokens: [1, 2] },
      { id: 2, datanetId: 0, tokens: [] },
    ]);
    const other = build([{ id: 1, datanetId: 0, tokens: [1, 2] }]);
    expect(() => createView(index, [9])).toThrow(/Contribution 9 is not in this corpus index/);
    expect(() => createView(index, [])).toThrow(/at least one contribution/);
    expect(() => createView(index, [2])).toThrow(/no tokens/);
    expect(() => createView(index, [-1])).toThrow(AttributionError);
    const view = createView(other, [1]);
    expect(() => count(index, [1], view)).toThrow(/different corpus index/);
  });
});
