/**
 * On-disk mode (issue 17): a mapped artifact holds the same tokens, suffix array, tables and unigram counts as
 * the in-memory load, so queries answer identically; sharded indexes open in either mode; a streamed sharded
 * build writes the same files as building then writing; forged or truncated files are refused.
 */
import fc from "fast-check";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { artifactHash, loadCorpusIndexFile, serializeCorpusIndex } from "./artifact";
import { openCorpusIndexMapped } from "./artifact-mapped";
import { buildCorpusIndexFromTokens, count, nextTokenDistribution, type CorpusIndex, type CorpusTokens } from "./corpus";
import { AttributionError } from "./errors";
import { generate } from "./infinigram";
import { buildShardedIndexFromTokens, shardedCount, shardedNextTokenDistribution } from "./shards";
import { loadShardedIndex, writeShardedIndex, writeShardedIndexFromTokens, type ShardBuildProgress } from "./shards-artifact";
import { traceSpans } from "./span-trace";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ledgerline-mapped-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;
const write = (bytes: Uint8Array): string => {
  const file = path.join(dir, `a${files++}.llix`);
  fs.writeFileSync(file, bytes);
  return file;
};

const corpusArb = (vocab: number[]) =>
  fc
    .uniqueArray(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 12 })
    .chain((ids) => fc.tuple(fc.constant(ids), fc.array(fc.array(fc.constantFrom(...vocab), { maxLength: 50 }), { minLength: ids.length, maxLength: ids.length })))
    .map(([ids, ts]): CorpusTokens[] => ts.map((tokens, i) => ({ id: ids[i], datanetId: i % 3, tokens: Uint16Array.from(tokens) })))
    .filter((docs) => docs.some((d) => d.tokens.length > 0));

function sameArrays(a: CorpusIndex, b: CorpusIndex): void {
  expect(b.tokens.constructor).toBe(a.tokens.constructor);
  expect(Buffer.from(b.tokens.buffer, b.tokens.byteOffset, b.tokens.byteLength).equals(Buffer.from(a.tokens.buffer, a.tokens.byteOffset, a.tokens.byteLength))).toBe(true);
  expect(Buffer.from(b.sa.buffer, b.sa.byteOffset, b.sa.byteLength).equals(Buffer.from(a.sa.buffer, a.sa.byteOffset, a.sa.byteLength))).toBe(true);
  expect(Array.from(b.contributionIds)).toEqual(Array.from(a.contributionIds));
  expect(Array.from(b.datanetIds)).toEqual(Array.from(a.datanetIds));
  expect(Array.from(b.starts)).toEqual(Array.from(a.starts));
  expect(Array.from(b.unigram)).toEqual(Array.from(a.unigram));
  expect(b.params).toEqual(a.params);
}

