/**
 * A model card is whatever its builder put in the metadata registered on-chain (not only through the Factory): the
 * parameters an inference runs with never take a card value outside the Factory's ranges.
 */
import { describe, expect, it } from "vitest";
import { InvalidParams, resolveParams } from "./params";

const HASH = `0x${"12".repeat(32)}`;
const hostile = {
  maxTokens: 1e9,
  temperature: 1e6,
  topK: -3,
  maxSupport: 1e12,
  k: 1e6,
  quotes: 0.5,
  alphaPpm: 2_000_000,
  minSpanTokens: 0,
} as Record<string, unknown>;

describe("model card defaults", () => {
  it("a card out of range falls back to the Factory's defaults, for every kind", () => {
    expect(resolveParams({ kind: "infinigram", parameters: hostile }, HASH, {})).toEqual({ seed: expect.any(String), maxTokens: 64, temperature: 0.8, topK: 40, maxSupport: 1_000 });
    expect(resolveParams({ kind: "knn", parameters: hostile }, HASH, {})).toEqual({ k: 5 });
    expect(resolveParams({ kind: "external", parameters: hostile }, HASH, {})).toEqual({ maxTokens: 256, minSpanTokens: 4, maxSupport: 1_000 });
    const llmCard = { ...hostile, baseUrl: "http://127.0.0.1:1/v1", model: "m" };
    expect(resolveParams({ kind: "rag", parameters: llmCard }, HASH, {})).toEqual({ k: 4, quotes: 2, alphaPpm: 500_000, minSpanTokens: 4, maxSupport: 1_000, llm: true, maxTokens: 256 });
  });

  it("a card in range is used, and bounds what a caller may ask for", () => {
    const card = { maxTokens: 100, maxSupport: 50, k: 3, quotes: 1, alphaPpm: 0, minSpanTokens: 8, baseUrl: "http://127.0.0.1:1/v1", model: "m" };
    expect(resolveParams({ kind: "infinigram", parameters: card }, HASH, { seed: 7 })).toEqual({ seed: "7", maxTokens: 100, temperature: 0.8, topK: 40, maxSupport: 50 });
    expect(resolveParams({ kind: "rag", parameters: card }, HASH, {})).toEqual({ k: 3, quotes: 1, alphaPpm: 0, minSpanTokens: 8, maxSupport: 50, llm: true, maxTokens: 100 });
    expect(() => resolveParams({ kind: "infinigram", parameters: card }, HASH, { maxSupport: 51 })).toThrow(InvalidParams);
    expect(() => resolveParams({ kind: "rag", parameters: card }, HASH, { k: 4 })).toThrow(/k must be a whole number between 1 and 3/);
  });

  it("non-numbers and fractions where whole numbers belong are unusable too", () => {
    const card = { maxTokens: "100", k: 2.5, maxSupport: Number.NaN, alphaPpm: 1.5, baseUrl: "http://127.0.0.1:1/v1", model: "m" };
    expect(resolveParams({ kind: "rag", parameters: card }, HASH, {})).toMatchObject({ k: 4, maxTokens: 256, maxSupport: 1_000, alphaPpm: 500_000 });
  });
});
