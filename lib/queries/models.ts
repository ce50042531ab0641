import { and, asc, desc, eq, exists, gte, ilike, inArray, lt, or, type SQL } from "drizzle-orm";
import { getDb, type Db } from "@/db/client";
import { MODEL_KINDS } from "@/lib/metadata";
import { datanets, datanetVersions, inferenceResults, inferences, modelDatanets, models, modelUsageHourly } from "@/db/schema";
import { keysetAfter, keysetOrder, pageSize, toPage, type Keyset, type Page } from "./pagination";
import { bucketOf, type Bucket } from "./series";
import { countRows, likePattern, sumInt, sumWei } from "./sql";

export type ModelRow = typeof models.$inferSelect;
export type ModelKind = ModelRow["kind"];
export type InferenceStatus = (typeof inferences.$inferSelect)["status"];

export { MODEL_KINDS };
export const MODEL_SORTS = ["newest", "inferences", "price", "revenue"] as const;
export type ModelSort = (typeof MODEL_SORTS)[number];

export interface ListModelsParams {
  q?: string;
  kind?: ModelKind;
  /** Only models built from a version of this Datanet. */
  datanetId?: number;
  sort?: ModelSort;
  limit?: number;
  offset?: number;
}

export interface ModelLineageRef {
  datanetId: number;
  datanetName: string;
  version: number;
}

export interface ModelSummary {
  id: number;
  name: string;
  description: string;
  kind: ModelKind;
  builder: string;
  /** A flat-price model's price; a per-token model's fixed fee. */
  price: bigint;
  /** Wei per prompt / answer token; both 0 for a flat-price model. */
  inputRate: bigint;
  outputRate: bigint;
  builderBps: number;
  active: boolean;
  inferenceCount: number;
  revenue: bigint;
  createdAt: Date;
  lineage: ModelLineageRef[];
}

function modelFilters(db: Db, { q, kind, datanetId }: Pick<ListModelsParams, "q" | "kind" | "datanetId">): SQL | undefined {
  const conditions: SQL[] = [];
  const query = q?.trim();
  if (query) {
    const pattern = likePattern(query);
    conditions.push(or(ilike(models.name, pattern), ilike(models.description, pattern))!);
  }
  if (kind) conditions.push(eq(models.kind, kind));
  if (datanetId !== undefined) {
    conditions.push(
      exists(
        db
          .select({ one: modelDatanets.modelId })
          .from(modelDatanets)
          .where(and(eq(modelDatanets.modelId, models.id), eq(modelDatanets.datanetId, datanetId))),
      ),
    );
  }
  return conditions.length ? and(...conditions) : undefined;
}

const summaryFields = {
  id: models.id,
  name: models.name,
  description: models.description,
  kind: models.kind,
  builder: models.builder,
  price: models.price,
  inputRate: models.inputRate,
  outputRate: models.outputRate,
  builderBps: models.builderBps,
  active: models.active,
  inferenceCount: models.inferenceCount,
  revenue: models.revenue,
  createdAt: models.createdAt,
};

/** Adds each model's lineage refs (one query for the whole list). */
async function withLineageRefs(db: Db, rows: Omit<ModelSummary, "lineage">[]): Promise<ModelSummary[]> {
  if (rows.length === 0) return [];
  const refs = await db
    .select({
      modelId: modelDatanets.modelId,
      datanetId: modelDatanets.datanetId,
      datanetName: datanets.name,
      version: modelDatanets.version,
    })
    .from(modelDatanets)
    .innerJoin(datanets, eq(datanets.id, modelDatanets.datanetId))
    .where(
      inArray(
        modelDatanets.modelId,
        rows.map((r) => r.id),
      ),
    )
    .orderBy(asc(modelDatanets.datanetId));
  const byModel = new Map<number, ModelLineageRef[]>();
  for (const { modelId, ...ref } of refs) {
    const list = byModel.get(modelId) ?? [];
    list.push(ref);
    byModel.set(modelId, list);
  }
  return rows.map((r) => ({ ...r, lineage: byModel.get(r.id) ?? [] }));
}

/** Models for the marketplace, each with the Datanet versions it was built from. */
export async function listModels(params: ListModelsParams = {}): Promise<ModelSummary[]> {
  const db = await getDb();
  const order =
    params.sort === "inferences"
      ? [desc(models.inferenceCount), desc(models.id)]
      : params.sort === "revenue"
        ? [desc(models.revenue), desc(models.id)]
        : params.sort === "price"
          ? [asc(models.price), asc(models.id)]
          : [desc(models.createdAt), desc(models.id)];
  const rows = await db
    .select(summaryFields)
    .from(models)
    .where(modelFilters(db, params))
    .orderBy(...order)
    .limit(Math.min(Math.max(params.limit ?? 50, 1), 200))
    .offset(Math.max(params.offset ?? 0, 0));
  return withLineageRefs(db, rows);
}

