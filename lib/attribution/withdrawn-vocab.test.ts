/**
 * Attack: a withdrawn contribution (a takedown) keeps earning, or another contributor's credit moves, under the new
 * vocabularies and the span tracer's skipping search. A model's view without the withdrawn contributions must answer
 * exactly what an index rebuilt without them answers (same output, same record bytes) in o200k_base and cl100k_base,
 * over corpora with many shared passages (the skip and gallop paths), and the withdrawn never appear in a record.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { buildCorpusIndex } from "./corpus";
import { encodeRecord } from "./record";
import { runAttribution, type LoadedModel } from "./run";
import { loadTokenizer } from "./tokenizer";
import { withoutWithdrawn } from "./withdrawn";

const phrases = [
  "Der Straßenbahnfahrer grüßt die Fahrgäste",
  "東京の地下鉄はとても便利です。",
  "Здравствуйте: московское метро открылось",
  "the quick brown fox jumps over the lazy dog",
  "le café crème coûte trois euros à Montréal",
  "    return compute(x, y)\n",
  "😀 emoji and <|endoftext|> and <|fim_prefix|> stay text",
];
let seed = 12345;
const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) % n;
const docs = Array.from({ length: 60 }, (_, k) => ({
  id: 100 + k * 3,
  datanetId: 1 + (k % 3),
  text: Array.from({ length: 3 + rnd(6) }, () => phrases[rnd(phrases.length)] + (rnd(3) === 0 ? ` ${k}` : "")).join(rnd(2) ? ". " : " "),
}));
const base = { modelId: 1, artifactHash: `0x${"ab".repeat(32)}` as const, requestId: "7", recordVersion: 2 as const, withdrawalsAt: { block: 12, hash: `0x${"cd".repeat(32)}` as const } };

describe.each(["o200k_base", "cl100k_base"])("withdrawn contributions in a %s index", (tokenizer) => {
  beforeAll(() => loadTokenizer(tokenizer));

  it("a view without them answers and credits exactly as an index rebuilt without them", () => {
    const model: LoadedModel = { format: "corpus", index: buildCorpusIndex(docs, { tokenizer }) };
    for (let trial = 0; trial < 6; trial++) {
      const set = new Set(docs.filter(() => rnd(4) === 0).map((d) => d.id));
      if (set.size === 0) set.add(docs[trial].id);
      const { view } = withoutWithdrawn(model, undefined, set);
      const rebuilt: LoadedModel = { format: "corpus", index: buildCorpusIndex(docs.filter((d) => !set.has(d.id)), { tokenizer }) };
      for (const prompt of ["Der Straßenbahnfahrer", "東京の", "the quick"]) {
        const params = { seed: trial + 1, maxTokens: 40, temperature: 0.8, topK: 10, maxSupport: 50 };
        const viaView = runAttribution({ ...base, kind: "infinigram", model, view, prompt, params });
        const viaRebuild = runAttribution({ ...base, kind: "infinigram", model: rebuilt, prompt, params });
        expect(viaView.output, `${trial} ${prompt}`).toBe(viaRebuild.output);
        expect(encodeRecord(viaView.record)).toBe(encodeRecord(viaRebuild.record));
        for (const e of viaView.record.entries) expect(set.has(e.contributionId)).toBe(false);
      }
      const output = Array.from({ length: 12 }, () => phrases[rnd(phrases.length)]).join(rnd(2) ? " " : ". ");
      const sp = { minSpanTokens: 3, maxSupport: 50 };
      const traced = runAttribution({ ...base, kind: "external", model, view, prompt: "x", params: sp, output });
      const tracedRebuilt = runAttribution({ ...base, kind: "external", model: rebuilt, prompt: "x", params: sp, output });
      expect(traced.record.entries.length).toBeGreaterThan(0);
      expect(encodeRecord(traced.record)).toBe(encodeRecord(tracedRebuilt.record));
      for (const e of traced.record.entries) expect(set.has(e.contributionId)).toBe(false);
    }
  }, 120_000);
});
