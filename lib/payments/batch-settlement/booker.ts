/**
 * The booker: turns batch-settlement charges pending settlement (batch_charges) into booked inferences on-chain.
 *
 * One run: claim the channels' vouchers in the settlement contract (the package's channel manager, as the
 * receiver's authorizer), then book the claimed charges with InferenceMarket.bookBatch — one transaction for up to
 * `maxRecords` inferences across channels — and mark them booked. The indexer turns the transaction into settled
 * inferences and contributor credits (lib/indexer/handlers.ts, InferencesBooked).
 *
 * Exactly once: each channel's charges are booked in the order they were taken, starting exactly at the market's
 * on-chain cursor `bookedOf[channel]`. A charge whose `cumulativeAfter` is at or below the cursor is already booked
 * (a run that crashed after its transaction was mined): it is marked booked from the indexed inference that names it,
 * never sent again. The contract refuses more than a channel's claimed vouchers, so a charge not yet claimed waits.
 *
 * When, per channel ({@link bookingDue}): a channel is due when its oldest pending charge is `maxDelayMs` old, when it
 * has `minRecords` pending, or at once when its payer has started a timed withdrawal (what is not claimed when it
 * completes is lost to the payer's refund). A run books the due channels only. Each channel a run books costs one
 * voucher claim (≈ 22k gas) whatever its number of charges, so booking a channel before it is due would only spend
 * one more claim on it: per channel, not per batch, is what keeps the claim's share of an inference small.
 */
import { and, eq, inArray, isNotNull } from "drizzle-orm";
import type { Address, Hex, PublicClient, WalletClient } from "viem";
import { inferenceMarketAbi, x402BatchSettlementAbi } from "@/contracts-abi";
import type { Db } from "@/db/client";
import { inferences } from "@/db/schema";
import { BATCH_SETTLEMENT_ADDRESS } from "@/lib/chain/batch-settlement";
import { encodeBookings, MAX_BOOKING_BYTES, BOOKING_GROUP_HEADER_SIZE, BOOKING_RECORD_SIZE, type BookingGroup } from "@/lib/chain/bookings";
import { operatorCall } from "@/lib/chain/operator-send";
import { markBooked, pendingByChannel, pendingCharges, type BatchChargeRow } from "./charges";
import { claimVouchers } from "./claims";
import type { BatchServer } from "./server";

export interface BookingOptions {
  db: Db;
  publicClient: PublicClient;
  operator: WalletClient;
  server: BatchServer;
  market: Address;
  token: Address;
  /** Records per bookBatch at most (default 1,000; the batch also stays under MAX_BOOKING_BYTES). */
  maxRecords?: number;
  /** Book only these channels (claimed and booked); default: every channel with pending charges. */
  channels?: readonly string[];
  log?: (msg: string) => void;
}

export interface BookingRun {
  /** Charges booked by this run's transaction. */
  booked: number;
  /** Charges found already booked on-chain (by an earlier run) and marked so. */
  recovered: number;
  /** Charges still pending after the run (not yet claimable, or beyond this batch). */
  pending: number;
  /** Wei booked by this run's transaction. */
  total: bigint;
  claimTxs: Hex[];
  tx: Hex | null;
}

const byChannel = (rows: BatchChargeRow[]) => {
  const out = new Map<string, BatchChargeRow[]>();
  for (const r of rows) {
    const list = out.get(r.channelId);
    if (list) list.push(r);
    else out.set(r.channelId, [r]);
  }
  for (const list of out.values()) list.sort((a, b) => (a.cumulativeAfter < b.cumulativeAfter ? -1 : 1));
  return out;
};

