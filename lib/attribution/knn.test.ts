import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AttributionError } from "./errors";
import { evaluateKnn } from "./evaluate-knn";
import {
  buildKnnModel,
  classify,
  fnv1a32,
  knnShapley,
  labelledRecordsOf,
  predictLabel,
  rankBySimilarity,
  SHAPLEY_SCALE,
  type LabelledRecord,
} from "./knn";
import { deserializeKnnModel, serializeKnnModel } from "./knn-artifact";
import { buildRecord, toPpm } from "./record";

// ---------------------------------------------------------------------------------------------
// Exact Shapley by brute force, straight from the definition

/** U(S) = (1/K) Σ over the min(K, |S|) nearest members of S of 1[y_i = y]; positions are distance ranks. */
function utility(members: number[], matches: boolean[], k: number): number {
  const nearest = [...members].sort((a, b) => a - b).slice(0, k);
  return nearest.reduce((s, i) => s + (matches[i] ? 1 : 0), 0) / k;
}

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, at) => [...p.slice(0, at), n - 1, ...p.slice(at)]));
}

function bruteShapley(matches: boolean[], k: number): number[] {
  const n = matches.length;
  const perms = permutations(n);
  const s = new Array<number>(n).fill(0);
  for (const perm of perms) {
    const members: number[] = [];
    let before = 0;
    for (const i of perm) {
      members.push(i);
      const after = utility(members, matches, k);
      s[i] += after - before;
      before = after;
    }
  }
  return s.map((v) => v / perms.length);
}

describe("knnShapley", () => {
  it("equals the exact Shapley value enumerated over all permutations (N ≤ 7)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ distance: fc.integer({ min: 0, max: 4 }), label: fc.integer({ min: 0, max: 2 }) }), { minLength: 1, maxLength: 7 }),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 1, max: 9 }),
        (points, target, kRaw) => {
          // Sort by distance, ties by index: the order classify uses.
          const order = points.map((_, i) => i).sort((a, b) => points[a].distance - points[b].distance || a - b);
          const matches = order.map((i) => points[i].label === target);
          // K from 1 to N, and sometimes beyond N.
          const k = kRaw <= points.length + 2 ? kRaw : 1 + (kRaw % points.length);
          const fast = knnShapley(matches, k);
          const exact = bruteShapley(matches, k);
          exact.forEach((v, i) => expect(Math.abs(fast[i] - v)).toBeLessThan(1e-9));
        },
      ),
      { numRuns: 150 },
    );
  });

  it("is efficient: the values sum to the utility of the full set", () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 500 }), fc.integer({ min: 1, max: 50 }), (matches, k) => {
        const s = knnShapley(matches, k);
        const total = s.reduce((a, b) => a + b, 0);
        expect(total).toBeCloseTo(utility(matches.map((_, i) => i), matches, k), 9);
      }),
    );
  });

  it("handles the empty set and rejects a bad k", () => {
    expect(knnShapley([], 3)).toEqual(new Float64Array(0));
    expect(Array.from(knnShapley([true], 1))).toEqual([1]);
    expect(() => knnShapley([true], 0)).toThrow(AttributionError);
    expect(() => knnShapley([true], 1.5)).toThrow(AttributionError);
  });
});

// ---------------------------------------------------------------------------------------------
// Ranking and hashing

describe("rankBySimilarity", () => {
  const reference = (sims: Float64Array) =>
    Array.from(sims, (_, i) => i).sort((a, b) => (sims[b] - sims[a]) || a - b);

  it("orders by similarity descending, ties by record index (property)", () => {
    const sim = fc.oneof(
      fc.constant(0),
      fc.constantFrom(0.5, 0.25, 1, 1 + 2 ** -52, 5e-324),
      fc.double({ min: 0, max: 2, noNaN: true }),
      fc.integer({ min: 0, max: 7 }).map((i) => i / 7),
    );
    fc.assert(
      fc.property(fc.array(sim, { maxLength: 400 }), (values) => {
        const sims = Float64Array.from(values);
        expect(Array.from(rankBySimilarity(sims))).toEqual(reference(sims));
      }),
      { numRuns: 300 },
    );
  });

  it("agrees with a comparator sort on 100k random similarities", () => {
    let seed = 7;
    const rnd = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const sims = Float64Array.from({ length: 100_000 }, () => (rnd() < 0.3 ? 0 : rnd() < 0.1 ? 0.5 : rnd()));
    expect(Array.from(rankBySimilarity(sims))).toEqual(reference(sims));
  });
});

