/**
 * `npm run bench -- scale [--tokens N]`: the attribution engine at corpus scale (issue 17), on real text
 * (bench/scale-corpus.ts), side by side with the previous engine version (bench/legacy/: the suffix array
 * builder, next-token query and artifact reader as they were before) as ratios, next to infini-gram's
 * figures measured on this machine at 10 M tokens.
 *
 * Builds and loads run in child processes (bench/scale-task.ts) so each one's peak RSS is its own.
 * Queries alternate old and new on the same inputs in one process, so the ratios share the machine's noise.
 */
import { fork } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildCorpusIndexFromTokens, count, generate, NextTokenQuery, traceSpans, type CorpusIndex, type TraceResult } from "@/lib/attribution";
import { copyMap } from "@/lib/attribution/credit";
import { ORIGINAL_SPAN_TOKENS } from "@/lib/attribution/originality";
import { seededRandom } from "./corpus";
import { NextTokenQuery as LegacyNextTokenQuery } from "./legacy/corpus";
import { traceSpans as legacyTraceSpans } from "./legacy/span-trace";
import { loadScaleCorpus, type ScaleCorpus } from "./scale-corpus";
import type { TaskResult } from "./scale-task";
import { benchShards } from "./scale-shards";

/** infini-gram v2.6.0 measured on this machine at 10 M tokens (bare C++ engine; SA by its Rust sort). */
export const INFINIGRAM = { countUs: 7, nextTokenUs: 26, probUs: 37, traceMs: 2.9, saTokensPerSecond: 5.0e6 };
const MAX_SUPPORT = 1_000;
const QUERIES = 2_000;

const here = path.dirname(fileURLToPath(import.meta.url));
const fmt = (x: number, d = 0): string => x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });

function pct(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export interface Lat {
  p50: number;
  p95: number;
}
function latency(xs: number[]): Lat {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: pct(s, 0.5), p95: pct(s, 0.95) };
}

/** Runs one bench/scale-task.ts in a child process and returns what it reports. */
export function runTask(args: Record<string, string | number>): Promise<TaskResult> {
  return new Promise((resolve, reject) => {
    const argv = Object.entries(args).map(([k, v]) => `--${k}=${v}`);
    const child = fork(path.join(here, "scale-task.ts"), argv, { execArgv: ["--import", "tsx", "--max-old-space-size=16384"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    let result: TaskResult | null = null;
    child.on("message", (m) => (result = m as TaskResult));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 && result ? resolve(result) : reject(new Error(`scale task ${JSON.stringify(args)} exited with ${code}`))));
  });
}

/** Query windows: `len` tokens from a random paragraph (paragraphs shorter than len are skipped). */
function windows(corpus: ScaleCorpus, howMany: number, len: number, seed: number): Uint16Array[] {
  const random = seededRandom(seed);
  const out: Uint16Array[] = [];
  const ps = corpus.paragraphTokens;
  while (out.length < howMany) {
    const t = ps[Math.floor(random() * ps.length)];
    if (t.length < len + 1) continue;
    const at = Math.floor(random() * (t.length - len));
    out.push(t.slice(at, at + len));
  }
  return out;
}

/** 450-token outputs: fragments of 6–40 tokens of random paragraphs, each followed by 1–3 tokens of another. */
function stitched(corpus: ScaleCorpus, tokens: number, seed: number): Uint16Array {
  const random = seededRandom(seed);
  const out = new Uint16Array(tokens);
  let p = 0;
  const ps = corpus.paragraphTokens;
  while (p < tokens) {
    const t = ps[Math.floor(random() * ps.length)];
    const len = Math.min(t.length, 6 + Math.floor(random() * 35), tokens - p);
    const at = Math.floor(random() * (t.length - len + 1));
    out.set(t.subarray(at, at + len), p);
    p += len;
    const glue = ps[Math.floor(random() * ps.length)];
    for (let k = 0; k < 1 + Math.floor(random() * 3) && p < tokens; k++) out[p++] = glue[Math.floor(random() * glue.length)];
  }
  return out;
}

/** A trace result as text (bigints and Maps spelled out), for the same-answer check. */
function traceText(r: TraceResult): string {
  return JSON.stringify(r, (_, v: unknown) => (typeof v === "bigint" ? `${v}n` : v instanceof Map ? [...v] : v));
}

/**
 * Span tracing (record version 2) of 45 stitched 450-token outputs, the previous tracer (bench/legacy/span-trace.ts)
 * and the current one alternating on each output, after one warm-up round; every answer of the two must be the same.
 * The copy map is computed before timing, as the Factory does when it loads a model (lib/factory/worker.ts).
 */
export function benchTrace(index: CorpusIndex, corpus: ScaleCorpus, rounds = 6): { outputs: number; rounds: number; legacy: Lat; current: Lat; ratio: number } {
  const outputs = Array.from({ length: 45 }, (_, i) => stitched(corpus, 450, 100 + i));
  copyMap(index, undefined, null, ORIGINAL_SPAN_TOKENS);
  const opts = { minSpanTokens: 4, maxSupport: MAX_SUPPORT };
  outputs.forEach((o, i) => {
    const a = traceText(legacyTraceSpans(index, o, opts));
    const b = traceText(traceSpans(index, o, opts));
    if (a !== b) throw new Error(`span trace of output ${i} differs from the previous tracer`);
  });
  const oldMs: number[] = [];
  const newMs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    outputs.forEach((o, i) => {
      for (const which of (i + r) % 2 === 0 ? [0, 1] : [1, 0]) {
        const t = performance.now();
        if (which === 0) legacyTraceSpans(index, o, opts);
        else traceSpans(index, o, opts);
        (which === 0 ? oldMs : newMs).push(performance.now() - t);
      }
    });
  }
  const legacy = latency(oldMs);
  const current = latency(newMs);
  return { outputs: outputs.length, rounds, legacy, current, ratio: legacy.p50 / current.p50 };
}

