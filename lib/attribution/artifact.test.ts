import fc from "fast-check";
import { describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { artifactHash, bytesPerToken, deserializeCorpusIndex, loadCorpusIndexFile, serializeCorpusIndex } from "./artifact";
import { buildCorpusIndex, buildCorpusIndexFromTokens } from "./corpus";
import { AttributionError } from "./errors";
import { plainIndex } from "./testing/plain-index";
import { generate } from "./infinigram";

const plain = plainIndex;

const corpusArb = fc
  .uniqueArray(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { minLength: 1, maxLength: 6 })
  .chain((ids) =>
    fc.tuple(
      fc.constant(ids),
      fc.array(fc.array(fc.integer({ min: 0, max: 50256 }), { maxLength: 30 }), { minLength: ids.length, maxLength: ids.length }),
    ),
  )
  .map(([ids, ts]) => ts.map((tokens, i) => ({ id: ids[i], datanetId: ids[(i + 1) % ids.length], tokens: Uint16Array.from(tokens) })))
  .filter((docs) => docs.some((d) => d.tokens.length > 0));

describe("corpus index artifact", () => {
  it("loads from a file by positional reads exactly as from its bytes, checks its hash, and refuses altered or truncated files", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "llix-"));
    try {
      const file = path.join(dir, "a.llix");
      fc.assert(
        fc.property(corpusArb, (docs) => {
          const bytes = serializeCorpusIndex(buildCorpusIndexFromTokens(docs));
          fs.writeFileSync(file, bytes);
          const hash = artifactHash(bytes);
          expect(plain(loadCorpusIndexFile(file, { expectHash: hash }))).toEqual(plain(deserializeCorpusIndex(bytes)));
          expect(() => loadCorpusIndexFile(file, { expectHash: `0x${"0".repeat(64)}` })).toThrow(/sha-256/);
          const altered = bytes.slice();
          altered[altered.length - 1 - (docs.length % 7)] ^= 1;
          fs.writeFileSync(file, altered);
          expect(() => loadCorpusIndexFile(file)).toThrow(AttributionError);
          fs.writeFileSync(file, bytes.subarray(0, bytes.length - 4));
          expect(() => loadCorpusIndexFile(file)).toThrow(/should be/);
        }),
        { numRuns: 60 },
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("round-trips exactly, and the same index always gives the same bytes and hash", () => {
    fc.assert(
      fc.property(corpusArb, (docs) => {
        const index = buildCorpusIndexFromTokens(docs);
        const bytes = serializeCorpusIndex(index);
        expect(bytes.length % 4).toBe(0);
        const back = deserializeCorpusIndex(bytes);
        expect(plain(back)).toEqual(plain(index));
        expect(serializeCorpusIndex(back)).toEqual(bytes);
        expect(artifactHash(serializeCorpusIndex(buildCorpusIndexFromTokens([...docs].reverse())))).toBe(artifactHash(bytes));
      }),
      { numRuns: 100 },
    );
  });

  const index = buildCorpusIndex([
    { id: 11, datanetId: 1, text: "Artifacts are hashed with sha-256 so records can name them." },
    { id: 12, datanetId: 1, text: "A corrupt artifact must never load silently." },
  ]);
  const bytes = serializeCorpusIndex(index);

  it("has a stable sha-256 hash and works after loading", () => {
    const h = artifactHash(bytes);
    expect(h).toMatch(/^0x[0-9a-f]{64}$/);
    expect(artifactHash(bytes.slice())).toBe(h);
    expect(artifactHash(new Uint8Array(0))).toBe("0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const opts = { maxTokens: 10, temperature: 1, topK: 5, seed: 1, maxSupport: 10 };
    expect(generate(deserializeCorpusIndex(bytes), "A corrupt", opts)).toEqual(generate(index, "A corrupt", opts));
  });

  it("loads from an unaligned view of a larger buffer", () => {
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 3);
    expect(plain(deserializeCorpusIndex(big.subarray(3)))).toEqual(plain(index));
  });

  it("rejects every single corrupted byte, truncation and padding", () => {
    for (let i = 0; i < bytes.length; i++) {
      const bad = bytes.slice();
      bad[i] ^= 1 << i % 8;
      expect(() => deserializeCorpusIndex(bad), `byte ${i}`).toThrow(AttributionError);
    }
    expect(() => deserializeCorpusIndex(bytes.subarray(0, bytes.length - 4))).toThrow(/corrupt/);
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);
    expect(() => deserializeCorpusIndex(longer)).toThrow(/corrupt/);
    expect(() => deserializeCorpusIndex(bytes.subarray(0, 10))).toThrow(/header/);
    expect(() => deserializeCorpusIndex(new TextEncoder().encode("LLKN and more bytes than a header, surely"))).toThrow(/not a corpus index/);
    const v3 = bytes.slice();
    v3[4] = 3;
    expect(() => deserializeCorpusIndex(v3)).toThrow(/version 3 is not supported/);
    expect(() => deserializeCorpusIndex("LLIX" as unknown as Uint8Array)).toThrow(AttributionError);
  });

  it("uses about 6 bytes per token", () => {
    const docs = Array.from({ length: 20 }, (_, i) => ({ id: i, datanetId: 0, tokens: Uint16Array.from({ length: 5000 }, (_, j) => (i * 7919 + j * 104729) % 50000) }));
    const big = buildCorpusIndexFromTokens(docs);
    const bpt = bytesPerToken(big);
    expect(bpt).toBeGreaterThanOrEqual(6);
    expect(bpt).toBeLessThan(8.1); // 6 + the 200 KB unigram table over 100k tokens
    expect(serializeCorpusIndex(big).length / big.tokens.length).toBeLessThan(6.01);
  });
});
