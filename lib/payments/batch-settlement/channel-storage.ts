/**
 * The x402 `batch-settlement` server scheme's channel state in the database (table `payment_channels`), so that
 * it survives restarts and every web instance sees and changes the same channels: @x402/evm 2.27's
 * `ChannelStorage`, in place of the package's in-memory, file or Redis storages, behaving as they do:
 *
 * - keys are channel ids normalized as the package does (bytes32 hex, lower-case; anything else throws
 *   `invalid_batch_settlement_evm_channel_id_invalid`);
 * - `updateChannel` runs the synchronous callback once, inside one transaction that holds the channel: a
 *   transaction-scoped advisory lock on the id (so two instances creating the same channel take turns instead of
 *   one failing on the primary key), then the row `FOR UPDATE`; the callback's answer is written in the same
 *   transaction. Returning `current` itself is "unchanged" (nothing written); `undefined` deletes ("deleted", or
 *   "unchanged" when there was no row); anything else is written ("updated") and returned as given. A callback
 *   that throws rolls back and the error propagates.
 * - Every `Channel` field comes back exactly as stored: strings verbatim (amounts are the decimal strings the
 *   scheme wrote, never JS numbers), optional fields absent when they were absent or `undefined` (as JSON
 *   storages do). A field this version does not know is refused rather than silently dropped.
 *
 * - A reservation (`pendingRequest`) names the web instance that made it; once that instance stops beating
 *   (lib/process/instance.ts: killed between a voucher and its answer) the reservation reads as absent, so the
 *   payer's next voucher is served at once instead of 409 channel_busy until it expires.
 *
 * On PGlite (one connection) transactions are already exclusive: every query and transaction runs under its one
 * mutex, so the advisory lock is taken on Postgres only (one statement less per update).
 */
import { createHash } from "node:crypto";
import { asc, eq, sql } from "drizzle-orm";
import type { Channel, ChannelStorage, ChannelUpdateResult } from "@x402/evm/batch-settlement/server";
import { isPglite, type Db } from "@/db/client";
import { paymentChannels } from "@/db/schema";
import { instanceAlive, instanceId } from "@/lib/process/instance";

type Row = typeof paymentChannels.$inferSelect;
type RowValues = Omit<typeof paymentChannels.$inferInsert, "updatedAt" | "pendingInstance">;

/** The package's error for a malformed channel id (`ErrInvalidChannelId`). */
export const INVALID_CHANNEL_ID = "invalid_batch_settlement_evm_channel_id_invalid";
const CHANNEL_ID = /^0x[0-9a-fA-F]{64}$/;

/** A channel's storage key: its id, lower-case (the package's `normalizeChannelId`). */
export function channelKey(channelId: string): string {
  if (typeof channelId !== "string" || !CHANNEL_ID.test(channelId)) throw new Error(INVALID_CHANNEL_ID);
  return channelId.toLowerCase();
}

/** The advisory lock a channel's updates take: the first 8 bytes of sha-256("ledgerline:payment-channel:<key>"). */
export function channelLockKey(key: string): bigint {
  return createHash("sha256").update(`ledgerline:payment-channel:${key}`).digest().readBigInt64BE(0);
}

const CHANNEL_FIELDS = new Set([
  "channelId",
  "channelConfig",
  "chargedCumulativeAmount",
  "signedMaxClaimable",
  "signature",
  "balance",
  "totalClaimed",
  "withdrawRequestedAt",
  "refundNonce",
  "onchainSyncedAt",
  "lastRequestTimestamp",
  "pendingRequest",
]);
const CONFIG_FIELDS = new Set(["payer", "payerAuthorizer", "receiver", "receiverAuthorizer", "token", "withdrawDelay", "salt"]);
const PENDING_FIELDS = new Set(["pendingId", "signedMaxClaimable", "expiresAt"]);

function refuseUnknown(what: string, value: object, known: Set<string>): void {
  for (const [k, v] of Object.entries(value)) {
    if (v !== undefined && !known.has(k)) throw new Error(`payment channel storage: unknown ${what} field "${k}" (not kept by this version)`);
  }
}

function str(field: string, v: unknown): string {
  if (typeof v !== "string") throw new Error(`payment channel storage: ${field} must be a string, got ${typeof v}`);
  return v;
}

