import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildCorpusIndex, buildCorpusIndexFromTokens } from "./corpus";
import { AttributionError } from "./errors";
import { seededSample } from "./credit";
import { generate, MAX_SEED, Prng, SAMPLE_SALT, seedToBigInt, TOKEN_CREDIT, type GenerateOptions } from "./infinigram";
import { buildRecord } from "./record";
import { decode, SEPARATOR, VOCAB_SIZE } from "./tokenizer";
import { docsArb, NaiveExact, naiveCopyOwners, naiveLayout, type Doc } from "./testing/naive";

/**
 * Naive ∞-gram generation: suffix order by sorting, occurrences by scanning, credit split with bigints.
 * Version 1: an evenly spaced sample, credit by occurrence counts. Version 2: a seeded uniform sample,
 * credit split equally over the distinct contributions (a copy's occurrence crediting its original).
 */
function naiveGenerate(docs: Doc[], prompt: number[], o: Omit<GenerateOptions, "view">) {
  const { text, owner, order } = naiveLayout(docs);
  const v2 = (o.rules ?? 2) === 2;
  const copyOwner = v2 ? naiveCopyOwners(docs, o.originalSpanTokens!) : [];
  const exact = new NaiveExact();
  const sampler = new Prng(seedToBigInt(o.seed) ^ SAMPLE_SALT);
  const isEnd = (sym: number) => sym >= VOCAB_SIZE;
  const rng = new Prng(seedToBigInt(o.seed));
  const ctx = [...prompt];
  const out: number[] = [];
  const steps: { token: number; suffixLength: number; support: number }[] = [];
  const raw = new Map<number, bigint>();
  for (let step = 0; step < o.maxTokens; step++) {
    let sample: number[] = [];
    let len = ctx.length;
    for (; len >= 0; len--) {
      const pat = ctx.slice(ctx.length - len);
      // Version 2 samples the empty context in text order (what a standalone index of the view holds).
      const occ = (v2 && len === 0 ? text.map((_, p) => p) : order).filter((p) => pat.every((t, j) => text[p + j] === t) && (o.stopAtSeparator || !isEnd(text[p + len])));
      if (occ.length === 0) continue;
      const s = Math.min(occ.length, o.maxSupport);
      sample = v2 ? Array.from(seededSample(occ.length, o.maxSupport, sampler), (k) => occ[k]) : Array.from({ length: s }, (_, k) => occ[Math.floor((k * occ.length) / s)]);
      break;
    }
    if (sample.length === 0) break;
    const next = (p: number) => (isEnd(text[p + len]) ? SEPARATOR : text[p + len]);
    const counts = new Map<number, number>();
    for (const p of sample) counts.set(next(p), (counts.get(next(p)) ?? 0) + 1);
    const cands = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, o.topK);
    let chosen = cands[0][0];
    if (o.temperature > 0 && cands.length > 1) {
      const w = cands.map(([, c]) => Math.pow(c / cands[0][1], 1 / o.temperature));
      const u = rng.nextDouble() * w.reduce((a, b) => a + b, 0);
      let acc = 0;
      for (let i = 0; i < cands.length; i++) {
        acc += w[i];
        chosen = cands[i][0];
        if (u < acc) break;
      }
    }
    if (chosen === SEPARATOR) break;
    if (v2) {
      const credited = new Set<number>();
      for (const p of sample) if (next(p) === chosen) credited.add(copyOwner[p + len] >= 0 ? copyOwner[p + len] : owner[p]);
      exact.add([...credited], 1n);
      ctx.push(chosen);
      out.push(chosen);
      steps.push({ token: chosen, suffixLength: len, support: sample.length });
      continue;
    }
    const perContribution = new Map<number, bigint>();
    for (const p of sample) if (next(p) === chosen) perContribution.set(owner[p], (perContribution.get(owner[p]) ?? 0n) + 1n);
    const total = BigInt(counts.get(chosen)!);
    let cum = 0n;
    let prev = 0n;
    for (const id of [...perContribution.keys()].sort((a, b) => a - b)) {
      cum += perContribution.get(id)!;
      const upTo = (TOKEN_CREDIT * cum) / total;
      raw.set(id, (raw.get(id) ?? 0n) + upTo - prev);
      prev = upTo;
    }
    ctx.push(chosen);
    out.push(chosen);
    steps.push({ token: chosen, suffixLength: len, support: sample.length });
  }
  return { tokens: out, steps, rawWeights: v2 ? exact.weights() : new Map([...raw.entries()].sort((a, b) => a[0] - b[0])) };
}

const corpusArb = docsArb(2);