describe("fnv1a32", () => {
  const reference = (s: string) => {
    let h = 0x811c9dc5;
    for (const b of new TextEncoder().encode(s)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    return h >>> 0;
  };

  it("matches the published test vectors and a UTF-8 reference", () => {
    expect(fnv1a32("")).toBe(0x811c9dc5);
    expect(fnv1a32("a")).toBe(0xe40c292c);
    expect(fnv1a32("foobar")).toBe(0xbf9cf968);
    fc.assert(fc.property(fc.string({ unit: "binary" }), (s) => fnv1a32(s) === reference(s)));
    for (const s of ["é", "日本語", "😀x", "\ud800", "a\udc00b", "\ud83d"]) expect(fnv1a32(s)).toBe(reference(s));
  });
});

// ---------------------------------------------------------------------------------------------
// The classifier

const ANIMALS = [
  "the cat sat on the mat",
  "a dog chased the cat around the garden",
  "cats and dogs are friendly pets",
  "the dog barked at the mailman",
];
const FINANCE = [
  "stocks fell as the market closed lower",
  "the bank raised interest rates again",
  "bond yields rose and stock prices fell",
  "investors sold shares in a nervous market",
];

function twoClusters(): LabelledRecord[] {
  return [
    ...labelledRecordsOf(4, FINANCE.slice(2).map((text) => JSON.stringify({ text, label: "finance" }))),
    ...labelledRecordsOf(1, ANIMALS.slice(0, 2).map((text) => JSON.stringify({ text, label: "animals" }))),
    ...labelledRecordsOf(3, FINANCE.slice(0, 2).map((text) => JSON.stringify({ text, label: "finance" }))),
    ...labelledRecordsOf(2, ANIMALS.slice(2).map((text) => JSON.stringify({ text, label: "animals" }))),
  ];
}

describe("classify", () => {
  const model = buildKnnModel(twoClusters(), { k: 3, dims: 1 << 12 });

  it("orders records by contribution id, then input order, with a sorted label table", () => {
    expect(Array.from(model.recordContribution)).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
    expect(model.labels).toEqual(["animals", "finance"]);
    expect(Array.from(model.recordLabel)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(Array.from(model.contributionIds)).toEqual([1, 2, 3, 4]);
  });

  it("predicts the right cluster, with votes and neighbours", () => {
    const pets = classify(model, "my cat and my dog are pets");
    expect(pets.label).toBe("animals");
    expect(pets.votes[0]).toEqual({ label: "animals", count: 3 });
    expect(pets.neighbours).toHaveLength(3);
    expect(pets.neighbours.every((n) => n.label === "animals" && n.contributionId <= 2)).toBe(true);
    for (let i = 1; i < 3; i++) expect(pets.neighbours[i].similarity).toBeLessThanOrEqual(pets.neighbours[i - 1].similarity);

    const money = classify(model, "Interest rates and the STOCK market");
    expect(money.label).toBe("finance");
    expect(money.neighbours[0].label).toBe("finance");
    expect(money.votes.reduce((s, v) => s + v.count, 0)).toBe(3);
  });

  it("attributes by kNN-Shapley: efficient, and raw weights are the rounded positive parts", () => {
    const res = classify(model, "the cat chased a dog");
    const total = res.shapley.reduce((a, b) => a + b, 0);
    const topMatches = res.neighbours.filter((n) => n.label === res.label).length;
    expect(total).toBeCloseTo(topMatches / 3, 12);
    const expected = new Map<number, bigint>();
    res.shapley.forEach((s, r) => {
      if (s <= 0) return;
      const id = model.recordContribution[r];
      expected.set(id, (expected.get(id) ?? 0n) + BigInt(Math.round(s * SHAPLEY_SCALE)));
    });
    expect(res.rawWeights).toEqual(expected);
    // The nearest animals records earn the most.
    const best = res.neighbours[0];
    expect(res.shapley[best.record]).toBe(Math.max(...res.shapley));
    const rec = buildRecord({
      method: "knn-shapley",
      modelId: 1,
      artifactHash: `0x${"00".repeat(32)}`,
      requestId: 1n,
      raw: res.rawWeights,
      fallback: [],
    });
    expect(rec.entries.reduce((s, e) => s + e.weightPpm, 0)).toBe(1_000_000);
    expect(rec.entries.map((e) => e.contributionId).every((id) => id === 1 || id === 2)).toBe(true);
  });

  it("attributes to a given label instead of the prediction", () => {
    const res = classify(model, "the cat chased a dog", { label: "finance" });
    expect(res.label).toBe("animals");
    const byContribution = [...res.rawWeights.keys()];
    expect(byContribution.every((id) => id === 3 || id === 4)).toBe(true);
    // A label nobody supplied earns nobody anything, so the record falls back.
    expect(classify(model, "the cat", { label: "weather" }).rawWeights.size).toBe(0);
  });

  it("breaks vote ties by the label whose best neighbour ranks first", () => {
    const tie = buildKnnModel(
      [
        { contributionId: 2, text: "apple banana", label: "alpha" },
        { contributionId: 1, text: "apple cherry", label: "zeta" },
      ],
      { k: 2, dims: 64 },
    );
    const a = classify(tie, "apple");
    expect(a.neighbours[0].similarity).toBe(a.neighbours[1].similarity);
    expect(a.neighbours.map((n) => n.record)).toEqual([0, 1]);
    expect(a.label).toBe("zeta");
    expect(a.votes).toEqual([{ label: "zeta", count: 1 }, { label: "alpha", count: 1 }]);
    expect(classify(tie, "apple banana").label).toBe("alpha");
    expect(predictLabel(tie, "apple")).toBe("zeta");
  });

  it("is deterministic: same inputs, same model and answer, whatever the record order across contributions", () => {
    const same = buildKnnModel(twoClusters(), { k: 3, dims: 1 << 12 });
    expect(same).toEqual(model);
    expect(Buffer.from(serializeKnnModel(same)).equals(Buffer.from(serializeKnnModel(model)))).toBe(true);
    // Contributions in another order (each one's records in their own order): the same model.
    const regrouped = [...twoClusters()].sort((a, b) => b.contributionId - a.contributionId);
    expect(buildKnnModel(regrouped, { k: 3, dims: 1 << 12 })).toEqual(model);
    const q = "stock market pets";
    const a = classify(model, q);
    const b = classify(same, q);
    expect(b).toEqual(a);
  });

  it("predictLabel agrees with classify on random queries", () => {
    const words = [...ANIMALS, ...FINANCE].join(" ").split(" ");
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 9 }), (ws, k) => {
        const text = ws.join(" ");
        expect(predictLabel(model, text, k)).toBe(classify(model, text, { k }).label);
      }),
    );
  });

  it("rejects bad input with a readable message", () => {
    expect(() => classify(model, "")).toThrow(/empty/);
    expect(() => classify(model, "?! …")).toThrow(/no words/);
    expect(() => classify(model, "cat", { k: 0 })).toThrow(/k must be/);
    expect(() => buildKnnModel([], { k: 3, dims: 64 })).toThrow(/at least one/);
    expect(() => buildKnnModel(twoClusters(), { k: 0, dims: 64 })).toThrow(/k must be/);
    expect(() => buildKnnModel(twoClusters(), { k: 3, dims: 100 })).toThrow(/power of two/);
    expect(() => buildKnnModel([{ contributionId: -1, text: "a", label: "b" }], { k: 1, dims: 64 })).toThrow(/contribution id/);
    expect(() => buildKnnModel([{ contributionId: 1, text: "a", label: "" }], { k: 1, dims: 64 })).toThrow(/no label/);
  });
});

