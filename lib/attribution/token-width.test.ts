/**
 * Artifact format versions and token widths (issue 17): a default build stays format version 1, byte for byte
 * (golden artifact and hash), and an index of 32-bit tokens (format version 2) answers every query exactly as
 * the 16-bit index of the same text: counts, next-token distributions, generation, span tracing, records and
 * their hashes.
 */
import fc from "fast-check";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { artifactHash, deserializeCorpusIndex, loadCorpusIndexFile, serializeCorpusIndex } from "./artifact";
import { buildCorpusIndex, buildCorpusIndexFromTokens, count, find, longestSuffix, NextTokenQuery, nextTokenDistribution } from "./corpus";
import { tokenWidth } from "./corpus-index";
import { AttributionError } from "./errors";
import { plainIndex } from "./testing/plain-index";
import { EXAMPLE } from "./example";
import { generate } from "./infinigram";
import { SharedIndexPool } from "./pool";
import { attributionHash, encodeRecord } from "./record";
import { loadArtifact, runAttribution } from "./run";
import { traceSpans } from "./span-trace";
import { encodeWith, loadTokenizer, tokenizerInfo } from "./tokenizer";
import { createView } from "./view";

const FIXTURE = path.join(__dirname, "testing", "fixtures", "v1-example.llix");
/** sha-256 of the README example corpus's artifact as version 1 wrote it before format version 2 existed. */
const GOLDEN_V1_HASH = "0x9bb37f5accd161724c80630a849599bc368ecdd7f142ad4983ad196dd71d0385";

const plain = plainIndex;

describe("artifact format versions", () => {
  it("a default build is format version 1, byte for byte: the golden artifact and its hash load, verify and rebuild identically", () => {
    const golden = new Uint8Array(fs.readFileSync(FIXTURE));
    expect(artifactHash(golden)).toBe(GOLDEN_V1_HASH);
    expect(new DataView(golden.buffer, golden.byteOffset).getUint32(4, true)).toBe(1);
    const rebuilt = serializeCorpusIndex(buildCorpusIndex(EXAMPLE.contributions));
    expect(artifactHash(rebuilt)).toBe(GOLDEN_V1_HASH);
    expect(rebuilt).toEqual(golden);
    const fromBytes = deserializeCorpusIndex(golden);
    const fromFile = loadCorpusIndexFile(FIXTURE, { expectHash: GOLDEN_V1_HASH });
    expect(tokenWidth(fromBytes)).toBe(16);
    expect(plain(fromFile)).toEqual(plain(fromBytes));
    expect(serializeCorpusIndex(fromFile)).toEqual(golden);
    // The README's worked example still computes from the old artifact.
    expect(generate(fromBytes, EXAMPLE.prompt, EXAMPLE.options).text).toBe(" small wild dog with a bushy tail");
  });

  it("32-bit tokens are written as version 2 and round-trip from bytes and from a file; every corrupted byte is refused", () => {
    const wide = buildCorpusIndex(EXAMPLE.contributions, { tokenWidth: 32 });
    expect(wide.tokens).toBeInstanceOf(Uint32Array);
    const bytes = serializeCorpusIndex(wide);
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    expect(dv.getUint32(4, true)).toBe(2);
    expect(dv.getUint32(32, true)).toBe(32);
    const back = deserializeCorpusIndex(bytes);
    expect(tokenWidth(back)).toBe(32);
    expect(plain(back)).toEqual(plain(wide));
    expect(serializeCorpusIndex(back)).toEqual(bytes);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "llix2-"));
    try {
      const file = path.join(dir, "wide.llix");
      fs.writeFileSync(file, bytes);
      const loaded = loadCorpusIndexFile(file, { expectHash: artifactHash(bytes) });
      expect(tokenWidth(loaded)).toBe(32);
      expect(plain(loaded)).toEqual(plain(wide));
      const bad = bytes.slice();
      bad[40] ^= 4;
      fs.writeFileSync(file, bad);
      expect(() => loadCorpusIndexFile(file)).toThrow(AttributionError);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    for (let i = 0; i < bytes.length; i++) {
      const bad = bytes.slice();
      bad[i] ^= 1 << i % 8;
      expect(() => deserializeCorpusIndex(bad), `byte ${i}`).toThrow(AttributionError);
    }
    const odd = bytes.slice();
    new DataView(odd.buffer).setUint32(32, 24, true);
    expect(() => deserializeCorpusIndex(odd)).toThrow(/token width is 24 bits/);
    const v3 = bytes.slice();
    v3[4] = 3;
    expect(() => deserializeCorpusIndex(v3)).toThrow(/version 3 is not supported/);
    // A version 1 artifact relabelled as version 2 does not pass as one.
    const relabelled = serializeCorpusIndex(buildCorpusIndex(EXAMPLE.contributions));
    relabelled[4] = 2;
    expect(() => deserializeCorpusIndex(relabelled)).toThrow(/corrupt/);
    expect(() => buildCorpusIndex(EXAMPLE.contributions, { tokenWidth: 8 as never })).toThrow(/tokenWidth must be 16 or 32/);
  });
});

