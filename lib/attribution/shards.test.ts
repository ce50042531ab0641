/**
 * Sharded indexes (issue 17): a corpus split into shards of a few dozen to a few hundred tokens answers every query
 * exactly as the one index of the same corpus — counts, occurrences in suffix-array order (global positions),
 * longest suffixes, next-token distributions and queries (sampled ranges too: version 1's stride and version 2's
 * seeded sample are reproduced across shards), ∞-gram probabilities and generation with its credit.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { serializeCorpusIndex } from "./artifact";
import { buildCorpusIndexFromTokens, count, find, longestSuffix, MAX_CORPUS_TOKENS, NextTokenQuery, nextTokenDistribution, type CorpusIndex, type CorpusTokens } from "./corpus";
import { AttributionError } from "./errors";
import { generate, Prng } from "./infinigram";
import { traceSpans } from "./span-trace";
import { loadShardedIndex, writeShardedIndex } from "./shards-artifact";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildCorpusIndex } from "./corpus";
import { attributionHash, encodeRecord } from "./record";
import { loadArtifact, runAttribution } from "./run";
import {
  buildShardedIndex,
  buildShardedIndexFromTokens,
  infinigramProbability,
  shardedCount,
  shardedFind,
  shardedLength,
  shardedLongestSuffix,
  ShardedNextTokenQuery,
  shardedNextTokenDistribution,
  shardedOccurrences,
  type ShardedIndex,
} from "./shards";

/** Random corpora; some contributions repeat an earlier one's text (copies, long shared suffixes across shards). */
const corpusArb = (vocab: number[]) =>
  fc
    .uniqueArray(fc.integer({ min: 0, max: 1000 }), { minLength: 2, maxLength: 16 })
    .chain((ids) =>
      fc.tuple(
        fc.constant(ids),
        fc.array(fc.array(fc.constantFrom(...vocab), { maxLength: 60 }), { minLength: ids.length, maxLength: ids.length }),
        fc.array(fc.boolean(), { minLength: ids.length, maxLength: ids.length }),
      ),
    )
    .map(([ids, ts, copy]): CorpusTokens[] =>
      ts.map((tokens, i) => ({ id: ids[i], datanetId: i % 3, tokens: Uint16Array.from(i > 0 && copy[i] && ts[i - 1].length > 0 ? [...ts[i - 1], ...tokens.slice(0, 10)] : tokens) })),
    )
    .filter((docs) => docs.some((d) => d.tokens.length > 0));

const VOCABS = [
  [0, 1],
  [3, 4, 5, 6],
  [40, 41, 42, 43, 50256],
];

/** Shard limits up to 500 tokens, aiming at 2–8 shards (each at least the longest contribution with its separator). */
const limitArb = (docs: CorpusTokens[]) => {
  const longest = Math.max(...docs.map((d) => d.tokens.length + 1));
  const total = docs.reduce((a, d) => a + d.tokens.length + 1, 0);
  return fc.integer({ min: 2, max: 8 }).map((k) => Math.min(500, Math.max(longest, Math.ceil(total / k))));
};

function pair(docs: CorpusTokens[], limit: number, width: 16 | 32): { one: CorpusIndex; sh: ShardedIndex } {
  const one = buildCorpusIndexFromTokens(docs, { tokenWidth: width });
  const sh = buildShardedIndexFromTokens(docs, { tokenWidth: width, maxShardTokens: limit });
  return { one, sh };
}

/** Everything a next-token query answers (positions global; the one index's positions are global already). */
function answer(q: NextTokenQuery | ShardedNextTokenQuery, ok: boolean) {
  const tokens = Array.from(q.distinct.subarray(0, q.distinctCount)).sort((a, b) => a - b);
  return { ok, len: q.suffixLength, support: q.support, occ: q.occurrences, per: tokens.map((t) => [t, q.countOf(t), Array.from(q.samplesOf(t))]) };
}