describe("labelledRecordsOf", () => {
  it("reads text/label objects", () => {
    expect(labelledRecordsOf(5, ['{"text":"hello","label":"greeting","extra":1}'])).toEqual([
      { contributionId: 5, text: "hello", label: "greeting" },
    ]);
  });

  it("names the record that is wrong", () => {
    const bad: [string, RegExp][] = [
      ['{"text":"hello"}', /record 2 has no "label"/],
      ['{"label":"x"}', /record 2 has no "text"/],
      ['{"text":"hello","label":7}', /no "label" string/],
      ["hello there", /record 2 is not JSON/],
      ["", /record 2 is empty/],
      ["   ", /record 2 is empty/],
      ["[1,2]", /not a JSON object/],
      ["null", /not a JSON object/],
      ['{"text":"  ","label":"x"}', /empty "text"/],
      ['{"text":"a","label":""}', /empty "label"/],
    ];
    for (const [line, message] of bad) {
      expect(() => labelledRecordsOf(9, ['{"text":"ok","label":"y"}', line])).toThrow(AttributionError);
      expect(() => labelledRecordsOf(9, ['{"text":"ok","label":"y"}', line])).toThrow(message);
    }
    expect(() => labelledRecordsOf(-1, [])).toThrow(/contribution id/);
  });
});

// ---------------------------------------------------------------------------------------------
// Artifact

