/**
 * The market's side of a paid request: reading it (getRequest), checking a payment against it, and the
 * operator's settle and refund transactions, with what the chain says happened when one of them fails.
 */
import { eq } from "drizzle-orm";
import { parseEventLogs } from "viem";
import { inferenceMarketAbi } from "@/contracts-abi";
import { inferences } from "@/db/schema";
import { REQUEST_STATUS } from "@/lib/chain/market-status";
import { operatorCall } from "@/lib/chain/operator-send";
import { errorMessage, log } from "@/lib/ops/log";
import { refunds, settlements } from "@/lib/ops/metrics";
import { PaymentMismatch } from "./failures";
import type { Hex, PaidRequest, ServeContext, Split } from "./types";

export { REQUEST_STATUS };

/** How long to wait for a settle or refund to be mined before asking the chain what happened. */
const RECEIPT_TIMEOUT_MS = 120_000;

export interface OnchainRequest {
  payer: Hex;
  paidAt: bigint;
  status: number;
  builderBps: number;
  builder: Hex;
  feeVersion: number;
  modelId: bigint;
  price: bigint;
  requestHash: Hex;
  operator: Hex;
}

export async function readRequest(ctx: Pick<ServeContext, "publicClient" | "deployment">, requestId: bigint): Promise<OnchainRequest> {
  return ctx.publicClient.readContract({ address: ctx.deployment.inferenceMarket, abi: inferenceMarketAbi, functionName: "getRequest", args: [requestId] });
}

/** Throws {@link PaymentMismatch} unless the request is paid on-chain, in escrow, for this model, hash and payer. */
export async function checkPayment(ctx: ServeContext, paid: PaidRequest, requestHash: Hex): Promise<void> {
  const r = await readRequest(ctx, paid.requestId);
  if (r.status === REQUEST_STATUS.None) throw new PaymentMismatch(`Request ${paid.requestId} has not been paid on-chain.`, "unknown_request");
  if (r.requestHash.toLowerCase() !== requestHash) throw new PaymentMismatch(`Request ${paid.requestId} was paid for another request hash.`, "wrong_request_hash");
  if (r.modelId !== BigInt(paid.modelId)) throw new PaymentMismatch(`Request ${paid.requestId} was paid for model ${r.modelId}, not ${paid.modelId}.`, "wrong_model");
  if (r.payer.toLowerCase() !== String(paid.payer).toLowerCase()) throw new PaymentMismatch(`Request ${paid.requestId} was paid by another account.`, "wrong_payer");
  if (r.status !== REQUEST_STATUS.Paid) {
    throw new PaymentMismatch(`Request ${paid.requestId} is no longer in escrow (${r.status === REQUEST_STATUS.Settled ? "settled" : "refunded"}).`, "not_paid");
  }
}

/** A settle or refund as the operator (estimated, then sent in nonce order: lib/chain/operator-send.ts); its receipt. */
function operatorTx(
  ctx: ServeContext,
  call:
    | { functionName: "settle"; args: readonly [bigint, Hex, Hex, Hex] | readonly [bigint, Hex, bigint, Hex, Hex] }
    | { functionName: "refund"; args: readonly [bigint, Hex] },
) {
  return operatorCall(ctx.operator, ctx.publicClient, { address: ctx.deployment.inferenceMarket, abi: inferenceMarketAbi, ...call }, { timeoutMs: RECEIPT_TIMEOUT_MS });
}

/**
 * refund(requestId, requestHash) as the operator; its transaction once mined. Throws when it was not. Naming
 * the hash makes the call revert rather than refund another payer's request if a reorg renumbered requests.
 */
export async function refundOnChain(ctx: ServeContext, requestId: bigint, requestHash: Hex): Promise<Hex> {
  try {
    const tx = (await operatorTx(ctx, { functionName: "refund", args: [requestId, requestHash] })).transactionHash;
    refunds.inc({ result: "ok" });
    log("settle").info({ requestId: String(requestId), tx }, `request ${requestId} refunded`);
    return tx;
  } catch (err) {
    refunds.inc({ result: "error" });
    log("settle").error({ requestId: String(requestId) }, `refund of request ${requestId} failed: ${errorMessage(err)}`);
    throw err;
  }
}

/**
 * The settlement of a request found already settled: its event (one indexed-topic query), else the indexed
 * row, else the split recomputed with the fee schedule the request was paid under (its transaction then unknown:
 * zero hash). `ceiling`: what the request escrowed (its on-chain price); `price` what it was charged.
 */
