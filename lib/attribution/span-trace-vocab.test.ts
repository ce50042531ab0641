/**
 * The rewritten span tracer (version 2: skipped starts, ranges kept per length; galloping rangeOf/narrow) over an
 * o200k_base index — 32-bit ids far above GPT-2's, words made of several pieces — against a naive recomputation
 * (every start, every length, by scanning). A wrong skip would pay a contributor for tokens it does not hold, pay a
 * token twice, or drop a contributor's span.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { buildCorpusIndex, buildCorpusIndexFromTokens } from "./corpus";
import { traceSpans, wordBoundaries } from "./span-trace";
import { buildShardedIndex } from "./shards";
import { loadTokenizer, tokenizerFor } from "./tokenizer";
import { naiveTraceV2, type Doc } from "./testing/naive";

// o200k_base pieces in ascending id order (the naive works on their ranks 0..5, which sort the same way):
// ",", "ing", " the", "the", "東京", " 東京".
const PIECES = [11, 289, 290, 3086, 108713, 185244];

/** The naive version 2 tracer over ranks, seeded and decoded with the real ids. */
function naiveTrace(docs: Doc[], output: number[], real: Uint32Array, minSpan: number, maxSupport: number, L: number, boundary: Uint8Array) {
  return naiveTraceV2(docs, output, { minSpan, maxSupport, L, boundary, real, text: (i, end) => tokenizerFor("o200k_base").decode(real.subarray(i, end)) });
}

const docsArb: fc.Arbitrary<Doc[]> = fc
  .uniqueArray(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 6 })
  .chain((ids) => fc.tuple(fc.constant(ids), fc.array(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 30 }), { minLength: ids.length, maxLength: ids.length })))
  .map(([ids, ts]) => ts.map((tokens, i) => ({ id: ids[i], datanetId: 0, tokens })))
  .filter((docs) => docs.some((d) => d.tokens.length > 0));

describe("span tracing (version 2) over an o200k_base index", () => {
  beforeAll(() => loadTokenizer("o200k_base"));

  it("matches a naive recomputation: spans on word boundaries, each token paid once, the same samples and credit", () => {
    const o200k = tokenizerFor("o200k_base");
    fc.assert(
      fc.property(
        docsArb,
        fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 50 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 5 }),
        (docs, output, minSpanTokens, maxSupport, L) => {
          const index = buildCorpusIndexFromTokens(
            docs.map((d) => ({ ...d, tokens: Uint32Array.from(d.tokens, (k) => PIECES[k]) })),
            { tokenizer: "o200k_base" },
          );
          const real = Uint32Array.from(output, (k) => PIECES[k]);
          const got = traceSpans(index, real, { minSpanTokens, maxSupport, originalSpanTokens: L, rules: 2 });
          const boundary = wordBoundaries(real, o200k);
          expect({ rawWeights: got.rawWeights, spans: got.spans.map(({ credit: _, ...span }) => span) }).toEqual(naiveTrace(docs, output, real, minSpanTokens, maxSupport, L, boundary));
          for (let k = 1; k < got.spans.length; k++) expect(got.spans[k].paidFrom!).toBeGreaterThanOrEqual(got.spans[k - 1].end);
        },
      ),
      { numRuns: 400 },
    );
  });

  it.each(["o200k_base", "cl100k_base", "r50k_base"])(
    "%s: a contributor cannot take another's credit with a run shared only across the end of a contribution (copies are L real tokens)",
    async (tokenizer) => {
      await loadTokenizer(tokenizer);
      // The attacker (lower ids: "originals") ends a contribution and begins the next as the victims' records do. No
      // run of 5 real tokens is shared; only "… Ende" + separator + "Anfang hier …" is, across the contributions' end.
      const docs = [
        { id: 1, datanetId: 1, text: "Foo bar baz qux. Ende" },
        { id: 2, datanetId: 1, text: "Anfang hier: Zeile eins zwei drei vier fünf" },
        { id: 3, datanetId: 1, text: "Lorem ipsum dolor sit amet. Ende" },
        { id: 4, datanetId: 1, text: "Anfang hier die ganz eigene Geschichte der Straßenbahn von Lissabon" },
      ];
      const index = buildCorpusIndex(docs, { tokenizer });
      const t = tokenizerFor(tokenizer);
      // Each real run is shorter than L = 5; the run across the separator is at least L long.
      const [tail, head] = [t.encode(". Ende").length, t.encode("Anfang hier").length];
      expect(Math.max(tail, head)).toBeLessThan(5);
      expect(tail + 1 + head).toBeGreaterThanOrEqual(5);
      for (const [output, owner] of [
        ["Lorem ipsum dolor sit amet. Ende", 3],
        ["Anfang hier die ganz eigene Geschichte der Straßenbahn von Lissabon", 4],
      ] as const) {
        const got = traceSpans(index, output, { minSpanTokens: 2, maxSupport: 10, originalSpanTokens: 5, rules: 2 });
        expect(got.spans.length).toBeGreaterThan(0);
        expect([...got.rawWeights.keys()], output).toEqual([owner]);
      }
    },
  );

  it("o200k_base over shards: a copied passage holding the real token 50257 (GPT-2's separator id) credits its original, as the one index does", async () => {
    await loadTokenizer("o200k_base");
    const t = tokenizerFor("o200k_base");
    const passage = "The  Associates of the  Associates met the  Associates at the station of Lisbon";
    expect(Array.from(t.encode(passage))).toContain(50257);
    const docs = [
      { id: 1, datanetId: 1, text: `${passage}. Written first.` },
      { id: 2, datanetId: 1, text: "Filler text about trams and ferries and the river Tejo in the morning." },
      { id: 3, datanetId: 1, text: `Copied later: ${passage}, and more.` },
    ];
    const one = buildCorpusIndex(docs, { tokenizer: "o200k_base" });
    const sharded = buildShardedIndex(docs, { tokenizer: "o200k_base", maxShardTokens: 24 });
    expect(sharded.shards.length).toBeGreaterThan(1);
    const opts = { minSpanTokens: 3, maxSupport: 10, originalSpanTokens: 6, rules: 2 as const };
    const output = `Copied later: ${passage}`;
    const viaOne = traceSpans(one, output, opts);
    // The copy credits its original (1) for the passage; only "Copied later:" is 3's own.
    expect([...viaOne.rawWeights.keys()]).toEqual([1, 3]);
    expect(viaOne.rawWeights.get(1)!).toBeGreaterThan(viaOne.rawWeights.get(3)!);
    const viaShards = traceSpans(sharded, output, opts);
    expect(viaShards.rawWeights).toEqual(viaOne.rawWeights);
    expect(viaShards.spans).toEqual(viaOne.spans);
  });
});