function int(field: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v)) throw new Error(`payment channel storage: ${field} must be a safe integer, got ${String(v)}`);
  return v;
}

/** The row for `channel` stored under `key`; throws on a malformed channel rather than store part of it. */
function toRow(key: string, channel: Channel): RowValues {
  if (typeof channel !== "object" || channel === null) throw new Error("payment channel storage: the update returned a non-object");
  refuseUnknown("channel", channel, CHANNEL_FIELDS);
  const sentId = str("channelId", channel.channelId);
  if (sentId.toLowerCase() !== key) throw new Error(`payment channel storage: channel ${sentId} stored under ${key}`);
  const config = channel.channelConfig;
  if (typeof config !== "object" || config === null) throw new Error("payment channel storage: channelConfig must be an object");
  refuseUnknown("channelConfig", config, CONFIG_FIELDS);
  const pending = channel.pendingRequest;
  if (pending !== undefined) {
    if (typeof pending !== "object" || pending === null) throw new Error("payment channel storage: pendingRequest must be an object");
    refuseUnknown("pendingRequest", pending, PENDING_FIELDS);
  }
  return {
    channelId: key,
    sentChannelId: sentId === key ? null : sentId,
    payer: str("channelConfig.payer", config.payer),
    payerAuthorizer: str("channelConfig.payerAuthorizer", config.payerAuthorizer),
    receiver: str("channelConfig.receiver", config.receiver),
    receiverAuthorizer: str("channelConfig.receiverAuthorizer", config.receiverAuthorizer),
    token: str("channelConfig.token", config.token),
    withdrawDelay: int("channelConfig.withdrawDelay", config.withdrawDelay),
    salt: str("channelConfig.salt", config.salt),
    chargedCumulativeAmount: str("chargedCumulativeAmount", channel.chargedCumulativeAmount),
    signedMaxClaimable: str("signedMaxClaimable", channel.signedMaxClaimable),
    signature: str("signature", channel.signature),
    balance: str("balance", channel.balance),
    totalClaimed: str("totalClaimed", channel.totalClaimed),
    withdrawRequestedAt: int("withdrawRequestedAt", channel.withdrawRequestedAt),
    refundNonce: int("refundNonce", channel.refundNonce),
    onchainSyncedAt: channel.onchainSyncedAt === undefined ? null : int("onchainSyncedAt", channel.onchainSyncedAt),
    lastRequestTimestamp: int("lastRequestTimestamp", channel.lastRequestTimestamp),
    pendingId: pending ? str("pendingRequest.pendingId", pending.pendingId) : null,
    pendingSignedMaxClaimable: pending ? str("pendingRequest.signedMaxClaimable", pending.signedMaxClaimable) : null,
    pendingExpiresAt: pending ? int("pendingRequest.expiresAt", pending.expiresAt) : null,
  };
}

/** The `Channel` a row holds, fields in the package's order; optional ones only when present. */
function toChannel(row: Row): Channel {
  return {
    channelId: row.sentChannelId ?? row.channelId,
    channelConfig: {
      payer: row.payer as `0x${string}`,
      payerAuthorizer: row.payerAuthorizer as `0x${string}`,
      receiver: row.receiver as `0x${string}`,
      receiverAuthorizer: row.receiverAuthorizer as `0x${string}`,
      token: row.token as `0x${string}`,
      withdrawDelay: row.withdrawDelay,
      salt: row.salt as `0x${string}`,
    },
    chargedCumulativeAmount: row.chargedCumulativeAmount,
    signedMaxClaimable: row.signedMaxClaimable,
    signature: row.signature,
    balance: row.balance,
    totalClaimed: row.totalClaimed,
    withdrawRequestedAt: row.withdrawRequestedAt,
    refundNonce: row.refundNonce,
    ...(row.onchainSyncedAt === null ? {} : { onchainSyncedAt: row.onchainSyncedAt }),
    lastRequestTimestamp: row.lastRequestTimestamp,
    ...(row.pendingId === null
      ? {}
      : { pendingRequest: { pendingId: row.pendingId, signedMaxClaimable: row.pendingSignedMaxClaimable!, expiresAt: row.pendingExpiresAt! } }),
  };
}

/** A transaction of the channel update (the database handle `updateChannel` writes with). */
export type ChannelTx = Parameters<Parameters<Db["transaction"]>[0]>[0];

