import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AttributionError } from "./errors";
import { defaultSuffixSortEngine, naiveSuffixArray, suffixArray, type SuffixSortEngine } from "./sais";

describe("the suffix sort engine", () => {
  it("is the compiled one here (npm ci builds native/sais), so the tests below cover it", () => {
    expect(defaultSuffixSortEngine()).toBe("native");
  });

  it("gives the same suffix array in C and in JS on 200k-symbol texts (16-bit, 32-bit, repetitive)", () => {
    let x = 12345;
    const rand = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
    const n = 200_000;
    const u16 = new Uint16Array(n);
    const i32 = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      // Copies of earlier stretches make long common prefixes and deep recursion.
      u16[i] = i > 1000 && rand() % 4 !== 0 ? u16[i - 1 - (rand() % 1000)] : rand() % 50257;
      i32[i] = i > 64 && rand() % 8 !== 0 ? i32[i - 64] : rand() % 2_000_000;
    }
    expect(suffixArray(u16, 50257, "native")).toEqual(suffixArray(u16, 50257, "js"));
    expect(suffixArray(i32, 2_000_000, "native")).toEqual(suffixArray(i32, 2_000_000, "js"));
  });
});

describe.each(["native", "js"] as const)("suffixArray (SA-IS, %s)", (engine: SuffixSortEngine) => {
  const same = (text: Int32Array | Uint32Array | Uint16Array, alphabet: number) =>
    expect(Array.from(suffixArray(text, alphabet, engine))).toEqual(Array.from(naiveSuffixArray(text)));

  it("matches the naive construction on random texts over small and large alphabets", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 400 }), fc.integer(), (alphabet, n, seed) => {
        let x = seed >>> 0;
        const text = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
          text[i] = x % alphabet;
        }
        same(text, alphabet);
      }),
      { numRuns: 300 },
    );
  });

  it("matches on arbitrary arrays over a 2- and 3-letter alphabet (deep repetition)", () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 300 }), (a) => {
      same(Int32Array.from(a), 2);
    }), { numRuns: 200 });
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 300 }), (a) => {
      same(Uint16Array.from(a), 3);
    }), { numRuns: 200 });
  });

  it("matches on periodic and all-equal texts", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 7 }), fc.integer({ min: 1, max: 60 }), (unit, reps) => {
        const text = new Uint32Array(unit.length * reps);
        for (let i = 0; i < text.length; i++) text[i] = unit[i % unit.length];
        same(text, 5);
      }),
      { numRuns: 200 },
    );
    for (const n of [0, 1, 2, 3, 15, 16, 17, 100, 1000]) same(new Int32Array(n).fill(3), 4);
  });

  it("handles the empty text and a single symbol", () => {
    expect(Array.from(suffixArray(new Int32Array(0), 1, engine))).toEqual([]);
    expect(Array.from(suffixArray(Uint16Array.of(7), 8, engine))).toEqual([0]);
  });

  it("matches on the corpus alphabet: tokens plus unique separators ordered by rank", () => {
    const V = 50257;
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 25 }), { minLength: 1, maxLength: 8 }), (docs) => {
        const text: number[] = [];
        docs.forEach((d, r) => text.push(...d.map((t) => t * 16000), V + r));
        same(Int32Array.from(text), V + docs.length);
      }),
      { numRuns: 200 },
    );
  });

  it("matches on Uint16 texts read in place and 32-bit texts over large alphabets (distinct and repeated reduced names)", () => {
    fc.assert(
      fc.property(fc.constantFrom(2, 50, 65535, 1_000_003), fc.integer({ min: 0, max: 500 }), fc.integer(), (alphabet, n, seed) => {
        let x = seed >>> 0;
        const a: number[] = [];
        for (let i = 0; i < n; i++) {
          x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
          // Half the time, repeat an earlier stretch so LMS substrings share names.
          a.push(i > 20 && x & 1 ? a[i - 20] : x % alphabet);
        }
        const text = alphabet <= 65535 ? Uint16Array.from(a) : Uint32Array.from(a);
        const before = Array.from(text);
        same(text, alphabet);
        expect(Array.from(text)).toEqual(before);
      }),
      { numRuns: 300 },
    );
  });

  it("sorts a 300k-symbol periodic text without blowing the stack", () => {
    const n = 300_000;
    const text = new Int32Array(n);
    for (let i = 0; i < n; i++) text[i] = (i % 3) % 2; // 0 1 0 0 1 0 ...
    const sa = suffixArray(text, 2, engine);
    const seen = new Uint8Array(n);
    for (const p of sa) seen[p] = 1;
    expect(seen.every((b) => b === 1)).toBe(true);
    // Suffixes of a period-3 text: spot-check adjacent order on a sample.
    const cmp = (a: number, b: number) => {
      while (a < n && b < n) {
        if (text[a] !== text[b]) return text[a] - text[b];
        a++;
        b++;
      }
      return a === n ? -1 : 1;
    };
    for (let k = 1; k < n; k += 9973) expect(cmp(sa[k - 1], sa[k])).toBeLessThan(0);
  });

  it("rejects symbols outside the alphabet and bad alphabet sizes", () => {
    expect(() => suffixArray(Int32Array.of(0, 5), 5, engine)).toThrow(AttributionError);
    expect(() => suffixArray(Int32Array.of(0, -1), 5, engine)).toThrow(/outside the alphabet/);
    expect(() => suffixArray(Int32Array.of(0), 0, engine)).toThrow(AttributionError);
  });
});