export interface QueryFigures {
  count: Lat;
  nextToken: { contextTokens: number; meanSupport: number; legacy: Lat; current: Lat; ratio: number }[];
  prob: { legacy: Lat; current: Lat; ratio: number };
  trace: Lat;
  generate: Lat;
}

/** Query latencies (µs; trace and generate in ms) over a loaded index. */
export function benchQueries(index: CorpusIndex, corpus: ScaleCorpus, log: (m: string) => void): QueryFigures {
  const pats = windows(corpus, QUERIES + 200, 5, 1);
  const us: number[] = [];
  pats.forEach((p, i) => {
    const t = performance.now();
    count(index, p);
    if (i >= 200) us.push((performance.now() - t) * 1000);
  });
  const countLat = latency(us);

  // Next-token distribution (the counts, as infini-gram's ntd): the longest suffix of the context with a
  // continuation, maxSupport 1000, for contexts of 1, 3 and 10 tokens (short contexts have the widest
  // ranges). Old and new alternate on each context, and their answers are compared.
  const oldQ = new LegacyNextTokenQuery(index, undefined, MAX_SUPPORT, false);
  const newQ = new NextTokenQuery(index, undefined, MAX_SUPPORT, false);
  const nextToken: QueryFigures["nextToken"] = [];
  for (const len of [1, 3, 10]) {
    const ctxs = windows(corpus, QUERIES + 200, len, 2 + len);
    const oldUs: number[] = [];
    const newUs: number[] = [];
    let mismatches = 0;
    let support = 0;
    ctxs.forEach((c, i) => {
      for (const which of i % 2 === 0 ? [0, 1] : [1, 0]) {
        const t = performance.now();
        if (which === 0) oldQ.query(c, c.length, -1);
        else newQ.query(c, c.length, -1);
        const dt = (performance.now() - t) * 1000;
        if (i >= 200) (which === 0 ? oldUs : newUs).push(dt);
      }
      // Same answer: support, suffix length, every distinct token's count.
      oldQ.query(c, c.length, -1);
      const snapshot = Array.from({ length: oldQ.distinctCount }, (_, k) => [oldQ.distinct[k], oldQ.countOf(oldQ.distinct[k])]);
      newQ.query(c, c.length, -1);
      support += newQ.support;
      if (newQ.support !== oldQ.support || newQ.suffixLength !== oldQ.suffixLength || newQ.distinctCount !== snapshot.length) mismatches++;
      else if (snapshot.some(([t, n], k) => newQ.distinct[k] !== t || newQ.countOf(t) !== n)) mismatches++;
    });
    if (mismatches > 0) throw new Error(`next-token counts differ from the previous engine on ${mismatches} contexts`);
    const e = { contextTokens: len, meanSupport: support / ctxs.length, legacy: latency(oldUs), current: latency(newUs), ratio: 0 };
    e.ratio = e.legacy.p50 / e.current.p50;
    nextToken.push(e);
  }

  // ∞-gram probability of the token that really follows a 10-token context: P(next | longest suffix).
  const probCtx = windows(corpus, QUERIES + 200, 11, 3);
  const oldP: number[] = [];
  const newP: number[] = [];
  probCtx.forEach((c, i) => {
    for (const which of i % 2 === 0 ? [0, 1] : [1, 0]) {
      const q = which === 0 ? oldQ : newQ;
      const t = performance.now();
      const p = q.query(c, 10, -1) ? q.countOf(c[10]) / q.support : 0;
      const dt = (performance.now() - t) * 1000;
      if (p < 0) throw new Error("unreachable");
      if (i >= 200) (which === 0 ? oldP : newP).push(dt);
    }
  });
  const prob = { legacy: latency(oldP), current: latency(newP), ratio: 0 };
  prob.ratio = prob.legacy.p50 / prob.current.p50;

  const trace = benchTrace(index, corpus);
  const genMs: number[] = [];
  windows(corpus, 70, 6, 4).forEach((p, i) => {
    const t = performance.now();
    generate(index, p, { maxTokens: 64, temperature: 0.8, topK: 40, seed: i + 1, maxSupport: MAX_SUPPORT });
    if (i >= 10) genMs.push(performance.now() - t);
  });
  const figures: QueryFigures = { count: countLat, nextToken, prob, trace: trace.current, generate: latency(genMs) };
  const l = (x: Lat, d = 1) => `p50 ${fmt(x.p50, d)} / p95 ${fmt(x.p95, d)}`;
  log(`count (5-token windows, ${fmt(QUERIES)} after 200 warm-up): ${l(countLat)} µs — infini-gram ${INFINIGRAM.countUs} µs`);
  for (const e of nextToken) {
    log(
      `next-token counts (${e.contextTokens}-token contexts, maxSupport ${MAX_SUPPORT}, mean support ${fmt(e.meanSupport)}, same answers checked): ` +
        `previous ${l(e.legacy)} µs, now ${l(e.current)} µs, ×${fmt(e.ratio, 2)} at p50 — infini-gram ${INFINIGRAM.nextTokenUs} µs`,
    );
  }
  log(`∞-gram probability (P of the real next token): previous ${l(prob.legacy)} µs, now ${l(prob.current)} µs, ×${fmt(prob.ratio, 2)} — infini-gram ${INFINIGRAM.probUs} µs`);
  log(
    `span trace (450-token outputs, minSpanTokens 4, maxSupport ${MAX_SUPPORT}, ${trace.outputs} outputs × ${trace.rounds} rounds, copy map precomputed, same answers checked): ` +
      `previous ${l(trace.legacy, 2)} ms, now ${l(trace.current, 2)} ms, ×${fmt(trace.ratio, 2)} at p50 — infini-gram ${INFINIGRAM.traceMs} ms`,
  );
  log(`generate (64 tokens, temperature 0.8, topK 40, record version 2 rules): ${l(figures.generate, 2)} ms`);
  return figures;
}

