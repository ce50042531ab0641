/**
 * CPU-heavy work in its own process, so tokenizing and indexing millions of tokens never blocks the web server:
 * a build ({task: "build", request, sources, artifactDir}) or an earnings forecast's replay ({task: "forecast",
 * …ReplayInput}). stdin: one JSON input. stdout: JSON lines {type: "progress" | "result" | "error"}.
 * Run as `node --import tsx lib/factory/worker.ts` (see worker-process.ts).
 */
import { replayForecast, type ReplayInput } from "@/lib/forecast/replay";
import { copyMap } from "@/lib/attribution/credit";
import { ORIGINAL_SPAN_TOKENS } from "@/lib/attribution/originality";
import { keepArtifactCopyMaps, putArtifact } from "./artifacts";
import { prepareBuild, runBuild } from "./build";
import { loadTokenizer } from "@/lib/attribution/tokenizer";
import type { BuildSources } from "./sources";
import type { BuildRequest } from "./spec";

// The web server that spawned this build: if it dies (even by SIGKILL) the build is abandoned with it. A
// build is one long synchronous run, so it is checked at every progress report as well as on a timer.
const parentPid = process.ppid;
function exitIfOrphaned() {
  if (process.ppid !== parentPid) process.exit(1);
}
setInterval(exitIfOrphaned, 1_000).unref();

function emit(line: Record<string, unknown>) {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

type WorkerInput = ({ task: "build" } & BuildInput) | ({ task: "forecast" } & ReplayInput);
type BuildInput = { request: BuildRequest; sources: BuildSources; artifactDir: string };

async function main() {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const input = JSON.parse(Buffer.concat(chunks).toString("utf8")) as WorkerInput;
  if (input.task === "forecast") await forecast(input);
  else await build(input);
}

async function forecast(input: ReplayInput) {
  for (const m of input.models) if (m.tokenizer) await loadTokenizer(m.tokenizer);
  let last = 0;
  const out = replayForecast(input, undefined, (done, total) => {
    exitIfOrphaned();
    const now = Date.now();
    if (now - last < 250) return;
    last = now;
    emit({ type: "progress", done, total });
  });
  // bigint wei as decimal strings on the wire.
  emit({ type: "result", complete: out.complete, models: out.models.map((m) => ({ ...m, earned: String(m.earned), fromContributors: String(m.fromContributors), fromTreasuries: String(m.fromTreasuries) })) });
}

async function build(input: BuildInput) {
  await prepareBuild(input.request);
  let last = 0;
  const out = runBuild(input.request, input.sources, (phase, progress) => {
    exitIfOrphaned();
    const now = Date.now();
    if (now - last < 100 && progress < 1) return;
    last = now;
    emit({ type: "progress", phase, progress });
  });
  const stored = putArtifact(out.artifact, input.artifactDir);
  if (out.index) {
    // The whole index's copy map (record version 2's originality), kept where the catalog looks: a model served from
    // its own index (on disk, or the first of a shared index) answers its first span trace or generation without
    // computing it on the web server's thread (seconds per 10 M tokens).
    emit({ type: "progress", phase: "storing", progress: 0.95 });
    keepArtifactCopyMaps(out.artifactHash, out.index, input.artifactDir, (m) => process.stderr.write(`${m}\n`));
    copyMap(out.index, undefined, null, ORIGINAL_SPAN_TOKENS);
  }
  emit({
    type: "result",
    artifactHash: out.artifactHash,
    artifactPath: stored.path,
    artifactBytes: out.artifact.byteLength,
    contributions: out.contributions,
    records: out.records,
    tokens: out.tokens,
    evaluation: out.evaluation,
  });
}

main().catch((err: unknown) => {
  emit({ type: "error", message: err instanceof Error ? err.message : String(err) });
  process.exitCode = 1;
});