const build = (docs: Doc[]) => buildCorpusIndexFromTokens(docs.map((d) => ({ ...d, tokens: Uint16Array.from(d.tokens) })));

const optsArb = fc.record({
  maxTokens: fc.integer({ min: 1, max: 12 }),
  temperature: fc.constantFrom(0, 0.5, 1, 2),
  topK: fc.integer({ min: 1, max: 4 }),
  seed: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
  maxSupport: fc.integer({ min: 1, max: 8 }),
  stopAtSeparator: fc.boolean(),
});

describe("generate", () => {
  it("version 2 matches a naive recomputation: seeded sample, copies credit the original, distinct contributions, exact fractions", () => {
    fc.assert(
      fc.property(corpusArb, fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 5 }), optsArb, fc.integer({ min: 1, max: 5 }), (docs, prompt, o, L) => {
        const index = build(docs);
        const opts = { ...o, rules: 2 as const, originalSpanTokens: L };
        const got = generate(index, Uint16Array.from(prompt), opts);
        const want = naiveGenerate(docs, prompt, opts);
        expect(Array.from(got.tokens)).toEqual(want.tokens);
        expect(got.steps).toEqual(want.steps);
        expect(got.rawWeights).toEqual(want.rawWeights);
        expect(got.text).toBe(decode(got.tokens));
      }),
      { numRuns: 300 },
    );
  });

  it("version 1 matches a naive recomputation: tokens, steps and attribution", () => {
    fc.assert(
      fc.property(corpusArb, fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 5 }), optsArb, (docs, prompt, o1) => {
        const index = build(docs);
        const o = { ...o1, rules: 1 as const };
        const got = generate(index, Uint16Array.from(prompt), o);
        const want = naiveGenerate(docs, prompt, o);
        expect(Array.from(got.tokens)).toEqual(want.tokens);
        expect(got.steps).toEqual(want.steps);
        expect(got.rawWeights).toEqual(want.rawWeights);
        let sum = 0n;
        for (const w of got.rawWeights.values()) sum += w;
        expect(sum).toBe(TOKEN_CREDIT * BigInt(got.tokens.length));
        expect(got.text).toBe(decode(got.tokens));
      }),
      { numRuns: 250 },
    );
  });

  const texts = [
    "The river runs to the sea, and the sea runs to the sky. The sky is wide and the river is long.",
    "The river is cold in winter. In summer the river is warm and the children swim in the river.",
    "The sea is wide. The sea is deep. The sea is blue in summer and grey in winter.",
    "Children swim in the sea in summer, and in winter they skate on the river.",
  ];
  const index = buildCorpusIndex(texts.map((text, i) => ({ id: 100 + i, datanetId: 1 + (i % 2), text })));
  const base = { maxTokens: 40, temperature: 1, topK: 20, seed: 7, maxSupport: 50 };

  it("is deterministic for a seed, and different seeds differ somewhere", () => {
    const a = generate(index, "The river", base);
    const b = generate(index, "The river", base);
    expect(a).toEqual(b);
    expect(a.tokens.length).toBe(40);
    const outputs = new Set<string>();
    for (let seed = 0; seed < 12; seed++) outputs.add(generate(index, "The river", { ...base, seed }).text);
    expect(outputs.size).toBeGreaterThan(1);
    expect(generate(index, "The river", { ...base, seed: 5n }).text).toBe(generate(index, "The river", { ...base, seed: 5 }).text);
  });

  it("generates real text whose credit goes to the contributions it came from", () => {
    const g = generate(index, "Children swim in the", { ...base, temperature: 0 });
    expect(g.text.startsWith(" sea in summer")).toBe(true);
    expect(g.steps[0].suffixLength).toBeGreaterThan(0);
    expect([...g.rawWeights.keys()].every((id) => id >= 100 && id <= 103)).toBe(true);
    expect(g.rawWeights.get(103)).toBeGreaterThan(0n);
    const v1 = generate(index, "Children swim in the", { ...base, temperature: 0, rules: 1 });
    expect(generate(index, "Children swim in the", { ...base, temperature: 0, rules: 2 }).rawWeights.get(103)).toBeGreaterThan(0n);
    let sum = 0n;
    for (const w of v1.rawWeights.values()) sum += w;
    expect(sum).toBe(TOKEN_CREDIT * BigInt(v1.tokens.length));
  });

  it("greedy decoding breaks ties by the lowest token id", () => {
    const idx = buildCorpusIndexFromTokens([{ id: 1, datanetId: 0, tokens: Uint16Array.of(1, 9, 1, 4, 1, 9, 1, 4) }]);
    const g = generate(idx, Uint16Array.of(1), { ...base, temperature: 0, maxTokens: 1 });
    expect(Array.from(g.tokens)).toEqual([4]);
  });

  it("stops at the end of a contribution when stopAtSeparator is set, and when nothing follows", () => {
    const idx = buildCorpusIndexFromTokens([{ id: 1, datanetId: 0, tokens: Uint16Array.of(5, 6, 7) }]);
    const stop = generate(idx, Uint16Array.of(5), { ...base, temperature: 0, stopAtSeparator: true });
    expect(Array.from(stop.tokens)).toEqual([6, 7]);
    // Without it, the end is not a continuation: it backs off and keeps going.
    const go = generate(idx, Uint16Array.of(5), { ...base, temperature: 0, maxTokens: 5 });
    expect(go.tokens.length).toBe(5);
  });

  it("rejects bad options and prompts with clear messages", () => {
    const bad = (o: Partial<GenerateOptions>, prompt: string | Uint16Array = "The") => () => generate(index, prompt, { ...base, ...o });
    expect(bad({ maxTokens: 0 })).toThrow(/maxTokens/);
    expect(bad({ maxTokens: 1025 })).toThrow(/maxTokens/);
    expect(bad({ maxTokens: 1.5 })).toThrow(AttributionError);
    expect(bad({ temperature: -0.1 })).toThrow(/temperature/);
    expect(bad({ temperature: 5.1 })).toThrow(/temperature/);
    expect(bad({ temperature: NaN })).toThrow(/temperature/);
    expect(bad({ topK: 0 })).toThrow(/topK/);
    expect(bad({ topK: 1001 })).toThrow(/topK/);
    expect(bad({ maxSupport: 0 })).toThrow(/maxSupport/);
    expect(bad({ maxSupport: 1_000_001 })).toThrow(/maxSupport/);
    expect(bad({ seed: 1.5 })).toThrow(/seed/);
    // Seeds outside 0..2^64−1 are refused, not wrapped (−1 used to become 2^64−1).
    expect(bad({ seed: -1 })).toThrow(/seed must be an integer in 0\.\.18446744073709551615/);
    expect(bad({ seed: -1n })).toThrow(/seed/);
    expect(bad({ seed: MAX_SEED + 1n })).toThrow(/seed/);
    expect(generate(index, "The", { ...base, seed: MAX_SEED }).tokens.length).toBe(40);
    expect(bad({ rules: 3 as 2 })).toThrow(/rules/);
    expect(bad({}, "word ".repeat(5000))).toThrow(/prompt is \d+ tokens long; the limit is 4096/);
    expect(bad({}, Uint16Array.of(1, SEPARATOR))).toThrow(/separator/);
    expect(bad({}, 42 as unknown as string)).toThrow(/prompt must be text/);
  });
});