const docsArb = (vocab: number[]) =>
  fc
    .uniqueArray(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 6 })
    .chain((ids) =>
      fc.tuple(
        fc.constant(ids),
        fc.array(fc.array(fc.constantFrom(...vocab), { maxLength: 40 }), { minLength: ids.length, maxLength: ids.length }),
      ),
    )
    .map(([ids, ts]) => ts.map((tokens, i) => ({ id: ids[i], datanetId: i % 2, tokens: Uint16Array.from(tokens) })))
    .filter((docs) => docs.some((d) => d.tokens.length > 0));

/** Everything a next-token query answers. */
function queryAnswer(q: NextTokenQuery, ok: boolean) {
  const tokens = Array.from(q.distinct.subarray(0, q.distinctCount)).sort((a, b) => a - b);
  return { ok, len: q.suffixLength, support: q.support, occ: q.occurrences, per: tokens.map((t) => [t, q.countOf(t), Array.from(q.samplesOf(t))]) };
}

describe("16- and 32-bit tokens answer identically on the same text", () => {
  it("counts, ranges, longest suffixes, next-token distributions and queries (with and without a view), generation and span tracing", () => {
    for (const vocab of [
      [0, 1, 2],
      [40, 41, 42, 43, 50256],
    ]) {
      fc.assert(
        fc.property(
          docsArb(vocab),
          fc.array(fc.array(fc.constantFrom(...vocab), { maxLength: 8 }), { minLength: 1, maxLength: 4 }),
          fc.integer({ min: 1, max: 30 }),
          fc.integer({ min: 0, max: 1000 }),
          (docs, ctxs, maxSupport, seed) => {
            const narrow = buildCorpusIndexFromTokens(docs);
            const wide = deserializeCorpusIndex(serializeCorpusIndex(buildCorpusIndexFromTokens(docs, { tokenWidth: 32 })));
            expect(tokenWidth(wide)).toBe(32);
            expect(plain(wide)).toEqual(plain(narrow));
            const member = docs.find((d) => d.tokens.length > 0)!.id;
            const view = createView(narrow, [member]);
            const wideView = createView(wide, [member]);
            for (const c of ctxs) {
              if (c.length > 0) {
                expect(find(wide, c)).toEqual(find(narrow, c));
                expect(count(wide, c)).toBe(count(narrow, c));
                expect(count(wide, c, wideView)).toBe(count(narrow, c, view));
              }
              expect(longestSuffix(wide, c)).toEqual(longestSuffix(narrow, c));
              expect(nextTokenDistribution(wide, c, { maxSupport })).toEqual(nextTokenDistribution(narrow, c, { maxSupport }));
              expect(nextTokenDistribution(wide, c, { maxSupport, view: wideView })).toEqual(nextTokenDistribution(narrow, c, { maxSupport, view }));
              const ctx = Uint16Array.from(c);
              const qn = new NextTokenQuery(narrow, undefined, maxSupport, false);
              const qw = new NextTokenQuery(wide, undefined, maxSupport, false);
              expect(queryAnswer(qw, qw.query(ctx, ctx.length, -1))).toEqual(queryAnswer(qn, qn.query(ctx, ctx.length, -1)));
              const prompt = ctx.length > 0 ? ctx : Uint16Array.of(vocab[0]);
              for (const rules of [1, 2] as const) {
                const opts = { maxTokens: 12, temperature: 0.9, topK: 3, seed, maxSupport, rules, originalSpanTokens: 4 };
                expect(generate(wide, prompt, opts)).toEqual(generate(narrow, prompt, opts));
                expect(generate(wide, prompt, { ...opts, view: wideView })).toEqual(generate(narrow, prompt, { ...opts, view }));
                const out = Uint16Array.from([...prompt, ...docs.flatMap((d) => Array.from(d.tokens)).slice(0, 20)]);
                if (out.length > 0) {
                  const t = { minSpanTokens: 2, maxSupport, rules };
                  expect(traceSpans(wide, out, t)).toEqual(traceSpans(narrow, out, t));
                }
              }
            }
          },
        ),
        { numRuns: 60 },
      );
    }
  });

  it("16-bit builds with separators past 16 bits (V + contributions > 65,535) sort a separate Int32 copy, and match the 32-bit build", () => {
    const items = Array.from({ length: 15_400 }, (_, i) => ({ id: i + 1, datanetId: 1, tokens: Uint16Array.of(i % 7, (i * 31) % 50257, 11) }));
    const i16 = buildCorpusIndexFromTokens(items, { tokenWidth: 16 });
    const i32 = buildCorpusIndexFromTokens(items, { tokenWidth: 32 });
    expect(i16.tokens).toBeInstanceOf(Uint16Array);
    expect(Array.from(i16.tokens)).toEqual(Array.from(i32.tokens));
    expect(i16.sa).toEqual(i32.sa);
    expect(Array.from(i16.tokens.subarray(0, 8))).toEqual([0, 0, 11, 50257, 1, 31, 11, 50257]);
  });

  it("records and their hashes are the same for real text (∞-gram, external span tracing, RAG) given the same artifactHash", () => {
    const texts = [
      { id: 4, datanetId: 1, text: "The red fox is a small wild dog with a bushy tail. It hunts mice and rabbits at night." },
      { id: 9, datanetId: 1, text: "The arctic fox is a small fox with thick white fur. It hunts lemmings in the snow." },
      { id: 12, datanetId: 2, text: "A wolf is a wild dog that hunts in packs across the tundra, and a fox hunts alone." },
    ];
    const narrowModel = loadArtifact(serializeCorpusIndex(buildCorpusIndex(texts)));
    const wideModel = loadArtifact(serializeCorpusIndex(buildCorpusIndex(texts, { tokenWidth: 32 })));
    const base = { modelId: 7, artifactHash: `0x${"cd".repeat(32)}` as const, requestId: 42n };
    const inputs = [
      { kind: "infinigram" as const, prompt: "The fox is a", params: { seed: 3, maxTokens: 16, temperature: 0.7, topK: 5, maxSupport: 100 } },
      { kind: "external" as const, prompt: "?", output: "A fox is a small wild dog that hunts in packs at night.", params: { minSpanTokens: 3, maxSupport: 100 } },
      { kind: "rag" as const, prompt: "What does a fox hunt?", params: { k: 2, quotes: 1, alphaPpm: 500_000, minSpanTokens: 3, maxSupport: 100, llm: false } },
    ];
    for (const recordVersion of [1, 2] as const) {
      for (const input of inputs) {
        if (input.kind === "rag" && recordVersion === 1) continue;
        const a = runAttribution({ ...base, ...input, model: narrowModel, recordVersion });
        const b = runAttribution({ ...base, ...input, model: wideModel, recordVersion });
        expect(b.output).toBe(a.output);
        expect(encodeRecord(b.record)).toBe(encodeRecord(a.record));
        expect(attributionHash(b.record)).toBe(attributionHash(a.record));
        expect(b.details).toEqual(a.details);
      }
    }
  });

  it("a shared index over a 32-bit model's contributions stays 32-bit and answers as the 16-bit one", () => {
    const a = [
      { id: 1, datanetId: 1, text: "one two three four five" },
      { id: 2, datanetId: 1, text: "two three four six" },
    ];
    const b = [
      { id: 2, datanetId: 1, text: "two three four six" },
      { id: 3, datanetId: 2, text: "three four five six seven" },
    ];
    const pools = [16, 32].map((w) => {
      const pool = new SharedIndexPool();
      pool.addModel(1, buildCorpusIndex(a, { tokenWidth: w as 16 | 32 }));
      pool.addModel(2, buildCorpusIndex(b, { tokenWidth: w as 16 | 32 }));
      return pool;
    });
    expect(tokenWidth(pools[1].sharedIndex!)).toBe(32);
    expect(plain(pools[1].sharedIndex!)).toEqual(plain(pools[0].sharedIndex!));
    const opts = { maxTokens: 6, temperature: 0, topK: 5, seed: 1, maxSupport: 10 };
    for (const m of [1, 2]) {
      const [n, w] = pools.map((p) => p.get(m));
      expect(generate(w.index, "three four", { ...opts, view: w.view })).toEqual(generate(n.index, "three four", { ...opts, view: n.view }));
    }
  });
});

