import { describe, expect, it } from "vitest";
import { serializeCorpusIndex } from "@/lib/attribution/artifact";
import { buildCorpusIndex } from "@/lib/attribution/corpus";
import { sha256Of } from "./artifacts";
import { runBuild } from "./build";
import { buildRequestSchema } from "./spec";
import type { BuildSources } from "./sources";

const records = ["**tiger, Panthera tigris**: large feline of forests in most of Asia", "**zebra**: any of several fleet black-and-white striped African equines", '{"text":"*honey*: a sweet yellow liquid","label":"food"}'];
const sources: BuildSources = {
  versions: [{ datanetId: 1, version: 1, root: `0x${"00".repeat(32)}`, count: 2 }],
  contributions: [
    { id: 1, datanetId: 1, contributor: `0x${"11".repeat(20)}`, records: records.slice(0, 2) },
    { id: 2, datanetId: 1, contributor: `0x${"22".repeat(20)}`, records: records.slice(2) },
  ],
};
const request = (parameters: Record<string, unknown>, kind: "infinigram" | "rag" = "infinigram") =>
  buildRequestSchema.parse({ kind, name: "Plain text", datanets: [{ id: 1, version: 1 }], parameters });

describe("plain-text corpora", () => {
  it("an ∞-gram request without plainText builds exactly the bytes it built before the parameter existed (records as written)", () => {
    const before = serializeCorpusIndex(
      buildCorpusIndex([
        { id: 1, datanetId: 1, text: `${records[0]}\n\n${records[1]}` },
        { id: 2, datanetId: 1, text: "*honey*: a sweet yellow liquid" },
      ]),
    );
    expect(runBuild(request({ maxTokens: 8 }), sources).artifactHash).toBe(sha256Of(before));
  });

  it("plainText: true (and every RAG build) indexes the records without markdown markup", () => {
    const plain = runBuild(request({ maxTokens: 8, plainText: true }), sources);
    const expected = serializeCorpusIndex(
      buildCorpusIndex([
        { id: 1, datanetId: 1, text: "tiger, Panthera tigris: large feline of forests in most of Asia\n\nzebra: any of several fleet black-and-white striped African equines" },
        { id: 2, datanetId: 1, text: "honey: a sweet yellow liquid" },
      ]),
    );
    expect(plain.artifactHash).toBe(sha256Of(expected));
    expect(runBuild(request({}, "rag"), sources).artifactHash).toBe(plain.artifactHash);
    expect(plain.artifactHash).not.toBe(runBuild(request({ maxTokens: 8 }), sources).artifactHash);
  });
});
