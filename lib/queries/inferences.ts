import { and, asc, desc, eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { attributionEntries, contributions, datanets, inferenceResults, inferences, models } from "@/db/schema";
import type { InferenceStatus } from "./models";
import { keysetAfter, keysetOrder, pageSize, toPage, type Keyset, type Page } from "./pagination";
import { countRows } from "./sql";

export const INFERENCE_STATUSES = ["paid", "settled", "refunded"] as const satisfies readonly InferenceStatus[];

export interface InferenceFeedItem {
  requestId: number;
  modelId: number;
  modelName: string | null;
  payer: string;
  price: bigint;
  status: InferenceStatus;
  viaAuthorization: boolean;
  contributorPool: bigint | null;
  paidAt: Date;
  paidTx: string;
  settledAt: Date | null;
  refundedAt: Date | null;
}

const feedFields = {
  requestId: inferences.requestId,
  modelId: inferences.modelId,
  modelName: models.name,
  payer: inferences.payer,
  price: inferences.price,
  status: inferences.status,
  viaAuthorization: inferences.viaAuthorization,
  contributorPool: inferences.contributorPool,
  paidAt: inferences.paidAt,
  paidTx: inferences.paidTx,
  settledAt: inferences.settledAt,
  refundedAt: inferences.refundedAt,
};

/** Inferences, newest payment first, filtered by model, payer (lower-case) or status; keyset on (paid_at, request_id). */
export async function pageInferences(
  params: { modelId?: number; payer?: string; status?: InferenceStatus; limit?: number; cursor?: string } = {},
): Promise<Page<InferenceFeedItem>> {
  const db = await getDb();
  const keyset: Keyset = {
    tag: "inferences:newest",
    dir: "desc",
    parts: [
      { expr: inferences.paidAt, kind: "timestamp" },
      { expr: inferences.requestId, kind: "int" },
    ],
  };
  const limit = pageSize(params.limit);
  const rows = await db
    .select(feedFields)
    .from(inferences)
    .leftJoin(models, eq(models.id, inferences.modelId))
    .where(
      and(
        params.modelId !== undefined ? eq(inferences.modelId, params.modelId) : undefined,
        params.payer !== undefined ? eq(inferences.payer, params.payer.toLowerCase()) : undefined,
        params.status !== undefined ? eq(inferences.status, params.status) : undefined,
        keysetAfter(keyset, params.cursor),
      ),
    )
    .orderBy(...keysetOrder(keyset))
    .limit(limit + 1);
  return toPage(keyset, rows, limit, (r) => [r.paidAt, r.requestId]);
}

export interface InferenceAttributionItem {
  contributionId: number;
  datanetId: number;
  datanetName: string | null;
  contributor: string;
  contentHash: string | null;
  records: number | null;
  weightPpm: number;
  amount: bigint;
}

export interface InferenceDetail {
  inference: typeof inferences.$inferSelect;
  modelName: string | null;
  /** What the operator served (null until served, or when served elsewhere). */
  result: {
    prompt: string;
    output: string;
    params: Record<string, unknown>;
    attributionMethod: string;
    attributionRecord: string;
    createdAt: Date;
  } | null;
  /** Credited contributions, largest amount first (at most `attributionLimit`). */
  attribution: InferenceAttributionItem[];
  /** How many contributions the attribution credits in all. */
  attributionCount: number;
}

/** One inference with its served result and attribution entries joined to contributions and Datanets; null if unknown. */
export async function getInference(requestId: number, opts: { attributionLimit?: number } = {}): Promise<InferenceDetail | null> {
  const db = await getDb();
  const [row] = await db
    .select({ inference: inferences, modelName: models.name })
    .from(inferences)
    .leftJoin(models, eq(models.id, inferences.modelId))
    .where(eq(inferences.requestId, requestId))
    .limit(1);
  if (!row) return null;
  const a = attributionEntries;
  const [[result], attribution, [count]] = await Promise.all([
    db
      .select({
        prompt: inferenceResults.prompt,
        output: inferenceResults.output,
        params: inferenceResults.params,
        attributionMethod: inferenceResults.attributionMethod,
        attributionRecord: inferenceResults.attributionRecord,
        createdAt: inferenceResults.createdAt,
      })
      .from(inferenceResults)
      .where(eq(inferenceResults.requestHash, row.inference.requestHash))
      .limit(1),
    db
      .select({
        contributionId: a.contributionId,
        datanetId: a.datanetId,
        datanetName: datanets.name,
        contributor: a.contributor,
        contentHash: contributions.contentHash,
        records: contributions.records,
        weightPpm: a.weightPpm,
        amount: a.amount,
      })
      .from(a)
      .leftJoin(contributions, eq(contributions.id, a.contributionId))
      .leftJoin(datanets, eq(datanets.id, a.datanetId))
      .where(eq(a.requestId, requestId))
      .orderBy(desc(a.amount), asc(a.contributionId))
      .limit(opts.attributionLimit ?? 500),
    db.select({ n: countRows() }).from(a).where(eq(a.requestId, requestId)),
  ]);
  return { inference: row.inference, modelName: row.modelName, result: result ?? null, attribution, attributionCount: count?.n ?? 0 };
}
