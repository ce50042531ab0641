import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildCorpusIndex, buildCorpusIndexFromTokens } from "./corpus";
import { AttributionError } from "./errors";
import { traceSpans } from "./span-trace";
import { decode, encode, SEPARATOR, VOCAB_SIZE } from "./tokenizer";
import { docsArb, naiveLayout, type Doc } from "./testing/naive";

/** Naive span tracing: every start, every length, by scanning. */
function naiveTrace(docs: Doc[], output: number[], minSpan: number, maxSupport: number) {
  const { text, owner, order } = naiveLayout(docs);
  const sorted = [...docs].sort((a, b) => a.id - b.id);
  const occurrences = (pat: number[]) => order.filter((p) => pat.every((t, j) => text[p + j] === t));
  const unigram = new Map<number, number>();
  for (const t of text) if (t < VOCAB_SIZE) unigram.set(t, (unigram.get(t) ?? 0) + 1);
  const nTokens = text.length - sorted.length;
  const lens = output.map((_, i) => {
    let len = 0;
    while (i + len < output.length && occurrences(output.slice(i, i + len + 1)).length > 0) len++;
    return len;
  });
  const spans = [];
  const raw = new Map<number, bigint>();
  for (let i = 0; i < output.length; i++) {
    const end = i + lens[i];
    if (lens[i] < minSpan) continue;
    if (lens.some((l, j) => j < i && j + l >= end)) continue; // contained in an earlier span
    const pat = output.slice(i, end);
    const occ = occurrences(pat);
    const s = Math.min(occ.length, maxSupport);
    const sample = Array.from({ length: s }, (_, k) => occ[Math.floor((k * occ.length) / s)]);
    const contributions = new Map<number, number>();
    for (const id of sample.map((p) => owner[p]).sort((a, b) => a - b)) contributions.set(id, (contributions.get(id) ?? 0) + 1);
    let rarity = 0;
    for (const t of pat) rarity -= Math.log((unigram.get(t) ?? 0) + 1) - Math.log(nTokens + VOCAB_SIZE);
    const rarityMicros = BigInt(Math.round(rarity * 1e6));
    let cum = 0n;
    let prev = 0n;
    for (const [id, c] of contributions) {
      cum += BigInt(c);
      const upTo = (rarityMicros * cum) / BigInt(s);
      if (upTo > prev) raw.set(id, (raw.get(id) ?? 0n) + upTo - prev);
      prev = upTo;
    }
    spans.push({ start: i, end, text: decode(pat), rarityMicros, occurrences: occ.length, contributions });
  }
  return { spans, rawWeights: new Map([...raw.entries()].sort((a, b) => a[0] - b[0])) };
}

const corpusArb = docsArb(1);

describe("traceSpans", () => {
  it("matches a naive recomputation of maximal spans, rarity and attribution", () => {
    fc.assert(
      fc.property(
        corpusArb,
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 6 }),
        (docs, output, minSpanTokens, maxSupport) => {
          const index = buildCorpusIndexFromTokens(docs.map((d) => ({ ...d, tokens: Uint16Array.from(d.tokens) })));
          const got = traceSpans(index, Uint16Array.from(output), { minSpanTokens, maxSupport });
          expect(got).toEqual(naiveTrace(docs, output, minSpanTokens, maxSupport));
        },
      ),
      { numRuns: 250 },
    );
  });

  it("finds verbatim passages of real text and credits their source", () => {
    const index = buildCorpusIndex([
      { id: 1, datanetId: 1, text: "Photosynthesis converts light energy into chemical energy stored in glucose." },
      { id: 2, datanetId: 1, text: "The mitochondria is the powerhouse of the cell, producing energy for the cell." },
      { id: 3, datanetId: 2, text: "Plants need water, light and carbon dioxide to grow." },
    ]);
    const output = "As everyone knows, the mitochondria is the powerhouse of the cell, and plants need water, light and air.";
    const { spans, rawWeights } = traceSpans(index, output, { minSpanTokens: 3, maxSupport: 100 });
    expect(spans.map((s) => s.text)).toEqual([" mitochondria is the powerhouse of the cell,", " need water, light and"]);
    expect(spans[0].contributions).toEqual(new Map([[2, 1]]));
    expect(spans[0].rarityMicros).toBeGreaterThan(spans[1].rarityMicros);
    expect([...rawWeights.keys()]).toEqual([2, 3]);
    expect(rawWeights.get(2)).toBe(spans[0].rarityMicros);
    const tokens = encode(output);
    expect(decode(tokens.subarray(spans[1].start, spans[1].end))).toBe(spans[1].text);
    expect(traceSpans(index, "Nothing here matches at length.", { minSpanTokens: 4, maxSupport: 10 }).spans).toEqual([]);
  });

  it("rejects bad options and output", () => {
    const index = buildCorpusIndexFromTokens([{ id: 1, datanetId: 0, tokens: Uint16Array.of(1, 2) }]);
    expect(() => traceSpans(index, "x", { minSpanTokens: 0, maxSupport: 1 })).toThrow(/minSpanTokens/);
    expect(() => traceSpans(index, "x", { minSpanTokens: 1, maxSupport: 0 })).toThrow(/maxSupport/);
    expect(() => traceSpans(index, Uint16Array.of(SEPARATOR), { minSpanTokens: 1, maxSupport: 1 })).toThrow(/separator/);
    expect(() => traceSpans(index, "a ".repeat(40_000), { minSpanTokens: 1, maxSupport: 1 })).toThrow(AttributionError);
  });
});