/** Which channels' pending charges are due for booking now (the configured latency bound, per channel) and why. */
export async function bookingDue(
  opts: Pick<BookingOptions, "db" | "publicClient">,
  bound: { maxDelayMs: number; minRecords: number },
  now = Date.now(),
): Promise<{ due: boolean; reason: string; pending: number; channels: Hex[] }> {
  const backlog = await pendingByChannel(opts.db);
  const pending = backlog.reduce((a, c) => a + c.pending, 0);
  if (backlog.length === 0) return { due: false, reason: "nothing pending", pending, channels: [] };
  const reasons: string[] = [];
  const due = new Set<string>();
  const full = backlog.filter((c) => c.pending >= bound.minRecords);
  if (full.length) reasons.push(`${full.length} channel(s) with ${bound.minRecords}+ charges`);
  const old = backlog.filter((c) => now - c.oldest.getTime() >= bound.maxDelayMs);
  if (old.length) reasons.push(`${old.length} channel(s) whose oldest charge waited ${Math.round(bound.maxDelayMs / 1000)} s`);
  for (const c of [...full, ...old]) due.add(c.channelId);
  const rest = backlog.filter((c) => !due.has(c.channelId)).map((c) => c.channelId as Hex);
  const withdrawing = rest.length ? await withdrawingChannels(opts.publicClient, rest) : [];
  if (withdrawing.length) reasons.push(`a payer started a withdrawal from ${withdrawing.join(", ")}`);
  for (const id of withdrawing) due.add(id);
  if (due.size === 0) {
    const age = now - backlog[0].oldest.getTime();
    return { due: false, reason: `${pending} pending in ${backlog.length} channel(s), the oldest ${Math.round(age / 1000)} s old`, pending, channels: [] };
  }
  return { due: true, reason: reasons.join("; "), pending, channels: [...due] as Hex[] };
}

/** Channels among `ids` with a timed withdrawal pending (WithdrawInitiated, not yet finalized). */
async function withdrawingChannels(client: PublicClient, ids: Hex[]): Promise<Hex[]> {
  const states = await Promise.all(
    ids.map((id) => client.readContract({ address: BATCH_SETTLEMENT_ADDRESS, abi: x402BatchSettlementAbi, functionName: "pendingWithdrawals", args: [id] })),
  );
  return ids.filter((_, i) => states[i][1] !== 0);
}

