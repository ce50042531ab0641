/**
 * Next-token counts by search (issue 17) against the previous engine's visit-every-sample query
 * (bench/legacy/corpus.ts, kept verbatim) and against a brute-force count over the whole range.
 *
 * Where both sample (record version 1's evenly spaced sample, M > maxSupport), the answers are those of the
 * same sample: identical counts, support, occurrences and per-token sample positions. Where M ≤ maxSupport
 * the sample is the whole range, and the counts are exact: every occurrence of the longest suffix,
 * counted per next token, as a brute-force scan finds them.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NextTokenQuery as LegacyNextTokenQuery } from "@/bench/legacy/corpus";
import { buildCorpusIndexFromTokens, NextTokenQuery } from "./corpus";
import { naiveLayout, type Doc } from "./testing/naive";
import { VOCAB_SIZE } from "./tokenizer";

const docArb = (vocab: number[]) =>
  fc.record({ datanetId: fc.integer({ min: 0, max: 3 }), tokens: fc.array(fc.constantFrom(...vocab), { maxLength: 60 }) });

const corpusArb = (vocab: number[]) =>
  fc
    .uniqueArray(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 8 })
    .chain((ids) => fc.tuple(fc.constant(ids), fc.array(docArb(vocab), { minLength: ids.length, maxLength: ids.length })))
    .map(([ids, ds]) => ds.map((d, i) => ({ id: ids[i], ...d })))
    .filter((docs) => docs.some((d) => d.tokens.length > 0));

const build = (docs: Doc[]) => buildCorpusIndexFromTokens(docs.map((d) => ({ ...d, tokens: Uint16Array.from(d.tokens) })));

const VOCABS = [
  [0, 1],
  [3, 4, 5, 6],
  [0, 1, 2, 7, 8, 50256],
];

/** One query's answer: [token, count, positions of its samples in sample order] by ascending token. */
function answer(q: NextTokenQuery | LegacyNextTokenQuery, ok: boolean) {
  const tokens = Array.from(q.distinct.subarray(0, q.distinctCount)).sort((a, b) => a - b);
  const len = q.suffixLength;
  const perToken = tokens.map((t) => {
    let samples: number[];
    if (q instanceof NextTokenQuery) samples = Array.from(q.samplesOf(t));
    else samples = Array.from(q.positions.subarray(0, q.support)).filter((p) => q.tokens[p + len] === t);
    return [t, q.countOf(t), samples] as const;
  });
  return { ok, suffixLength: len, support: q.support, occurrences: q.occurrences, perToken };
}

describe("next-token counts by search", () => {
  it("answer exactly what the previous engine's sample visit answers (random corpora, contexts, maxSupport, bounds)", () => {
    for (const vocab of VOCABS) {
      fc.assert(
        fc.property(
          corpusArb(vocab),
          fc.array(fc.array(fc.constantFrom(...vocab), { maxLength: 10 }), { minLength: 1, maxLength: 6 }),
          fc.integer({ min: 1, max: 40 }),
          fc.boolean(),
          (docs, ctxs, maxSupport, includeEnd) => {
            const index = build(docs);
            const oldQ = new LegacyNextTokenQuery(index, undefined, maxSupport, includeEnd);
            const newQ = new NextTokenQuery(index, undefined, maxSupport, includeEnd);
            for (const c of ctxs) {
              const ctx = Uint16Array.from(c);
              // No bound, then every bound generation would pass (the gallop-down path).
              for (let bound = -1; bound <= ctx.length + 1; bound++) {
                const o = answer(oldQ, oldQ.query(ctx, ctx.length, bound));
                const n = answer(newQ, newQ.query(ctx, ctx.length, bound));
                expect(n).toEqual(o);
              }
            }
          },
        ),
        { numRuns: 120 },
      );
    }
  });

  it("are exact (every occurrence of the longest suffix, by next token) when the range fits in maxSupport: brute force", () => {
    for (const vocab of VOCABS) {
      fc.assert(
        fc.property(corpusArb(vocab), fc.array(fc.constantFrom(...vocab), { maxLength: 10 }), (docs, c) => {
          const index = build(docs);
          const { text } = naiveLayout(docs);
          const q = new NextTokenQuery(index, undefined, 1_000_000, false);
          const ctx = Uint16Array.from(c);
          expect(q.query(ctx, ctx.length, -1)).toBe(true);
          // Brute force: the longest suffix with an occurrence followed by a real token, and what follows.
          for (let len = c.length; len >= 0; len--) {
            const counts = new Map<number, number>();
            for (let p = 0; p + len < text.length; p++) {
              let m = true;
              for (let j = 0; j < len && m; j++) m = text[p + j] === c[c.length - len + j];
              if (m && text[p + len] < VOCAB_SIZE) counts.set(text[p + len], (counts.get(text[p + len]) ?? 0) + 1);
            }
            if (counts.size === 0) continue;
            expect(q.suffixLength).toBe(len);
            const got = new Map(Array.from(q.distinct.subarray(0, q.distinctCount), (t) => [t, q.countOf(t)] as const));
            expect(got).toEqual(counts);
            expect(q.support).toBe([...counts.values()].reduce((a, b) => a + b, 0));
            expect(q.occurrences).toBe(q.support);
            return;
          }
          throw new Error("unreachable: the empty context always has a continuation");
        }),
        { numRuns: 200 },
      );
    }
  });
});