/** A contribution of `n` occurrences of [A, B], each followed by a filler token only it uses (no shared long runs). */
function repeats(id: number, n: number, filler: number): { id: number; datanetId: number; tokens: Uint16Array } {
  const t: number[] = [];
  for (let k = 0; k < n; k++) t.push(1000, 1001, filler + k);
  return { id, datanetId: 1, tokens: Uint16Array.from(t) };
}

const record = (raw: Map<number, bigint>) => buildRecord({ method: "infinigram", modelId: 1, artifactHash: `0x${"ab".repeat(32)}`, requestId: 1n, raw, version: 2 });

describe("version 2 credit rules (the copier's attacks)", () => {
  const A = Uint16Array.of(1000);
  const greedy1 = { maxTokens: 1, temperature: 0, topK: 1, seed: 1, maxSupport: 1000, rules: 2 as 1 | 2 };

  it("k copies of an original earn nothing, and repeating a phrase counts once", () => {
    // The author's text is 40 tokens; a copier registers it 1, 5 and 20 times over, in one file or many.
    const author = Array.from({ length: 40 }, (_, i) => 2000 + i);
    for (const k of [1, 5, 20]) {
      const copies = Array.from({ length: k }, (_, j) => ({ id: 10 + j, datanetId: 1, tokens: Uint16Array.from(author) }));
      const oneFile = { id: 50, datanetId: 1, tokens: Uint16Array.from(Array.from({ length: k }, () => author).flat()) };
      for (const corpus of [[{ id: 1, datanetId: 1, tokens: Uint16Array.from(author) }, ...copies], [{ id: 1, datanetId: 1, tokens: Uint16Array.from(author) }, oneFile]]) {
        const index = buildCorpusIndexFromTokens(corpus);
        const g = generate(index, Uint16Array.of(2000), { ...greedy1, maxTokens: 30 });
        expect(g.tokens.length).toBe(30);
        expect(record(g.rawWeights).entries).toEqual([{ contributionId: 1, weightPpm: 1_000_000 }]);
      }
    }
    // Below L, a contribution repeating a phrase 20 times shares equally with one that has it once (was 20:1).
    const index = buildCorpusIndexFromTokens([repeats(1, 1, 3000), repeats(2, 20, 4000)]);
    const g = generate(index, A, greedy1);
    expect(record(g.rawWeights).entries).toEqual([{ contributionId: 1, weightPpm: 500_000 }, { contributionId: 2, weightPpm: 500_000 }]);
    // Version 1 (kept for old records) paid by occurrences.
    const v1 = generate(index, A, { ...greedy1, rules: 1 });
    expect(record(v1.rawWeights).entries).toEqual([{ contributionId: 1, weightPpm: 47_619 }, { contributionId: 2, weightPpm: 952_381 }]);
  });

  it("the copy's id does not matter: a copy registered first is the original", () => {
    const text = Uint16Array.from(Array.from({ length: 40 }, (_, i) => 2000 + i));
    for (const [first, second] of [[3, 8], [8, 30]]) {
      const index = buildCorpusIndexFromTokens([{ id: second, datanetId: 1, tokens: text }, { id: first, datanetId: 1, tokens: text }]);
      const g = generate(index, Uint16Array.of(2000), { ...greedy1, maxTokens: 20 });
      expect([...g.rawWeights.keys()]).toEqual([first]);
    }
  });

  it("exact ties go to the lower contribution id: three contributions supplying a token equally", () => {
    const index = buildCorpusIndexFromTokens([repeats(1, 1, 3000), repeats(2, 1, 4000), repeats(3, 1, 5000)]);
    const g = generate(index, A, { ...greedy1, maxTokens: 1 });
    expect(record(g.rawWeights).entries).toEqual([
      { contributionId: 1, weightPpm: 333_334 },
      { contributionId: 2, weightPpm: 333_333 },
      { contributionId: 3, weightPpm: 333_333 },
    ]);
    // Over several tokens too: fractions add up exactly before rounding.
    const seven = buildCorpusIndexFromTokens([1, 2, 3].map((id) => ({ id, datanetId: 1, tokens: Uint16Array.of(1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007 + id) })));
    const g7 = generate(seven, A, { ...greedy1, maxTokens: 6 });
    expect(record(g7.rawWeights).entries.map((e) => e.weightPpm)).toEqual([333_334, 333_333, 333_333]);
  });

  it("the maxSupport sample favours no contribution: across seeds each is chosen in proportion to its occurrences (χ²)", () => {
    // Two identical-count contributions (the aliasing case: 600 occurrences, maxSupport 300 paid id 1 every time
    // under version 1's evenly spaced sample) and a third with half as many; maxSupport 1 makes each request
    // credit the one occurrence its seed drew.
    const index = buildCorpusIndexFromTokens([repeats(1, 300, 3000), repeats(2, 300, 4000), repeats(3, 150, 5000)]);
    const expected = [0.4, 0.4, 0.2];
    const seen = [0, 0, 0];
    const runs = 3000;
    for (let seed = 0; seed < runs; seed++) {
      const g = generate(index, A, { ...greedy1, seed, maxSupport: 1 });
      const ids = [...g.rawWeights.keys()];
      expect(ids.length).toBe(1);
      seen[ids[0] - 1]++;
    }
    const chi2 = seen.reduce((s, o, i) => s + (o - runs * expected[i]) ** 2 / (runs * expected[i]), 0);
    // 2 degrees of freedom: P(χ² > 13.82) = 0.001. Fixed seeds, so the figure is the same on every run.
    expect(chi2).toBeLessThan(13.82);
    // Version 1's evenly spaced sample always took the first occurrence of the range.
    const v1 = new Set<number>();
    for (let seed = 0; seed < 50; seed++) for (const id of generate(index, A, { ...greedy1, seed, maxSupport: 1, rules: 1 }).rawWeights.keys()) v1.add(id);
    expect(v1.size).toBe(1);
  });

  it("the sample is a function of the request: same seed, same credit; another seed may differ", () => {
    const index = buildCorpusIndexFromTokens([repeats(1, 300, 3000), repeats(2, 300, 4000)]);
    const o = { ...greedy1, maxSupport: 10, seed: 99 };
    expect(generate(index, A, o)).toEqual(generate(index, A, o));
  });
});
