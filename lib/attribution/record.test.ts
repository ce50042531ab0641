import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keccak256, stringToBytes } from "viem";
import { keccakText } from "./keccak";
import { AttributionError } from "./errors";
import {
  PPM,
  attributionHash,
  buildRecord,
  decodeRecord,
  encodeRecord,
  fallbackWeights,
  splitPool,
  toPpm,
  treasuryWeights,
  type AttributionRecordV1,
  type AttributionRecordV2,
} from "./record";

const HASH = `0x${"ab".repeat(32)}` as const;

/** Random raw weights: unique ids, bigints from 0 up to 2^256, sometimes all equal (ties). */
const rawWeights = fc
  .tuple(
    fc.uniqueArray(fc.integer({ min: 0, max: 2 ** 40 }), { minLength: 1, maxLength: 60 }),
    fc.oneof(
      fc.constant<"random">("random"),
      fc.constant<"equal">("equal"),
      fc.constant<"small">("small"),
    ),
    fc.array(fc.bigInt({ min: 0n, max: 2n ** 256n }), { minLength: 60, maxLength: 60 }),
    fc.array(fc.bigInt({ min: 0n, max: 5n }), { minLength: 60, maxLength: 60 }),
  )
  .map(([ids, mode, big, small]) => {
    const m = new Map<number, bigint>();
    ids.forEach((id, i) => m.set(id, mode === "random" ? big[i] : mode === "equal" ? 7n : small[i]));
    return m;
  })
  .filter((m) => [...m.values()].some((w) => w > 0n));

function record(entries: [number, number][], extra: Partial<AttributionRecordV1> = {}): AttributionRecordV1 {
  return {
    version: 1,
    method: "knn-shapley",
    modelId: 3,
    artifactHash: HASH,
    requestId: "42",
    entries: entries.map(([contributionId, weightPpm]) => ({ contributionId, weightPpm })),
    ...extra,
  };
}

