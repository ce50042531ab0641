/**
 * "What would this file have earned?" — the upload preview's earnings forecast (issue 14). Before a contributor
 * signs, the Datanet's active models are replayed on their recent paid requests (the last FORECAST_DAYS of chain
 * time, newest first, at most FORECAST_MAX_PROMPTS in all) with and without the uploaded file, as the contribution
 * it would become (the next contribution id, so later-registered rules apply: copies earn their original). The
 * replay is exact for deterministic models: a model built from the next version with the file answers those
 * requests as the replay did (lib/forecast/forecast.test.ts checks it against a real rebuild on the chain).
 *
 * Bounds: the replay runs in the worker process (never in the web process), one at a time per server, and stops
 * starting requests after FORECAST_BUDGET_MS (the answer says how many were replayed). Results are cached per
 * file and Datanet state; only computing ones take from the caller's rate limit.
 */
import { and, desc, eq, gte, inArray, isNotNull, max, sql } from "drizzle-orm";
import type { Hex } from "viem";
import type { Db } from "@/db/client";
import { contents, contributions, datanets, inferenceResults, inferences, modelDatanets, models } from "@/db/schema";
import type { KnnOptions } from "@/lib/attribution/knn";
import { tokenizerOfParameters } from "@/lib/attribution/tokenizer-names";
import { parseRecords } from "@/lib/content/records";
import { contentText, formatOfMediaType } from "@/lib/content/store";
import { AppError, notFound } from "@/lib/errors";
import { loadBuildSources, type SourceContribution } from "@/lib/factory/sources";
import { runWorker } from "@/lib/factory/worker-process";
import { indexedVerbatimLimits } from "@/lib/inference/terms";
import type { ModelKind } from "@/lib/metadata";
import { chainNow } from "@/lib/queries/governance";
import type { ReplayInput, ReplayModel } from "./replay";

import { FORECAST_BUDGET_MS, FORECAST_DAYS, FORECAST_MAX_PROMPTS } from "./limits";

export { FORECAST_BUDGET_MS, FORECAST_DAYS, FORECAST_MAX_PROMPTS };
/** How long building the models may take in the worker beyond the replay's budget before it is stopped. */
const FORECAST_BUILD_MARGIN_MS = 60_000;
/** Callers that may wait for the worker before the next is told to come back later. */
const MAX_WAITING = 4;

export interface ModelForecast {
  modelId: number;
  name: string;
  kind: ModelKind;
  /** Recent paid requests of the model in the window (within the prompt cap). */
  prompts: number;
  replayed: number;
  earning: number;
  earned: bigint;
  fromContributors: bigint;
  fromTreasuries: bigint;
  changedAnswers: number;
  /** Why the model was not replayed (its sources are not all held here, …); null when it was. */
  unavailable: string | null;
}

export interface Forecast {
  datanetId: number;
  contentHash: Hex;
  /** The id the file would get if registered next (registration order decides priority). */
  contributionId: number;
  window: { days: number; since: Date; maxPrompts: number; budgetMs: number };
  models: ModelForecast[];
  prompts: number;
  replayed: number;
  earning: number;
  earned: bigint;
  /** False when the time budget ran out before every request was replayed. */
  complete: boolean;
}

export interface ForecastOptions {
  /** Called before a forecast is computed (not for a cached one): the route's rate limit. */
  beforeCompute?: () => Promise<void>;
  budgetMs?: number;
  maxPrompts?: number;
}

interface WorkerModel {
  modelId: number;
  replayed: number;
  earning: number;
  earned: string;
  fromContributors: string;
  fromTreasuries: string;
  changedAnswers: number;
}

const cache = new Map<string, Promise<Forecast>>();
const CACHE_ENTRIES = 64;

let queue: Promise<unknown> = Promise.resolve();
let waiting = 0;

/** One forecast worker at a time per server; a few callers wait, the rest are told to retry. */
function oneAtATime<T>(run: () => Promise<T>): Promise<T> {
  if (waiting >= MAX_WAITING) {
    throw new AppError("rate_limited", "The earnings forecast is busy with other uploads; try again in a few seconds.", { retryAfter: 5 });
  }
  waiting++;
  const next = queue.then(run).finally(() => waiting--);
  queue = next.catch(() => {});
  return next;
}

