/**
 * Takedown without a rebuild: a corpus model's view without a withdrawn contribution answers exactly what an index
 * rebuilt without it answers (same text, same record), for ∞-gram generation and span tracing, under version 2's
 * rules; a kNN model without a contribution's records never lets them vote or earn.
 */
import { describe, expect, it } from "vitest";
import { buildCorpusIndex } from "./corpus";
import { buildKnnModel, classify } from "./knn";
import { encodeRecord } from "./record";
import { runAttribution, type LoadedModel } from "./run";
import { createView } from "./view";
import { knnWithout, viewWithout, withdrawnMembers, withoutWithdrawn } from "./withdrawn";

const docs = [
  { id: 3, datanetId: 1, text: "The red fox is a small wild dog with a bushy tail. It hunts mice and rabbits at night." },
  { id: 5, datanetId: 1, text: "The arctic fox is a small fox with thick white fur. It lives in the cold north." },
  { id: 8, datanetId: 2, text: "A wolf is a wild dog that hunts in packs. The wolf howls at night." },
  { id: 9, datanetId: 2, text: "The fennec fox is a small fox with very large ears. It lives in the desert and hunts at night." },
];
const base = { modelId: 1, artifactHash: `0x${"ab".repeat(32)}` as const, requestId: "7", recordVersion: 2 as const, withdrawalsAt: { block: 12, hash: `0x${"cd".repeat(32)}` as const } };

describe("withdrawn contributions leave a model's view", () => {
  const index = buildCorpusIndex(docs);
  const model: LoadedModel = { format: "corpus", index };

  it("∞-gram and span tracing without a contribution equal a rebuilt index without it, for every choice of withdrawn set", () => {
    for (const withdrawn of [[3], [9], [5, 8], [3, 5, 9]]) {
      const set = new Set(withdrawn);
      const { view } = withoutWithdrawn(model, undefined, set);
      expect(view).toBeDefined();
      expect([...view!.contributionIds]).toEqual(docs.map((d) => d.id).filter((id) => !set.has(id)));
      const rebuilt: LoadedModel = { format: "corpus", index: buildCorpusIndex(docs.filter((d) => !set.has(d.id))) };
      for (const [prompt, seed] of [["The fox is a", 1], ["It hunts", 2], ["A small", 3]] as const) {
        const params = { seed, maxTokens: 12, temperature: 0.7, topK: 10, maxSupport: 100 };
        const viaView = runAttribution({ ...base, kind: "infinigram", model, view, prompt, params });
        const viaRebuild = runAttribution({ ...base, kind: "infinigram", model: rebuilt, prompt, params });
        expect(viaView.output, `${withdrawn} ${prompt}`).toBe(viaRebuild.output);
        expect(encodeRecord(viaView.record)).toBe(encodeRecord(viaRebuild.record));
        for (const e of viaView.record.entries) expect(set.has(e.contributionId)).toBe(false);
      }
      const output = "It hunts mice and rabbits at night. The wolf howls at night in the desert.";
      const sp = { minSpanTokens: 3, maxSupport: 100 };
      const traced = runAttribution({ ...base, kind: "external", model, view, prompt: "x", params: sp, output });
      const tracedRebuilt = runAttribution({ ...base, kind: "external", model: rebuilt, prompt: "x", params: sp, output });
      expect(encodeRecord(traced.record)).toBe(encodeRecord(tracedRebuilt.record));
    }
  });

  it("narrows an existing view, keeps it when nothing of it is withdrawn, and refuses to withdraw everything", () => {
    const shared = createView(index, [3, 5, 8]);
    expect(viewWithout(index, shared, new Set([9]))).toBe(shared); // 9 is not in this model
    expect(withdrawnMembers(model, shared, new Set([9, 5]))).toEqual([5]);
    expect([...viewWithout(index, shared, new Set([5]))!.contributionIds]).toEqual([3, 8]);
    expect(() => viewWithout(index, shared, new Set([3, 5, 8]))).toThrow(/Every contribution of this model was withdrawn/);
    expect(withoutWithdrawn(model, shared, new Set())).toEqual({ model, view: shared });
  });

  it("kNN: the withdrawn contribution's records neither vote nor earn; the others keep their features and idf", () => {
    const records = [
      ...["a sweet yellow fruit", "a red fruit that grows on trees", "a small sour fruit"].map((text) => ({ contributionId: 2, text, label: "food" })),
      ...["a large wild cat", "a small dog that barks", "a bird that sings"].map((text) => ({ contributionId: 4, text, label: "animal" })),
      ...["a sweet yellow fruit eaten raw", "a yellow fruit"].map((text) => ({ contributionId: 6, text, label: "animal" })), // mislabelled copies
    ];
    const knn = buildKnnModel(records, { k: 3, dims: 1 << 12 });
    const without = knnWithout(knn, new Set([6]));
    expect([...without.contributionIds]).toEqual([2, 4]);
    expect(without.recordContribution.length).toBe(6);
    expect(without.idf).toBe(knn.idf);
    const before = classify(knn, "a sweet yellow fruit eaten raw or cooked", { k: 3 });
    const after = classify(without, "a sweet yellow fruit eaten raw or cooked", { k: 3 });
    expect(before.rawWeights.get(6) ?? 0n).toBeGreaterThan(0n);
    expect(after.rawWeights.has(6) ? after.rawWeights.get(6) : 0n).toBe(0n);
    expect(after.label).toBe("food");
    expect(knnWithout(knn, new Set([99]))).toBe(knn);
    expect(() => knnWithout(knn, new Set([2, 4, 6]))).toThrow(/Every contribution/);
  });
});