describe("kNN artifact", () => {
  const model = buildKnnModel(
    [...twoClusters(), { contributionId: 2 ** 32 - 1, text: "ünïcödé läbel 日本語", label: "ラベル" }],
    { k: 3, dims: 1 << 10 },
  );
  const bytes = serializeKnnModel(model);

  it("round-trips exactly and re-serialises to the same bytes", () => {
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe("LLKN");
    const back = deserializeKnnModel(bytes);
    expect(back).toEqual(model);
    expect(Buffer.from(serializeKnnModel(back)).equals(Buffer.from(bytes))).toBe(true);
    expect(classify(back, "my cat")).toEqual(classify(model, "my cat"));
    // An unaligned copy decodes too.
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    expect(deserializeKnnModel(shifted)).toEqual(model);
  });

  it("refuses corrupt artifacts", () => {
    const mutate = (f: (b: Uint8Array, dv: DataView) => void) => {
      const copy = bytes.slice();
      f(copy, new DataView(copy.buffer));
      return copy;
    };
    const corrupt = [
      new Uint8Array(0),
      mutate((b) => (b[0] = 0x58)),
      mutate((_, dv) => dv.setUint32(4, 2, true)), // version
      mutate((_, dv) => dv.setUint32(8, 0, true)), // k
      mutate((_, dv) => dv.setUint32(12, 1000, true)), // dims
      mutate((_, dv) => dv.setUint32(16, 8, true)), // records
      bytes.subarray(0, bytes.length - 1),
      (() => {
        const longer = new Uint8Array(bytes.length + 1);
        longer.set(bytes);
        return longer;
      })(),
      mutate((_, dv) => dv.setFloat64(bytes.length - 8, Number.NaN, true)), // last idf
    ];
    for (const c of corrupt) expect(() => deserializeKnnModel(c)).toThrow(AttributionError);
    expect(() => deserializeKnnModel(bytes.subarray(0, bytes.length - 1))).toThrow(/corrupt/);
  });

  it("survives random byte flips without crashing: either a valid model or AttributionError", () => {
    fc.assert(
      fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const copy = bytes.slice();
        copy[at] ^= x;
        try {
          deserializeKnnModel(copy);
        } catch (e) {
          expect(e).toBeInstanceOf(AttributionError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Evaluation

describe("evaluateKnn", () => {
  it("computes accuracy, per-class precision/recall/F1 and macro-F1 on a hand example", () => {
    const model = buildKnnModel(
      [
        { contributionId: 1, text: "red apple fruit", label: "fruit" },
        { contributionId: 1, text: "yellow banana fruit", label: "fruit" },
        { contributionId: 2, text: "red car engine", label: "vehicle" },
        { contributionId: 2, text: "fast truck engine", label: "vehicle" },
      ],
      { k: 1, dims: 256 },
    );
    const result = evaluateKnn(model, [
      { contributionId: 9, text: "banana fruit", label: "fruit" }, // → fruit ✓
      { contributionId: 9, text: "truck engine", label: "vehicle" }, // → vehicle ✓
      { contributionId: 9, text: "red apple", label: "vehicle" }, // → fruit ✗
      { contributionId: 9, text: "car", label: "boat" }, // → vehicle ✗ (a label the model never saw)
    ]);
    expect(result.records).toBe(4);
    expect(result.accuracy).toBe(0.5);
    expect(result.perClass).toEqual([
      { label: "boat", precision: 0, recall: 0, f1: 0, support: 1 },
      { label: "fruit", precision: 0.5, recall: 1, f1: 2 / 3, support: 1 },
      { label: "vehicle", precision: 0.5, recall: 0.5, f1: 0.5, support: 2 },
    ]);
    expect(result.macroF1).toBeCloseTo((0 + 2 / 3 + 0.5) / 3, 12);
    expect(() => evaluateKnn(model, [])).toThrow(AttributionError);
  });
});

describe("toPpm on kNN raw weights", () => {
  it("turns a classification into ppm entries", () => {
    const model = buildKnnModel(twoClusters(), { k: 3, dims: 1 << 12 });
    const entries = toPpm(classify(model, "dogs").rawWeights);
    expect(entries.reduce((s, e) => s + e.weightPpm, 0)).toBe(1_000_000);
  });
});

describe("a text that shares no word with any record", () => {
  it("still gets a deterministic label but earns nobody anything, so the record falls back", () => {
    const model = buildKnnModel(twoClusters(), { k: 3, dims: 1 << 12 });
    const res = classify(model, "zzz qqq");
    expect(res.neighbours.every((n) => n.similarity === 0)).toBe(true);
    expect(res.neighbours.map((n) => n.record)).toEqual([0, 1, 2]);
    expect(res.shapley.every((s) => s === 0)).toBe(true);
    expect(res.rawWeights.size).toBe(0);
    const rec = buildRecord({
      method: "knn-shapley",
      modelId: 1,
      artifactHash: `0x${"00".repeat(32)}`,
      requestId: 1n,
      raw: res.rawWeights,
      datanetIds: [1],
      version: 2,
    });
    expect(rec.method).toBe("fallback-datanet-treasury");
  });
});
