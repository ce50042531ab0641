/**
 * `npm run bench -- serve-disk [--tokens N]`: one ∞-gram model served by the ModelCatalog in memory vs on disk
 * (ON_DISK_MODELS). An artifact of the scale corpus (bench/scale-corpus.ts) is built into a temporary artifact store;
 * each mode then runs in its own process (so its memory is its own): catalog.get (the load), the first request
 * (∞-gram, 32 tokens: version 1 rules, then version 2's, whose first call builds the copy map) and 20 warm ones, with RssAnon (the process's own memory) and RssFile (mapped
 * pages touched, reclaimable) from /proc. The records of both modes are compared. The artifact was just written, so
 * the page cache holds it: "first request" is a cold process, not a cold disk.
 */
import { fork } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildCorpusIndexFromTokens, decode, serializeCorpusIndex } from "@/lib/attribution";
import { attributionHash, encodeRecord } from "@/lib/attribution/record";
import { runAttribution } from "@/lib/attribution/run";
import { models } from "@/db/schema";
import { openTestDatabase } from "@/db/testing";
import { putArtifact } from "@/lib/factory/artifacts";
import { ModelCatalog } from "@/lib/inference/models";
import { IN_MEMORY } from "@/lib/inference/on-disk";
import { loadScaleCorpus } from "./scale-corpus";
import { fmt, latency, windows } from "./scale-shards";

const MiB = 2 ** 20;
const MODEL_ID = 1;
const PARAMS = { seed: "7", maxTokens: 32, temperature: 0.8, topK: 20, maxSupport: 500 };

interface ModeResult {
  mode: "memory" | "disk";
  loadMs: number;
  loadAnon: number;
  loadFile: number;
  firstV1Ms: number;
  firstMs: number;
  firstAnon: number;
  firstFile: number;
  warm: { p50: number; p95: number };
  records: string[];
}

function rss(): { anon: number; file: number } {
  const s = fs.readFileSync("/proc/self/status", "utf8");
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0) * 1024;
  return { anon: kb("RssAnon"), file: kb("RssFile") };
}

function arg(name: string): string | undefined {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a?.slice(name.length + 3);
}

/** The measured side: one mode, one process. */
async function serveOneMode(mode: "memory" | "disk", dir: string, hash: `0x${string}`, prompts: string[]): Promise<ModeResult> {
  const database = await openTestDatabase("pglite");
  try {
    await database.db.insert(models).values({
      id: MODEL_ID,
      builder: "0x0000000000000000000000000000000000000001",
      artifactHash: hash,
      metadataHash: hash,
      metadataUri: "bench",
      name: "bench ∞-gram",
      kind: "infinigram",
      price: 1n,
      builderBps: 0,
      createdBlock: 1,
      createdTx: hash,
      createdAt: new Date(),
    });
    const catalog = new ModelCatalog({ log: process.env.BENCH_LOG ? (m) => console.error(m) : undefined, db: database.db, artifactDir: dir, onDisk: mode === "disk" ? { all: true, modelIds: [], minBytes: undefined } : IN_MEMORY });
    // The catalog's database path warmed first (an unknown model): what follows is the model's own cost.
    await catalog.get(MODEL_ID + 1).catch(() => {});
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const r0 = rss();
    let t = performance.now();
    const served = await catalog.get(MODEL_ID);
    const loadMs = performance.now() - t;
    gc?.();
    const r1 = rss();
    const run = (i: number, recordVersion: 1 | 2 = 2) =>
      runAttribution({
        kind: "infinigram",
        model: served.model,
        view: served.view,
        modelId: MODEL_ID,
        artifactHash: served.artifactHash,
        requestId: BigInt(i + 1),
        prompt: prompts[i],
        params: PARAMS,
        recordVersion,
        verbatimLimits: served.verbatimLimits,
        datanetIds: served.datanetIds,
      });
    // Version 1's rules first (no copy map): the pages a request touches; then version 2's, whose first call also
    // builds the model's O(n) copy map in memory (lib/attribution/credit.ts) in either mode, unless a previous start kept it.
    t = performance.now();
    run(0, 1);
    const firstV1Ms = performance.now() - t;
    t = performance.now();
    const records = [run(0)];
    const firstMs = performance.now() - t;
    gc?.();
    const r2 = rss();
    const warm: number[] = [];
    for (let i = 1; i < prompts.length; i++) {
      t = performance.now();
      records.push(run(i));
      warm.push(performance.now() - t);
    }
    return {
      mode,
      loadMs,
      loadAnon: r1.anon - r0.anon,
      loadFile: r1.file - r0.file,
      firstV1Ms,
      firstMs,
      firstAnon: r2.anon - r0.anon,
      firstFile: r2.file - r0.file,
      warm: latency(warm),
      records: records.map((r) => `${attributionHash(r.record)}:${encodeRecord(r.record).length}:${r.output.length}`),
    };
  } finally {
    await database.close();
  }
}