/** The API's model orders: most used first, cheapest first, newest first. */
export const MODEL_API_SORTS = ["new", "usage", "price"] as const;
export type ModelApiSort = (typeof MODEL_API_SORTS)[number];

/** Models with keyset pagination: q, kind and datanet as listModels; sort usage (inferences), price (ascending) or new. */
export async function pageModels(
  params: { q?: string; kind?: ModelKind; datanet?: number; sort?: ModelApiSort; limit?: number; cursor?: string } = {},
): Promise<Page<ModelSummary>> {
  const db = await getDb();
  const sort = params.sort ?? "new";
  const keyset: Keyset =
    sort === "usage"
      ? { tag: "models:usage", dir: "desc", parts: [{ expr: models.inferenceCount, kind: "int" }, { expr: models.id, kind: "int" }] }
      : sort === "price"
        ? { tag: "models:price", dir: "asc", parts: [{ expr: models.price, kind: "wei" }, { expr: models.id, kind: "int" }] }
        : { tag: "models:new", dir: "desc", parts: [{ expr: models.createdAt, kind: "timestamp" }, { expr: models.id, kind: "int" }] };
  const limit = pageSize(params.limit);
  const rows = await db
    .select(summaryFields)
    .from(models)
    .where(and(modelFilters(db, { ...params, datanetId: params.datanet }), keysetAfter(keyset, params.cursor)))
    .orderBy(...keysetOrder(keyset))
    .limit(limit + 1);
  const page = toPage(keyset, rows, limit, (r) =>
    sort === "usage" ? [r.inferenceCount, r.id] : sort === "price" ? [r.price, r.id] : [r.createdAt, r.id],
  );
  return { items: await withLineageRefs(db, page.items), nextCursor: page.nextCursor };
}

export async function countModels(params: Pick<ListModelsParams, "q" | "kind" | "datanetId"> = {}): Promise<number> {
  const db = await getDb();
  const [row] = await db.select({ n: countRows() }).from(models).where(modelFilters(db, params));
  return row?.n ?? 0;
}

export interface ModelLineageItem {
  datanetId: number;
  datanetName: string;
  datanetSummary: string;
  version: number;
  /** Null when the version row is not (yet) indexed. */
  root: string | null;
  count: number | null;
  rootVerified: boolean | null;
  publishedAt: Date | null;
}

export interface InferenceListItem {
  requestId: number;
  payer: string;
  price: bigint;
  status: InferenceStatus;
  viaAuthorization: boolean;
  /** From the operator's off-chain result (null until served, or when served elsewhere). */
  attributionMethod: string | null;
  contributorPool: bigint | null;
  paidAt: Date;
  paidTx: string;
  settledAt: Date | null;
}

export interface ModelDetail {
  model: ModelRow;
  lineage: ModelLineageItem[];
  recentInferences: InferenceListItem[];
  statusCounts: Record<InferenceStatus, number>;
  /** Σ price of settled inferences, in wei. */
  settledRevenue: bigint;
  /** Σ contributor pool of settled inferences, in wei: what this model paid its data's contributors. */
  paidToContributors: bigint;
}

function lineageOf(db: Db, id: number): Promise<ModelLineageItem[]> {
  return db
    .select({
      datanetId: modelDatanets.datanetId,
      datanetName: datanets.name,
      datanetSummary: datanets.summary,
      version: modelDatanets.version,
      root: datanetVersions.root,
      count: datanetVersions.count,
      rootVerified: datanetVersions.rootVerified,
      publishedAt: datanetVersions.publishedAt,
    })
    .from(modelDatanets)
    .innerJoin(datanets, eq(datanets.id, modelDatanets.datanetId))
    .leftJoin(
      datanetVersions,
      and(eq(datanetVersions.datanetId, modelDatanets.datanetId), eq(datanetVersions.version, modelDatanets.version)),
    )
    .where(eq(modelDatanets.modelId, id))
    .orderBy(asc(modelDatanets.datanetId));
}