export async function forecastUpload(db: Db, datanetId: number, contentHash: string, opts: ForecastOptions = {}): Promise<Forecast> {
  const hash = contentHash.toLowerCase() as Hex;
  const budgetMs = opts.budgetMs ?? FORECAST_BUDGET_MS;
  const maxPrompts = opts.maxPrompts ?? FORECAST_MAX_PROMPTS;
  const [datanet] = await db.select({ id: datanets.id }).from(datanets).where(eq(datanets.id, datanetId)).limit(1);
  if (!datanet) throw notFound(`Datanet #${datanetId}`);
  // Ids and counts only before the cache and the rate limit: bodies, prompts and answers are read by the queued compute.
  const [content] = await db.select({ hash: contents.hash }).from(contents).where(eq(contents.hash, hash)).limit(1);
  if (!content) throw new AppError("not_found", `Content ${hash} was not found: upload it first (POST /api/content).`);

  const modelRows = await db
    .selectDistinct({ id: models.id, name: models.name, kind: models.kind, parameters: models.parameters })
    .from(models)
    .innerJoin(modelDatanets, eq(modelDatanets.modelId, models.id))
    .where(and(eq(modelDatanets.datanetId, datanetId), eq(models.active, true)))
    .orderBy(models.id);
  const since = new Date((await chainNow(db)).getTime() - FORECAST_DAYS * 86_400_000);
  const recent = modelRows.length
    ? await db
        .select({ requestId: inferences.requestId, modelId: inferences.modelId })
        .from(inferences)
        .innerJoin(inferenceResults, eq(inferenceResults.requestHash, inferences.requestHash))
        .where(and(inArray(inferences.modelId, modelRows.map((m) => m.id)), eq(inferences.status, "settled"), gte(inferences.settledAt, since)))
        .orderBy(desc(inferences.settledAt), desc(inferences.requestId))
        .limit(maxPrompts)
    : [];
  const [{ last }] = await db.select({ last: max(contributions.id) }).from(contributions);
  const contributionId = (last ?? 0) + 1;
  const [withdrawn] = await db
    .select({ n: sql<number>`count(*)`.mapWith(Number), block: max(contributions.withdrawnBlock) })
    .from(contributions)
    .where(isNotNull(contributions.withdrawnBlock));
  const limits = await indexedVerbatimLimits(db);

  const base: Forecast = {
    datanetId,
    contentHash: hash,
    contributionId,
    window: { days: FORECAST_DAYS, since, maxPrompts, budgetMs },
    models: modelRows.map((m) => ({
      modelId: m.id,
      name: m.name,
      kind: m.kind,
      prompts: recent.filter((r) => r.modelId === m.id).length,
      replayed: 0,
      earning: 0,
      earned: 0n,
      fromContributors: 0n,
      fromTreasuries: 0n,
      changedAnswers: 0,
      unavailable: null,
    })),
    prompts: recent.length,
    replayed: 0,
    earning: 0,
    earned: 0n,
    complete: true,
  };
  if (recent.length === 0) return base;

  // Everything the answer depends on: a new settlement, contribution, withdrawal or terms change is a new key.
  const key = [datanetId, hash, budgetMs, maxPrompts, recent.length, recent[0].requestId, recent.at(-1)!.requestId, contributionId, withdrawn.n, withdrawn.block, limits.size].join(":");
  let pending = cache.get(key);
  if (!pending) {
    await opts.beforeCompute?.();
    pending = oneAtATime(() => compute(db, base, hash, recent, modelRows, limits));
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
    if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  }
  return pending;
}

