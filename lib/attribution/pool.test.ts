import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { artifactHash, serializeCorpusIndex } from "./artifact";
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

  it("keeps each shared index it builds in persistDir: a restart reaching the same members loads it instead of sorting again", () => {
    const all = corpus(12, 11);
    const byDatanet = (ids: number[]) => all.filter((c) => ids.includes(c.datanetId));
    const owns = [[1], [2], [1, 3]].map((ds) => buildCorpusIndex(byDatanet(ds)));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pool-"));
    try {
      const start = (persistDir?: string) => {
        const pool = new SharedIndexPool({ persistDir });
        owns.forEach((own, i) => pool.addModel(i + 1, own));
        return pool;
      };
      const memory = start();
      const first = start(dir);
      // The first model's own index is the first shared index; each later growth built and kept one.
      expect(first.growths).toEqual({ built: 2, loaded: 0 });
      expect(fs.readdirSync(dir).filter((f) => f.endsWith(".llix"))).toHaveLength(2);
      const restarted = start(dir);
      expect(restarted.growths).toEqual({ built: 0, loaded: 2 });
      const bytes = serializeCorpusIndex(restarted.sharedIndex!);
      expect(artifactHash(bytes)).toBe(artifactHash(serializeCorpusIndex(memory.sharedIndex!)));
      for (const m of [1, 2, 3]) {
        const opts = { maxTokens: 16, temperature: 0.8, topK: 5, seed: m, maxSupport: 4 };
        const a = restarted.get(m);
        const b = memory.get(m);
        expect(generate(a.index, "the wild", { ...opts, view: a.view })).toEqual(generate(b.index, "the wild", { ...opts, view: b.view }));
      }
      // A file that does not hold what its name says (or is corrupt) is rebuilt, never served.
      const files = fs.readdirSync(dir).filter((f) => f.endsWith(".llix"));
      for (const f of files) fs.writeFileSync(path.join(dir, f), serializeCorpusIndex(buildCorpusIndex(byDatanet([3]))));
      const logs: string[] = [];
      const pool = new SharedIndexPool({ persistDir: () => dir, log: (m) => logs.push(m) });
      owns.forEach((own, i) => pool.addModel(i + 1, own));
      expect(pool.growths).toEqual({ built: 2, loaded: 0 });
      expect(logs.join("\n")).toMatch(/does not hold the members/);
      expect(artifactHash(serializeCorpusIndex(pool.sharedIndex!))).toBe(artifactHash(bytes));
      fs.writeFileSync(path.join(dir, files[0]), new Uint8Array(40));
      const again = start(dir);
      expect(again.growths.built + again.growths.loaded).toBe(2);
      expect(artifactHash(serializeCorpusIndex(again.sharedIndex!))).toBe(artifactHash(bytes));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
