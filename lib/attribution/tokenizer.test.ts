import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AttributionError } from "./errors";
import { decode, decodeWith, encode, encodeWith, loadTokenizer, SEPARATOR, TOKENIZER, tokenizerFor, VOCAB_SIZE } from "./tokenizer";

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

  it.each([
    ["cl100k_base", 100277, 100257],
    ["o200k_base", 200019, 199999],
  ] as const)("%s through the facade: round trips, refuses the separator and foreign ids, spells out its special tokens", async (name, V, endOfText) => {
    expect(() => tokenizerFor("gpt5_base")).toThrow(/not supported/);
    await loadTokenizer(name);
    const t = tokenizerFor(name);
    expect([t.name, t.vocabSize, t.separator]).toEqual([name, V, V]);
    for (const text of ["naïve café — 東京 🚀", "<|endoftext|> is just text here", "Straßenbahn", ""]) {
      const ids = t.encode(text);
      expect(ids).toBeInstanceOf(Uint32Array);
      expect(Array.from(ids)).toEqual(Array.from(encodeWith(name, text)));
      expect(t.decode(ids)).toBe(text);
      expect(decodeWith(name, ids)).toBe(text);
    }
    expect(t.decode([endOfText])).toBe("<|endoftext|>");
    expect(() => t.decode([V])).toThrow(/separator/);
    expect(() => t.decode([V + 1])).toThrow(new RegExp(`outside the ${name} vocabulary`));
    expect(() => t.tokens([1, V], "The prompt")).toThrow(/separator/);
    // A sequence ending inside a character drops it, and leaves nothing behind for the next call.
    const fox = Array.from(t.encode("🦊🦊🦊"));
    const cut = fox.slice(0, fox.length - 1);
    expect(t.decode(cut).endsWith("\uFFFD")).toBe(false);
    expect(t.decode(t.encode("wörld"))).toBe("wörld");
    // r50k_base is the default and the same functions as before.
    expect(tokenizerFor().encode).toBe(encode);
    expect(tokenizerFor(TOKENIZER).decode).toBe(decode);
  });
});
