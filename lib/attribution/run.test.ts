import { describe, expect, it } from "vitest";
import { serializeCorpusIndex } from "./artifact";
import { buildCorpusIndex } from "./corpus";
import { AttributionError } from "./errors";
import { buildKnnModel } from "./knn";
import { serializeKnnModel } from "./knn-artifact";
import { attributionHash, encodeRecord } from "./record";
import { loadArtifact, outputHash, runAttribution } from "./run";

const corpus = buildCorpusIndex([
  { id: 4, datanetId: 1, text: "The red fox is a small wild dog with a bushy tail." },
  { id: 9, datanetId: 1, text: "The arctic fox is a small fox with thick white fur." },
  { id: 12, datanetId: 2, text: "A wolf is a wild dog that hunts in packs across the tundra." },
]);
const corpusModel = loadArtifact(serializeCorpusIndex(corpus));
const knnModel = loadArtifact(
  serializeKnnModel(
    buildKnnModel(
      [
        { contributionId: 1, text: "a wild dog that hunts", label: "animal" },
        { contributionId: 1, text: "a small fox with fur", label: "animal" },
        { contributionId: 2, text: "bread baked from wheat flour", label: "food" },
        { contributionId: 3, text: "a soup of vegetables and broth", label: "food" },
      ],
      { k: 3, dims: 1024 },
    ),
  ),
);
const base = { modelId: 7, artifactHash: `0x${"cd".repeat(32)}` as const, requestId: 42n };

describe("runAttribution", () => {
  it("generates with an ∞-gram model and attributes the answer; same inputs, same record", () => {
    const input = { ...base, kind: "infinigram" as const, model: corpusModel, prompt: "The fox is a", params: { seed: 3, maxTokens: 8, temperature: 0.7, topK: 5, maxSupport: 100 } };
    const a = runAttribution(input);
    const b = runAttribution(input);
    expect(a.output.length).toBeGreaterThan(0);
    expect(a.record.method).toBe("infinigram");
    expect(a.record.requestId).toBe("42");
    expect(encodeRecord(b.record)).toBe(encodeRecord(a.record));
    expect(attributionHash(a.record)).toMatch(/^0x[0-9a-f]{64}$/);
    expect(outputHash(a.output)).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it("traces an external model's answer, and falls back explicitly to the Datanet treasuries when nothing matches", () => {
    const traced = runAttribution({ ...base, kind: "external", model: corpusModel, prompt: "?", output: "Foxes: the arctic fox is a small fox with thick white fur indeed.", params: { minSpanTokens: 4, maxSupport: 100 } });
    expect(traced.record.method).toBe("span-trace");
    expect(traced.record.entries.map((e) => e.contributionId)).toContain(9);
    const none = runAttribution({ ...base, kind: "external", model: corpusModel, prompt: "?", output: "Quantum chromodynamics explains hadrons.", params: { minSpanTokens: 4, maxSupport: 100 }, recordVersion: 2 });
    expect(none.record.method).toBe("fallback-datanet-treasury");
    expect(none.record.entries).toEqual([]);
    expect(none.record.version === 2 && none.record.datanets).toEqual([{ datanetId: 1, weightPpm: 500000 }, { datanetId: 2, weightPpm: 500000 }]);
    // A version 1 record (Verify of an old inference) keeps version 1's fallback by tokens.
    const old = runAttribution({ ...base, kind: "external", model: corpusModel, prompt: "?", output: "Quantum chromodynamics explains hadrons.", params: { minSpanTokens: 4, maxSupport: 100 }, recordVersion: 1 });
    expect(old.record.method).toBe("fallback-datanet-tokens");
    expect(old.record.entries.map((e) => e.contributionId)).toEqual([4, 9, 12]);
  });

  it("classifies with kNN and credits only records that helped the predicted label", () => {
    const r = runAttribution({ ...base, kind: "knn", model: knnModel, prompt: "a fox is a wild dog", params: { k: 3 } });
    expect(r.output).toBe("animal");
    expect(r.record.method).toBe("knn-shapley");
    expect(r.record.entries.map((e) => e.contributionId)).toEqual([1]);
  });

  it("refuses mismatched artifacts, bad parameters and foreign files with a clear error", () => {
    expect(() => runAttribution({ ...base, kind: "knn", model: corpusModel, prompt: "x", params: { k: 3 } })).toThrow(/needs a kNN artifact/);
    expect(() => runAttribution({ ...base, kind: "infinigram", model: knnModel, prompt: "x", params: { seed: 1, maxTokens: 4, temperature: 1, topK: 4, maxSupport: 10 } })).toThrow(/corpus index/);
    expect(() => runAttribution({ ...base, kind: "infinigram", model: corpusModel, prompt: "x", params: { seed: -1, maxTokens: 0 } })).toThrow(AttributionError);
    expect(() => runAttribution({ ...base, kind: "external", model: corpusModel, prompt: "x", params: { minSpanTokens: 4, maxSupport: 10 } })).toThrow(/needs its output/);
    expect(() => loadArtifact(new TextEncoder().encode("not an artifact"))).toThrow(/not a Ledgerline model artifact/);
  });
});
