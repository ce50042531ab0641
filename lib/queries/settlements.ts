/**
 * The public inputs of an epoch root (issue 13 §4): every settled inference with what the operator served for it
 * (prompt, parameters, output, canonical attribution record), in chain order, and the leaves of a posted root.
 * Anyone recomputes a root from these and the chain (`npm run watch`); nothing here is trusted by that check.
 */
import { and, eq, gte, isNotNull, lte } from "drizzle-orm";
import { getDb } from "@/db/client";
import { epochBalances, inferenceResults, inferences, models } from "@/db/schema";
import { keysetAfter, keysetOrder, pageSize, toPage, type Keyset, type Page } from "./pagination";

export interface SettledInference {
  requestId: number;
  modelId: number;
  /** The model's artifact hash as indexed from ModelRegistered (null if the model is not indexed). */
  artifactHash: string | null;
  requestHash: string;
  payer: string;
  operator: string | null;
  price: bigint;
  contributorPool: bigint;
  outputHash: string | null;
  attributionHash: string | null;
  settledBlock: number;
  settledTx: string;
  /** What the operator served and settled (null when this node holds no answer for the request). */
  served: {
    prompt: string;
    params: Record<string, unknown>;
    output: string;
    attributionMethod: string;
    attributionRecord: string;
  } | null;
}

const settledKeyset: Keyset = {
  tag: "settlements:block",
  dir: "asc",
  parts: [
    { expr: inferences.settledBlock, kind: "int" },
    { expr: inferences.requestId, kind: "int" },
  ],
};

/** Settled inferences with `fromBlock ≤ settledBlock ≤ throughBlock`, oldest settlement first; keyset on (settled_block, request_id). */
export async function pageSettledInferences(
  params: { fromBlock?: number; throughBlock?: number; limit?: number; cursor?: string } = {},
): Promise<Page<SettledInference>> {
  const db = await getDb();
  const limit = pageSize(params.limit);
  const rows = await db
    .select({
      requestId: inferences.requestId,
      modelId: inferences.modelId,
      artifactHash: models.artifactHash,
      requestHash: inferences.requestHash,
      payer: inferences.payer,
      operator: inferences.operator,
      price: inferences.price,
      contributorPool: inferences.contributorPool,
      outputHash: inferences.outputHash,
      attributionHash: inferences.attributionHash,
      settledBlock: inferences.settledBlock,
      settledTx: inferences.settledTx,
      prompt: inferenceResults.prompt,
      params: inferenceResults.params,
      output: inferenceResults.output,
      attributionMethod: inferenceResults.attributionMethod,
      attributionRecord: inferenceResults.attributionRecord,
    })
    .from(inferences)
    .leftJoin(models, eq(models.id, inferences.modelId))
    .leftJoin(inferenceResults, eq(inferenceResults.requestHash, inferences.requestHash))
    .where(
      and(
        eq(inferences.status, "settled"),
        isNotNull(inferences.settledBlock),
        params.fromBlock !== undefined ? gte(inferences.settledBlock, params.fromBlock) : undefined,
        params.throughBlock !== undefined ? lte(inferences.settledBlock, params.throughBlock) : undefined,
        keysetAfter(settledKeyset, params.cursor),
      ),
    )
    .orderBy(...keysetOrder(settledKeyset))
    .limit(limit + 1);
  return toPage(
    settledKeyset,
    rows,
    limit,
    (r) => [r.settledBlock, r.requestId],
    (r) => ({
      requestId: r.requestId,
      modelId: r.modelId,
      artifactHash: r.artifactHash,
      requestHash: r.requestHash,
      payer: r.payer,
      operator: r.operator,
      price: r.price,
      contributorPool: r.contributorPool ?? 0n,
      outputHash: r.outputHash,
      attributionHash: r.attributionHash,
      settledBlock: r.settledBlock!,
      settledTx: r.settledTx ?? "",
      served:
        r.attributionRecord === null
          ? null
          : { prompt: r.prompt!, params: r.params!, output: r.output!, attributionMethod: r.attributionMethod!, attributionRecord: r.attributionRecord },
    }),
  );
}

/** Most leaves per page of an epoch's balances (each is ~100 bytes on the wire; the API allows the same). */
const BALANCE_PAGE_MAX = 1000;

const balanceKeyset = (epoch: number): Keyset => ({
  tag: `epoch-balances:${epoch}`,
  dir: "asc",
  parts: [{ expr: epochBalances.account, kind: "text" }],
});

/** The leaves this node stored for `epoch` (account, cumulative amount), by account; empty when it has none. */
export async function pageEpochBalances(
  epoch: number,
  params: { limit?: number; cursor?: string } = {},
): Promise<Page<{ account: string; cumulativeAmount: bigint }>> {
  const db = await getDb();
  const keyset = balanceKeyset(epoch);
  const limit = Math.min(Math.max(Math.trunc(params.limit ?? BALANCE_PAGE_MAX), 1), BALANCE_PAGE_MAX);
  const rows = await db
    .select({ account: epochBalances.account, cumulativeAmount: epochBalances.cumulativeAmount })
    .from(epochBalances)
    .where(and(eq(epochBalances.epoch, epoch), keysetAfter(keyset, params.cursor)))
    .orderBy(...keysetOrder(keyset))
    .limit(limit + 1);
  return toPage(keyset, rows, limit, (r) => [r.account]);
}