describe("on-disk mode", () => {
  it("maps the same arrays and unigram counts as the in-memory load (16- and 32-bit tokens)", () => {
    fc.assert(
      fc.property(corpusArb([0, 1, 2, 7, 50255]), fc.constantFrom(16 as const, 32 as const), (docs, tokenWidth) => {
        const built = buildCorpusIndexFromTokens(docs, { tokenWidth });
        const bytes = serializeCorpusIndex(built);
        const file = write(bytes);
        const mapped = openCorpusIndexMapped(file, { expectHash: artifactHash(bytes) });
        sameArrays(loadCorpusIndexFile(file), mapped);
        sameArrays(built, mapped);
      }),
      { numRuns: 60 },
    );
  });

  it("answers counts, distributions, generation and span traces identically", () => {
    const random = (seed: number) => () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const r = random(7);
    const docs: CorpusTokens[] = Array.from({ length: 40 }, (_, i) => ({ id: i + 1, datanetId: i % 4, tokens: Uint16Array.from({ length: 200 }, () => 100 + Math.floor(r() * r() * 60)) }));
    const built = buildCorpusIndexFromTokens(docs);
    const mapped = openCorpusIndexMapped(write(serializeCorpusIndex(built)));
    for (let i = 0; i < 50; i++) {
      const d = docs[i % docs.length].tokens as Uint16Array;
      const at = Math.floor(r() * (d.length - 8));
      const pattern = d.subarray(at, at + 1 + (i % 6));
      expect(count(mapped, pattern)).toBe(count(built, pattern));
      expect(nextTokenDistribution(mapped, pattern, { maxSupport: 16 })).toEqual(nextTokenDistribution(built, pattern, { maxSupport: 16 }));
    }
    const prompt = (docs[3].tokens as Uint16Array).subarray(10, 16);
    const opts = { maxTokens: 24, temperature: 0.8, topK: 10, seed: 3, maxSupport: 50 };
    expect(generate(mapped, prompt, opts)).toEqual(generate(built, prompt, opts));
    const output = Uint16Array.from([...(docs[5].tokens as Uint16Array).subarray(0, 30), 7, ...(docs[9].tokens as Uint16Array).subarray(50, 90)]);
    expect(traceSpans(mapped, output, { minSpanTokens: 4, maxSupport: 50 })).toEqual(traceSpans(built, output, { minSpanTokens: 4, maxSupport: 50 }));
  });

  it("refuses a file that does not hash to the expected artifactHash, a truncated file and a forged suffix array", () => {
    const built = buildCorpusIndexFromTokens([
      { id: 1, datanetId: 1, tokens: Uint16Array.from([5, 6, 7, 5, 6]) },
      { id: 2, datanetId: 1, tokens: Uint16Array.from([6, 7, 8]) },
    ]);
    const bytes = serializeCorpusIndex(built);
    const file = write(bytes);
    expect(() => openCorpusIndexMapped(file, { expectHash: `0x${"11".repeat(32)}` })).toThrow(/does not hash/);
    expect(() => openCorpusIndexMapped(write(bytes.subarray(0, bytes.length - 4)))).toThrow(AttributionError);
    // Swap the first two suffix-array rows: the buckets are no longer sorted.
    const forged = bytes.slice();
    const saAt = forged.length - 4 * built.sa.length;
    const row = (k: number) => forged.subarray(saAt + 4 * k, saAt + 4 * k + 4);
    const first = row(0).slice();
    const last = row(built.sa.length - built.contributionIds.length - 1).slice();
    row(0).set(last);
    row(built.sa.length - built.contributionIds.length - 1).set(first);
    expect(() => openCorpusIndexMapped(write(forged))).toThrow(/not sorted|corrupt/);
    expect(() => openCorpusIndexMapped(write(new TextEncoder().encode("not an artifact at all, just text....")))).toThrow(/not a corpus index artifact/);
  });

  it("a verified open checks every separator row (O(contributions)); a trusted one only the ends of the block", () => {
    const built = buildCorpusIndexFromTokens([1, 2, 3, 4].map((id) => ({ id, datanetId: 1, tokens: Uint16Array.from([id, 7, id]) })));
    const bytes = serializeCorpusIndex(built);
    const n = built.sa.length;
    // Swap the middle two separator rows: the block's ends still hold.
    const forged = bytes.slice();
    const row = (k: number) => forged.subarray(bytes.length - 4 * n + 4 * k, bytes.length - 4 * n + 4 * k + 4);
    const a = row(n - 3).slice();
    row(n - 3).set(row(n - 2).slice());
    row(n - 2).set(a);
    const file = write(forged);
    expect(() => openCorpusIndexMapped(file, { expectHash: artifactHash(forged) })).toThrow(/separators in contribution order/);
    expect(() => openCorpusIndexMapped(file)).not.toThrow();
    expect(() => loadCorpusIndexFile(file)).toThrow(/corrupt/);
  });

  it("opens a sharded index in either mode; a streamed build writes the same manifest, shard by shard with progress", () => {
    const r = ((seed: number) => () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32))(11);
    const docs: CorpusTokens[] = Array.from({ length: 30 }, (_, i) => ({ id: 3 * i + 2, datanetId: i % 5, tokens: Uint16Array.from({ length: 20 + Math.floor(r() * 60) }, () => Math.floor(r() * 12)) }));
    const opts = { maxShardTokens: 400 };
    const oneGo = path.join(dir, "sharded-one-go");
    const streamed = path.join(dir, "sharded-streamed");
    const a = writeShardedIndex(oneGo, buildShardedIndexFromTokens(docs, opts));
    const progress: ShardBuildProgress[] = [];
    const b = writeShardedIndexFromTokens(streamed, docs, { ...opts, onShardWritten: (p) => progress.push(p) });
    expect(b.manifestHash).toBe(a.manifestHash);
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.map((p) => p.shard)).toEqual(progress.map((_, i) => i + 1));
    expect(progress.at(-1)!.tokens).toBe(progress.at(-1)!.totalTokens);
    const inMemory = loadShardedIndex(oneGo, { expectManifestHash: a.manifestHash });
    const onDisk = loadShardedIndex(streamed, { expectManifestHash: b.manifestHash, mode: "disk" });
    const trusted = loadShardedIndex(streamed, { mode: "disk", verifyShards: false });
    inMemory.shards.forEach((s, i) => {
      sameArrays(s, onDisk.shards[i]);
      sameArrays(s, trusted.shards[i]);
    });
    for (let i = 0; i < 40; i++) {
      const d = docs[i % docs.length].tokens as Uint16Array;
      const pattern = d.subarray(i % 5, (i % 5) + 1 + (i % 4));
      expect(shardedCount(onDisk, pattern)).toBe(shardedCount(inMemory, pattern));
      expect(shardedNextTokenDistribution(onDisk, pattern, { maxSupport: 8 })).toEqual(shardedNextTokenDistribution(inMemory, pattern, { maxSupport: 8 }));
    }
    // A shard file altered after the manifest was written is refused when verified.
    const shardFile = path.join(streamed, "shard-00001.llix");
    const altered = fs.readFileSync(shardFile);
    altered[altered.length - 1] ^= 1;
    fs.writeFileSync(shardFile, altered);
    expect(() => loadShardedIndex(streamed, { mode: "disk" })).toThrow(/does not hash/);
  });
});
