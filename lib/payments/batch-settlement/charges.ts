/**
 * Batch-settlement charges pending settlement (table `batch_charges`), written atomically with the charge itself.
 *
 * A charge is taken when the server scheme raises a channel's `chargedCumulativeAmount` in `payment_channels`
 * (voucher: in its beforeSettle hook; deposit: in its afterSettle hook once the deposit is mined). Both go through
 * PostgresChannelStorage.updateChannel, one database transaction. `recordChargeOnWrite` is that storage's write hook:
 * inside the same transaction it inserts the charge's `batch_charges` row, so
 *
 * - a charge taken (the channel update committed) always has its row: they commit together;
 * - a row never exists for a charge not taken: a failed insert (or a charge that is not the one this request
 *   announced) throws, which rolls the channel update back, and the settle fails (nothing charged, nothing recorded).
 *
 * The request announces its charge with `withCharge(intent, () => rs.settlePayment(...))` (AsyncLocalStorage: the
 * package's hooks run in that async context). A raise of `chargedCumulativeAmount` without an announced charge is
 * refused (rolled back): every charge in the channel is an inference served here.
 *
 * Crash points (one request): before the settle transaction commits → no charge, no row, the reservation expires
 * (≤ maxTimeoutSeconds) and the client's next voucher resyncs; after it commits → charge and row both exist, the
 * answer was stored before (inference_results, keyed by the request hash the row references), so the payer can
 * read it even if the response never reached them.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { and, asc, count, eq, inArray, min } from "drizzle-orm";
import type { Channel } from "@x402/evm/batch-settlement/server";
import type { Address, Hex } from "viem";
import type { Db } from "@/db/client";
import { batchCharges } from "@/db/schema";
import { singleton } from "@/lib/singleton";
import type { ChannelTx, ChannelWriteHook } from "./channel-storage";

/** What one served inference is charged, announced before the settle that takes it. */
export interface ChargeIntent {
  channelId: Hex;
  payer: Address;
  modelId: number;
  requestHash: Hex;
  /** Wei; ≤ the ceiling the voucher signed (checked by the caller before settling). */
  charged: bigint;
  outputHash: Hex;
  attributionHash: Hex;
  /** Set once the row is written (a test or the caller may check the charge was recorded). */
  recorded?: boolean;
}

/**
 * One per process, not per module instance: Next bundles this module into each route and into instrumentation, and
 * the batch server (a process singleton whose write hook reads this) may be started by any of them.
 */
const intents = singleton("batchChargeIntents", () => new AsyncLocalStorage<ChargeIntent>());

/** Runs `settle` with `intent` as the charge its channel update must record. */
export function withCharge<T>(intent: ChargeIntent, settle: () => Promise<T>): Promise<T> {
  return intents.run(intent, settle);
}

/** Test seam: a failure injected right after the row is written, inside the transaction (a crash before commit). */
let failAfterInsert: ((intent: ChargeIntent) => void) | undefined;
export function setChargeFaultForTests(fault: ((intent: ChargeIntent) => void) | undefined): void {
  failAfterInsert = fault;
}

const charged = (c: Channel | undefined) => (c ? BigInt(c.chargedCumulativeAmount) : 0n);

/** PostgresChannelStorage's write hook: records the announced charge in the channel update's transaction. */
export const recordChargeOnWrite: ChannelWriteHook = async (tx: ChannelTx, before, after) => {
  const intent = intents.getStore();
  // A channel (re)created by a verify takes its baseline from the voucher: nothing is charged by that.
  if (!before || !after) return;
  const delta = charged(after) - charged(before);
  // The settle's write is the one that clears this request's reservation.
  const settles = before.pendingRequest !== undefined && after.pendingRequest === undefined;
  if (!intent) {
    if (delta !== 0n) throw new Error(`batch-settlement: channel ${before.channelId} was charged ${delta} wei outside a served request; refused`);
    return;
  }
  if (!settles || intent.recorded) {
    if (delta !== 0n) throw new Error(`batch-settlement: unexpected second charge of ${delta} wei in channel ${before.channelId}`);
    return;
  }
  // The scheme dropped the reservation without charging (e.g. a charge above the signed cap): no charge, no row.
  if (delta === 0n && intent.charged !== 0n) return;
  if (after.channelId.toLowerCase() !== intent.channelId.toLowerCase()) throw new Error("batch-settlement: the charge is for another channel");
  if (delta !== intent.charged) throw new Error(`batch-settlement: the channel was charged ${delta} wei, the request announced ${intent.charged}`);
  await tx.insert(batchCharges).values({
    channelId: intent.channelId.toLowerCase(),
    payer: intent.payer.toLowerCase(),
    modelId: intent.modelId,
    requestHash: intent.requestHash.toLowerCase(),
    charged: intent.charged,
    cumulativeAfter: charged(after),
    outputHash: intent.outputHash,
    attributionHash: intent.attributionHash,
  });
  failAfterInsert?.(intent);
  intent.recorded = true;
};

export type BatchChargeRow = typeof batchCharges.$inferSelect;

/** The oldest charges not yet booked on-chain, at most `limit`, in the order they were taken; only `channelIds`' if given. */
export function pendingCharges(db: Db, limit: number, channelIds?: readonly string[]): Promise<BatchChargeRow[]> {
  const pending = eq(batchCharges.status, "pending");
  const where = channelIds ? and(pending, inArray(batchCharges.channelId, channelIds.map((c) => c.toLowerCase()))) : pending;
  return db.select().from(batchCharges).where(where).orderBy(asc(batchCharges.id)).limit(limit);
}

/** A channel's charges not yet booked: how many, and when the oldest was taken. */
export interface ChannelBacklog {
  channelId: string;
  pending: number;
  oldest: Date;
}

/** Every channel with charges not yet booked, oldest backlog first. */
export async function pendingByChannel(db: Db): Promise<ChannelBacklog[]> {
  const rows = await db
    .select({ channelId: batchCharges.channelId, pending: count(), oldest: min(batchCharges.createdAt) })
    .from(batchCharges)
    .where(eq(batchCharges.status, "pending"))
    .groupBy(batchCharges.channelId);
  return rows.map((r) => ({ channelId: r.channelId, pending: Number(r.pending), oldest: new Date(r.oldest!) })).sort((a, b) => a.oldest.getTime() - b.oldest.getTime());
}

/** Marks charges booked by `txHash` (only those still pending); returns how many changed. */
export async function markBooked(db: Db, ids: readonly number[], txHash: Hex): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await db
    .update(batchCharges)
    .set({ status: "booked", bookedTx: txHash.toLowerCase(), bookedAt: new Date() })
    .where(and(inArray(batchCharges.id, [...ids]), eq(batchCharges.status, "pending")))
    .returning({ id: batchCharges.id });
  return rows.length;
}

/** The charge of an inference by its request hash (its id until booked), or null. */
export async function chargeOf(db: Db, requestHash: string): Promise<BatchChargeRow | null> {
  const [row] = await db.select().from(batchCharges).where(eq(batchCharges.requestHash, requestHash.toLowerCase())).limit(1);
  return row ?? null;
}