export async function benchScale(argv: string[] = process.argv.slice(3)): Promise<void> {
  const log = (m: string) => console.log(m);
  const tokArg = argv.find((a) => a.startsWith("--tokens"));
  const target = tokArg ? Number(tokArg.includes("=") ? tokArg.split("=")[1] : argv[argv.indexOf(tokArg) + 1]) : 10_000_000;
  if (!Number.isSafeInteger(target) || target < 1000) throw new Error(`--tokens must be an integer ≥ 1000, got ${String(tokArg)}`);
  // --shards K (default 4): the sharded-index comparison's shard count; --shards-only runs only that comparison.
  const shardArg = argv.find((a) => a.startsWith("--shards") && !a.startsWith("--shards-only"));
  const shards = shardArg ? Number(shardArg.includes("=") ? shardArg.split("=")[1] : argv[argv.indexOf(shardArg) + 1]) : 4;
  if (!Number.isSafeInteger(shards) || shards < 2) throw new Error(`--shards must be an integer ≥ 2, got ${String(shardArg)}`);
  log(`== scale (${fmt(target)} tokens) on ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}`);
  const corpus = loadScaleCorpus({ targetTokens: target, log });
  log(corpus.description);
  if (argv.includes("--trace-only")) {
    // Only the span-trace comparison, on an index built in this process (no artifact round trip).
    const index = buildCorpusIndexFromTokens(corpus.contributions);
    const roundsArg = argv.find((a) => a.startsWith("--rounds="));
    const t = benchTrace(index, corpus, roundsArg ? Number(roundsArg.split("=")[1]) : 6);
    const l = (x: Lat) => `p50 ${fmt(x.p50, 2)} / p95 ${fmt(x.p95, 2)}`;
    log(`span trace (${t.outputs} outputs × ${t.rounds} rounds, same answers checked): previous ${l(t.legacy)} ms, now ${l(t.current)} ms, ×${fmt(t.ratio, 2)} at p50 — infini-gram ${INFINIGRAM.traceMs} ms`);
    return;
  }
  if (argv.includes("--shards-only")) {
    const index = buildCorpusIndexFromTokens(corpus.contributions);
    benchShards(index, corpus.contributions, corpus.paragraphTokens, shards, log);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ledgerline-scale-"));
  try {
    // Side by side, alternating: the suffix array alone (old and new builder, best of 2 each), the whole
    // build (tokens → index), and loading the artifact it wrote (old: readFileSync + deserialize).
    const sa: Record<string, number[]> = { "sa-legacy": [], "sa-js": [], sa: [] };
    const order = ["sa-legacy", "sa-js", "sa"];
    for (let r = 0; r < 2; r++) for (const t of r === 0 ? order : [...order].reverse()) sa[t].push((await runTask({ task: t, tokens: target })).seconds);
    const stored = target + corpus.contributions.length;
    const best = (t: string) => Math.min(...sa[t]);
    const rate = (t: string) => `${fmt(stored / best(t) / 1e6, 2)} M tokens/s (runs ${sa[t].map((x) => fmt(x, 2)).join(", ")} s)`;
    log(
      `suffix array (SA-IS over ${fmt(stored)} symbols): previous ${rate("sa-legacy")}, JS ${rate("sa-js")}, C (native/sais) ${rate("sa")} — ` +
        `C ×${fmt(best("sa-js") / best("sa"), 2)} of JS, ×${fmt(best("sa-legacy") / best("sa"), 2)} of previous; infini-gram's Rust sort ${fmt(INFINIGRAM.saTokensPerSecond / 1e6, 1)} M tokens/s`,
    );
    const file = path.join(dir, "index.llix");
    const oldBuild = await runTask({ task: "build-legacy", tokens: target });
    const build = await runTask({ task: "build", tokens: target, out: file });
    for (const [what, b] of [["previous", oldBuild], ["now", build]] as const) {
      log(`build (buildCorpusIndexFromTokens), ${what}: ${fmt(b.seconds, 2)} s, peak ${fmt(b.peakBytes / 2 ** 20)} MiB above the loaded corpus = ${fmt(b.peakBytes / b.tokens, 1)} bytes/token`);
    }
    log(`artifact: ${fmt(build.artifactBytes! / 2 ** 20, 1)} MiB = ${fmt(build.artifactBytes! / build.tokens, 2)} bytes/token`);
    for (let r = 0; r < 2; r++) {
      const oldLoad = await runTask({ task: "load-legacy", file });
      const load = await runTask({ task: "load", file });
      log(
        `load with verification: previous (readFileSync + deserializeCorpusIndex) ${fmt(oldLoad.seconds, 2)} s, peak +${fmt(oldLoad.peakBytes / 2 ** 20)} MiB; ` +
          `now (loadCorpusIndexFile) ${fmt(load.seconds, 2)} s, peak +${fmt(load.peakBytes / 2 ** 20)} MiB (artifact ${fmt(build.artifactBytes! / 2 ** 20)} MiB)`,
      );
    }
    const { index } = await import("./scale-task").then((m) => m.loadIndex(file));
    const q = benchQueries(index, corpus, log);
    void q;
    benchShards(index, corpus.contributions, corpus.paragraphTokens, shards, log);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
