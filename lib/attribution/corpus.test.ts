import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildCorpusIndex,
  buildCorpusIndexFromTokens,
  contributionIndexAt,
  count,
  find,
  longestSuffix,
  nextTokenDistribution,
  type CorpusIndex,
} from "./corpus";
import { AttributionError } from "./errors";
import { encode, SEPARATOR, VOCAB_SIZE } from "./tokenizer";
import { naiveLayout, type Doc } from "./testing/naive";

// ---- Brute-force reference: scans the token array, sorts suffixes by direct comparison. ----

function reference(docs: Doc[]) {
  const { text, owner, order } = naiveLayout(docs);
  const sorted = [...docs].sort((a, b) => a.id - b.id);
  const matches = (p: number, pat: ArrayLike<number>) => {
    for (let j = 0; j < pat.length; j++) if (text[p + j] !== pat[j]) return false;
    return true;
  };
  /** Occurrence positions in SA order. */
  const occurrences = (pat: ArrayLike<number>) => order.filter((p) => matches(p, pat));
  const stride = (occ: number[], s: number) => (occ.length <= s ? occ : Array.from({ length: s }, (_, k) => occ[Math.floor((k * occ.length) / s)]));
  const ntd = (ctx: number[], maxSupport: number) => {
    for (let len = ctx.length; len >= 0; len--) {
      const pat = ctx.slice(ctx.length - len);
      const occ = occurrences(pat).filter((p) => text[p + len] < VOCAB_SIZE);
      if (occ.length === 0) continue;
      const sample = stride(occ, maxSupport);
      const byToken = new Map<number, Map<number, number>>();
      for (const p of sample) {
        const t = text[p + len];
        const m = byToken.get(t) ?? new Map<number, number>();
        m.set(owner[p], (m.get(owner[p]) ?? 0) + 1);
        byToken.set(t, m);
      }
      const entries = [...byToken.keys()]
        .sort((a, b) => a - b)
        .map((token) => {
          const m = byToken.get(token)!;
          const byContribution = new Map([...m.entries()].sort((a, b) => a[0] - b[0]));
          return { token, count: [...m.values()].reduce((a, b) => a + b, 0), byContribution };
        });
      return { suffixLength: len, total: sample.length, occurrences: occ.length, entries };
    }
    return { suffixLength: 0, total: 0, occurrences: 0, entries: [] };
  };
  return { text, order, owner, occurrences, ntd, sorted };
}

const docArb = (vocab: number[]) =>
  fc.record({ datanetId: fc.integer({ min: 0, max: 3 }), tokens: fc.array(fc.constantFrom(...vocab), { maxLength: 30 }) });

/** 1–6 contributions with distinct ids and at least one token overall. */
const corpusArb = (vocab: number[]) =>
  fc
    .uniqueArray(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 6 })
    .chain((ids) => fc.tuple(fc.constant(ids), fc.array(docArb(vocab), { minLength: ids.length, maxLength: ids.length })))
    .map(([ids, ds]) => ds.map((d, i) => ({ id: ids[i], ...d })))
    .filter((docs) => docs.some((d) => d.tokens.length > 0));

const build = (docs: Doc[]) => buildCorpusIndexFromTokens(docs.map((d) => ({ ...d, tokens: Uint16Array.from(d.tokens) })));

const VOCABS = [
  [0, 1],
  [5, 6, 7],
  [0, 1, 2, 50256],
];

describe("buildCorpusIndex", () => {
  it("lays out contributions by ascending id with a separator after each", () => {
    const index = build([
      { id: 9, datanetId: 2, tokens: [3, 4] },
      { id: 2, datanetId: 1, tokens: [5] },
      { id: 5, datanetId: 1, tokens: [] },
    ]);
    expect(Array.from(index.tokens)).toEqual([5, SEPARATOR, SEPARATOR, 3, 4, SEPARATOR]);
    expect(Array.from(index.contributionIds)).toEqual([2, 5, 9]);
    expect(Array.from(index.datanetIds)).toEqual([1, 1, 2]);
    expect(Array.from(index.starts)).toEqual([0, 2, 3]);
    expect(index.unigram[5]).toBe(1);
    expect(index.unigram[3]).toBe(1);
    expect(index.params).toEqual({ tokenizer: "r50k_base", separator: SEPARATOR });
    // Separator suffixes sort last, by contribution.
    expect(Array.from(index.sa.subarray(3))).toEqual([1, 2, 5]);
  });

  it("tokenizes real text and reports progress", () => {
    const phases: string[] = [];
    const index = buildCorpusIndex(
      [
        { id: 1, datanetId: 7, text: "The cat sat on the mat." },
        { id: 2, datanetId: 7, text: "The dog sat on the log." },
      ],
      { onProgress: (phase, done, total) => phases.push(`${phase} ${done}/${total}`) },
    );
    expect(phases).toEqual(["tokenizing 1/2", "tokenizing 2/2", "indexing 0/1", "indexing 1/1"]);
    expect(count(index, encode(" sat on the"))).toBe(2);
    expect(count(index, encode("The"))).toBe(2);
    expect(count(index, encode(" mat"))).toBe(1);
    expect(count(index, encode(" zebra"))).toBe(0);
    const mat = encode(" mat")[0];
    const log = encode(" log")[0];
    const d = nextTokenDistribution(index, encode("The cat sat on the"), { maxSupport: 10 });
    expect(d.suffixLength).toBe(encode("The cat sat on the").length);
    expect(d.entries).toEqual([{ token: mat, count: 1, byContribution: new Map([[1, 1]]) }]);
    // Backs off to " sat on the", which both contributions continue.
    const back = nextTokenDistribution(index, encode("A bird sat on the"), { maxSupport: 10 });
    expect(back.suffixLength).toBe(encode(" sat on the").length);
    expect(back.total).toBe(2);
    const byToken = new Map(back.entries.map((e) => [e.token, [...e.byContribution.keys()]]));
    expect(byToken).toEqual(
      new Map([
        [mat, [1]],
        [log, [2]],
      ]),
    );
  });

  it("rejects bad input with clear messages", () => {
    expect(() => buildCorpusIndex([])).toThrow(/corpus is empty/);
    expect(() => buildCorpusIndex([{ id: 1, datanetId: 1, text: "" }])).toThrow(/contain no tokens/);
    const raw = (tokens: number[]) => buildCorpusIndexFromTokens([{ id: 1, datanetId: 1, tokens }]);
    expect(() => raw([VOCAB_SIZE])).toThrow(/separator/);
    expect(() => raw([70000])).toThrow(AttributionError);
    expect(() => raw([1.5])).toThrow(/vocabulary/);
    expect(() =>
      build([
        { id: 1, datanetId: 1, tokens: [1] },
        { id: 1, datanetId: 1, tokens: [2] },
      ]),
    ).toThrow(/appears twice/);
    expect(() => build([{ id: -1, datanetId: 1, tokens: [1] }])).toThrow(/contribution id/);
    expect(() => build([{ id: 1, datanetId: 2 ** 32, tokens: [1] }])).toThrow(/Datanet id/);
  });
});