const SHARDS: number[] = [];
describe("sharded index", () => {
  it("splits at contribution boundaries under the limit; the default limit keeps one index, byte for byte", () => {
    const docs: CorpusTokens[] = [1, 2, 3, 4, 5].map((id) => ({ id, datanetId: 1, tokens: Uint16Array.from({ length: 30 }, (_, j) => (j * id) % 7) }));
    const whole = buildShardedIndexFromTokens(docs);
    expect(whole.shards.length).toBe(1);
    expect(whole.maxShardTokens).toBe(MAX_CORPUS_TOKENS);
    expect(serializeCorpusIndex(whole.shards[0])).toEqual(serializeCorpusIndex(buildCorpusIndexFromTokens(docs)));
    const split = buildShardedIndexFromTokens([...docs].reverse(), { maxShardTokens: 62 });
    expect(split.shards.map((s) => Array.from(s.contributionIds))).toEqual([[1, 2], [3, 4], [5]]);
    expect(split.shards.every((s) => s.tokens.length <= 62)).toBe(true);
    expect(shardedLength(split)).toBe(155);
    expect(Array.from(split.starts)).toEqual([0, 31, 62, 93, 124]);
    expect(() => buildShardedIndexFromTokens(docs, { maxShardTokens: 30 })).toThrow(/holds at most 30/);
    expect(() => buildShardedIndexFromTokens(docs, { maxShardTokens: 1 })).toThrow(AttributionError);
    expect(() => buildShardedIndexFromTokens([{ id: 1, datanetId: 1, tokens: [] }])).toThrow(/empty/);
  });

  it("answers count, occurrences (SA order, global positions), longest suffix, next-token distributions and queries, ∞-gram probability as one index (16- and 32-bit, sampled ranges too)", () => {
    for (const vocab of VOCABS) {
      fc.assert(
        fc.property(
          corpusArb(vocab).chain((docs) => fc.tuple(fc.constant(docs), limitArb(docs))),
          fc.array(fc.array(fc.constantFrom(...vocab), { maxLength: 8 }), { minLength: 1, maxLength: 5 }),
          fc.integer({ min: 1, max: 40 }),
          fc.constantFrom(16 as const, 32 as const),
          fc.integer({ min: 0, max: 1 << 30 }),
          ([docs, limit], ctxs, maxSupport, width, seed) => {
            const { one, sh } = pair(docs, limit, width);
            SHARDS.push(sh.shards.length);
            for (const c of ctxs) {
              if (c.length > 0) {
                const { lo, hi } = find(one, c);
                expect(shardedCount(sh, c)).toBe(count(one, c));
                expect(shardedFind(sh, c).count).toBe(hi - lo);
                expect(shardedOccurrences(sh, c)).toEqual(Array.from(one.sa.subarray(lo, hi)));
              }
              const ls = longestSuffix(one, c);
              const sls = shardedLongestSuffix(sh, c);
              expect([sls.length, sls.count]).toEqual([ls.length, ls.hi - ls.lo]);
              expect(shardedNextTokenDistribution(sh, c, { maxSupport })).toEqual(nextTokenDistribution(one, c, { maxSupport }));
              const ctx = Uint16Array.from(c);
              for (const includeEnd of [false, true]) {
                for (const v2 of [false, true]) {
                  const qo = new NextTokenQuery(one, undefined, maxSupport, includeEnd, v2 ? new Prng(BigInt(seed)) : undefined);
                  const qs = new ShardedNextTokenQuery(sh, maxSupport, includeEnd, v2 ? new Prng(BigInt(seed)) : undefined);
                  for (let bound = -1; bound <= ctx.length + 1; bound += 2) {
                    expect(answer(qs, qs.query(ctx, ctx.length, bound))).toEqual(answer(qo, qo.query(ctx, ctx.length, bound)));
                  }
                }
              }
              // ∞-gram probability against its definition on the one index.
              const d = nextTokenDistribution(one, c, { maxSupport: 1_000_000 });
              for (const t of vocab.filter((x) => x !== 50256).slice(0, 3)) {
                const pat = [...c.slice(c.length - d.suffixLength), t];
                expect(infinigramProbability(sh, c, t)).toEqual({ probability: count(one, pat) / d.occurrences, suffixLength: d.suffixLength });
                expect(infinigramProbability(one, c, t)).toEqual(infinigramProbability(sh, c, t));
              }
            }
          },
        ),
        { numRuns: 80 },
      );
    }
    // The runs did shard (2–10 shards in practice).
    expect(Math.max(...SHARDS)).toBeGreaterThanOrEqual(3);
  });

  it("generates exactly what one index generates, credit included (record rules 1 and 2, sampled contexts, temperatures, stop at separator)", () => {
    const tokenCredit: unknown[][] = [[], []];
    for (const vocab of VOCABS) {
      fc.assert(
        fc.property(
          corpusArb(vocab).chain((docs) => fc.tuple(fc.constant(docs), limitArb(docs))),
          fc.array(fc.constantFrom(...vocab), { minLength: 1, maxLength: 6 }),
          fc.integer({ min: 1, max: 30 }),
          fc.constantFrom(16 as const, 32 as const),
          fc.integer({ min: 0, max: 1 << 30 }),
          fc.constantFrom(0, 0.7, 1.5),
          fc.boolean(),
          ([docs, limit], prompt, maxSupport, width, seed, temperature, stopAtSeparator) => {
            const { one, sh } = pair(docs, limit, width);
            for (const rules of [1, 2] as const) {
              const got: unknown[] = [];
              const want: unknown[] = [];
              const opts = { maxTokens: 16, temperature, topK: 3, seed, maxSupport, rules, originalSpanTokens: 3, stopAtSeparator };
              const a = generate(sh, Uint16Array.from(prompt), { ...opts, onToken: (t) => got.push(t) });
              const b = generate(one, Uint16Array.from(prompt), { ...opts, onToken: (t) => want.push(t) });
              expect(a).toEqual(b);
              expect(got).toEqual(want);
              tokenCredit[rules - 1].push(...got);
            }
          },
        ),
        { numRuns: 60 },
      );
    }
    expect(tokenCredit[0].length).toBeGreaterThan(0);
    expect(() => generate(buildShardedIndexFromTokens([{ id: 1, datanetId: 1, tokens: [1, 2] }]), "a", { maxTokens: 1, temperature: 0, topK: 1, seed: 1, maxSupport: 1, verbatimLimits: new Map([[1, 1]]) })).toThrow(/not supported yet/);
  });

  it("traces spans exactly as one index (record rules 1 and 2: spans, occurrences, sampled contributions, credit)", () => {
    let spans = 0;
    for (const vocab of VOCABS) {
      fc.assert(
        fc.property(
          corpusArb(vocab).chain((docs) => fc.tuple(fc.constant(docs), limitArb(docs))),
          fc.array(fc.constantFrom(...vocab), { maxLength: 12 }),
          fc.integer({ min: 1, max: 30 }),
          fc.integer({ min: 1, max: 4 }),
          fc.constantFrom(16 as const, 32 as const),
          ([docs, limit], extra, maxSupport, minSpanTokens, width) => {
            const { one, sh } = pair(docs, limit, width);
            // Text from the corpus (long matches across shard boundaries) and random tokens.
            const all = docs.flatMap((d) => Array.from(d.tokens));
            const out = Uint16Array.from([...extra.slice(0, 4), ...all.slice(all.length >> 2, (all.length >> 2) + 30), ...extra.slice(4)]);
            if (out.length === 0) return;
            for (const rules of [1, 2] as const) {
              const t = { minSpanTokens, maxSupport, rules, originalSpanTokens: 3 };
              const want = traceSpans(one, out, t);
              expect(traceSpans(sh, out, t)).toEqual(want);
              spans += want.spans.length;
            }
          },
        ),
        { numRuns: 60 },
      );
    }
    expect(spans).toBeGreaterThan(0);
  });

  it("∞-gram and external span-tracing records and their hashes are the same (real text, shards of 30-80 tokens); RAG is refused", () => {
    const texts = [
      { id: 4, datanetId: 1, text: "The red fox is a small wild dog with a bushy tail. It hunts mice and rabbits at night." },
      { id: 9, datanetId: 1, text: "The arctic fox is a small fox with thick white fur. It hunts lemmings in the snow." },
      { id: 12, datanetId: 2, text: "A wolf is a wild dog that hunts in packs across the tundra, and a fox hunts alone." },
      { id: 15, datanetId: 2, text: "The red fox is a small wild dog with a bushy tail. Foxes hunt mice, voles and rabbits." },
      { id: 21, datanetId: 3, text: "Rabbits hide from the fox in burrows; the arctic fox digs them out of the snow at night." },
    ];
    const one = loadArtifact(serializeCorpusIndex(buildCorpusIndex(texts)));
    const base = { modelId: 7, artifactHash: `0x${"cd".repeat(32)}` as const, requestId: 42n };
    const inputs = [
      { kind: "infinigram" as const, prompt: "The fox is a", params: { seed: 3, maxTokens: 24, temperature: 0.7, topK: 5, maxSupport: 3 } },
      { kind: "infinigram" as const, prompt: "hunts", params: { seed: 11, maxTokens: 24, temperature: 1.2, topK: 8, maxSupport: 100 } },
      { kind: "external" as const, prompt: "?", output: "A fox is a small wild dog that hunts in packs at night. The red fox is a small wild dog with a bushy tail.", params: { minSpanTokens: 3, maxSupport: 2 } },
      { kind: "external" as const, prompt: "?", output: "The arctic fox hunts rabbits in the snow at night.", params: { minSpanTokens: 2, maxSupport: 100 } },
    ];
    for (const limit of [30, 50, 80]) {
      const sh = buildShardedIndex(texts, { maxShardTokens: limit });
      expect(sh.shards.length).toBeGreaterThan(1);
      for (const recordVersion of [1, 2] as const) {
        for (const input of inputs) {
          const a = runAttribution({ ...base, ...input, model: one, recordVersion });
          const b = runAttribution({ ...base, ...input, model: { format: "sharded", index: sh }, recordVersion });
          expect(b.output).toBe(a.output);
          expect(encodeRecord(b.record)).toBe(encodeRecord(a.record));
          expect(attributionHash(b.record)).toBe(attributionHash(a.record));
          expect(b.details).toEqual(a.details);
        }
      }
      const rag = { kind: "rag" as const, prompt: "What does a fox hunt?", params: { k: 2, quotes: 1, alphaPpm: 500_000, minSpanTokens: 3, maxSupport: 100, llm: false } };
      expect(() => runAttribution({ ...base, ...rag, model: { format: "sharded", index: sh }, recordVersion: 2 })).toThrow(/does not take a sharded corpus index yet/);
    }
  });

  it("stores as one artifact per shard plus a manifest; loads back to the same shards (token-less shards too), and a changed byte is refused", () => {
    // Limit 6: ids 1-2 fill a shard, the empty ids 3-7 cannot join id 8 (5 + 5 > 6), so they form a token-less shard.
    const docs: CorpusTokens[] = [
      { id: 1, datanetId: 1, tokens: [1, 2] },
      { id: 2, datanetId: 1, tokens: [2, 1] },
      ...[3, 4, 5, 6, 7].map((id) => ({ id, datanetId: 2, tokens: [] })),
      { id: 8, datanetId: 3, tokens: [1, 2, 1, 2] },
      { id: 9, datanetId: 3, tokens: [2, 2, 2] },
    ];
    const sh = buildShardedIndexFromTokens(docs, { maxShardTokens: 6 });
    expect(sh.shards.map((s) => Array.from(s.contributionIds))).toEqual([[1, 2], [3, 4, 5, 6, 7], [8], [9]]);
    const one = buildCorpusIndexFromTokens(docs);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "llix-shards-"));
    try {
      const { manifestHash } = writeShardedIndex(dir, sh);
      const shardFiles = ["shard-00000.llix", "shard-00002.llix", "shard-00003.llix"];
      expect(fs.readdirSync(dir).sort()).toEqual([...shardFiles.flatMap((f) => [f, `${f}.unigram`]), "shards.json"]); // each artifact's stored unigram counts beside it
      const back = loadShardedIndex(dir, { expectManifestHash: manifestHash });
      expect(back.shards.map((s) => serializeCorpusIndex(s))).toEqual(sh.shards.map((s) => serializeCorpusIndex(s)));
      expect(Array.from(back.starts)).toEqual(Array.from(one.starts));
      for (const c of [[1, 2], [2], [2, 2], [1, 2, 1]]) {
        expect(shardedOccurrences(back, c)).toEqual(Array.from(one.sa.subarray(find(one, c).lo, find(one, c).hi)));
        expect(shardedNextTokenDistribution(back, c, { maxSupport: 2 })).toEqual(nextTokenDistribution(one, c, { maxSupport: 2 }));
      }
      expect(() => loadShardedIndex(dir, { expectManifestHash: `0x${"00".repeat(32)}` })).toThrow(/does not hash/);
      const f = path.join(dir, "shard-00002.llix");
      const bytes = fs.readFileSync(f);
      bytes[bytes.length - 1] ^= 1;
      fs.writeFileSync(f, bytes);
      expect(() => loadShardedIndex(dir)).toThrow(AttributionError);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
