/** Issue 17: an answer's highlighted spans are cut in the model's own tokens (o200k_base, cl100k_base), not GPT-2's. */
import { beforeAll, describe, expect, it } from "vitest";
import { buildCorpusIndex } from "@/lib/attribution/corpus";
import type { GeneratedToken } from "@/lib/attribution/infinigram";
import { modelTokenizer, runAttribution, type LoadedModel } from "@/lib/attribution/run";
import { loadTokenizer } from "@/lib/attribution/tokenizer";
import type { ServableModel } from "./models";
import { computeSpans, storedAnswerSpans } from "./spans";

const corpus = [
  { id: 1, datanetId: 1, text: "Der Straßenbahnfahrer grüßt die Fahrgäste freundlich und öffnet die Türen am Hauptbahnhof." },
  { id: 2, datanetId: 1, text: "東京の地下鉄はとても便利です。Le café crème coûte trois euros à Montréal." },
];
const base = { modelId: 1, artifactHash: `0x${"ab".repeat(32)}` as const, requestId: 7n };

describe.each(["o200k_base", "cl100k_base"])("spans of a %s model", (name) => {
  let model: LoadedModel;
  beforeAll(async () => {
    await loadTokenizer(name);
    model = { format: "corpus", index: buildCorpusIndex(corpus, { tokenizer: name }) };
  });

  it("∞-gram: the spans follow the generated tokens and end where the answer ends", () => {
    const prompt = "Der Straßenbahnfahrer";
    const params = { seed: 3, maxTokens: 12, temperature: 0, topK: 1, maxSupport: 10 };
    const tokens: GeneratedToken[] = [];
    const run = runAttribution({ ...base, kind: "infinigram", model, prompt, params, onToken: (t) => tokens.push(t) });
    expect(modelTokenizer(model).decode(tokens.map((t) => t.token))).toBe(run.output);
    expect(run.output.startsWith(" grüßt die Fahrgäste")).toBe(true);
    const spans = computeSpans({ ...base, kind: "infinigram", model, prompt, params, output: run.output });
    expect(spans.length).toBeGreaterThan(0);
    expect(spans[0].start).toBe(0);
    expect(spans.at(-1)!.end).toBe(run.output.length);
    expect(spans.every((s) => s.sources[0].contributionId === 1)).toBe(true);
  });

  it("a stored answer's spans (the Playground's stream) are cut from its stored tokens in the model's tokenizer", () => {
    const prompt = "Der Straßenbahnfahrer";
    const params = { seed: 3, maxTokens: 12, temperature: 0, topK: 1, maxSupport: 10 };
    const tokens: GeneratedToken[] = [];
    const run = runAttribution({ ...base, kind: "infinigram", model, prompt, params, onToken: (t) => tokens.push(t) });
    // Ids beyond GPT-2's vocabulary: read with r50k_base they could not be decoded at all.
    expect(tokens.some((t) => t.token > 50_256) || name === "cl100k_base").toBe(true);
    const servable = { ...base, kind: "infinigram", model, parameters: {}, withdrawals: null } as unknown as ServableModel;
    const stored = { requestId: 7n, output: run.output, record: run.record, params, tokens };
    const spans = storedAnswerSpans(servable, stored as never);
    expect(spans.length).toBeGreaterThan(0);
    expect(spans).toEqual(computeSpans({ ...base, kind: "infinigram", model, prompt, params, output: run.output }));
  });

  it("span tracing: a copied passage is highlighted at its characters and credited to its contribution", () => {
    const copied = "東京の地下鉄はとても便利です。";
    const output = `Ich sage:\n${copied}`;
    const spans = computeSpans({ ...base, kind: "external", model, prompt: "?", params: { minSpanTokens: 2, maxSupport: 10 }, output });
    const hit = spans.find((s) => output.slice(s.start, s.end).includes("地下鉄"));
    expect(hit).toBeDefined();
    expect(output.slice(hit!.start, hit!.end)).not.toContain("\uFFFD");
    expect(hit!.end).toBe(output.length);
    expect(hit!.sources[0].contributionId).toBe(2);
  });
});