describe("queries match a brute-force scan", () => {
  it("find/count give the occurrences, in suffix order", () => {
    for (const vocab of VOCABS) {
      fc.assert(
        fc.property(corpusArb(vocab), fc.array(fc.constantFrom(...vocab), { minLength: 1, maxLength: 4 }), (docs, pat) => {
          const index = build(docs);
          const ref = reference(docs);
          expect(Array.from(index.sa)).toEqual(ref.order);
          const { lo, hi } = find(index, pat);
          const occ = ref.occurrences(pat);
          expect(hi - lo).toBe(occ.length);
          expect(Array.from(index.sa.subarray(lo, hi))).toEqual(occ);
          expect(count(index, pat)).toBe(occ.length);
        }),
        { numRuns: 150 },
      );
    }
  });

  it("nextTokenDistribution backs off to the longest suffix with a real continuation and samples by stride", () => {
    for (const vocab of VOCABS) {
      fc.assert(
        fc.property(
          corpusArb(vocab),
          fc.array(fc.constantFrom(...vocab, 9), { maxLength: 8 }),
          fc.integer({ min: 1, max: 12 }),
          (docs, ctx, maxSupport) => {
            const index = build(docs);
            expect(nextTokenDistribution(index, ctx, { maxSupport })).toEqual(reference(docs).ntd(ctx, maxSupport));
          },
        ),
        { numRuns: 150 },
      );
    }
  });

  it("longestSuffix is the longest suffix that occurs at all", () => {
    fc.assert(
      fc.property(corpusArb([0, 1, 2]), fc.array(fc.constantFrom(0, 1, 2, 3), { maxLength: 8 }), (docs, ctx) => {
        const index = build(docs);
        const ref = reference(docs);
        let len = ctx.length;
        while (len > 0 && ref.occurrences(ctx.slice(ctx.length - len)).length === 0) len--;
        const got = longestSuffix(index, ctx);
        expect(got.length).toBe(len);
        if (len > 0) expect(got.hi - got.lo).toBe(ref.occurrences(ctx.slice(ctx.length - len)).length);
      }),
      { numRuns: 150 },
    );
  });

  it("contributionIndexAt maps every position to its contribution (separators included)", () => {
    fc.assert(
      fc.property(corpusArb([0, 1]), (docs) => {
        const index = build(docs);
        const ref = reference(docs);
        for (let p = 0; p < index.tokens.length; p++) {
          expect(index.contributionIds[contributionIndexAt(index, p)]).toBe(ref.owner[p]);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("the whole-corpus unigram is the empty-context distribution", () => {
    const index = build([
      { id: 1, datanetId: 0, tokens: [4, 4, 5] },
      { id: 2, datanetId: 0, tokens: [6, 4] },
    ]);
    const d = nextTokenDistribution(index, [9], { maxSupport: 100 });
    expect(d.suffixLength).toBe(0);
    expect(d.entries.map((e) => [e.token, e.count])).toEqual([
      [4, 3],
      [5, 1],
      [6, 1],
    ]);
    expect(d.entries[0].byContribution).toEqual(
      new Map([
        [1, 2],
        [2, 1],
      ]),
    );
  });
});

describe("query input checks", () => {
  const index: CorpusIndex = build([{ id: 1, datanetId: 0, tokens: [1, 2, 3] }]);
  it("rejects separators, unknown ids, empty patterns, bad positions and options", () => {
    expect(() => count(index, [1, SEPARATOR])).toThrow(/separator/);
    expect(() => count(index, [1, 60000])).toThrow(/vocabulary/);
    expect(() => find(index, [-1])).toThrow(AttributionError);
    expect(() => find(index, [])).toThrow(/empty/);
    expect(() => nextTokenDistribution(index, [SEPARATOR], { maxSupport: 1 })).toThrow(/separator/);
    expect(() => nextTokenDistribution(index, [1], { maxSupport: 0 })).toThrow(/maxSupport/);
    expect(() => nextTokenDistribution(index, [1], { maxSupport: 2_000_000 })).toThrow(/maxSupport/);
    expect(() => contributionIndexAt(index, 4)).toThrow(/outside the corpus/);
    expect(() => contributionIndexAt(index, -1)).toThrow(AttributionError);
    expect(() => longestSuffix(index, [SEPARATOR])).toThrow(/separator/);
  });
});
