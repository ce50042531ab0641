import fc from "fast-check";
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

  it("decodes each sequence on its own: the text is a pure function of the tokens, whatever was decoded before", () => {
    // 🦊 is three tokens; stopping after two leaves an incomplete character, which must not leak into the next call.
    const fox = Array.from(encode("🦊"));
    expect(fox.length).toBe(3);
    const alone = decode(encode(" wörld 🚀"));
    expect(decode(fox.slice(0, 2))).toBe("");
    expect(decode(encode(" wörld 🚀"))).toBe(alone);
    const text = fc.stringMatching(/^[a-zé東京🦊🚀 .]{0,24}$/u);
    fc.assert(
      fc.property(text, fc.nat(8), text, (before, cut, after) => {
        const prefix = Array.from(encode(before));
        decode(prefix.slice(0, Math.max(0, prefix.length - cut))); // may end inside a character
        const tokens = encode(after);
        expect(decode(tokens)).toBe(after);
        expect(decode(tokens.slice(0, Math.max(0, tokens.length - 1)))).toBe(decode(tokens.slice(0, Math.max(0, tokens.length - 1))));
      }),
      { numRuns: 300 },
    );
  });
});
