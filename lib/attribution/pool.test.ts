import { describe, expect, it } from "vitest";
import { buildCorpusIndex, type CorpusContribution } from "./corpus";
import { AttributionError } from "./errors";
import { generate } from "./infinigram";
import { SharedIndexPool } from "./pool";
import { traceSpans } from "./span-trace";

const words = "the a fox dog wolf cat is small wild red arctic with fur tail hunts in packs and of".split(" ");
function corpus(n: number, seed: number): CorpusContribution[] {
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, (_, i) => ({
    id: 10 + i * 3,
    datanetId: 1 + (i % 3),
    text: Array.from({ length: 30 + Math.floor(rand() * 40) }, () => words[Math.floor(rand() * words.length)]).join(" "),
  }));
}

describe("SharedIndexPool", () => {
  it("serves overlapping models from one index, answering exactly what each model's own index answers", () => {
    const all = corpus(18, 7);
    const byDatanet = (ids: number[]) => all.filter((c) => ids.includes(c.datanetId));
    const models = [[1], [1, 2], [2, 3], [3], [1, 2, 3]].map((ds, i) => ({ id: i + 1, own: buildCorpusIndex(byDatanet(ds)) }));
    const pool = new SharedIndexPool();
    for (const m of models) pool.addModel(m.id, m.own);
    expect(pool.models).toBe(5);
    expect(pool.contributions).toBe(all.length);
    for (const m of models) {
      const { index, view } = pool.get(m.id);
      expect(index).toBe(pool.sharedIndex);
      for (const seed of [1, 2, 3]) {
        const opts = { maxTokens: 24, temperature: 0.9, topK: 10, seed, maxSupport: 5 };
        const viaPool = generate(index, "the small", { ...opts, view });
        const own = generate(m.own, "the small", opts);
        expect(viaPool.text).toBe(own.text);
        expect([...viaPool.rawWeights]).toEqual([...own.rawWeights]);
      }
      const traced = traceSpans(index, "a wild fox is small and the red dog hunts", { minSpanTokens: 2, maxSupport: 3, view });
      const ownTraced = traceSpans(m.own, "a wild fox is small and the red dog hunts", { minSpanTokens: 2, maxSupport: 3 });
      expect([...traced.rawWeights]).toEqual([...ownTraced.rawWeights]);
    }
  });

  it("does not rebuild when a model adds nothing new, and refuses a contribution whose text differs", () => {
    const all = corpus(6, 3);
    const pool = new SharedIndexPool();
    pool.addModel(1, buildCorpusIndex(all));
    const shared = pool.sharedIndex;
    pool.addModel(2, buildCorpusIndex(all.slice(0, 3)));
    expect(pool.sharedIndex).toBe(shared);
    const forged = all.map((c, i) => (i === 0 ? { ...c, text: c.text + " extra" } : c));
    expect(() => pool.addModel(3, buildCorpusIndex(forged))).toThrow(AttributionError);
    expect(() => pool.get(99)).toThrow(/not loaded/);
  });
});