/** Runs queued (one at a time per server): everything heavy — the file, the requests, the sources, the replay. */
async function compute(
  db: Db,
  base: Forecast,
  hash: Hex,
  recentIds: { requestId: number; modelId: number }[],
  modelRows: { id: number; kind: ModelKind; parameters: Record<string, unknown> }[],
  limits: ReadonlyMap<number, number>,
): Promise<Forecast> {
  const [content] = await db.select().from(contents).where(eq(contents.hash, hash)).limit(1);
  if (!content) throw new AppError("not_found", `Content ${hash} was not found: upload it first (POST /api/content).`);
  const rows = await db
    .select({
      requestId: inferences.requestId,
      modelId: inferences.modelId,
      pool: inferences.contributorPool,
      prompt: inferenceResults.prompt,
      output: inferenceResults.output,
      params: inferenceResults.params,
    })
    .from(inferences)
    .innerJoin(inferenceResults, eq(inferenceResults.requestHash, inferences.requestHash))
    .where(inArray(inferences.requestId, recentIds.map((r) => r.requestId)));
  const byRequest = new Map(rows.map((r) => [r.requestId, r]));
  const recent = recentIds.flatMap((r) => byRequest.get(r.requestId) ?? []);
  const { records } = parseRecords(contentText(content), formatOfMediaType(content.mediaType));
  const file: SourceContribution = { id: base.contributionId, datanetId: base.datanetId, contributor: "", records };
  const withdrawnIds = new Set(
    (await db.select({ id: contributions.id }).from(contributions).where(isNotNull(contributions.withdrawnBlock))).map((r) => r.id),
  );
  const replayModels: ReplayModel[] = [];
  const unavailable = new Map<number, string>();
  for (const m of modelRows) {
    const mine = recent.filter((r) => r.modelId === m.id);
    if (mine.length === 0) continue;
    const lineage = await db.select({ id: modelDatanets.datanetId, version: modelDatanets.version }).from(modelDatanets).where(eq(modelDatanets.modelId, m.id));
    let sources: SourceContribution[];
    try {
      sources = (await loadBuildSources(db, lineage)).contributions.filter((c) => !withdrawnIds.has(c.id));
    } catch (err) {
      unavailable.set(m.id, (err as Error).message);
      continue;
    }
    const knn: KnnOptions | null =
      m.kind === "knn" && typeof m.parameters.k === "number" && typeof m.parameters.dims === "number" ? { k: m.parameters.k, dims: m.parameters.dims } : null;
    if (m.kind === "knn" && !knn) {
      unavailable.set(m.id, "Its model card does not name k and dims.");
      continue;
    }
    replayModels.push({
      modelId: m.id,
      kind: m.kind,
      knn,
      plainText: m.kind === "rag" || m.parameters.plainText === true,
      tokenizer: tokenizerOfParameters(m.parameters),
      datanetIds: lineage.map((l) => l.id).sort((a, b) => a - b),
      sources,
      inferences: mine.map((r) => ({ requestId: String(r.requestId), prompt: r.prompt, output: r.output, params: r.params, pool: String(r.pool ?? 0n) })),
    });
  }
  const input: ReplayInput & { task: "forecast" } = { task: "forecast", file, models: replayModels, verbatimLimits: [...limits], budgetMs: base.window.budgetMs };
  // The budget bounds the replay; building the models comes first and is not interruptible: a generous margin, then killed.
  const out = replayModels.length
    ? await runWorker<{ complete: boolean; models: WorkerModel[] }>(input, { timeoutMs: base.window.budgetMs + FORECAST_BUILD_MARGIN_MS }).result.catch((err: unknown) => {
        throw new AppError("service_unavailable", `The forecast could not finish within its bounds (${(err as Error).message}); try again later.`);
      })
    : { complete: true, models: [] };
  const byId = new Map(out.models.map((m) => [m.modelId, m]));
  const forecastModels = base.models.map((m): ModelForecast => {
    const r = byId.get(m.modelId);
    if (!r) return { ...m, unavailable: unavailable.get(m.modelId) ?? null };
    return {
      ...m,
      replayed: r.replayed,
      earning: r.earning,
      earned: BigInt(r.earned),
      fromContributors: BigInt(r.fromContributors),
      fromTreasuries: BigInt(r.fromTreasuries),
      changedAnswers: r.changedAnswers,
    };
  });
  return {
    ...base,
    models: forecastModels,
    replayed: forecastModels.reduce((n, m) => n + m.replayed, 0),
    earning: forecastModels.reduce((n, m) => n + m.earning, 0),
    earned: forecastModels.reduce((n, m) => n + m.earned, 0n),
    complete: out.complete && unavailable.size === 0,
  };
}

export function clearForecastCache(): void {
  cache.clear();
}
