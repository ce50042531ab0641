import { describe, expect, it } from "vitest";
import { AttributionError } from "./errors";
import { decode, encode, SEPARATOR, TOKENIZER, VOCAB_SIZE } from "./tokenizer";

describe("tokenizer", () => {
  it("is GPT-2 BPE with a separator just past the vocabulary", () => {
    expect(TOKENIZER).toBe("r50k_base");
    expect(VOCAB_SIZE).toBe(50257);
    expect(SEPARATOR).toBe(VOCAB_SIZE);
    expect(Array.from(encode("Hello world"))).toEqual([15496, 995]);
  });

  it("round-trips real text, including text that looks like a special token", () => {
    for (const text of ["The quick brown fox jumps over the lazy dog.", "naïve café — 東京 🚀", "<|endoftext|> is just text here", ""]) {
      const tokens = encode(text);
      expect(tokens).toBeInstanceOf(Uint16Array);
      expect(Array.from(tokens).every((t) => t < 50256)).toBe(true);
      expect(decode(tokens)).toBe(text);
    }
  });

  it("refuses ids outside the vocabulary and the separator", () => {
    expect(() => decode([SEPARATOR])).toThrow(/separator/);
    expect(() => decode([1, 60000])).toThrow(AttributionError);
    expect(() => decode([-1])).toThrow(/vocabulary/);
    expect(() => encode(3 as unknown as string)).toThrow(AttributionError);
  });
});