/** One booking run (see the file comment). Throws when a transaction fails; nothing is marked booked then. */
export async function bookPending(opts: BookingOptions): Promise<BookingRun> {
  const { db, publicClient, server, market } = opts;
  const log = opts.log ?? (() => {});
  const maxRecords = opts.maxRecords ?? 1_000;
  const run: BookingRun = { booked: 0, recovered: 0, pending: 0, total: 0n, claimTxs: [], tx: null };
  // More than one batch's worth is read so that every channel's oldest charges are seen.
  const rows = await pendingCharges(db, maxRecords * 4, opts.channels);
  if (rows.length === 0) return run;

  // 1. Claim: vouchers charged beyond what is claimed on-chain, one `claim` per 100 channels (only the channels booked);
  //    a channel the contract refuses is left out, not the run (./claims.ts).
  const only = opts.channels && new Set(opts.channels.map((c) => c.toLowerCase()));
  const claims = await claimVouchers({ publicClient, operator: opts.operator, server, market, token: opts.token, only, log });
  run.claimTxs = claims.map((c) => c.transaction as Hex);
  if (claims.length) log(`booking: claimed ${claims.reduce((a, c) => a + c.vouchers, 0)} vouchers in ${claims.length} transaction(s)`);

  // 2. What each channel has claimed and what the market has booked against it.
  const channels = byChannel(rows);
  const ids = [...channels.keys()] as Hex[];
  const [claimed, cursors] = await Promise.all([
    Promise.all(ids.map((id) => publicClient.readContract({ address: BATCH_SETTLEMENT_ADDRESS, abi: x402BatchSettlementAbi, functionName: "channels", args: [id] }))),
    Promise.all(ids.map((id) => publicClient.readContract({ address: market, abi: inferenceMarketAbi, functionName: "bookedOf", args: [id] }))),
  ]);

  // 3. Per channel: charges at or below the cursor are booked already; the bookable ones continue it, up to claimed.
  const groups: (BookingGroup & { ids: number[] })[] = [];
  const recovered: BatchChargeRow[] = [];
  let records = 0;
  let bytes = 0;
  for (const [i, id] of ids.entries()) {
    const totalClaimed = claimed[i][1];
    let cursor = cursors[i];
    const take: BatchChargeRow[] = [];
    for (const r of channels.get(id)!) {
      if (r.cumulativeAfter <= cursor) {
        recovered.push(r);
        continue;
      }
      if (r.cumulativeAfter - r.charged !== cursor) {
        log(`booking: channel ${id}: charge ${r.requestHash} starts at ${r.cumulativeAfter - r.charged} wei, the booked cursor is at ${cursor}; left pending`);
        break;
      }
      if (r.cumulativeAfter > totalClaimed) break;
      const size = (take.length === 0 ? BOOKING_GROUP_HEADER_SIZE : 0) + BOOKING_RECORD_SIZE;
      if (records + 1 > maxRecords || bytes + size > MAX_BOOKING_BYTES) break;
      take.push(r);
      records++;
      bytes += size;
      cursor = r.cumulativeAfter;
    }
    if (take.length === 0) continue;
    const channel = (await server.storage.get(id))?.channelConfig;
    if (!channel) {
      log(`booking: channel ${id} is not in the channel storage; its charges are left pending`);
      records -= take.length;
      continue;
    }
    groups.push({
      ids: take.map((r) => r.id),
      channel: { payer: channel.payer as Address, payerAuthorizer: channel.payerAuthorizer as Address, receiverAuthorizer: channel.receiverAuthorizer as Address, withdrawDelay: channel.withdrawDelay, salt: channel.salt as Hex },
      records: take.map((r) => ({ modelId: BigInt(r.modelId), requestHash: r.requestHash as Hex, charged: r.charged, outputHash: r.outputHash as Hex, attributionHash: r.attributionHash as Hex })),
    });
  }

  // 4. Recovery: charges a crashed run booked are marked with the transaction the indexer recorded for them.
  if (recovered.length) run.recovered = await markRecovered(db, recovered, log);

  // 5. Book.
  if (groups.length) {
    const batch = encodeBookings(groups);
    const receipt = await operatorCall(opts.operator, publicClient, { address: market, abi: inferenceMarketAbi, functionName: "bookBatch", args: [batch] });
    const tx = receipt.transactionHash;
    run.tx = tx;
    run.booked = await markBooked(db, groups.flatMap((g) => g.ids), tx);
    run.total = groups.reduce((a, g) => a + g.records.reduce((b, r) => b + r.charged, 0n), 0n);
    log(`booking: booked ${run.booked} inferences (${run.total} wei) from ${groups.length} channel(s) in ${tx}, gas ${receipt.gasUsed}`);
  }
  run.pending = rows.length - run.booked - run.recovered;
  return run;
}

/** Marks already-booked charges with their indexed bookBatch transaction; those the indexer has not reached wait. */
async function markRecovered(db: Db, rows: BatchChargeRow[], log: (m: string) => void): Promise<number> {
  const indexed = await db
    .select({ requestHash: inferences.requestHash, tx: inferences.settledTx })
    .from(inferences)
    .where(and(inArray(inferences.requestHash, rows.map((r) => r.requestHash)), isNotNull(inferences.bookingBatch), eq(inferences.status, "settled")));
  const txOf = new Map(indexed.map((r) => [r.requestHash, r.tx]));
  let n = 0;
  for (const r of rows) {
    const tx = txOf.get(r.requestHash);
    if (tx) n += await markBooked(db, [r.id], tx as Hex);
  }
  if (n < rows.length) log(`booking: ${rows.length - n} charges are booked on-chain but not indexed yet; marked when they are`);
  return n;
}