/**
 * Runs inside `updateChannel`'s transaction after the channel is written, before commit: what it writes commits or
 * rolls back with the channel (charges.ts records each charge this way). Throwing rolls the update back.
 */
export type ChannelWriteHook = (tx: ChannelTx, before: Channel | undefined, after: Channel | undefined) => Promise<void>;

/** A row with a reservation whose instance is dead read as if it held none (the instance's own reservations always count). */
function withLiveReservation(found: { row: Row; holderAlive: boolean }, self: string): Row {
  const { row, holderAlive } = found;
  const void_ = row.pendingId !== null && row.pendingInstance !== null && row.pendingInstance !== self && !holderAlive;
  return void_ ? { ...row, pendingId: null, pendingSignedMaxClaimable: null, pendingExpiresAt: null, pendingInstance: null } : row;
}

export class PostgresChannelStorage implements ChannelStorage {
  protected readonly instance: string;
  /** PGlite: one transaction at a time already, no advisory lock needed. */
  private readonly exclusive: boolean;

  constructor(
    protected readonly db: Db,
    private readonly opts: { onWrite?: ChannelWriteHook; /** Default: this process's instance id. */ instance?: string } = {},
  ) {
    this.instance = opts.instance ?? instanceId();
    this.exclusive = isPglite(db);
  }

  private selectRow(db: Pick<Db, "select">) {
    return db.select({ row: paymentChannels, holderAlive: instanceAlive(paymentChannels.pendingInstance) }).from(paymentChannels);
  }

  async get(channelId: string): Promise<Channel | undefined> {
    const [found] = await this.selectRow(this.db).where(eq(paymentChannels.channelId, channelKey(channelId)));
    return found ? toChannel(withLiveReservation(found, this.instance)) : undefined;
  }

  /** Every channel, by id (as the package's file and Redis storages list them). */
  async list(): Promise<Channel[]> {
    const rows = await this.selectRow(this.db).orderBy(asc(paymentChannels.channelId));
    return rows.map((found) => toChannel(withLiveReservation(found, this.instance)));
  }

  async updateChannel(channelId: string, update: (current: Channel | undefined) => Channel | undefined): Promise<ChannelUpdateResult> {
    const key = channelKey(channelId);
    return this.db.transaction(async (tx) => {
      // Held to the end of the transaction: a missing row cannot be locked FOR UPDATE, this can.
      if (!this.exclusive) await tx.execute(sql`select pg_advisory_xact_lock(${channelLockKey(key).toString()}::bigint)`);
      const [found] = await this.selectRow(tx).where(eq(paymentChannels.channelId, key)).for("update", { of: paymentChannels });
      const row = found ? withLiveReservation(found, this.instance) : undefined;
      const current = row ? toChannel(row) : undefined;
      return this.write(tx, key, current, update(current), row ? { pendingId: row.pendingId, pendingInstance: row.pendingInstance } : undefined);
    });
  }

  /**
   * Writes `next` over `current` (the channel as the caller knows it) in `tx`, with the write hook. `stored` is the
   * row's reservation as stored (undefined: no row), so that a reservation kept as it was keeps its instance.
   */
  protected async write(
    tx: ChannelTx,
    key: string,
    current: Channel | undefined,
    next: Channel | undefined,
    stored: { pendingId: string | null; pendingInstance: string | null } | undefined,
  ): Promise<ChannelUpdateResult> {
    if (next === current) return { channel: current, status: "unchanged" };
    if (next === undefined || next === null) {
      if (!current) return { channel: undefined, status: "unchanged" };
      await tx.delete(paymentChannels).where(eq(paymentChannels.channelId, key));
      await this.opts.onWrite?.(tx, current, undefined);
      return { channel: undefined, status: "deleted" };
    }
    // A reservation kept as it was keeps its instance; a new one is this instance's.
    const pendingId = next.pendingRequest?.pendingId;
    const values = { ...toRow(key, next), pendingInstance: pendingId === undefined ? null : pendingId === stored?.pendingId ? stored.pendingInstance : this.instance };
    if (stored) {
      await tx
        .update(paymentChannels)
        .set({ ...values, updatedAt: sql`now()` })
        .where(eq(paymentChannels.channelId, key));
    } else {
      await tx.insert(paymentChannels).values(values);
    }
    await this.opts.onWrite?.(tx, current, next);
    return { channel: next, status: "updated" };
  }
}
