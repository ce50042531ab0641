import { and, asc, desc, eq, inArray } from "drizzle-orm";
import { getDb } from "@/db/client";
import { attributionEntries, contributions, datanets, inferenceResults, inferences, ledgerEntries, models } from "@/db/schema";
import { datanetShares, decodeRecord, type AttributionRecord } from "@/lib/attribution/record";
import { DATANET_TREASURY_ROLE } from "@/lib/settlement/roles";
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
  /** null: a Datanet treasury's share (version 2's fallback; `contributor` is the treasury). */
  contributionId: number | null;
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
  /** Contributors' verbatim terms the record names: enforced on an ∞-gram answer, exceeded by a traced external one. */
  terms: { contributionId: number; contributor: string | null; maxVerbatimTokens: number; effect: "enforced" | "exceeded" }[];
}

/** A stored record, or null when it is unreadable (the page still shows the rest). */
function readRecord(json: string | undefined): AttributionRecord | null {
  if (json === undefined) return null;
  try {
    return decodeRecord(json);
  } catch {
    return null;
  }
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
  const record = readRecord(result?.attributionRecord);
  let items: InferenceAttributionItem[] = attribution;
  let itemCount = count?.n ?? 0;
  const shares = record ? datanetShares(record) : [];
  if (shares.length > 0) {
    // Nothing matched: the pool went to the model's Datanets' treasuries (ledger rows, no attribution entries).
    const ids = shares.map((d) => d.datanetId);
    const [owners, credited] = await Promise.all([
      db.select({ id: datanets.id, name: datanets.name, treasury: datanets.treasury }).from(datanets).where(inArray(datanets.id, ids)),
      db
        .select({ datanetId: ledgerEntries.datanetId, amount: ledgerEntries.amount })
        .from(ledgerEntries)
        .where(and(eq(ledgerEntries.requestId, requestId), eq(ledgerEntries.role, DATANET_TREASURY_ROLE))),
    ]);
    const byId = new Map(owners.map((o) => [o.id, o]));
    const paid = new Map(credited.map((c) => [c.datanetId, c.amount]));
    items = shares.map((d) => ({
      contributionId: null,
      datanetId: d.datanetId,
      datanetName: byId.get(d.datanetId)?.name ?? null,
      contributor: byId.get(d.datanetId)?.treasury ?? "",
      contentHash: null,
      records: null,
      weightPpm: d.weightPpm,
      amount: paid.get(d.datanetId) ?? 0n,
    }));
    itemCount = items.length;
  }
  const named = record?.version === 2 ? record.terms : [];
  const who = named.length
    ? new Map((await db.select({ id: contributions.id, contributor: contributions.contributor }).from(contributions).where(inArray(contributions.id, named.map((t) => t.contributionId)))).map((r) => [r.id, r.contributor]))
    : new Map<number, string>();
  const effect = record?.method === "span-trace" ? "exceeded" : "enforced";
  const terms = named.map((t) => ({ ...t, contributor: who.get(t.contributionId) ?? null, effect }) as const);
  return { inference: row.inference, modelName: row.modelName, result: result ?? null, attribution: items, attributionCount: itemCount, terms };
}