function runMode(mode: "memory" | "disk", dir: string, hash: string, promptsFile: string): Promise<ModeResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [`--serve-mode=${mode}`, `--dir=${dir}`, `--hash=${hash}`, `--prompts=${promptsFile}`], {
      execArgv: ["--import", "tsx", "--expose-gc"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let result: ModeResult | null = null;
    child.on("message", (m) => (result = m as ModeResult));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 && result ? resolve(result) : reject(new Error(`serve-disk ${mode} exited with ${code}`))));
  });
}

export async function benchServeDisk(argv = process.argv.slice(3)): Promise<void> {
  const log = (m: string) => console.log(m);
  const tokensArg = argv.find((a) => a.startsWith("--tokens"));
  const target = tokensArg ? Number(tokensArg.includes("=") ? tokensArg.split("=")[1] : argv[argv.indexOf(tokensArg) + 1]) : 10_000_000;
  log(`== serving one ∞-gram model in memory vs on disk (${fmt(target)} tokens) on ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ledgerline-serve-disk-"));
  try {
    let corpus: ReturnType<typeof loadScaleCorpus> | null = loadScaleCorpus({ targetTokens: target, log: () => {} });
    const prompts = windows(corpus.paragraphTokens, 21, 8, 42).map((w) => decode(w));
    let bytes: Uint8Array | null = serializeCorpusIndex(buildCorpusIndexFromTokens(corpus.contributions));
    corpus = null;
    const { hash } = putArtifact(bytes, dir);
    log(`artifact: ${fmt(bytes.byteLength / MiB, 1)} MiB (${fmt(target)} tokens), ${hash}`);
    bytes = null;
    const promptsFile = path.join(dir, "prompts.json");
    fs.writeFileSync(promptsFile, JSON.stringify(prompts));
    // Each mode twice: a first start computes the model's copy map and keeps it beside its index (the shared index's
    // file, or copy-maps/<artifact>), a restart reads it back.
    const results: (ModeResult & { start: string })[] = [];
    // Both modes keep the same artifact's copy maps in one place, so each first start begins without them.
    const forgetCopyMaps = () => fs.rmSync(path.join(dir, "copy-maps"), { recursive: true, force: true });
    for (const start of ["first start", "restart"]) {
      for (const mode of ["memory", "disk"] as const) {
        if (start === "first start") forgetCopyMaps();
        results.push({ ...(await runMode(mode, dir, hash, promptsFile)), start });
      }
    }
    for (const r of results) {
      log(
        `${r.mode.padEnd(6)} (${r.start}): load (catalog.get) ${fmt(r.loadMs, 1)} ms, +${fmt(r.loadAnon / MiB, 1)} MiB anonymous, +${fmt(r.loadFile / MiB, 1)} MiB file-backed; ` +
          `first request ${fmt(r.firstV1Ms, 1)} ms under version 1 rules, then ${fmt(r.firstMs, 1)} ms under version 2 (with its copy map), after them +${fmt(r.firstAnon / MiB, 1)} MiB anonymous, +${fmt(r.firstFile / MiB, 1)} MiB file-backed; ` +
          `warm p50 / p95 ${fmt(r.warm.p50, 2)} / ${fmt(r.warm.p95, 2)} ms`,
      );
    }
    const same = results.every((r) => r.records.every((x, i) => x === results[0].records[i]));
    log(`records: ${same ? "identical" : "DIFFERENT"} in both modes and starts (${results[0].records.length} requests each: attribution hash, record length, output length)`);
    if (!same) process.exitCode = 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (arg("serve-mode")) {
  const prompts = JSON.parse(fs.readFileSync(arg("prompts")!, "utf8")) as string[];
  const result = await serveOneMode(arg("serve-mode") as "memory" | "disk", arg("dir")!, arg("hash") as `0x${string}`, prompts);
  process.send!(result, () => process.exit(0));
}
