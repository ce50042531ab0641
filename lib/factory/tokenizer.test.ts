/** Issue 17: a builder chooses the corpus's tokenizer; the request records it, so a rebuild gives the same bytes. */
import { describe, expect, it } from "vitest";
import { deserializeCorpusIndex } from "@/lib/attribution/artifact";
import { tokenWidth } from "@/lib/attribution/corpus-index";
import { generate } from "@/lib/attribution/infinigram";
import { TOKENIZERS } from "@/lib/attribution/tokenizer";
import { modelTokenizerName, TOKENIZER_NAMES } from "@/lib/attribution/tokenizer-names";
import { prepareBuild, runBuild } from "./build";
import { buildRequestSchema } from "./spec";
import type { BuildSources } from "./sources";

const records = [
  "Der Straßenbahnfahrer grüßt die Fahrgäste freundlich.",
  "東京の地下鉄はとても便利です。",
  "Le café crème coûte trois euros à Montréal.",
  "Здравствуйте: московское метро открылось в 1935 году.",
];
const sources: BuildSources = {
  versions: [{ datanetId: 1, version: 1, root: `0x${"00".repeat(32)}`, count: 2 }],
  contributions: [
    { id: 1, datanetId: 1, contributor: `0x${"11".repeat(20)}`, records: records.slice(0, 2) },
    { id: 2, datanetId: 1, contributor: `0x${"22".repeat(20)}`, records: records.slice(2) },
  ],
};
const request = (parameters: Record<string, unknown>, kind: "infinigram" | "rag" | "external" = "infinigram") =>
  buildRequestSchema.parse({ kind, name: "Vocabularies", datanets: [{ id: 1, version: 1 }], parameters });

describe("the Factory's tokenizer choice", () => {
  it("offers exactly the tokenizers the engine knows", () => {
    expect([...TOKENIZER_NAMES].sort()).toEqual(Object.keys(TOKENIZERS).sort());
  });

  it("a model's tokenizer (API, model page, Playground estimate) is the one its card names; r50k_base when none, and for kNN", () => {
    expect(modelTokenizerName("infinigram", { kind: "infinigram", tokenizer: "o200k_base" })).toBe("o200k_base");
    expect(modelTokenizerName("rag", { tokenizer: "cl100k_base" })).toBe("cl100k_base");
    expect(modelTokenizerName("infinigram", { kind: "infinigram", maxTokens: 64 })).toBe("r50k_base");
    expect(modelTokenizerName("external", null)).toBe("r50k_base");
    expect(modelTokenizerName("infinigram", { tokenizer: "p50k_base" })).toBe("r50k_base");
    expect(modelTokenizerName("knn", { k: 5 })).toBe("r50k_base");
  });

  it("refuses an unknown tokenizer at the edge, saying which ones there are", () => {
    for (const kind of ["infinigram", "rag"] as const) {
      const r = buildRequestSchema.safeParse({ kind, name: "Vocabularies", datanets: [{ id: 1, version: 1 }], parameters: { tokenizer: "gpt5_base" } });
      expect(r.success).toBe(false);
      expect(r.error!.issues[0].path).toEqual(["parameters", "tokenizer"]);
      expect(r.error!.issues[0].message).toBe("tokenizer must be one of r50k_base, cl100k_base, o200k_base");
    }
  });

  it("refuses prototype keys, other spellings and non-strings as a tokenizer, and a card naming one counts in r50k_base", () => {
    const odd: unknown[] = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "O200K_BASE", "O200k_base", "o200k_base ", " cl100k_base", "cl100k_base\n", "o200k_base\u0000", "r50k", "", null, 5, ["o200k_base"], { toString: "o200k_base" }];
    for (const tokenizer of odd) {
      for (const kind of ["infinigram", "rag", "external"] as const) {
        const parameters = kind === "external" ? { baseUrl: "https://api.example.com/v1", model: "m", tokenizer } : { tokenizer };
        const r = buildRequestSchema.safeParse({ kind, name: "Vocabularies", datanets: [{ id: 1, version: 1 }], parameters });
        expect(r.success, `${kind} ${JSON.stringify(tokenizer)}`).toBe(false);
        expect(r.error!.issues.map((i) => [i.path, i.message])).toEqual([[["parameters", "tokenizer"], "tokenizer must be one of r50k_base, cl100k_base, o200k_base"]]);
      }
      expect(modelTokenizerName("infinigram", { tokenizer })).toBe("r50k_base");
    }
    // A card whose JSON has an own "__proto__" key naming another tokenizer does not reach it.
    expect(modelTokenizerName("infinigram", JSON.parse('{"__proto__": {"tokenizer": "o200k_base"}}'))).toBe("r50k_base");
  });

  it("a request without a tokenizer builds what it built before (r50k_base), the same as naming r50k_base", () => {
    const before = runBuild(request({ maxTokens: 8 }), sources);
    expect(runBuild(request({ maxTokens: 8, tokenizer: "r50k_base" }), sources).artifactHash).toBe(before.artifactHash);
    expect(deserializeCorpusIndex(before.artifact).params.tokenizer).toBe("r50k_base");
    expect(before.evaluation.tokenizer).toBe("r50k_base");
  });

  it.each(["o200k_base", "cl100k_base"])("builds a %s artifact (32-bit tokens, tokenizer in its params); rebuilding from the stored request gives the same hash", async (name) => {
    const req = request({ maxTokens: 8, tokenizer: name });
    await prepareBuild(req);
    const out = runBuild(req, sources);
    const index = deserializeCorpusIndex(out.artifact);
    expect(index.params).toEqual({ tokenizer: name, separator: TOKENIZERS[name].vocabSize });
    expect(tokenWidth(index)).toBe(32);
    expect(out.evaluation.tokenizer).toBe(name);
    expect(out.artifactHash).not.toBe(runBuild(request({ maxTokens: 8 }), sources).artifactHash);
    // The request as stored (JSON) and parsed again rebuilds the same bytes.
    const again = runBuild(buildRequestSchema.parse(JSON.parse(JSON.stringify(req))), sources);
    expect(again.artifactHash).toBe(out.artifactHash);
    // The served index answers in its own tokens.
    const g = generate(index, "Der Straßenbahnfahrer", { maxTokens: 32, temperature: 0, topK: 1, seed: 1, maxSupport: 10, stopAtSeparator: true });
    expect(g.text.startsWith(" grüßt die Fahrgäste freundlich.\n\n東京の地下鉄")).toBe(true);
    // RAG and external builds record it the same way.
    for (const kind of ["rag", "external"] as const) {
      const extra = kind === "external" ? { baseUrl: "https://api.example.com/v1", model: "m" } : {};
      const r = runBuild(request({ ...extra, tokenizer: name }, kind), sources);
      expect(deserializeCorpusIndex(r.artifact).params.tokenizer).toBe(name);
    }
  });
});
