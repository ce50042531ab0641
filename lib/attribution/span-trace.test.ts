import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildCorpusIndex, buildCorpusIndexFromTokens } from "./corpus";
import { AttributionError } from "./errors";
import { buildRecord } from "./record";
import { traceSpans, wordBoundaries } from "./span-trace";
import { decode, encode, SEPARATOR, VOCAB_SIZE } from "./tokenizer";
import { docsArb, naiveLayout, naiveTraceV2 as naiveTraceV2Of, type Doc } from "./testing/naive";

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

/** Version 2's naive reference over the test vocabulary (its tokens are all punctuation: every position is a word boundary). */
function naiveTraceV2(docs: Doc[], output: number[], minSpan: number, maxSupport: number, L: number, boundary?: Uint8Array) {
  return naiveTraceV2Of(docs, output, { minSpan, maxSupport, L, boundary, real: Uint16Array.from(output), text: (i, end) => decode(output.slice(i, end)) });
}

const corpusArb = docsArb(1);

describe("traceSpans", () => {
  it("version 2 matches a naive recomputation: each token paid once, −ln(c/N), seeded sample, originals, distinct split", () => {
    fc.assert(
      fc.property(
        corpusArb,
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 5 }),
        (docs, output, minSpanTokens, maxSupport, L) => {
          const index = buildCorpusIndexFromTokens(docs.map((d) => ({ ...d, tokens: Uint16Array.from(d.tokens) })));
          const got = traceSpans(index, Uint16Array.from(output), { minSpanTokens, maxSupport, originalSpanTokens: L, rules: 2 });
          expect({ rawWeights: got.rawWeights, spans: got.spans.map(({ credit: _, ...span }) => span) }).toEqual(naiveTraceV2(docs, output, minSpanTokens, maxSupport, L));
          // The spans' display credit gives each contribution the share its exact weight has (weights are over a common denominator).
          const shown = new Map<number, number>();
          for (const span of got.spans) for (const [id, c] of span.credit!) if (c > 0) shown.set(id, (shown.get(id) ?? 0) + c);
          expect([...shown.keys()].sort((a, b) => a - b)).toEqual([...got.rawWeights.keys()]);
          const shownTotal = [...shown.values()].reduce((a, b) => a + b, 0);
          const exactTotal = Number([...got.rawWeights.values()].reduce((a, b) => a + b, 0n));
          for (const [id, w] of got.rawWeights) expect(shown.get(id)! / shownTotal).toBeCloseTo(Number(w) / exactTotal, 9);
          // Each output token is paid by at most one span.
          for (let k = 1; k < got.spans.length; k++) expect(got.spans[k].paidFrom!).toBeGreaterThanOrEqual(got.spans[k - 1].end);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("version 2 over word pieces (starts and ends on word boundaries only) matches a naive recomputation", () => {
    // Tokens that join words ("the" + "ing") or separate them (" the", ","): spans start and end only on word boundaries,
    // so most starts' matches end where the previous start's did, and a match ends inside a word.
    const pieces = ["the", " the", ",", "ing"].map((w) => {
      const t = encode(w);
      expect(t.length).toBe(1);
      return t[0];
    });
    fc.assert(
      fc.property(
        corpusArb,
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 5 }),
        (raw, rawOutput, minSpanTokens, maxSupport, L) => {
          const docs = raw.map((d) => ({ ...d, tokens: d.tokens.map((k) => pieces[k]) }));
          const output = rawOutput.map((k) => pieces[k]);
          const index = buildCorpusIndexFromTokens(docs.map((d) => ({ ...d, tokens: Uint16Array.from(d.tokens) })));
          const got = traceSpans(index, Uint16Array.from(output), { minSpanTokens, maxSupport, originalSpanTokens: L, rules: 2 });
          const boundary = wordBoundaries(Uint16Array.from(output));
          expect({ rawWeights: got.rawWeights, spans: got.spans.map(({ credit: _, ...span }) => span) }).toEqual(
            naiveTraceV2(docs, output, minSpanTokens, maxSupport, L, boundary),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("version 1 matches a naive recomputation of maximal spans, rarity and attribution", () => {
    fc.assert(
      fc.property(
        corpusArb,
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 6 }),
        (docs, output, minSpanTokens, maxSupport) => {
          const index = buildCorpusIndexFromTokens(docs.map((d) => ({ ...d, tokens: Uint16Array.from(d.tokens) })));
          const got = traceSpans(index, Uint16Array.from(output), { minSpanTokens, maxSupport, rules: 1 });
          expect({ spans: got.spans, rawWeights: got.rawWeights }).toEqual(naiveTrace(docs, output, minSpanTokens, maxSupport));
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
    const { spans, rawWeights } = traceSpans(index, output, { minSpanTokens: 3, maxSupport: 100, rules: 1 });
    expect(spans.map((s) => s.text)).toEqual([" mitochondria is the powerhouse of the cell,", " need water, light and"]);
    expect(spans[0].contributions).toEqual(new Map([[2, 1]]));
    expect(spans[0].rarityMicros).toBeGreaterThan(spans[1].rarityMicros);
    expect([...rawWeights.keys()]).toEqual([2, 3]);
    expect(rawWeights.get(2)).toBe(spans[0].rarityMicros);
    const tokens = encode(output);
    expect(decode(tokens.subarray(spans[1].start, spans[1].end))).toBe(spans[1].text);
    expect(traceSpans(index, "Nothing here matches at length.", { minSpanTokens: 4, maxSupport: 10 }).spans).toEqual([]);
    // Version 2: spans start and end on word boundaries; the rarest words weigh most.
    const v2 = traceSpans(index, output, { minSpanTokens: 3, maxSupport: 100, rules: 2 });
    expect(v2.spans.map((s) => s.text)).toEqual([" mitochondria is the powerhouse of the cell,", " need water, light and"]);
    expect([...v2.rawWeights.keys()]).toEqual([2, 3]);
  });

  it("version 2 spans begin at a word's start and end at a word's end, never inside a word", () => {
    const out = encode(" unbelievable, the powerhouse");
    const b = wordBoundaries(out);
    for (let j = 0; j <= out.length; j++) {
      const before = decode(out.subarray(0, j));
      const after = decode(out.subarray(j));
      const inside = /[\p{L}\p{N}]$/u.test(before) && /^[\p{L}\p{N}]/u.test(after);
      expect(b[j] === 1, `boundary at ${j}: "${before}|${after}"`).toBe(!inside);
    }
    // A corpus holding "believable powerhouse" does not let "unbelievable" match from inside the word.
    const index = buildCorpusIndex([{ id: 1, datanetId: 1, text: "It is believable, the powerhouse of the cell." }]);
    const traced = traceSpans(index, "It is unbelievable, the powerhouse of the cell.", { minSpanTokens: 2, maxSupport: 10, rules: 2 });
    for (const s of traced.spans) expect(s.text).not.toMatch(/^believable/);
    expect(traced.spans.map((s) => s.text)).toContain(", the powerhouse of the cell.");
  });

  it("boilerplate earns once: overlapping spans no longer pay their shared tokens twice", () => {
    // Contribution 1 holds "A B C D", contribution 2 "C D E F"; the output "A B C D E F" traces two overlapping spans.
    const index = buildCorpusIndexFromTokens([
      { id: 1, datanetId: 1, tokens: Uint16Array.of(10, 11, 12, 13) },
      { id: 2, datanetId: 1, tokens: Uint16Array.of(12, 13, 14, 15) },
    ]);
    const out = Uint16Array.of(10, 11, 12, 13, 14, 15);
    const v2 = traceSpans(index, out, { minSpanTokens: 2, maxSupport: 10, rules: 2 });
    expect(v2.spans.map((s) => [s.start, s.end, s.paidFrom])).toEqual([[0, 4, 0], [2, 6, 4]]);
    // Every token weighs −ln(2/8) or −ln(1/8): 1 is paid for 10 11 12 13, 2 only for 14 15.
    const rec = buildRecord({ method: "span-trace", modelId: 1, artifactHash: `0x${"ab".repeat(32)}`, requestId: 1n, raw: v2.rawWeights, version: 2 });
    const lo = Math.round(Math.log(8 / 2) * 1e6);
    const hi = Math.round(Math.log(8) * 1e6);
    const one = 2 * hi + 2 * lo;
    const two = 2 * hi;
    expect(rec.entries.map((e) => e.contributionId)).toEqual([1, 2]);
    expect(Math.abs(rec.entries[0].weightPpm - Math.round((1e6 * one) / (one + two)))).toBeLessThanOrEqual(1);
    // Version 1 paid 12 13 twice (once in each span).
    const v1 = traceSpans(index, out, { minSpanTokens: 2, maxSupport: 10, rules: 1 });
    expect(v1.spans.map((s) => [s.start, s.end])).toEqual([[0, 4], [2, 6]]);
  });

  it("version 2's rarity is the documented −ln(c/N), unsmoothed", () => {
    const index = buildCorpusIndexFromTokens([{ id: 1, datanetId: 1, tokens: Uint16Array.of(7, 8, 7, 9) }]);
    const [span] = traceSpans(index, Uint16Array.of(7, 8), { minSpanTokens: 2, maxSupport: 10, rules: 2 }).spans;
    expect(span.rarityMicros).toBe(BigInt(Math.round(Math.log(4 / 2) * 1e6)) + BigInt(Math.round(Math.log(4 / 1) * 1e6)));
  });

  it("rejects bad options and output", () => {
    const index = buildCorpusIndexFromTokens([{ id: 1, datanetId: 0, tokens: Uint16Array.of(1, 2) }]);
    expect(() => traceSpans(index, "x", { minSpanTokens: 0, maxSupport: 1 })).toThrow(/minSpanTokens/);
    expect(() => traceSpans(index, "x", { minSpanTokens: 1, maxSupport: 0 })).toThrow(/maxSupport/);
    expect(() => traceSpans(index, Uint16Array.of(SEPARATOR), { minSpanTokens: 1, maxSupport: 1 })).toThrow(/separator/);
    expect(() => traceSpans(index, "a ".repeat(40_000), { minSpanTokens: 1, maxSupport: 1 })).toThrow(AttributionError);
  });
});