async function settledOnChain(ctx: ServeContext, requestId: bigint, r: OnchainRequest): Promise<{ tx: Hex; price: bigint; ceiling: bigint; split: Split }> {
  const ceiling = r.price;
  const market = { address: ctx.deployment.inferenceMarket, abi: inferenceMarketAbi } as const;
  try {
    const logs = await ctx.publicClient.getContractEvents({ ...market, eventName: "InferenceSettled", args: { requestId }, fromBlock: BigInt(ctx.deployment.startBlock) });
    const e = logs[0];
    if (e) {
      const a = e.args;
      return { tx: e.transactionHash, price: a.price!, ceiling, split: { protocol: a.protocolFee!, operator: a.operatorFee!, builder: a.builderFee!, contributorPool: a.contributorPool! } };
    }
  } catch (err) {
    ctx.log?.(`serve: reading the settlement of request ${requestId} failed (${(err as Error).message.split("\n")[0]}); using the index`);
  }
  const [row] = await ctx.db.select().from(inferences).where(eq(inferences.requestId, Number(requestId))).limit(1);
  if (row?.status === "settled" && row.settledTx && row.contributorPool !== null) {
    const split = { protocol: row.protocolFee!, operator: row.operatorFee!, builder: row.builderFee!, contributorPool: row.contributorPool };
    // The charge is what was split (the indexed price is what was paid: a per-token request's ceiling).
    return { tx: row.settledTx as Hex, price: split.protocol + split.operator + split.builder + split.contributorPool, ceiling, split };
  }
  const { protocolBps, operatorBps } = await ctx.publicClient.readContract({ ...market, functionName: "feeSchedule", args: [r.feeVersion] });
  const [protocol, operator, builder, contributorPool] = await ctx.publicClient.readContract({
    ...market,
    functionName: "splitFees",
    args: [r.price, protocolBps, operatorBps, r.builderBps],
  });
  return { tx: `0x${"0".repeat(64)}`, price: r.price, ceiling, split: { protocol, operator, builder, contributorPool } };
}

/** The refund transaction of a request found already refunded (undefined when it cannot be read). */
async function refundedOnChain(ctx: ServeContext, requestId: bigint): Promise<Hex | undefined> {
  const logs = await ctx.publicClient
    .getContractEvents({ address: ctx.deployment.inferenceMarket, abi: inferenceMarketAbi, eventName: "InferenceRefunded", args: { requestId }, fromBlock: BigInt(ctx.deployment.startBlock) })
    .catch(() => []);
  return logs[0]?.transactionHash;
}

/** Settled: `price` charged out of the `ceiling` escrowed (the rest went back to the payer). */
export type SettleOutcome = { kind: "settled"; tx: Hex; price: bigint; ceiling: bigint; split: Split } | { kind: "refunded"; tx?: Hex } | { kind: "pending"; error: string };

/**
 * settle(requestId, requestHash, outputHash, attributionHash) (the whole escrow), or with `charged` the per-token
 * settle(requestId, requestHash, charged, outputHash, attributionHash) that returns the unused ceiling to the
 * payer; or what the chain says happened instead.
 */
export async function settleOnChain(ctx: ServeContext, requestId: bigint, requestHash: Hex, out: Hex, attr: Hex, charged?: bigint): Promise<SettleOutcome> {
  const outcome = await settleOnChainOnce(ctx, requestId, requestHash, out, attr, charged);
  settlements.inc({ result: outcome.kind });
  const l = log("settle");
  if (outcome.kind === "settled") l.info({ requestId: String(requestId), tx: outcome.tx, price: String(outcome.price) }, `request ${requestId} settled`);
  else if (outcome.kind === "refunded") l.warn({ requestId: String(requestId), tx: outcome.tx }, `request ${requestId} was refunded on-chain before it could be settled`);
  else l.error({ requestId: String(requestId) }, `settle of request ${requestId} failed (recovery retries it): ${outcome.error}`);
  return outcome;
}

async function settleOnChainOnce(ctx: ServeContext, requestId: bigint, requestHash: Hex, out: Hex, attr: Hex, charged?: bigint): Promise<SettleOutcome> {
  let lastError = "";
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const args = charged === undefined ? ([requestId, requestHash, out, attr] as const) : ([requestId, requestHash, charged, out, attr] as const);
      const receipt = await operatorTx(ctx, { functionName: "settle", args });
      const [ev] = parseEventLogs({ abi: inferenceMarketAbi, logs: receipt.logs, eventName: "InferenceSettled" });
      const returned = parseEventLogs({ abi: inferenceMarketAbi, logs: receipt.logs, eventName: "UnusedCeilingReturned" }).reduce((sum, e) => sum + e.args.amount, 0n);
      const a = ev.args;
      return { kind: "settled", tx: receipt.transactionHash, price: a.price, ceiling: a.price + returned, split: { protocol: a.protocolFee, operator: a.operatorFee, builder: a.builderFee, contributorPool: a.contributorPool } };
    } catch (err) {
      lastError = (err as Error).message.split("\n")[0];
    }
    // Not settled by this call: maybe by an earlier one (a lost receipt), maybe refunded meanwhile.
    const outcome = await chainOutcome(ctx, requestId).catch(() => null);
    if (outcome) return outcome;
  }
  return { kind: "pending", error: lastError };
}

/** Settled or refunded on-chain already (with the transaction), or null while still Paid (or unreadable). */
export async function chainOutcome(ctx: ServeContext, requestId: bigint): Promise<Exclude<SettleOutcome, { kind: "pending" }> | null> {
  const r = await readRequest(ctx, requestId);
  if (r.status === REQUEST_STATUS.Settled) return { kind: "settled", ...(await settledOnChain(ctx, requestId, r)) };
  if (r.status === REQUEST_STATUS.Refunded) return { kind: "refunded", tx: await refundedOnChain(ctx, requestId) };
  return null;
}