describe("tokenizers other than GPT-2's (cl100k_base, o200k_base)", () => {
  const texts = [
    { id: 1, datanetId: 1, text: "The fox is a small wild dog. 狐狸是一种小型野生犬科动物。Лиса — хищное млекопитающее." },
    { id: 2, datanetId: 1, text: "狐狸是一种小型野生犬科动物。The arctic fox is a small fox. 狐狸是一种小型野生犬科动物。" },
    { id: 3, datanetId: 2, text: "Лиса — хищное млекопитающее. A wolf is a wild dog that hunts in packs." },
  ];

  it("are loaded on demand, and unknown ones are refused", async () => {
    expect(() => tokenizerInfo("p50k_base")).toThrow(/not supported/);
    expect(() => buildCorpusIndex(texts, { tokenizer: "gpt5_base" })).toThrow(/not supported/);
    await loadTokenizer("cl100k_base");
    expect(encodeWith("cl100k_base", "hello world")).toBeInstanceOf(Uint32Array);
  });

  it("an o200k_base index (ids above 65,535) is 32-bit, stored as version 2 with its tokenizer, and counts and next-token distributions are exact (brute force)", async () => {
    await loadTokenizer("o200k_base");
    expect(() => buildCorpusIndex(texts, { tokenizer: "o200k_base", tokenWidth: 16 })).toThrow(/needs 32-bit tokens/);
    const built = buildCorpusIndex(texts, { tokenizer: "o200k_base" });
    expect(tokenWidth(built)).toBe(32);
    expect(built.params).toEqual({ tokenizer: "o200k_base", separator: 200019 });
    const V = 200019;
    expect(Math.max(...Array.from(built.tokens).filter((t) => t !== V))).toBeGreaterThan(65535);
    const bytes = serializeCorpusIndex(built);
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    expect([dv.getUint32(4, true), dv.getUint32(12, true), dv.getUint32(16, true), dv.getUint32(32, true)]).toEqual([2, V, V, 32]);
    const index = deserializeCorpusIndex(bytes);
    expect(plain(index)).toEqual(plain(built));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "llix-o200k-"));
    try {
      fs.writeFileSync(path.join(dir, "a.llix"), bytes);
      expect(plain(loadCorpusIndexFile(path.join(dir, "a.llix"), { expectHash: artifactHash(bytes) }))).toEqual(plain(built));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }

    const toks = Array.from(index.tokens);
    const occurrences = (pat: number[]) => {
      const out: number[] = [];
      for (let p = 0; p + pat.length <= toks.length; p++) if (pat.every((t, j) => toks[p + j] === t)) out.push(p);
      return out;
    };
    for (const t of texts) {
      const enc = Array.from(encodeWith("o200k_base", t.text));
      for (let at = 0; at < enc.length; at += 3) {
        for (const len of [1, 2, 4]) {
          const pat = enc.slice(at, at + len);
          if (pat.length === 0) continue;
          expect(count(index, pat)).toBe(occurrences(pat).length);
          // Exact next-token counts of the whole range (maxSupport above every range here).
          const d = nextTokenDistribution(index, pat, { maxSupport: 1000 });
          let len2 = pat.length;
          let follow: number[] = [];
          for (; len2 >= 0; len2--) {
            follow = occurrences(pat.slice(pat.length - len2)).map((p) => toks[p + len2]).filter((x) => x !== V);
            if (follow.length > 0) break;
          }
          expect(d.suffixLength).toBe(len2);
          expect(d.total).toBe(follow.length);
          const byToken = new Map<number, number>();
          for (const x of follow) byToken.set(x, (byToken.get(x) ?? 0) + 1);
          expect(d.entries.map((e) => [e.token, e.count])).toEqual([...byToken.entries()].sort((a, b) => a[0] - b[0]));
        }
      }
    }
    expect(() => count(index, [V])).toThrow(/separator/);
    expect(() => count(index, [V + 1])).toThrow(/outside the o200k_base vocabulary/);
    // Generation and span tracing use the index's own tokenizer (issue 17; modern-vocab.test.ts tests them in depth).
    const g = generate(index, Uint32Array.from(encodeWith("o200k_base", texts[0].text).slice(0, 2)), { maxTokens: 2, temperature: 0, topK: 1, seed: 1, maxSupport: 10 });
    expect(g.tokens).toBeInstanceOf(Uint32Array);
    expect(traceSpans(index, texts[0].text, { minSpanTokens: 2, maxSupport: 10 }).spans.length).toBeGreaterThan(0);
    // A shared index is per tokenizer.
    const pool = new SharedIndexPool();
    pool.addModel(1, index);
    expect(() => pool.addModel(2, buildCorpusIndex(texts))).toThrow(/uses tokenizer r50k_base/);
    const other = buildCorpusIndex(texts.slice(1).map((t) => ({ ...t, id: t.id + 10 })), { tokenizer: "o200k_base" });
    pool.addModel(3, other);
    expect(pool.sharedIndex!.params.tokenizer).toBe("o200k_base");
    expect(tokenWidth(pool.sharedIndex!)).toBe(32);
    for (const t of texts) {
      const pat = Array.from(encodeWith("o200k_base", t.text)).slice(0, 3);
      expect(count(pool.sharedIndex!, pat)).toBe(count(index, pat) + count(other, pat));
    }
  });
});
