import { describe, expect, it } from "vitest";
import { keccak256, stringToBytes } from "viem";
import { canonicalRequest, inferenceRequestSchema, randomRequestNonce, requestHashOf } from "./request";

const nonce = `0x${"ab".repeat(32)}` as const;

describe("canonical request", () => {
  it("has a fixed, sorted JSON form and hashes it with keccak256", () => {
    const input = { modelId: 3, prompt: "héllo\n", params: { temperature: 0.7, maxTokens: 32, seed: "7" }, nonce };
    const text = canonicalRequest(input);
    expect(text).toBe(`{"modelId":3,"nonce":"${nonce}","params":{"maxTokens":32,"seed":"7","temperature":0.7},"prompt":"héllo\\n"}`);
    expect(requestHashOf(input)).toBe(keccak256(stringToBytes(text)));
  });

  it("gives the same hash for the same request in any key order", () => {
    const a = requestHashOf({ modelId: 1, prompt: "p", params: { topK: 5, maxTokens: 10, seed: "9", temperature: 1 }, nonce });
    const b = requestHashOf({ nonce, params: { temperature: 1, seed: "9", maxTokens: 10, topK: 5 }, prompt: "p", modelId: 1 });
    const c = requestHashOf({ modelId: 1n, prompt: "p", params: { seed: 9, topK: 5, temperature: 1, maxTokens: 10, k: undefined }, nonce: nonce.toUpperCase().replace("0X", "0x") as `0x${string}` });
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it("changes with the nonce, the model, the prompt and the parameters", () => {
    const base = { modelId: 1, prompt: "p", params: { maxTokens: 10 }, nonce };
    const h = requestHashOf(base);
    const others = [
      requestHashOf({ ...base, nonce: `0x${"ac".repeat(32)}` }),
      requestHashOf({ ...base, modelId: 2 }),
      requestHashOf({ ...base, prompt: "p " }),
      requestHashOf({ ...base, params: { maxTokens: 11 } }),
      requestHashOf({ ...base, params: {} }),
    ];
    expect(new Set([h, ...others]).size).toBe(others.length + 1);
    expect(requestHashOf({ ...base, nonce: randomRequestNonce() })).not.toBe(requestHashOf({ ...base, nonce: randomRequestNonce() }));
  });

  it("refuses what cannot be hashed canonically", () => {
    expect(() => canonicalRequest({ modelId: 0, prompt: "p", params: {}, nonce })).toThrow(/modelId/);
    expect(() => canonicalRequest({ modelId: 1, prompt: "p", params: {}, nonce: "0x12" })).toThrow(/nonce/);
    expect(() => canonicalRequest({ modelId: 1, prompt: "p", params: { t: Number.NaN }, nonce })).toThrow(/finite/);
    expect(() => canonicalRequest({ modelId: 1, prompt: "p", params: { d: new Date() }, nonce })).toThrow(/plain object/);
  });
});

describe("inferenceRequestSchema", () => {
  it("accepts a prompt with optional parameters and normalizes the seed", () => {
    const r = inferenceRequestSchema.parse({ prompt: "hi", params: { maxTokens: 16, temperature: 0, topK: 40, seed: 42, k: 5 } });
    expect(r).toEqual({ prompt: "hi", params: { maxTokens: 16, temperature: 0, topK: 40, seed: "42", k: 5 } });
    expect(inferenceRequestSchema.parse({ prompt: "hi" }).params).toEqual({});
    expect(inferenceRequestSchema.parse({ prompt: "hi", params: { seed: "007" } }).params.seed).toBe("7");
    const h1 = requestHashOf({ modelId: 1, ...inferenceRequestSchema.parse({ prompt: "x", params: { seed: 5 } }), nonce });
    const h2 = requestHashOf({ modelId: 1, ...inferenceRequestSchema.parse({ prompt: "x", params: { seed: "5" } }), nonce });
    expect(h1).toBe(h2);
  });

  const message = (input: unknown) => {
    const r = inferenceRequestSchema.safeParse(input);
    expect(r.success).toBe(false);
    return r.error!.issues[0].message;
  };

  it("explains what is wrong in words", () => {
    expect(message({ prompt: "" })).toBe("The prompt is empty.");
    expect(message({ prompt: "   " })).toBe("The prompt is only whitespace.");
    expect(message({ prompt: "x".repeat(8_001) })).toMatch(/too long: at most 8,000 characters/);
    expect(message({ prompt: 5 })).toBe("prompt must be a string");
    expect(message({ prompt: "p", params: { maxTokens: 0 } })).toBe("maxTokens must be at least 1");
    expect(message({ prompt: "p", params: { maxTokens: 257 } })).toBe("maxTokens must be at most 256");
    expect(message({ prompt: "p", params: { maxTokens: 1.5 } })).toBe("maxTokens must be a whole number");
    expect(message({ prompt: "p", params: { temperature: 3 } })).toBe("temperature must be between 0 and 2");
    expect(message({ prompt: "p", params: { topK: 101 } })).toBe("topK must be between 1 and 100");
    expect(message({ prompt: "p", params: { k: 0 } })).toBe("k must be between 1 and 50");
    expect(message({ prompt: "p", params: { seed: -1 } })).toMatch(/seed/);
    expect(message({ prompt: "p", params: { seed: "12a" } })).toMatch(/seed/);
    expect(message({ prompt: "p", params: { top_p: 0.9 } })).toBe('Unknown parameter "top_p"; allowed: maxTokens, temperature, topK, seed, k.');
    expect(message({ prompt: "p", params: [] })).toBe("params must be an object");
    expect(message(null)).toBe("The request body must be a JSON object with a prompt.");
  });
});
