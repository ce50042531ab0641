import { describe, expect, it } from "vitest";
import { estimate, pricedAnswerTokens } from "./estimate";
import { InvalidParams } from "./params";
import { DEFAULT_MAX_TOKENS, settledCost } from "./pricing";

const rates = { fee: 1_000n, inputRate: 3n, outputRate: 7n };

describe("estimate", () => {
  it("is T_in·R_in + F at least and T_in·R_in + max_tokens·R_out + F at most", () => {
    expect(estimate(rates, 12, 32)).toEqual({ promptTokens: 12, maxTokens: 32, least: 12n * 3n + 1_000n, ceiling: 12n * 3n + 32n * 7n + 1_000n });
  });

  it("grows with the prompt by R_in per token, and the ceiling covers any answer within max_tokens", () => {
    const a = estimate(rates, 10, 32);
    const b = estimate(rates, 11, 32);
    expect(b.ceiling - a.ceiling).toBe(rates.inputRate);
    for (const used of [0, 1, 31, 32]) {
      const cost = settledCost(rates, b.ceiling, 11, used);
      expect(cost.charged + cost.returned).toBe(b.ceiling);
      expect(cost.charged).toBe(b.least + BigInt(used) * rates.outputRate);
    }
  });

  it("is the fee whatever the prompt for a flat-price model", () => {
    expect(estimate({ fee: 5n, inputRate: 0n, outputRate: 0n }, 4_000, 256)).toMatchObject({ least: 5n, ceiling: 5n });
  });
});

describe("pricedAnswerTokens", () => {
  it("is the caller's max_tokens for an ∞-gram model, else its card's default, else the schema's", () => {
    expect(pricedAnswerTokens({ kind: "infinigram", parameters: { maxTokens: 100 } }, { maxTokens: 16 })).toBe(16);
    expect(pricedAnswerTokens({ kind: "infinigram", parameters: { maxTokens: 100 } }, {})).toBe(100);
    expect(pricedAnswerTokens({ kind: "infinigram", parameters: {} }, {})).toBe(64);
    expect(pricedAnswerTokens({ kind: "external", parameters: { maxTokens: 512, baseUrl: "https://x", model: "m" } }, {})).toBe(512);
  });

  it("is DEFAULT_MAX_TOKENS for kinds whose answer has no max_tokens", () => {
    expect(pricedAnswerTokens({ kind: "knn", parameters: { k: 5 } }, {})).toBe(DEFAULT_MAX_TOKENS);
    expect(pricedAnswerTokens({ kind: "rag", parameters: { k: 4 } }, {})).toBe(DEFAULT_MAX_TOKENS);
  });

  it("refuses parameters the model refuses, as the server does before payment", () => {
    expect(() => pricedAnswerTokens({ kind: "infinigram", parameters: {} }, { maxTokens: 0 })).toThrow(InvalidParams);
  });
});
