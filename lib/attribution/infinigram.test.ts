import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildCorpusIndex, buildCorpusIndexFromTokens } from "./corpus";
import { AttributionError } from "./errors";
import { generate, Prng, seedToBigInt, TOKEN_CREDIT, type GenerateOptions } from "./infinigram";
import { decode, SEPARATOR, VOCAB_SIZE } from "./tokenizer";
import { docsArb, naiveLayout, type Doc } from "./testing/naive";

/** Naive ∞-gram generation: suffix order by sorting, occurrences by scanning, credit split with bigints. */
function naiveGenerate(docs: Doc[], prompt: number[], o: Omit<GenerateOptions, "view">) {
  const { text, owner, order } = naiveLayout(docs);
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
      const occ = order.filter((p) => pat.every((t, j) => text[p + j] === t) && (o.stopAtSeparator || !isEnd(text[p + len])));
      if (occ.length === 0) continue;
      const s = Math.min(occ.length, o.maxSupport);
      sample = Array.from({ length: s }, (_, k) => occ[Math.floor((k * occ.length) / s)]);
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
  return { tokens: out, steps, rawWeights: new Map([...raw.entries()].sort((a, b) => a[0] - b[0])) };
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
  it("matches a naive recomputation: tokens, steps and attribution", () => {
    fc.assert(
      fc.property(corpusArb, fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 5 }), optsArb, (docs, prompt, o) => {
        const index = build(docs);
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
    let sum = 0n;
    for (const w of g.rawWeights.values()) sum += w;
    expect(sum).toBe(TOKEN_CREDIT * BigInt(g.tokens.length));
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
    expect(bad({}, "word ".repeat(5000))).toThrow(/prompt is \d+ tokens long; the limit is 4096/);
    expect(bad({}, Uint16Array.of(1, SEPARATOR))).toThrow(/separator/);
    expect(bad({}, 42 as unknown as string)).toThrow(/prompt must be text/);
  });
});
