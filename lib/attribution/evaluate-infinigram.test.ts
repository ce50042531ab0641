import { describe, expect, it } from "vitest";
import { buildCorpusIndex, nextTokenDistribution } from "./corpus";
import { AttributionError } from "./errors";
import { evaluateInfinigram } from "./evaluate-infinigram";
import { encode, VOCAB_SIZE } from "./tokenizer";

const corpus = [
  "The cat sat on the mat. The cat ate the fish.",
  "The dog sat on the log. The dog ate the bone.",
  "A bird sat on the branch and sang.",
];
const index = buildCorpusIndex(corpus.map((text, i) => ({ id: i + 1, datanetId: 1, text })));

/** Recomputes the metrics position by position from the public next-token distribution. */
function reference(heldOut: string[], maxSupport: number, cap = Infinity) {
  const n = index.tokens.length - index.contributionIds.length;
  let predicted = 0;
  let correct = 0;
  let logSum = 0;
  for (const text of heldOut) {
    const toks = Array.from(encode(text)).slice(0, cap);
    toks.forEach((actual, j) => {
      const d = nextTokenDistribution(index, toks.slice(0, j), { maxSupport });
      let pInf = 0;
      if (d.total > 0) {
        const best = [...d.entries].sort((a, b) => b.count - a.count || a.token - b.token)[0];
        if (best.token === actual) correct++;
        pInf = (d.entries.find((e) => e.token === actual)?.count ?? 0) / d.total;
      }
      logSum += Math.log(0.9 * pInf + 0.1 * ((index.unigram[actual] + 1) / (n + VOCAB_SIZE)));
      predicted++;
    });
  }
  return { tokens: predicted, nextTokenAccuracy: correct / predicted, perplexity: Math.exp(-logSum / predicted) };
}

describe("evaluateInfinigram", () => {
  const heldOut = ["The cat sat on the log.", "The bird ate the fish and sang.", "Zebras dislike quantum chromodynamics."];

  it("matches a position-by-position recomputation", () => {
    for (const maxSupport of [1, 2, 100]) {
      expect(evaluateInfinigram(index, heldOut, { maxSupport })).toEqual(reference(heldOut, maxSupport));
    }
    expect(evaluateInfinigram(index, heldOut, { maxSupport: 100, maxTokensPerText: 3 })).toEqual(reference(heldOut, 100, 3));
  });

  it("scores in-corpus text better than unrelated text, with finite perplexity", () => {
    const seen = evaluateInfinigram(index, ["The dog sat on the log. The dog ate the bone."], { maxSupport: 100 });
    const unseen = evaluateInfinigram(index, ["Zebras dislike quantum chromodynamics."], { maxSupport: 100 });
    expect(seen.nextTokenAccuracy).toBeGreaterThan(unseen.nextTokenAccuracy);
    expect(seen.perplexity).toBeLessThan(unseen.perplexity);
    expect(Number.isFinite(unseen.perplexity)).toBe(true);
  });

  it("reports progress and rejects bad input", () => {
    const seen: string[] = [];
    evaluateInfinigram(index, heldOut, { maxSupport: 10, onProgress: (d, t) => seen.push(`${d}/${t}`) });
    expect(seen).toEqual(["1/3", "2/3", "3/3"]);
    expect(() => evaluateInfinigram(index, [], { maxSupport: 10 })).toThrow(/at least one held-out text/);
    expect(() => evaluateInfinigram(index, [""], { maxSupport: 10 })).toThrow(/no tokens/);
    expect(() => evaluateInfinigram(index, ["x"], { maxSupport: 0 })).toThrow(/maxSupport/);
    expect(() => evaluateInfinigram(index, ["x"], { maxSupport: 1, maxTokensPerText: 0 })).toThrow(AttributionError);
  });
});
