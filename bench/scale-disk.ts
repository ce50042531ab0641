/**
 * `npm run bench -- disk [--tokens N] [--shard-tokens M] [--memory]`: on-disk mode (issue 17) at corpus scale. The
 * scale corpus (bench/scale-corpus.ts) is built shard by shard to disk (writeShardedIndexFromTokens, progress
 * printed), the shards are opened memory-mapped (trusted: no hashing, with the stored unigram counts and, for comparison,
 * without them; and verified: streamed sha-256), and the
 * same queries run on it cold (first touch after opening; the page cache may still hold recently written pages)
 * and warm. With --memory the same shards are also loaded into memory and the queries alternate memory/disk on each
 * input, answers compared. Memory is read from /proc: anonymous (the process's own) vs file-backed (mapped pages
 * touched, reclaimable by the kernel).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { copyMapDirStore } from "@/lib/attribution/copy-map-store";
import { keepCopyMaps } from "@/lib/attribution/credit";
import { ORIGINAL_SPAN_TOKENS } from "@/lib/attribution/originality";
import {
  count,
  createView,
  generate,
  shardedCopyMap,
  infinigramProbability,
  loadShardedIndex,
  openCorpusIndexMapped,
  shardedCount,
  shardedLength,
  shardedNextTokenDistribution,
  traceSpans,
  unigramSidecarPath,
  writeShardedIndexFromTokens,
  type ShardedIndex,
  type UnigramSource,
} from "@/lib/attribution";
import { seededRandom } from "./corpus";
import { loadScaleCorpus } from "./scale-corpus";
import { fmt, latency, windows, type Lat } from "./scale-shards";

const MiB = 2 ** 20;

/** RssAnon and RssFile of this process, bytes. */
function rss(): { anon: number; file: number } {
  const s = fs.readFileSync("/proc/self/status", "utf8");
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0) * 1024;
  return { anon: kb("RssAnon"), file: kb("RssFile") };
}

/** CPU time of this process's main thread, seconds (schedstat, ns): an open runs there; the collector's threads do not count. */
function mainThreadCpu(): number {
  return Number(fs.readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8").split(" ")[0]) / 1e9;
}

function numArg(argv: string[], name: string, dflt: number): number {
  const a = argv.find((x) => x.startsWith(`--${name}`));
  if (!a) return dflt;
  const v = Number(a.includes("=") ? a.split("=")[1] : argv[argv.indexOf(a) + 1]);
  if (!Number.isSafeInteger(v) || v < 1000) throw new Error(`--${name} must be an integer ≥ 1000`);
  return v;
}

function stitched(paragraphs: Uint16Array[], tokens: number, seed: number): Uint16Array {
  const random = seededRandom(seed);
  const out = new Uint16Array(tokens);
  for (let p = 0; p < tokens; ) {
    const t = paragraphs[Math.floor(random() * paragraphs.length)];
    const len = Math.min(t.length, 6 + Math.floor(random() * 35), tokens - p);
    const at = Math.floor(random() * (t.length - len + 1));
    out.set(t.subarray(at, at + len), p);
    p += len;
    if (p < tokens) out[p++] = paragraphs[Math.floor(random() * paragraphs.length)][0] ?? 0;
  }
  return out;
}

interface Workload {
  name: string;
  unit: "µs" | "ms";
  inputs: Uint16Array[];
  run: (index: ShardedIndex, input: Uint16Array) => unknown;
}

function workloads(paragraphs: Uint16Array[], queries: number): Workload[] {
  const all: Workload[] = [
    { name: "count, 5-token pattern", unit: "µs", inputs: windows(paragraphs, queries, 5, 1), run: (ix, p) => shardedCount(ix, p) },
    { name: "next-token counts, 3-token context", unit: "µs", inputs: windows(paragraphs, queries, 3, 5), run: (ix, c) => shardedNextTokenDistribution(ix, c, { maxSupport: 1000 }) },
    { name: "∞-gram probability, 10-token context", unit: "µs", inputs: windows(paragraphs, queries, 11, 3), run: (ix, c) => infinigramProbability(ix, c.subarray(0, 10), c[10]) },
    { name: "span trace, 450 tokens", unit: "ms", inputs: Array.from({ length: 20 }, (_, i) => stitched(paragraphs, 450, 100 + i)), run: (ix, o) => traceSpans(ix, o, { minSpanTokens: 4, maxSupport: 1000 }) },
    {
      name: "generate, 64 tokens",
      unit: "ms",
      inputs: windows(paragraphs, 30, 6, 4),
      run: (ix, p) => generate(ix, p, { maxTokens: 64, temperature: 0.8, topK: 40, seed: p[0] + 1, maxSupport: 1000 }),
    },
  ];
  return all;
}

/** Answers as text for comparison (they hold bigints). */
const same = (x: unknown): string => JSON.stringify(x, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v));

