/**
 * One measured step of the scale benchmark in its own process (so its peak RSS is its own), started by
 * bench/scale.ts: `--task=build|build-legacy|sa|sa-js|sa-legacy|load|load-legacy` (sa: the default engine, native/sais when built). Reports a TaskResult over IPC.
 * Peak figures are the process's maxRSS minus its RSS just before the measured step.
 */
import fs from "node:fs";
import { buildCorpusIndexFromTokens, loadCorpusIndexFile, serializeCorpusIndex, suffixArray, VOCAB_SIZE, type CorpusIndex } from "@/lib/attribution";
import { buildCorpusIndexFromTokens as legacyBuild } from "./legacy/corpus";
import { suffixArray as legacySuffixArray } from "./legacy/sais";
import { deserializeCorpusIndex as legacyDeserialize } from "./legacy/artifact";
import { loadScaleCorpus } from "./scale-corpus";

export interface TaskResult {
  task: string;
  seconds: number;
  /** maxRSS after the step − RSS before it. */
  peakBytes: number;
  tokens: number;
  artifactBytes?: number;
}

const maxRss = (): number => process.resourceUsage().maxRSS * 1024;

/** Loads an artifact file (the current reader). */
export function loadIndex(file: string): { index: CorpusIndex } {
  return { index: loadCorpusIndexFile(file) };
}

function arg(name: string): string | undefined {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a?.slice(name.length + 3);
}

async function main(): Promise<void> {
  const task = arg("task")!;
  const file = arg("out") ?? arg("file") ?? "";
  let result: TaskResult;
  if (task === "build" || task === "build-legacy" || task.startsWith("sa")) {
    const corpus = loadScaleCorpus({ targetTokens: Number(arg("tokens")), log: () => {} });
    let work: Int32Array | null = null;
    if (task.startsWith("sa")) {
      // The builder's working text: tokens, and separator VOCAB_SIZE + rank after each contribution.
      work = new Int32Array(corpus.tokens + corpus.contributions.length);
      let p = 0;
      corpus.contributions.forEach((c, r) => {
        for (let j = 0; j < c.tokens.length; j++) work![p++] = c.tokens[j];
        work![p++] = VOCAB_SIZE + r;
      });
    }
    global.gc?.();
    const before = process.memoryUsage().rss;
    const t0 = performance.now();
    let n = 0;
    let artifactBytes: number | undefined;
    if (task === "sa") n = suffixArray(work!, VOCAB_SIZE + corpus.contributions.length).length;
    else if (task === "sa-js") n = suffixArray(work!, VOCAB_SIZE + corpus.contributions.length, "js").length;
    else if (task === "sa-legacy") n = legacySuffixArray(work!, VOCAB_SIZE + corpus.contributions.length).length;
    else {
      const index = (task === "build" ? buildCorpusIndexFromTokens : legacyBuild)(corpus.contributions);
      n = index.tokens.length;
      const seconds = (performance.now() - t0) / 1000;
      const peak = maxRss() - before;
      if (file) {
        const bytes = serializeCorpusIndex(index);
        fs.writeFileSync(file, bytes);
        artifactBytes = bytes.length;
      }
      process.send!({ task, seconds, peakBytes: peak, tokens: n, artifactBytes } satisfies TaskResult);
      return;
    }
    result = { task, seconds: (performance.now() - t0) / 1000, peakBytes: maxRss() - before, tokens: n };
  } else if (task === "load" || task === "load-legacy") {
    const before = process.memoryUsage().rss;
    const t0 = performance.now();
    const index = task === "load" ? loadIndex(file).index : legacyDeserialize(new Uint8Array(fs.readFileSync(file)));
    result = { task, seconds: (performance.now() - t0) / 1000, peakBytes: maxRss() - before, tokens: index.tokens.length };
  } else throw new Error(`unknown task ${task}`);
  process.send!(result);
}

if (process.send) await main();
