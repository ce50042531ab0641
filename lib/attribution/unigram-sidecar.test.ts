/**
 * Stored unigram counts (unigram-sidecar.ts): a mapped open reads them when they belong to the artifact, and gets the
 * same counts and answers as an in-memory load and as a mapped open that computes them; a sidecar that is missing,
 * torn, altered or written for another artifact is ignored (the counts are computed), and a verified open checks even
 * a self-consistent forgery against the suffix array. The artifact and manifest bytes are what they were.
 */
import fc from "fast-check";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { artifactHash, loadCorpusIndexFile, serializeCorpusIndex } from "./artifact";
import { openCorpusIndexMapped, type UnigramSource } from "./artifact-mapped";
import { buildCorpusIndexFromTokens, count, nextTokenDistribution, type CorpusIndex, type CorpusTokens } from "./corpus";
import { buildShardedIndexFromTokens, infinigramProbability, shardedNextTokenDistribution } from "./shards";
import { loadShardedIndex, SHARD_MANIFEST, writeShardedIndexFromTokens } from "./shards-artifact";
import { encodeUnigramSidecar, unigramSidecarPath, writeUnigramSidecar } from "./unigram-sidecar";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ledgerline-unigram-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** An artifact file for `index`, with its sidecar unless `sidecar` is false. */
function writeArtifact(index: CorpusIndex, sidecar = true): { file: string; bytes: Uint8Array; hash: `0x${string}` } {
  const bytes = serializeCorpusIndex(index);
  const hash = artifactHash(bytes);
  const file = path.join(dir, `a${files++}.llix`);
  fs.writeFileSync(file, bytes);
  if (sidecar) writeUnigramSidecar(file, { head: bytes, size: bytes.length, sha256: hash }, index.unigram);
  return { file, bytes, hash };
}

function open(file: string, expectHash?: `0x${string}`): { index: CorpusIndex; how: UnigramSource } {
  let how: UnigramSource | null = null;
  const index = openCorpusIndexMapped(file, { expectHash, onUnigram: (h) => (how = h) });
  return { index, how: how! };
}

const corpusArb = (vocab: number[]) =>
  fc
    .uniqueArray(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 10 })
    .chain((ids) => fc.tuple(fc.constant(ids), fc.array(fc.array(fc.constantFrom(...vocab), { maxLength: 40 }), { minLength: ids.length, maxLength: ids.length })))
    .map(([ids, ts]): CorpusTokens[] => ts.map((tokens, i) => ({ id: ids[i], datanetId: i % 3, tokens: Uint16Array.from(tokens) })))
    .filter((docs) => docs.some((d) => d.tokens.length > 0));

const sameUnigram = (a: CorpusIndex, b: CorpusIndex) => expect(Buffer.from(b.unigram.buffer, b.unigram.byteOffset, b.unigram.byteLength).equals(Buffer.from(a.unigram.buffer, a.unigram.byteOffset, a.unigram.byteLength))).toBe(true);

/** Answers that read the unigram counts (the empty context backs off to them) and some that do not. */
function answers(index: CorpusIndex, docs: CorpusTokens[]): unknown[] {
  const out: unknown[] = [nextTokenDistribution(index, [], { maxSupport: 20 })];
  for (const d of docs) {
    const t = Array.from(d.tokens);
    if (t.length === 0) continue;
    out.push(count(index, t.slice(0, 3)), nextTokenDistribution(index, t.slice(0, 2), { maxSupport: 20 }));
    out.push(infinigramProbability(index, t.slice(0, 4), t[0]), infinigramProbability(index, [], t.at(-1)!));
  }
  return out;
}

