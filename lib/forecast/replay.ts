/**
 * The earnings forecast's replay: a pure function of a Datanet's models (as their sources), their recent paid
 * requests and an uploaded file. Each model is rebuilt in memory with and without the file (the same construction
 * as a Model Factory build, so exact for deterministic models) and every request is run again on both with the
 * parameters it was served with (its seed included); the file's share of each request's contributor pool is what
 * it would have earned. It runs in the worker process (lib/factory/worker.ts), bounded by a time budget.
 */
import type { KnnOptions } from "@/lib/attribution/knn";
import { CURRENT_RECORD_VERSION, splitPool, type PoolShare } from "@/lib/attribution/record";
import { runAttribution, type LoadedModel } from "@/lib/attribution/run";
import type { VerbatimLimits } from "@/lib/attribution/terms";
import { modelOfSources } from "@/lib/factory/build";
import type { SourceContribution } from "@/lib/factory/sources";
import type { ModelKind } from "@/lib/metadata";

export interface ReplayInference {
  requestId: string;
  prompt: string;
  /** What was served: an external model's answer is traced again, not regenerated. */
  output: string;
  /** The parameters it was served with (inference_results.params: the ∞-gram seed included). */
  params: Record<string, unknown>;
  /** Its contributor pool in wei (decimal): what its attribution split. */
  pool: string;
}

export interface ReplayModel {
  modelId: number;
  kind: ModelKind;
  /** A kNN model's k and dims (from its card); null for corpus kinds. */
  knn: KnnOptions | null;
  /** Its corpus is plain text (RAG, or an ∞-gram built with plainText). */
  plainText?: boolean;
  /** Its corpus's tokenizer (its card's; absent: r50k_base). cl100k_base and o200k_base must be loaded first (loadTokenizer). */
  tokenizer?: string;
  /** The model's Datanets, ascending (their treasuries take a pool nothing earned). */
  datanetIds: number[];
  /** What the model serves today: its Datanet versions' contributions, withdrawn ones left out. */
  sources: SourceContribution[];
  /** Newest first. */
  inferences: ReplayInference[];
}

export interface ReplayInput {
  /** The uploaded file as the contribution it would become (the next contribution id). */
  file: SourceContribution;
  models: ReplayModel[];
  /** Contributors' "no verbatim over N tokens" terms, as indexed. */
  verbatimLimits: [number, number][];
  /** Stop starting new requests after this long (the rest are reported as not replayed). */
  budgetMs: number;
}

export interface ModelReplay {
  modelId: number;
  /** Requests run again (with and without the file) within the budget. */
  replayed: number;
  /** Of those, requests that would have paid the file something. */
  earning: number;
  /** Σ the file's share, in wei. */
  earned: bigint;
  /** How much of that other contributions would not have received (wei; the rest comes from the Datanets' treasuries). */
  fromContributors: bigint;
  fromTreasuries: bigint;
  /** ∞-gram requests whose answer would have been different with the file. */
  changedAnswers: number;
}

export interface ReplayOutput {
  models: ModelReplay[];
  /** False when the budget ran out before every request was replayed. */
  complete: boolean;
}

const NO_ARTIFACT = `0x${"0".repeat(64)}` as const;

function totals(shares: PoolShare[], fileId: number) {
  let file = 0n;
  let contributors = 0n;
  let treasuries = 0n;
  for (const s of shares) {
    if (s.contributionId === fileId) file += s.amount;
    else if (s.contributionId !== undefined) contributors += s.amount;
    else treasuries += s.amount;
  }
  return { file, contributors, treasuries };
}

export function replayForecast(input: ReplayInput, clock: () => number = () => performance.now(), onProgress?: (done: number, total: number) => void): ReplayOutput {
  const started = clock();
  const limits: VerbatimLimits = new Map(input.verbatimLimits);
  const total = input.models.reduce((n, m) => n + m.inferences.length, 0);
  let done = 0;
  let complete = true;
  const out: ModelReplay[] = [];
  for (const m of input.models) {
    const result: ModelReplay = { modelId: m.modelId, replayed: 0, earning: 0, earned: 0n, fromContributors: 0n, fromTreasuries: 0n, changedAnswers: 0 };
    out.push(result);
    if (m.inferences.length === 0) continue;
    if (clock() - started > input.budgetMs) {
      complete = false;
      continue;
    }
    const plain = m.plainText ?? m.kind === "rag";
    const without = modelOfSources(m.kind, m.knn, m.sources, plain, m.tokenizer);
    const withFile = modelOfSources(m.kind, m.knn, [...m.sources, input.file].sort((a, b) => a.id - b.id), plain, m.tokenizer);
    const run = (model: LoadedModel, inf: ReplayInference) =>
      runAttribution({
        kind: m.kind,
        model,
        modelId: m.modelId,
        artifactHash: NO_ARTIFACT,
        requestId: inf.requestId,
        prompt: inf.prompt,
        params: inf.params,
        output: m.kind === "external" || m.kind === "rag" ? inf.output : undefined,
        recordVersion: CURRENT_RECORD_VERSION,
        datanetIds: m.datanetIds,
        verbatimLimits: limits,
      });
    for (const inf of m.inferences) {
      if (clock() - started > input.budgetMs) {
        complete = false;
        break;
      }
      const pool = BigInt(inf.pool);
      const before = run(without, inf);
      const after = run(withFile, inf);
      const a = totals(splitPool(before.record, pool), input.file.id);
      const b = totals(splitPool(after.record, pool), input.file.id);
      result.replayed++;
      if (b.file > 0n) result.earning++;
      result.earned += b.file;
      result.fromContributors += a.contributors - b.contributors;
      result.fromTreasuries += a.treasuries - b.treasuries;
      if (before.output !== after.output) result.changedAnswers++;
      onProgress?.(++done, total);
    }
  }
  return { models: out, complete };
}