/** One model with its lineage and recent inferences; null if unknown. */
export async function getModel(id: number, opts: { inferenceLimit?: number } = {}): Promise<ModelDetail | null> {
  const db = await getDb();
  const [model] = await db.select().from(models).where(eq(models.id, id)).limit(1);
  if (!model) return null;

  const settled = eq(inferences.status, "settled");
  const [lineage, recentInferences, statusRows, [totals]] = await Promise.all([
    lineageOf(db, id),
    db
      .select({
        requestId: inferences.requestId,
        payer: inferences.payer,
        price: inferences.price,
        status: inferences.status,
        viaAuthorization: inferences.viaAuthorization,
        attributionMethod: inferenceResults.attributionMethod,
        contributorPool: inferences.contributorPool,
        paidAt: inferences.paidAt,
        paidTx: inferences.paidTx,
        settledAt: inferences.settledAt,
      })
      .from(inferences)
      .leftJoin(inferenceResults, eq(inferenceResults.requestHash, inferences.requestHash))
      .where(eq(inferences.modelId, id))
      .orderBy(desc(inferences.paidAt), desc(inferences.requestId))
      .limit(opts.inferenceLimit ?? 20),
    db
      .select({ status: inferences.status, n: countRows() })
      .from(inferences)
      .where(eq(inferences.modelId, id))
      .groupBy(inferences.status),
    db
      .select({
        settledRevenue: sumWei(inferences.price, settled),
        paidToContributors: sumWei(inferences.contributorPool, settled),
      })
      .from(inferences)
      .where(eq(inferences.modelId, id)),
  ]);

  const statusCounts: Record<InferenceStatus, number> = { paid: 0, settled: 0, refunded: 0 };
  for (const r of statusRows) statusCounts[r.status] = r.n;

  return {
    model,
    lineage,
    recentInferences,
    statusCounts,
    settledRevenue: totals?.settledRevenue ?? 0n,
    paidToContributors: totals?.paidToContributors ?? 0n,
  };
}

/** Cheap existence check (primary-key lookup), e.g. to answer 404 before a page starts streaming. */
export async function modelExists(id: number): Promise<boolean> {
  const db = await getDb();
  const rows = await db.select({ id: models.id }).from(models).where(eq(models.id, id)).limit(1);
  return rows.length > 0;
}

export interface ModelOverview {
  model: ModelRow;
  lineage: ModelLineageItem[];
}

/** A model's row and lineage (the Datanet versions it was built from); null if unknown. */
export async function getModelOverview(id: number): Promise<ModelOverview | null> {
  const db = await getDb();
  const [[model], lineage] = await Promise.all([
    db.select().from(models).where(eq(models.id, id)).limit(1),
    lineageOf(db, id),
  ]);
  return model ? { model, lineage } : null;
}

export interface UsagePoint {
  /** Start of the bucket (UTC). */
  t: Date;
  inferences: number;
  /** Σ price of the inferences settled in the bucket, in wei. */
  revenue: bigint;
}

/** A model's settled inferences and revenue per hour or day in [from, to), from model_usage_hourly (empty buckets omitted). */
export async function modelUsageSeries(id: number, range: { bucket: Bucket; from: Date; to: Date }): Promise<UsagePoint[]> {
  const db = await getDb();
  const u = modelUsageHourly;
  const t = bucketOf(u.hour, range.bucket);
  return db
    .select({ t, inferences: sumInt(u.inferences), revenue: sumWei(u.revenue) })
    .from(u)
    .where(and(eq(u.modelId, id), gte(u.hour, range.from), lt(u.hour, range.to)))
    .groupBy(t)
    .orderBy(t);
}

/** The usage route's answer: the series plus its totals (the chart's first render reads the same). */
export async function modelUsage(id: number, range: { bucket: Bucket; from: Date; to: Date }) {
  const points = await modelUsageSeries(id, range);
  return {
    modelId: id,
    ...range,
    inferences: points.reduce((s, p) => s + p.inferences, 0),
    revenue: points.reduce((s, p) => s + p.revenue, 0n),
    points,
  };
}

export const SPARKLINE_DAYS = 7;

/**
 * Settled inferences per UTC day over the last SPARKLINE_DAYS days (today included), oldest first and
 * zero-filled, for each of these models (one query over model_usage_hourly for the whole list).
 */
export async function modelUsageSparklines(ids: number[], now: Date = new Date()): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>(ids.map((id) => [id, Array<number>(SPARKLINE_DAYS).fill(0)]));
  if (ids.length === 0) return out;
  const db = await getDb();
  const u = modelUsageHourly;
  const DAY = 86_400_000;
  const today = Math.floor(now.getTime() / DAY) * DAY;
  const from = new Date(today - (SPARKLINE_DAYS - 1) * DAY);
  const t = bucketOf(u.hour, "day");
  const rows = await db
    .select({ modelId: u.modelId, t, inferences: sumInt(u.inferences) })
    .from(u)
    .where(and(inArray(u.modelId, ids), gte(u.hour, from), lt(u.hour, new Date(today + DAY))))
    .groupBy(u.modelId, t);
  for (const r of rows) {
    const i = Math.round((r.t.getTime() - from.getTime()) / DAY);
    const series = out.get(r.modelId);
    if (series && i >= 0 && i < SPARKLINE_DAYS) series[i] += r.inferences;
  }
  return out;
}