describe("stored unigram counts", () => {
  it("give the same counts and answers as the in-memory load and the bucket search (16- and 32-bit tokens)", () => {
    fc.assert(
      fc.property(corpusArb([0, 1, 2, 7, 300, 50255]), fc.constantFrom(16 as const, 32 as const), (docs, tokenWidth) => {
        const built = buildCorpusIndexFromTokens(docs, { tokenWidth });
        const { file, hash } = writeArtifact(built);
        const memory = loadCorpusIndexFile(file, { expectHash: hash });
        const stored = open(file);
        const storedVerified = open(file, hash);
        expect(stored.how).toEqual({ source: "sidecar" });
        expect(storedVerified.how).toEqual({ source: "sidecar" });
        fs.rmSync(unigramSidecarPath(file));
        const computed = open(file);
        expect(computed.how).toEqual({ source: "buckets", why: "no sidecar" });
        for (const ix of [stored.index, storedVerified.index, computed.index]) sameUnigram(memory, ix);
        sameUnigram(built, memory);
        const expected = answers(memory, docs);
        for (const ix of [stored.index, storedVerified.index, computed.index]) expect(answers(ix, docs)).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  });

  it("ignores a sidecar with any one byte changed, truncated, extended or written for another artifact: never other counts", () => {
    const docs: CorpusTokens[] = [
      { id: 1, datanetId: 1, tokens: Uint16Array.from([5, 6, 7, 5, 6, 9, 9, 9]) },
      { id: 4, datanetId: 2, tokens: Uint16Array.from([6, 7, 8, 5]) },
    ];
    const built = buildCorpusIndexFromTokens(docs);
    const { file, bytes, hash } = writeArtifact(built);
    const good = fs.readFileSync(unigramSidecarPath(file));
    const expectOk = (how: UnigramSource, sidecar: Buffer) => {
      fs.writeFileSync(unigramSidecarPath(file), sidecar);
      const trusted = open(file);
      const verified = open(file, hash);
      sameUnigram(built, trusted.index);
      sameUnigram(built, verified.index);
      expect(trusted.how.source).toBe(how.source);
      return { trusted, verified };
    };
    // A single changed byte anywhere: the counts are either still right (the reserved word; the recorded sha-256 on a
    // trusted open, which does not compute one) or the sidecar is ignored.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const bad = Buffer.from(good);
        bad[at] ^= flip;
        fs.writeFileSync(unigramSidecarPath(file), bad);
        const trusted = open(file);
        const verified = open(file, hash);
        sameUnigram(built, trusted.index);
        sameUnigram(built, verified.index);
        const harmless = (at >= 24 && at < 56) || (at >= 92 && at < 96);
        if (!harmless) expect(trusted.how.source).toBe("buckets");
        if (at >= 24 && at < 56) expect(verified.how).toEqual({ source: "buckets", why: "the sidecar names another sha-256" });
      }),
      { numRuns: 200 },
    );
    expect(expectOk({ source: "buckets", why: "" }, good.subarray(0, good.length - 4)).trusted.how).toMatchObject({ why: /bytes, expected/ });
    expectOk({ source: "buckets", why: "" }, Buffer.concat([good, Buffer.alloc(4)]));
    // Another artifact's sidecar (same vocabulary, other text) copied beside this one.
    const other = buildCorpusIndexFromTokens([{ id: 1, datanetId: 1, tokens: Uint16Array.from([5, 5, 5, 6, 7, 7, 8, 9]) }, { id: 4, datanetId: 2, tokens: Uint16Array.from([1, 2, 3, 4]) }]);
    const otherBytes = serializeCorpusIndex(other);
    const copied = encodeUnigramSidecar({ head: otherBytes, size: otherBytes.length, sha256: artifactHash(otherBytes) }, other.unigram);
    expect(expectOk({ source: "buckets", why: "" }, Buffer.from(copied)).trusted.how).toMatchObject({ why: /another artifact/ });
    expectOk({ source: "sidecar" }, good);
    // A self-consistent forgery (right header, size, sha-256, checksum and sum; counts moved between tokens) is believed
    // by a trusted open, like a forged artifact would be; a verified open checks it against the suffix array.
    const forged = built.unigram.slice();
    forged[5]--;
    forged[9]++;
    fs.writeFileSync(unigramSidecarPath(file), encodeUnigramSidecar({ head: bytes, size: bytes.length, sha256: hash }, forged));
    const verified = open(file, hash);
    expect(verified.how).toEqual({ source: "buckets", why: "the sidecar's counts do not match the suffix array" });
    sameUnigram(built, verified.index);
  });

  it("is stored by a verified open that had to compute the counts (best effort), never by a trusted one", () => {
    const built = buildCorpusIndexFromTokens([{ id: 3, datanetId: 1, tokens: Uint16Array.from([4, 4, 2, 9, 4, 2]) }]);
    const { file, hash } = writeArtifact(built, false);
    expect(open(file).how.source).toBe("buckets");
    expect(fs.existsSync(unigramSidecarPath(file))).toBe(false);
    openCorpusIndexMapped(file, { expectHash: hash, storeUnigram: false });
    expect(fs.existsSync(unigramSidecarPath(file))).toBe(false);
    expect(open(file, hash).how.source).toBe("buckets");
    const trusted = open(file);
    expect(trusted.how).toEqual({ source: "sidecar" });
    sameUnigram(built, trusted.index);
    // Where it cannot be written (here a directory in its place) the open still succeeds, and leaves no temp file.
    const blocked = writeArtifact(built, false);
    fs.mkdirSync(unigramSidecarPath(blocked.file));
    sameUnigram(built, open(blocked.file, blocked.hash).index);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("is written beside each shard without changing the manifest; sharded opens read it, in either mode the same", () => {
    const r = ((seed: number) => () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32))(5);
    const docs: CorpusTokens[] = Array.from({ length: 25 }, (_, i) => ({ id: 2 * i + 1, datanetId: i % 4, tokens: Uint16Array.from({ length: 10 + Math.floor(r() * 50) }, () => Math.floor(r() * 20)) }));
    const out = path.join(dir, "sharded");
    const { manifestHash } = writeShardedIndexFromTokens(out, docs, { maxShardTokens: 300 });
    const manifest = JSON.parse(fs.readFileSync(path.join(out, SHARD_MANIFEST), "utf8")) as { shards: { file?: string }[] };
    const shardFiles = manifest.shards.flatMap((s) => (s.file ? [path.join(out, s.file)] : []));
    expect(shardFiles.length).toBeGreaterThan(2);
    for (const f of shardFiles) expect(open(f).how).toEqual({ source: "sidecar" });
    expect(JSON.stringify(manifest)).not.toMatch(/unigram/);
    const inMemory = loadShardedIndex(out, { expectManifestHash: manifestHash });
    const trusted = loadShardedIndex(out, { mode: "disk", verifyShards: false });
    const verified = loadShardedIndex(out, { mode: "disk", expectManifestHash: manifestHash });
    const oneGo = buildShardedIndexFromTokens(docs, { maxShardTokens: 300 });
    for (const ix of [inMemory, trusted, verified]) expect(Array.from(ix.unigram)).toEqual(Array.from(oneGo.unigram));
    for (const d of docs) {
      const ctx = Array.from(d.tokens as Uint16Array).slice(0, 2);
      const want = shardedNextTokenDistribution(inMemory, ctx, { maxSupport: 10 });
      expect(shardedNextTokenDistribution(trusted, ctx, { maxSupport: 10 })).toEqual(want);
      expect(shardedNextTokenDistribution(verified, ctx, { maxSupport: 10 })).toEqual(want);
      expect(infinigramProbability(trusted, [], d.tokens[0])).toEqual(infinigramProbability(inMemory, [], d.tokens[0]));
    }
  });
});
