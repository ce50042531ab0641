/**
 * Sharded vs one index (issue 17), part of `npm run bench -- scale [--tokens N] [--shards K]`: the same corpus as one
 * CorpusIndex and as K shards (buildShardedIndexFromTokens, maxShardTokens = ⌈total / K⌉ rounded up to fit whole
 * contributions), the same queries alternating one/sharded on each input, and every answer compared (they must be
 * identical: the run stops otherwise). Latencies in µs (trace and generate in ms), p50 / p95.
 */
import {
  buildShardedIndexFromTokens,
  count,
  generate,
  infinigramProbability,
  NextTokenQuery,
  Prng,
  shardedCount,
  ShardedNextTokenQuery,
  traceSpans,
  type CorpusIndex,
  type CorpusTokens,
} from "@/lib/attribution";
import { seededRandom } from "./corpus";

export type Lat = { p50: number; p95: number };
const pct = (s: number[], q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))];
export const latency = (xs: number[]): Lat => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: pct(s, 0.5), p95: pct(s, 0.95) };
};
export const fmt = (x: number, d = 0): string => x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });

export interface ShardFigures {
  shards: number;
  maxShardTokens: number;
  buildSeconds: number;
  rows: { what: string; one: Lat; sharded: Lat; ratio: number }[];
}

/** `howMany` windows of `len` tokens from random paragraphs (seeded). */
export function windows(paragraphs: Uint16Array[], howMany: number, len: number, seed: number): Uint16Array[] {
  const random = seededRandom(seed);
  const out: Uint16Array[] = [];
  while (out.length < howMany) {
    const t = paragraphs[Math.floor(random() * paragraphs.length)];
    if (t.length < len + 1) continue;
    const at = Math.floor(random() * (t.length - len));
    out.push(t.slice(at, at + len));
  }
  return out;
}

/** Times f(one) and f(sharded) alternately on each input (the first `warm` discarded); `same` checks the answers. */
function race<I, R>(inputs: I[], warm: number, one: (x: I) => R, sharded: (x: I) => R, same: (a: R, b: R) => boolean, scale = 1000): { one: Lat; sharded: Lat } {
  const a: number[] = [];
  const b: number[] = [];
  inputs.forEach((x, i) => {
    let ra: R | undefined;
    let rb: R | undefined;
    for (const which of i % 2 === 0 ? [0, 1] : [1, 0]) {
      const t = performance.now();
      if (which === 0) ra = one(x);
      else rb = sharded(x);
      const dt = (performance.now() - t) * scale;
      if (i >= warm) (which === 0 ? a : b).push(dt);
    }
    if (!same(ra!, rb!)) throw new Error(`sharded answer differs from the one index's on input ${i}`);
  });
  return { one: latency(a), sharded: latency(b) };
}

const json = (x: unknown): string => JSON.stringify(x, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v instanceof Map ? [...v] : ArrayBuffer.isView(v) ? Array.from(v as Uint16Array) : v));

export function benchShards(index: CorpusIndex, contributions: CorpusTokens[], paragraphs: Uint16Array[], shards: number, log: (m: string) => void, queries = 2000): ShardFigures {
  const total = index.tokens.length;
  const longest = Math.max(...contributions.map((c) => c.tokens.length + 1));
  const maxShardTokens = Math.max(longest, Math.ceil(total / shards) + longest);
  const t0 = performance.now();
  const sh = buildShardedIndexFromTokens(contributions, { maxShardTokens });
  const buildSeconds = (performance.now() - t0) / 1000;
  log(`sharded: ${sh.shards.length} shards of ≤ ${fmt(maxShardTokens)} tokens, built in ${fmt(buildSeconds, 2)} s (one index: ${fmt(total)} tokens)`);
  const rows: ShardFigures["rows"] = [];
  const push = (what: string, r: { one: Lat; sharded: Lat }) => rows.push({ what, ...r, ratio: r.sharded.p50 / r.one.p50 });

  push("count, 5-token pattern (µs)", race(windows(paragraphs, queries + 200, 5, 1), 200, (p) => count(index, p), (p) => shardedCount(sh, p), (x, y) => x === y));
  const MAX = 1000;
  for (const rules of [1, 2] as const) {
    for (const len of [1, 3, 10]) {
      const qo = new NextTokenQuery(index, undefined, MAX, false);
      const qs = new ShardedNextTokenQuery(sh, MAX, false);
      const answer = (q: NextTokenQuery | ShardedNextTokenQuery) => json([q.suffixLength, q.support, q.occurrences, Array.from(q.distinct.subarray(0, q.distinctCount), (t) => [t, q.countOf(t)]).sort((x, y) => x[0] - y[0])]);
      if (rules === 2) {
        // Version 2's seeded sample: a fresh query per context (same seed on both sides), as a request would.
        push(
          `next-token, ${len}-token contexts, version 2 seeded sample, maxSupport ${MAX} (µs)`,
          race(windows(paragraphs, Math.min(queries, 1000) + 100, len, 2 + len), 100,
            (c) => { const q = new NextTokenQuery(index, undefined, MAX, false, new Prng(7n)); q.query(c, c.length, -1); return answer(q); },
            (c) => { const q = new ShardedNextTokenQuery(sh, MAX, false, new Prng(7n)); q.query(c, c.length, -1); return answer(q); },
            (x, y) => x === y),
        );
      } else {
        push(
          `next-token, ${len}-token contexts, version 1 stride sample, maxSupport ${MAX} (µs)`,
          race(windows(paragraphs, queries + 200, len, 2 + len), 200, (c) => (qo.query(c, c.length, -1), answer(qo)), (c) => (qs.query(c, c.length, -1), answer(qs)), (x, y) => x === y),
        );
      }
    }
  }
  push(
    "∞-gram probability, 10-token context, exact (µs)",
    race(windows(paragraphs, queries + 200, 11, 3), 200, (c) => infinigramProbability(index, c.subarray(0, 10), c[10]), (c) => infinigramProbability(sh, c.subarray(0, 10), c[10]), (x, y) => json(x) === json(y)),
  );
  const stitched = Array.from({ length: 25 }, (_, i) => {
    const w = windows(paragraphs, 30, 15, 100 + i);
    const out = new Uint16Array(450);
    for (let k = 0; k < 30; k++) out.set(w[k], k * 15);
    return out;
  });
  push("span trace, 450 tokens, version 2 (ms)", race(stitched, 5, (o) => traceSpans(index, o, { minSpanTokens: 4, maxSupport: MAX }), (o) => traceSpans(sh, o, { minSpanTokens: 4, maxSupport: MAX }), (x, y) => json(x) === json(y), 1));
  const opts = (i: number) => ({ maxTokens: 64, temperature: 0.8, topK: 40, seed: i + 1, maxSupport: MAX });
  const prompts = windows(paragraphs, 40, 6, 4).map((p, i) => [p, i] as const);
  push("generate, 64 tokens, version 2 (ms)", race(prompts, 5, ([p, i]) => generate(index, p, opts(i)), ([p, i]) => generate(sh, p, opts(i)), (x, y) => json(x) === json(y), 1));
  for (const r of rows) log(`${r.what}: one index p50 ${fmt(r.one.p50, 1)} / p95 ${fmt(r.one.p95, 1)}; ${sh.shards.length} shards p50 ${fmt(r.sharded.p50, 1)} / p95 ${fmt(r.sharded.p95, 1)}; ×${fmt(r.ratio, 2)} at p50 (answers identical)`);
  return { shards: sh.shards.length, maxShardTokens, buildSeconds, rows };
}
