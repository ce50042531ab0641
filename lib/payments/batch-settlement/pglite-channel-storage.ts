/**
 * The channel storage on PGlite, where this process is the database's only writer (one process can open it): the
 * same table and write hook as PostgresChannelStorage, with
 *
 * - every channel it has read or written kept in memory (written through: the database is written first, the
 *   memory only once that committed), so reads and the updates' own reads cost no query;
 * - a reservation (`pendingRequest`, "one request at a time per channel") made in memory only when nothing else of
 *   the channel changes but the voucher it carries and its time: it is a lock, not money. A crash loses it, as a
 *   crash already voided the reservation of a dead instance; the database keeps the last charged state and its
 *   voucher. Every other change (a charge and its `batch_charges` row, a new channel, fresh on-chain state, a
 *   released reservation) is written in one transaction as before.
 *
 * Updates of one channel run one after another (a queue per channel); the package's update callback is synchronous,
 * so a reservation made in memory is atomic.
 *
 * The memory is bounded: past `maxKnown` channels, the least recently used ones are forgotten (read again from the
 * database when next used), except a channel holding a live reservation: that exists nowhere else.
 */
import type { Channel, ChannelUpdateResult } from "@x402/evm/batch-settlement/server";
import { channelKey, PostgresChannelStorage } from "./channel-storage";

/** Fields a reservation also rewrites that need no durability: the voucher (the stored one still covers the stored charge) and its time. */
const VOLATILE = new Set(["pendingRequest", "signedMaxClaimable", "signature", "lastRequestTimestamp"]);

/** The channel without its volatile fields, comparable by value. */
function durablePart(channel: Channel): string {
  return JSON.stringify(channel, (k, v) => (VOLATILE.has(k) ? undefined : v));
}

function copy(channel: Channel | undefined): Channel | undefined {
  if (!channel) return undefined;
  return { ...channel, channelConfig: { ...channel.channelConfig }, ...(channel.pendingRequest ? { pendingRequest: { ...channel.pendingRequest } } : {}) };
}

/** Channels kept in memory by default: a channel is ≈ 1 KB, and a payer's next call usually comes soon. */
export const DEFAULT_MAX_KNOWN_CHANNELS = 100_000;

export class PgliteChannelStorage extends PostgresChannelStorage {
  /** Channels as this process knows them, least recently used first (absent: not read yet; undefined: no row). */
  private readonly known = new Map<string, { channel: Channel | undefined }>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly maxKnown: number;

  constructor(db: ConstructorParameters<typeof PostgresChannelStorage>[0], opts: ConstructorParameters<typeof PostgresChannelStorage>[1] & { maxKnown?: number } = {}) {
    const { maxKnown = DEFAULT_MAX_KNOWN_CHANNELS, ...rest } = opts;
    super(db, rest);
    this.maxKnown = maxKnown;
  }

  /** How many channels are held in memory (for tests and metrics). */
  get knownCount(): number {
    return this.known.size;
  }

  private remember(key: string, channel: Channel | undefined): void {
    this.known.delete(key);
    this.known.set(key, { channel });
    if (this.known.size <= this.maxKnown) return;
    const now = Date.now();
    for (const [k, entry] of this.known) {
      if (this.known.size <= this.maxKnown) break;
      // A live reservation lives only here; one being updated is re-remembered by its update.
      if (k === key || this.queues.has(k) || (entry.channel?.pendingRequest && entry.channel.pendingRequest.expiresAt > now)) continue;
      this.known.delete(k);
    }
  }

  /** Runs `fn` after every earlier update (or first read) of `key`. */
  private queued<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.queues.get(key) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return run;
  }

  private async load(key: string): Promise<Channel | undefined> {
    const hit = this.known.get(key);
    if (hit) return hit.channel;
    const channel = await super.get(key);
    this.remember(key, channel);
    return channel;
  }

  override async get(channelId: string): Promise<Channel | undefined> {
    const key = channelKey(channelId);
    const hit = this.known.get(key);
    return copy(hit ? hit.channel : await this.queued(key, () => this.load(key)));
  }

  override async list(): Promise<Channel[]> {
    const stored = await super.list();
    return stored.map((c) => {
      const hit = this.known.get(channelKey(c.channelId));
      return hit?.channel ? copy(hit.channel)! : c;
    });
  }

  override updateChannel(channelId: string, update: (current: Channel | undefined) => Channel | undefined): Promise<ChannelUpdateResult> {
    const key = channelKey(channelId);
    return this.queued(key, async () => {
      const current = copy(await this.load(key));
      const next = update(current);
      if (next === current || (next === undefined && !current)) return { channel: current, status: "unchanged" };
      // The write hook is skipped with the write: it records charges, and a reservation charges nothing.
      if (next && current && next.pendingRequest && durablePart(next) === durablePart(current)) {
        this.remember(key, copy(next));
        return { channel: next, status: "updated" };
      }
      // Every reservation stored by this process is its own (one process opens PGlite).
      const stored = current ? { pendingId: null, pendingInstance: null } : undefined;
      const result = await this.db.transaction((tx) => this.write(tx, key, current, next, stored));
      this.remember(key, copy(result.channel));
      return result;
    });
  }
}