describe("toPpm", () => {
  it("sums to exactly 1,000,000 and follows the largest-remainder rule (property)", () => {
    fc.assert(
      fc.property(rawWeights, (raw) => {
        const entries = toPpm(raw);
        expect(entries.reduce((s, e) => s + e.weightPpm, 0)).toBe(PPM);
        const total = [...raw.values()].reduce((a, b) => a + b, 0n);
        const ids = [...raw.keys()].filter((id) => raw.get(id)! > 0n).sort((a, b) => a - b);
        const got = new Map(entries.map((e) => [e.contributionId, e.weightPpm]));
        for (let i = 1; i < entries.length; i++) expect(entries[i].contributionId).toBeGreaterThan(entries[i - 1].contributionId);
        for (const e of entries) expect(e.weightPpm).toBeGreaterThan(0);
        // Every id gets floor or floor + 1; the +1s go to the largest remainders, ties by lower id.
        const rows = ids.map((id) => {
          const scaled = raw.get(id)! * BigInt(PPM);
          const floor = Number(scaled / total);
          const ppm = got.get(id) ?? 0;
          expect(ppm - floor === 0 || ppm - floor === 1).toBe(true);
          return { id, rem: scaled % total, bumped: ppm > floor };
        });
        for (const a of rows) {
          for (const b of rows) {
            if (a.bumped && !b.bumped) expect(a.rem > b.rem || (a.rem === b.rem && a.id < b.id)).toBe(true);
          }
        }
        for (const id of raw.keys()) if (raw.get(id) === 0n) expect(got.has(id)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("single entry gets everything", () => {
    expect(toPpm(new Map([[9, 1n]]))).toEqual([{ contributionId: 9, weightPpm: PPM }]);
    expect(toPpm(new Map([[0, 2n ** 300n]]))).toEqual([{ contributionId: 0, weightPpm: PPM }]);
  });

  it("gives the leftover ppm to the largest remainder", () => {
    // 1e6·{1,2,3}/6 = 166666.67, 333333.33, 500000: floors sum to 999,999; id 1 has the largest remainder.
    expect(toPpm(new Map([[1, 1n], [2, 2n], [3, 3n]]))).toEqual([
      { contributionId: 1, weightPpm: 166667 },
      { contributionId: 2, weightPpm: 333333 },
      { contributionId: 3, weightPpm: 500000 },
    ]);
  });

  it("breaks remainder ties by lower contribution id, whatever the map order", () => {
    expect(toPpm(new Map([[9, 1n], [5, 1n], [3, 1n]]))).toEqual([
      { contributionId: 3, weightPpm: 333334 },
      { contributionId: 5, weightPpm: 333333 },
      { contributionId: 9, weightPpm: 333333 },
    ]);
    const seven = toPpm(new Map([70, 10, 60, 20, 50, 30, 40].map((id) => [id, 5n])));
    expect(seven.map((e) => e.weightPpm)).toEqual([142858, 142857, 142857, 142857, 142857, 142857, 142857]);
    // Two ties on the same remainder, two ppm left over: the two lowest ids.
    const three = toPpm(new Map([[4, 1n], [2, 1n], [8, 1n], [6, 3n]]));
    expect(three).toEqual([
      { contributionId: 2, weightPpm: 166667 },
      { contributionId: 4, weightPpm: 166667 },
      { contributionId: 6, weightPpm: 500000 },
      { contributionId: 8, weightPpm: 166666 },
    ]);
  });

  it("drops zero weights and weights that round to nothing", () => {
    expect(toPpm(new Map([[1, 0n], [2, 5n], [3, 0n]]))).toEqual([{ contributionId: 2, weightPpm: PPM }]);
    expect(toPpm(new Map([[1, 1n], [2, 10n ** 30n]]))).toEqual([{ contributionId: 2, weightPpm: PPM }]);
  });

  it("rejects empty, all-zero, negative weights and bad ids", () => {
    expect(() => toPpm(new Map())).toThrow(AttributionError);
    expect(() => toPpm(new Map([[1, 0n]]))).toThrow(/sum to zero/);
    expect(() => toPpm(new Map([[1, -1n], [2, 5n]]))).toThrow(/negative/);
    expect(() => toPpm(new Map([[1.5, 1n]]))).toThrow(AttributionError);
    expect(() => toPpm(new Map([[-1, 1n]]))).toThrow(AttributionError);
  });
});

describe("splitPool", () => {
  it("pays out exactly the pool, each amount within 1 wei of its share (property)", () => {
    fc.assert(
      fc.property(rawWeights, fc.bigInt({ min: 0n, max: 2n ** 200n }), (raw, pool) => {
        const rec = buildRecord({ method: "infinigram", modelId: 1, artifactHash: HASH, requestId: 1n, raw, fallback: [] });
        const split = splitPool(rec, pool);
        expect(split.map((s) => s.contributionId)).toEqual(rec.entries.map((e) => e.contributionId));
        expect(split.reduce((s, x) => s + x.amount, 0n)).toBe(pool);
        rec.entries.forEach((e, i) => {
          const amount = split[i].amount;
          expect(amount >= 0n).toBe(true);
          // |amount − pool·w/1e6| < 1  ⇔  |amount·1e6 − pool·w| < 1e6
          const diff = amount * BigInt(PPM) - pool * BigInt(e.weightPpm);
          expect(diff < BigInt(PPM) && diff > -BigInt(PPM)).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });

  it("uses cumulative rounding in entry order", () => {
    const rec = record([[1, 333333], [2, 333333], [3, 333334]]);
    // floor(10·0.333333)=3, floor(10·0.666666)=6, 10
    expect(splitPool(rec, 10n)).toEqual([
      { contributionId: 1, weightPpm: 333333, amount: 3n },
      { contributionId: 2, weightPpm: 333333, amount: 3n },
      { contributionId: 3, weightPpm: 333334, amount: 4n },
    ]);
    expect(splitPool(rec, 0n).every((s) => s.amount === 0n)).toBe(true);
  });

  it("rejects a negative pool and invalid records", () => {
    expect(() => splitPool(record([[1, PPM]]), -1n)).toThrow(AttributionError);
    expect(() => splitPool(record([[1, 999_999]]), 5n)).toThrow(/1,000,000/);
  });
});

describe("encodeRecord / decodeRecord / attributionHash", () => {
  const fixed = record([[2, 250_000], [7, 750_000]], { modelId: 12, requestId: "340282366920938463463374607431768211457" });

  it("encodes with a fixed key order and no whitespace", () => {
    expect(encodeRecord(fixed)).toBe(
      `{"version":1,"method":"knn-shapley","modelId":12,"artifactHash":"${HASH}",` +
        `"requestId":"340282366920938463463374607431768211457","entries":[[2,250000],[7,750000]]}`,
    );
  });

  it("hashes to a pinned known answer", () => {
    // Pinned once (cross-checked with @noble/hashes keccak_256): any change to the canonical encoding changes every on-chain attribution hash.
    expect(attributionHash(fixed)).toBe("0xa54d90ab3576607f425a15a7b5fa5bbcc302d68871e3601016f27e1f3f58e2f8");
  });

  it("round-trips random records (property)", () => {
    fc.assert(
      fc.property(
        rawWeights,
        fc.constantFrom("infinigram", "span-trace", "knn-shapley") as fc.Arbitrary<"infinigram" | "span-trace" | "knn-shapley">,
        fc.nat(),
        fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (raw, method, modelId, requestId, hashBytes) => {
          const artifactHash = `0x${Buffer.from(hashBytes).toString("hex").toUpperCase()}` as `0x${string}`;
          const rec = buildRecord({ method, modelId, artifactHash, requestId, raw, fallback: [] });
          expect(rec.artifactHash).toBe(artifactHash.toLowerCase());
          const json = encodeRecord(rec);
          expect(json).not.toMatch(/\s/);
          const back = decodeRecord(json);
          expect(back).toEqual(rec);
          expect(encodeRecord(back)).toBe(json);
          expect(attributionHash(back)).toBe(attributionHash(rec));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("rejects bad records with a readable message", () => {
    const good = encodeRecord(fixed);
    const bad = [
      "not json",
      "[]",
      good.replace('"version":1', '"version":2'),
      good.replace("knn-shapley", "magic"),
      good.replace(HASH, HASH.toUpperCase().replace("0X", "0x")),
      good.replace(HASH, "0x1234"),
      good.replace('"requestId":"3', '"requestId":"03'),
      good.replace('"requestId":"340282366920938463463374607431768211457"', '"requestId":42'),
      good.replace("[[2,250000],[7,750000]]", "[[7,750000],[2,250000]]"),
      good.replace("[[2,250000],[7,750000]]", "[[2,250000],[2,750000]]"),
      good.replace("[[2,250000],[7,750000]]", "[[2,250001],[7,750000]]"),
      good.replace("[[2,250000],[7,750000]]", "[[2,0],[7,1000000]]"),
      good.replace("[[2,250000],[7,750000]]", "[]"),
      good.replace("[[2,250000],[7,750000]]", "[[2,250000.5],[7,749999.5]]"),
      good.replace("}", ',"extra":1}'),
      good.replace('"modelId":12', '"modelId":-1'),
    ];
    for (const json of bad) expect(() => decodeRecord(json), json).toThrow(AttributionError);
    expect(() => decodeRecord(good.replace("[[2,250000],[7,750000]]", "[[2,250001],[7,750000]]"))).toThrow(/sum to 1000001/);
    expect(() => encodeRecord(record([[3, 600_000], [1, 400_000]]))).toThrow(/ascending/);
  });
});

describe("buildRecord", () => {
  const fallback = [
    { id: 1, datanetId: 10, tokens: 300 },
    { id: 2, datanetId: 10, tokens: 100 },
    { id: 3, datanetId: 20, tokens: 600 },
  ];

  it("normalises the raw weights under the given method", () => {
    const rec = buildRecord({ method: "span-trace", modelId: 4, artifactHash: HASH, requestId: 2n ** 200n, raw: new Map([[5, 3n], [2, 1n]]), fallback, version: 1 });
    expect(rec).toEqual({
      version: 1,
      method: "span-trace",
      modelId: 4,
      artifactHash: HASH,
      requestId: (2n ** 200n).toString(),
      entries: [{ contributionId: 2, weightPpm: 250000 }, { contributionId: 5, weightPpm: 750000 }],
    });
  });

  it("version 1 falls back explicitly to the Datanets pro rata by tokens when nothing matched", () => {
    for (const raw of [new Map<number, bigint>(), new Map([[5, 0n]])]) {
      const rec = buildRecord({ method: "infinigram", modelId: 4, artifactHash: HASH, requestId: "7", raw, fallback, version: 1 });
      expect(rec.method).toBe("fallback-datanet-tokens");
      // Datanet 10 holds 400 of 1000 tokens, split 3:1 inside; Datanet 20 holds 600.
      expect(rec.entries).toEqual([
        { contributionId: 1, weightPpm: 300000 },
        { contributionId: 2, weightPpm: 100000 },
        { contributionId: 3, weightPpm: 600000 },
      ]);
    }
    expect(fallbackWeights(fallback)).toEqual(new Map([[1, 300n], [2, 100n], [3, 600n]]));
  });

  it("refuses when there is nothing to fall back on, and other bad input", () => {
    const base = { method: "knn-shapley" as const, modelId: 1, artifactHash: HASH, requestId: "1", raw: new Map<number, bigint>(), fallback: [], version: 1 as const };
    expect(() => buildRecord(base)).toThrow(/no accepted tokens/);
    expect(() => buildRecord({ ...base, fallback: [{ id: 1, datanetId: 1, tokens: 0 }] })).toThrow(AttributionError);
    const ok = { ...base, raw: new Map([[1, 1n]]) };
    expect(() => buildRecord({ ...ok, requestId: "-1" })).toThrow(/request id/);
    expect(() => buildRecord({ ...ok, requestId: "01" })).toThrow(/request id/);
    expect(() => buildRecord({ ...ok, requestId: -1n })).toThrow(/request id/);
    expect(() => buildRecord({ ...ok, artifactHash: "0xabc" })).toThrow(/artifact hash/);
    expect(() => buildRecord({ ...ok, modelId: -2 })).toThrow(/model id/);
    expect(() => buildRecord({ ...ok, method: "fallback-datanet-tokens" as "infinigram" })).toThrow(/method/);
    expect(() => buildRecord({ ...ok, raw: new Map([[1, -5n], [2, 5n]]) })).toThrow(AttributionError);
    expect(() => fallbackWeights([{ id: 1, datanetId: 1, tokens: 5 }, { id: 1, datanetId: 2, tokens: 5 }])).toThrow(/twice/);
    expect(() => fallbackWeights([{ id: 1, datanetId: 1, tokens: -5 }])).toThrow(/token count/);
  });
});

describe("version 2 records", () => {
  const at = { block: 77, hash: `0x${"cd".repeat(32)}` as `0x${string}` };
  const v2 = (raw: Map<number, bigint>, extra: Partial<Parameters<typeof buildRecord>[0]> = {}) =>
    buildRecord({ method: "infinigram", modelId: 5, artifactHash: HASH, requestId: "9", raw, datanetIds: [3, 1], version: 2, ...extra });

  it("are what new records are, with the withdrawal block and an empty Datanet list when something matched", () => {
    const rec = v2(new Map([[4, 1n], [2, 1n]]), { withdrawalsAt: at });
    expect(rec).toEqual({
      version: 2,
      method: "infinigram",
      modelId: 5,
      artifactHash: HASH,
      requestId: "9",
      withdrawalsAt: at,
      entries: [{ contributionId: 2, weightPpm: 500000 }, { contributionId: 4, weightPpm: 500000 }],
      datanets: [],
      terms: [],
    });
    expect(encodeRecord(rec)).toBe(
      `{"version":2,"method":"infinigram","modelId":5,"artifactHash":"${HASH}","requestId":"9",` +
        `"withdrawalsAt":{"block":77,"hash":"${at.hash}"},"entries":[[2,500000],[4,500000]],"datanets":[],"terms":[]}`,
    );
    expect(decodeRecord(encodeRecord(rec))).toEqual(rec);
  });

  it("name the contributors' verbatim terms that concerned the answer, in ascending id order, canonical only", () => {
    const rec = v2(new Map([[4, 1n]]), { terms: [{ contributionId: 9, maxVerbatimTokens: 16 }, { contributionId: 3, maxVerbatimTokens: 8 }] });
    expect(rec.version === 2 && rec.terms).toEqual([{ contributionId: 3, maxVerbatimTokens: 8 }, { contributionId: 9, maxVerbatimTokens: 16 }]);
    const json = encodeRecord(rec);
    expect(json.endsWith(`"terms":[[3,8],[9,16]]}`)).toBe(true);
    expect(decodeRecord(json)).toEqual(rec);
    expect(() => decodeRecord(json.replace("[[3,8],[9,16]]", "[[9,16],[3,8]]"))).toThrow(AttributionError);
    expect(() => decodeRecord(json.replace("[[3,8],[9,16]]", "[[3,0]]"))).toThrow(AttributionError);
    expect(() => decodeRecord(json.replace(`,"terms":[[3,8],[9,16]]`, ""))).toThrow(AttributionError);
    expect(() => v2(new Map([[4, 1n]]), { terms: [{ contributionId: 3, maxVerbatimTokens: 8 }, { contributionId: 3, maxVerbatimTokens: 9 }] })).toThrow(AttributionError);
  });

  it("send an unmatched answer's pool to the model's Datanet treasuries equally, not to the contributions by volume", () => {
    // Contribution 1 holds 99 % of the tokens: under version 1 it would take 99 % of an answer nothing matched.
    const bulk = [{ id: 1, datanetId: 1, tokens: 9900 }, { id: 2, datanetId: 3, tokens: 100 }];
    const rec = v2(new Map(), { fallback: bulk }) as AttributionRecordV2;
    expect(rec.method).toBe("fallback-datanet-treasury");
    expect(rec.entries).toEqual([]);
    expect(rec.datanets).toEqual([{ datanetId: 1, weightPpm: 500000 }, { datanetId: 3, weightPpm: 500000 }]);
    expect(rec.withdrawalsAt).toBeNull();
    const split = splitPool(rec, 1001n);
    expect(split).toEqual([
      { datanetId: 1, weightPpm: 500000, amount: 500n },
      { datanetId: 3, weightPpm: 500000, amount: 501n },
    ]);
    // Three Datanets: ties to the lower id.
    expect((v2(new Map(), { datanetIds: [9, 2, 5] }) as AttributionRecordV2).datanets.map((d) => d.weightPpm)).toEqual([333334, 333333, 333333]);
    expect(treasuryWeights([2, 2])).toEqual(new Map([[2, 1n]]));
    expect(() => v2(new Map(), { datanetIds: [] })).toThrow(/no Datanet/);
  });

  it("version 1 records keep their own methods and bytes", () => {
    const rec = buildRecord({ method: "knn-shapley", modelId: 12, artifactHash: HASH, requestId: "340282366920938463463374607431768211457", raw: new Map([[2, 1n], [7, 3n]]), version: 1 });
    expect(attributionHash(rec)).toBe("0xa54d90ab3576607f425a15a7b5fa5bbcc302d68871e3601016f27e1f3f58e2f8");
    const v1json = encodeRecord(rec);
    expect(() => decodeRecord(v1json.replace("knn-shapley", "fallback-datanet-treasury"))).toThrow(AttributionError);
    const v2json = encodeRecord(v2(new Map([[1, 1n]])));
    expect(() => decodeRecord(v2json.replace("infinigram", "fallback-datanet-tokens"))).toThrow(AttributionError);
  });

  it("decode only canonical bytes: whitespace, reordered keys, 1.0, 1e6, -0 and escapes are refused", () => {
    const good = encodeRecord(v2(new Map([[2, 1n]]), { withdrawalsAt: at }));
    expect(decodeRecord(good).version).toBe(2);
    const v1good = encodeRecord(record([[2, 1_000_000]]));
    const bad = [
      good.replace(",", ", "),
      ` ${good}`,
      `${good}\n`,
      good.replace('"version":2,"method":"infinigram"', '"method":"infinigram","version":2'),
      good.replace("[[2,1000000]]", "[[2,1e6]]"),
      good.replace("[[2,1000000]]", "[[2.0,1000000]]"),
      good.replace("[[2,1000000]]", "[[2,1000000.0]]"),
      good.replace('"modelId":5', '"modelId":5.0'),
      good.replace('"block":77', '"block":7.7e1'),
      good.replace('"infinigram"', '"infinigr\\u0061m"'),
      good.replace('"withdrawalsAt":{"block":77,', '"withdrawalsAt":{"block":77 ,'),
      good.replace('"block":77,"hash"', '"hash"').replace(`"${at.hash}"}`, `"${at.hash}","block":77}`),
      good.replace(at.hash, at.hash.toUpperCase().replace("0X", "0x")),
      good.replace(',"datanets":[]', ""),
      good.replace('"datanets":[]', '"datanets":[[1,1]]'),
      v1good.replace("[[2,1000000]]", "[[2,1E6]]"),
      v1good.replace('"modelId":3', '"modelId":-0'),
    ];
    for (const json of bad) expect(() => decodeRecord(json), json).toThrow(AttributionError);
  });
});

describe("keccakText", () => {
  it("hashes exactly as viem's keccak256(stringToBytes(s)), which contracts and clients use", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), (s) => {
        expect(keccakText(s)).toBe(keccak256(stringToBytes(s)));
      }),
      { numRuns: 300 },
    );
  });
});