function time(w: Workload, index: ShardedIndex): Lat {
  const xs = w.inputs.map((input) => {
    const t = performance.now();
    w.run(index, input);
    return (performance.now() - t) * (w.unit === "µs" ? 1000 : 1);
  });
  return latency(xs);
}

export async function benchDisk(argv: string[] = process.argv.slice(3)): Promise<void> {
  const log = (m: string) => console.log(m);
  const target = numArg(argv, "tokens", 10_000_000);
  const shardTokens = numArg(argv, "shard-tokens", 250_000_000);
  log(`== on-disk mode (${fmt(target)} tokens, shards of ≤ ${fmt(shardTokens)}) on ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${fmt(os.totalmem() / 2 ** 30)} GiB`);
  let corpus: ReturnType<typeof loadScaleCorpus> | null = loadScaleCorpus({ targetTokens: target, log });
  log(corpus.description);
  const paragraphs = corpus.paragraphTokens;
  const dir = fs.mkdtempSync(path.join(process.env.BENCH_DISK_DIR ?? os.tmpdir(), "ledgerline-disk-"));
  try {
    global.gc?.();
    const before = rss();
    const t0 = performance.now();
    let lastLog = 0;
    writeShardedIndexFromTokens(dir, corpus.contributions, {
      maxShardTokens: shardTokens,
      onShardWritten: (p) => {
        const s = (performance.now() - t0) / 1000;
        if (p.shard === p.shards || s - lastLog > 10) {
          lastLog = s;
          log(`  build: shard ${p.shard}/${p.shards} written, ${fmt(p.tokens)} / ${fmt(p.totalTokens)} tokens (${fmt((100 * p.tokens) / p.totalTokens)} %), ${fmt(s, 1)} s`);
        }
      },
    });
    const buildSeconds = (performance.now() - t0) / 1000;
    const peak = process.resourceUsage().maxRSS * 1024 - (before.anon + before.file);
    const stored = corpus.tokens + corpus.contributions.length;
    const files = fs.readdirSync(dir).map((f) => fs.statSync(path.join(dir, f)).size); // shards, their unigram sidecars, the manifest
    const shardCount = fs.readdirSync(dir).filter((f) => f.endsWith(".llix")).length;
    const diskBytes = files.reduce((a, b) => a + b, 0);
    log(
      `build (streamed, shard by shard): ${fmt(buildSeconds, 1)} s = ${fmt(stored / buildSeconds / 1e6, 2)} M tokens/s, peak ${fmt(peak / MiB)} MiB above the loaded corpus ` +
        `(${fmt(peak / Math.min(stored, shardTokens), 1)} B per token of the largest shard); on disk ${fmt(diskBytes / MiB)} MiB = ${fmt(diskBytes / stored, 2)} B/token in ${shardCount} shards`,
    );
    corpus = null; // the corpus's own arrays go; queries draw from the paragraphs
    global.gc?.();

    const open = async (verify: boolean) => {
      // (with --expose-gc) collect earlier garbage, and let its background sweeping and the finalizers that unmap
      // earlier opens' files finish, so they are not timed as opening.
      global.gc?.();
      await new Promise((r) => setTimeout(r, 250));
      const r0 = rss();
      const cpu0 = mainThreadCpu();
      const t = performance.now();
      const index = loadShardedIndex(dir, { mode: "disk", verifyShards: verify });
      const seconds = (performance.now() - t) / 1000;
      const cpuSeconds = mainThreadCpu() - cpu0;
      const r1 = rss();
      return { index, seconds, cpuSeconds, anon: r1.anon - r0.anon, file: r1.file - r0.file };
    };
    const shardFiles = fs.readdirSync(dir).filter((f) => f.endsWith(".llix")).map((f) => path.join(dir, f));
    const sources = () => shardFiles.map((f) => {
      let how: UnigramSource | null = null;
      openCorpusIndexMapped(f, { onUnigram: (h) => (how = h) });
      return how!.source;
    });
    const fileBefore = rss().file;
    // Trusted opens with the stored counts (unigram-sidecar.ts), five times (the machine is shared): min and median.
    const withStored = await open(false);
    const again: Awaited<ReturnType<typeof open>>[] = [];
    for (let i = 0; i < 4; i++) again.push(await open(false));
    const storedSorted = [withStored, ...again].map((o) => o.seconds).sort((a, b) => a - b);
    const storedCpu = [withStored, ...again].map((o) => o.cpuSeconds).sort((a, b) => a - b);
    if (sources().some((s) => s !== "sidecar")) throw new Error("a shard did not open with its stored unigram counts");
    log(
      `open on disk, trusted, stored unigram counts (header, tables, sidecars): min ${fmt(storedSorted[0] * 1000, 1)} / median ${fmt(storedSorted[2] * 1000, 1)} ms of 5 ` +
        `(main-thread CPU min ${fmt(storedCpu[0] * 1000, 1)} / median ${fmt(storedCpu[2] * 1000, 1)} ms), ` +
        `+${fmt(withStored.anon / MiB, 1)} MiB anonymous, +${fmt(withStored.file / MiB, 1)} MiB of mapped pages touched (${fmt(shardedLength(withStored.index))} tokens; load avg ${os.loadavg().map((x) => fmt(x, 1)).join(" ")})`,
    );
    // The same without the sidecars (set aside): the counts computed by bucket search, as before they were stored.
    for (const f of shardFiles) fs.renameSync(unigramSidecarPath(f), `${unigramSidecarPath(f)}.aside`);
    const searched = await open(false);
    if (sources().some((s) => s !== "buckets")) throw new Error("a shard found a sidecar that was set aside");
    for (const f of shardFiles) fs.renameSync(`${unigramSidecarPath(f)}.aside`, unigramSidecarPath(f));
    if (same(Array.from(searched.index.unigram)) !== same(Array.from(withStored.index.unigram))) throw new Error("stored and computed unigram counts differ");
    log(
      `open on disk, trusted, unigram by bucket search (sidecars set aside): ${fmt(searched.seconds * 1000, 1)} ms (CPU ${fmt(searched.cpuSeconds * 1000, 1)} ms), +${fmt(searched.anon / MiB, 1)} MiB anonymous, ` +
        `+${fmt(searched.file / MiB, 1)} MiB of mapped pages touched; counts identical to the stored ones`,
    );
    const verified = await open(true);
    log(`open on disk, verified (streamed sha-256 of every shard, stored counts checked against the buckets): ${fmt(verified.seconds, 2)} s (CPU ${fmt(verified.cpuSeconds, 2)} s)`);
    const index = withStored.index;
    const ws = workloads(paragraphs, 1_000);
    const r0 = rss();
    // Span tracing and generation under record version 2 need the copy map (originality): computed shard by shard
    // on the first call and kept beside the shards (copy-map-store.ts), so a later open reads it.
    const copies = copyMapDirStore(path.join(dir, "copies"), { tokens: shardedLength(index), contributions: index.contributionIds.length, separator: index.params.separator });
    keepCopyMaps(index, copies);
    let t = performance.now();
    const computed = shardedCopyMap(index, ORIGINAL_SPAN_TOKENS, {
      onShard: (done, all) => log(`  copy map: shard ${done}/${all} swept, ${fmt((performance.now() - t) / 1000, 1)} s`),
    });
    const computeSeconds = (performance.now() - t) / 1000;
    global.gc?.();
    const r1c = rss();
    const reopened = loadShardedIndex(dir, { mode: "disk", verifyShards: false });
    keepCopyMaps(reopened, copies);
    t = performance.now();
    const read = shardedCopyMap(reopened, ORIGINAL_SPAN_TOKENS);
    const readMs = performance.now() - t;
    if (read.starts.length !== computed.starts.length || read.owners.some((o, i) => o !== computed.owners[i] || read.starts[i] !== computed.starts[i])) throw new Error("the kept copy map differs");
    log(
      `copy map (record version 2 originality, L = ${ORIGINAL_SPAN_TOKENS}): computed in ${fmt(computeSeconds, 1)} s (${fmt(computed.starts.length)} segments, ` +
        `+${fmt((r1c.anon - r0.anon) / MiB, 1)} MiB anonymous kept), read back by a new open in ${fmt(readMs, 1)} ms, identical`,
    );
    for (const pass of ["cold", "warm"] as const) {
      for (const w of ws) {
        const l = time(w, index);
        log(`  ${pass.padEnd(4)} ${w.name}: p50 ${fmt(l.p50, w.unit === "µs" ? 1 : 2)} / p95 ${fmt(l.p95, w.unit === "µs" ? 1 : 2)} ${w.unit}`);
      }
    }
    const r1 = rss();
    log(`memory after the queries: +${fmt((r1.anon - r0.anon) / MiB, 1)} MiB anonymous, ${fmt((r1.file - fileBefore) / MiB)} MiB more file-backed pages resident than before opening (of ${fmt(diskBytes / MiB)} MiB on disk)`);

    // A takedown on a mapped shard: its partial view's ranks (4 B/token) from a mapped sidecar, against in memory.
    const takedown = async (sidecar: boolean) => {
      global.gc?.();
      await new Promise((r) => setTimeout(r, 250));
      let how = "memory";
      const shard = openCorpusIndexMapped(shardFiles[0], { saRankSidecar: sidecar, onSaRanks: (h) => (how = h.source) });
      const r0 = rss();
      const t = performance.now();
      const view = createView(shard, Array.from(shard.contributionIds).slice(1));
      const ms = performance.now() - t;
      const c = count(shard, [shard.tokens[shard.starts[1]]], view);
      const r1 = rss();
      return { ms, how, c, anon: r1.anon - r0.anon, tokens: shard.tokens.length };
    };
    const signed = (bytes: number) => `${bytes < 0 ? "−" : "+"}${fmt(Math.abs(bytes) / MiB, 1)}`;
    const inHeap = await takedown(false);
    const first = await takedown(true);
    const mapped = await takedown(true);
    if (inHeap.c !== first.c || inHeap.c !== mapped.c) throw new Error("a takedown view answers differently from its mapped ranks");
    log(
      `takedown view on one shard (${fmt(inHeap.tokens)} tokens, one contribution withdrawn): ranks in memory ${fmt(inHeap.ms / 1000, 2)} s, +${fmt(inHeap.anon / MiB, 1)} MiB anonymous; ` +
        `mapped sidecar, first (${first.how}) ${fmt(first.ms / 1000, 2)} s, ${signed(first.anon)} MiB; after a restart (${mapped.how}) ${fmt(mapped.ms, 1)} ms, ${signed(mapped.anon)} MiB; answers identical`,
    );

    if (argv.includes("--memory")) {
      const t = performance.now();
      const inMemory = loadShardedIndex(dir, { mode: "memory" });
      log(`load into memory (verified): ${fmt((performance.now() - t) / 1000, 2)} s`);
      for (const w of ws) {
        const mem: number[] = [];
        const disk: number[] = [];
        w.inputs.forEach((input, i) => {
          for (const which of i % 2 === 0 ? [0, 1] : [1, 0]) {
            const s = performance.now();
            const answer = w.run(which === 0 ? inMemory : index, input);
            (which === 0 ? mem : disk).push((performance.now() - s) * (w.unit === "µs" ? 1000 : 1));
            if (which === 1 && same(answer) !== same(w.run(inMemory, input))) throw new Error(`${w.name}: on-disk answer differs`);
          }
        });
        const a = latency(mem);
        const b = latency(disk);
        log(`  ${w.name}: memory p50 ${fmt(a.p50, 1)} / p95 ${fmt(a.p95, 1)}, disk (warm) p50 ${fmt(b.p50, 1)} / p95 ${fmt(b.p95, 1)} ${w.unit} (×${fmt(b.p50 / a.p50, 2)}), answers identical`);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
