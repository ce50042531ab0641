/**
 * The indexer, as a pipeline a reader can follow top to bottom (Ponder's shape):
 *   fetch (getLogs over adaptive block ranges) → decode (typed ABIs) →
 *   write (events, read model and checkpoint in ONE transaction) → notify (after commit).
 * Reorgs: the checkpoint's block hash is compared with the chain before each step; on a mismatch the
 * indexer walks back to the common ancestor and rolls back everything above it: through the undo journal
 * (journal.ts) when it reaches that far, else by replaying every kept event from the start.
 */
import { and, asc, desc, eq, getTableName, gt, gte, lte, sql } from "drizzle-orm";
import type { Block, Hex, Log, PublicClient } from "viem";
import type { Db } from "@/db/client";
import * as t from "@/db/schema";
import type { Deployment } from "@/lib/chain/deploy";
import { decodeLog, indexedContracts, jsonArgs, type ContractName, type DecodedEvent } from "./decode";
import type { IndexedEvent } from "./indexed-event";
import { applyEvent, collectPreload } from "./handlers";
import { recordLogs } from "./record-logs";
import { emptyPreload, RangeStore, type Preload, type Tx } from "./store";
import { clearJournal, derivedTables, journalRange, journalReaches, pruneJournal, undoAbove } from "./journal";
import { bookingBatchOf } from "@/lib/chain/bookings";
import { publishLive } from "@/lib/live/bus";
import { toLiveEvent, type LiveEvent } from "@/lib/live/events";

export type { IndexedEvent };

interface FetchedRange {
  from: number;
  to: number;
  blocks: Map<number, Block>;
  /** The range's logs in chain order, decoded (logs no ABI describes are dropped). */
  decoded: { log: Log; contract: ContractName; event: DecodedEvent; at: Date }[];
  /** The batch each bookBatch transaction of the range booked, from its calldata (InferencesBooked has its hash). */
  bookings: { txHash: string; block: number; batch: Hex }[];
}

/** The node reads the indexer makes (a PublicClient, or a recorded chain replayed without a node). */
export type ChainReader = Pick<PublicClient, "getBlock" | "getBlockNumber" | "getLogs" | "getTransaction">;

export interface IndexerOptions {
  db: Db;
  client: ChainReader;
  deployment: Deployment;
  /** Blocks below head - finalityDepth are final: no reorg check needed for them. 0 on anvil. */
  finalityDepth?: number;
  /**
   * Ranges ending within this many blocks of the head (or finalityDepth, if larger) are journaled, and their blocks
   * remembered, so a reorg that deep is undone in time proportional to its depth. 0: no journal (full replay).
   */
  journalBlocks?: number;
  /** Largest getLogs range tried; shrinks on provider errors, grows back on success. */
  maxRange?: number;
  pollIntervalMs?: number;
  /**
   * Commit without waiting for the WAL flush: safe on Postgres (a lost commit loses its checkpoint too and
   * is indexed again). Not for PGlite, whose files a killed process can leave torn.
   */
  asyncCommit?: boolean;
  log?: (msg: string) => void;
}

const LIVE_WINDOW_BLOCKS = 128;

/** A log's block hash differs from the block read for its number: the chain reorganized mid-fetch. */
export class ReorgDuringFetch extends Error {
  constructor(block: number, logHash: string, blockHash: string | null) {
    super(`block ${block} changed while it was read (log in ${logHash.slice(0, 10)}…, block now ${blockHash?.slice(0, 10) ?? "missing"}…)`);
  }
}

/** A preload naming the bookBatch transactions among `events` (their batches are loaded with the rest). */
function bookingPreload(events: { event: DecodedEvent; tx: string }[]): Preload {
  const p = emptyPreload();
  for (const e of events) if (e.event.eventName === "InferencesBooked") p.bookingTxs.add(e.tx.toLowerCase());
  return p;
}

/**
 * Applies `events` in chain order to the range's store. It lets I/O in every few hundred events: the driver sends a
 * statement's parameters only once Postgres has described it (a socket read), so without this the raw-log insert
 * sent before would reach Postgres only after the handlers.
 */
async function applyAll(store: RangeStore, events: FetchedRange["decoded"]): Promise<void> {
  for (let i = 0; i < events.length; i++) {
    const { log, event, at } = events[i];
    await applyEvent(store, event, { block: Number(log.blockNumber), blockHash: log.blockHash!, tx: log.transactionHash!, logIndex: log.logIndex!, at, address: log.address });
    if (i % 256 === 255) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Thrown out of a range's savepoint when some of its logs were already recorded: the new ones, "block:logIndex". */
class NotAllNew extends Error {
  constructor(readonly fresh: Set<string>) {
    super("some logs of the range were already recorded");
  }
}

export const DEFAULT_JOURNAL_BLOCKS = 128;

export class Indexer {
  readonly chainId: number;
  private range: number;
  private readonly maxRange: number;
  private readonly finalityDepth: number;
  private readonly journalBlocks: number;
  /** How the last rollback went (tests and logs): through the journal or by a full replay, and events replayed. */
  lastRollback?: { ancestor: number; via: "journal" | "replay"; replayed: number };
  private readonly contracts: ReturnType<typeof indexedContracts>;
  private deploymentKey?: string;
  private readonly asyncCommit: boolean;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(private readonly opts: IndexerOptions) {
    this.chainId = opts.deployment.chainId;
    this.maxRange = opts.maxRange ?? 5_000;
    this.range = this.maxRange;
    this.finalityDepth = opts.finalityDepth ?? 0;
    this.journalBlocks = opts.journalBlocks ?? DEFAULT_JOURNAL_BLOCKS;
    this.contracts = indexedContracts(opts.deployment);
    this.asyncCommit = opts.asyncCommit ?? false;
  }

  private get db() {
    return this.opts.db;
  }

  /**
   * Forgets everything indexed and starts again from the deployment block. TRUNCATE gives every table
   * new files, which is what a PGlite directory left torn by a killed process needs.
   */
  async reindexFromScratch(reason: string): Promise<void> {
    this.opts.log?.(`indexer: ${reason}; re-indexing from block ${this.opts.deployment.startBlock}`);
    const tables = [...derivedTables, t.chainEvents, t.bookingBatches, t.indexerBlocks, t.indexerCheckpoints, t.indexerJournal].map((x) => `"${getTableName(x)}"`);
    await this.db.execute(sql.raw(`truncate ${tables.join(", ")}`));
  }

  /** Identifies the deployment: same addresses on a fresh anvil still differ by the start block's hash. */
  private async key(): Promise<string> {
    if (this.deploymentKey) return this.deploymentKey;
    const d = this.opts.deployment;
    const start = await this.opts.client.getBlock({ blockNumber: BigInt(d.startBlock) });
    this.deploymentKey = `${d.chainId}:${d.inferenceMarket.toLowerCase()}:${d.startBlock}:${start.hash}`;
    return this.deploymentKey;
  }

  async checkpoint(): Promise<{ block: number; blockHash: string } | null> {
    const [row] = await this.db.select().from(t.indexerCheckpoints).where(eq(t.indexerCheckpoints.chainId, this.chainId));
    if (!row) return null;
    if (row.deploymentKey !== (await this.key())) {
      // The chain or the contracts were replaced (e.g. a fresh local chain): start over.
      await this.reindexFromScratch(`deployment changed (${row.deploymentKey} → ${await this.key()})`);
      return null;
    }
    return { block: row.block, blockHash: row.blockHash };
  }

  /** One pass: catch up from the checkpoint to the head. Returns how many events it applied. */
  async syncOnce(): Promise<{ head: number; block: number; events: number }> {
    const client = this.opts.client;
    let cp = await this.checkpoint();
    if (cp) {
      const onChain = await client.getBlock({ blockNumber: BigInt(cp.block) }).catch(() => null);
      if (!onChain || onChain.hash !== cp.blockHash) {
        await this.rollbackToAncestor();
        cp = await this.checkpoint();
      }
    }
    const head = Number(await client.getBlockNumber({ cacheTime: 0 }));
    let from = cp ? cp.block + 1 : this.opts.deployment.startBlock;
    let applied = 0;
    // fetch runs one range ahead of write, so the chain and the database work at the same time.
    let ahead: Promise<FetchedRange> | null = null;
    while (from <= head) {
      let fetched: FetchedRange;
      try {
        fetched = await (ahead ?? this.fetchRange(from, Math.min(head, from + this.range - 1)));
      } catch (err) {
        ahead = null;
        if (err instanceof ReorgDuringFetch) {
          // Read again from the top: the checkpoint check sees the reorg if it reaches below `from`.
          this.opts.log?.(`indexer: ${err.message}; reading again`);
          return { head, block: Math.max(head, cp?.block ?? 0), events: applied };
        }
        if (this.range === 1) throw err;
        // Providers cap ranges and result sizes differently: halve and retry.
        this.range = Math.max(1, Math.floor(this.range / 2));
        this.opts.log?.(`indexer: getLogs from ${from} failed (${(err as Error).message.split("\n")[0]}), range now ${this.range}`);
        continue;
      }
      this.range = Math.min(this.maxRange, this.range * 2);
      const next = fetched.to + 1;
      // The next range decodes once this one's writes are sent: on Node's time, while Postgres runs them.
      let sent!: () => void;
      const decodeAfter = new Promise<void>((resolve) => (sent = resolve));
      ahead = next <= head ? this.fetchRange(next, Math.min(head, next + this.range - 1), decodeAfter) : null;
      ahead?.catch(() => {}); // awaited (and its error handled) on the next turn
      applied += await this.writeRange(fetched, head, sent).finally(sent);
      from = next;
    }
    return { head, block: Math.max(head, cp?.block ?? 0), events: applied };
  }

  /** fetch: the logs of [from, to] and the blocks they are in (for timestamps and hashes). */
  private async fetchRange(from: number, to: number, decodeAfter?: Promise<void>): Promise<FetchedRange> {
    const logs = await this.opts.client.getLogs({
      address: Object.keys(this.contracts) as Hex[],
      fromBlock: BigInt(from),
      toBlock: BigInt(to),
    });
    const blocks = await this.blocks([...logs.map((l) => Number(l.blockNumber)), to]);
    // Logs and blocks are two reads: a reorg between them would pair logs of a dropped fork with the new
    // fork's blocks (and checkpoint). Every log must be in the very block recorded for its number.
    for (const log of logs) {
      const block = blocks.get(Number(log.blockNumber));
      if (block?.hash !== log.blockHash) throw new ReorgDuringFetch(Number(log.blockNumber), log.blockHash!, block?.hash ?? null);
    }
    // Decoding here, in the fetch step, overlaps it with the previous range's database writes.
    await decodeAfter;
    const sorted = logs.sort((a, b) => Number(a.blockNumber! - b.blockNumber!) || a.logIndex! - b.logIndex!);
    const decoded = sorted.flatMap((log) => {
      const d = decodeLog(this.contracts, log);
      return d ? [{ log, ...d, at: new Date(Number(blocks.get(Number(log.blockNumber))!.timestamp) * 1000) }] : [];
    });
    return { from, to, blocks, decoded, bookings: await this.bookingBatches(decoded) };
  }

  /**
   * The records of a bookBatch are in its calldata: one eth_getTransactionByHash per batch. A batch sent through
   * another contract (a multisig) has other calldata and is skipped here; its InferencesBooked handler credits the
   * totals and holds the rest as unattributed.
   */
  private async bookingBatches(decoded: FetchedRange["decoded"]): Promise<FetchedRange["bookings"]> {
    const txs = new Map<string, number>();
    for (const d of decoded) if (d.event.eventName === "InferencesBooked") txs.set(d.log.transactionHash!, Number(d.log.blockNumber));
    const out: FetchedRange["bookings"] = [];
    for (const [hash, block] of txs) {
      const tx = await this.opts.client.getTransaction({ hash: hash as Hex });
      try {
        out.push({ txHash: hash.toLowerCase(), block, batch: bookingBatchOf(tx.input) });
      } catch (err) {
        this.opts.log?.(`indexer: bookBatch transaction ${hash}: ${(err as Error).message}`);
      }
    }
    return out;
  }

  private async blocks(numbers: number[]): Promise<Map<number, Block>> {
    const unique = [...new Set(numbers)];
    const blocks = await Promise.all(unique.map((n) => this.opts.client.getBlock({ blockNumber: BigInt(n) })));
    return new Map(blocks.map((b) => [Number(b.number), b]));
  }

  /** A store with the rows `events` read (their bookBatch transactions' batches included). */
  private async loadStore(tx: Tx, events: FetchedRange["decoded"]): Promise<RangeStore> {
    const store = new RangeStore(tx);
    await store.preload(collectPreload(events.map((d) => d.event), bookingPreload(events.map((d) => ({ event: d.event, tx: d.log.transactionHash! })))));
    return store;
  }

  /** decode → write: one transaction for the whole range (rows, rollups, blocks, checkpoint). */
  private async writeRange({ from, to, blocks, decoded, bookings }: FetchedRange, head: number, sent?: () => void): Promise<number> {
    const end = blocks.get(to)!;
    // Blocks at or below this are treated as final: neither remembered nor journaled.
    const finalBelow = head - (this.journalBlocks > 0 ? Math.max(this.finalityDepth, this.journalBlocks) : this.finalityDepth);
    const journaled = this.journalBlocks > 0 && to > finalBelow;
    const key = await this.key();
    const appliedEvents: IndexedEvent[] = [];
    let applied = 0;
    let warnings: string[] = [];

    await this.db.transaction(async (tx) => {
      // The checkpoint commits with the rows, so a commit lost in a crash is simply indexed again:
      // no need to wait for the WAL flush.
      if (this.asyncCommit) await tx.execute(sql`set local synchronous_commit = off`);
      if (journaled) await journalRange(tx, from, to);
      if (bookings.length) {
        await tx
          .insert(t.bookingBatches)
          .values(bookings.map((b) => ({ chainId: this.chainId, ...b })))
          .onConflictDoNothing();
      }
      // 1. Record the logs; the (chainId, txHash, logIndex) key turns a re-delivered log into a no-op. The insert
      // (the range's largest statement) is sent after the store's reads and runs while the handlers do.
      let store = await this.loadStore(tx, decoded);
      const logs = (events: FetchedRange["decoded"]) => events.map(({ log, contract, event, at }) => ({ log, contract, name: event.eventName ?? "unknown", at }));
      // 2. Apply the events in chain order to the range's store and write it, expecting them all new (the usual case),
      // in a savepoint: the writes go out before the insert tells whether every log was new (Postgres runs the insert
      // while Node builds them), and a range that brings back a recorded log undoes them.
      const fresh = await tx
        .transaction(async (sp) => {
          const inserting = recordLogs(sp, this.chainId, logs(decoded));
          const writing = applyAll(store, decoded)
            .then(() => store.flush(sp, sent))
            .then(
              () => null,
              (err: unknown) => ({ err }),
            );
          const fresh = await inserting;
          const failed = await writing;
          if (fresh) throw new NotAllNew(fresh);
          if (failed) throw failed.err;
          return null;
        })
        .catch((err: unknown) => {
          if (err instanceof NotAllNew) return err.fresh;
          throw err;
        });
      let todo = decoded;
      if (fresh) {
        // …else again, only the new ones, to a store loaded afresh (an old one may have failed where it is skipped).
        await recordLogs(tx, this.chainId, logs(decoded));
        todo = decoded.filter(({ log }) => fresh.has(`${Number(log.blockNumber)}:${log.logIndex}`));
        store = await this.loadStore(tx, todo);
        await applyAll(store, todo);
        await store.flush(tx);
      }
      applied = todo.length;
      // Live notifications are for what happens now: a backfill far behind the head sends none.
      if (head - to <= LIVE_WINDOW_BLOCKS) {
        for (const { log, contract, event } of todo) {
          appliedEvents.push({ name: event.eventName!, contract, block: Number(log.blockNumber), tx: log.transactionHash!, logIndex: log.logIndex!, args: jsonArgs(event.args) });
        }
      }
      warnings = store.warnings;
      // Remember non-final blocks (with their parents) so a later reorg finds its common ancestor.
      const recent = [...blocks.values()].filter((b) => Number(b.number) > finalBelow);
      for (const b of recent) {
        await tx
          .insert(t.indexerBlocks)
          .values({ chainId: this.chainId, number: Number(b.number), hash: b.hash!, parentHash: b.parentHash, timestamp: new Date(Number(b.timestamp) * 1000) })
          .onConflictDoUpdate({ target: [t.indexerBlocks.chainId, t.indexerBlocks.number], set: { hash: b.hash!, parentHash: b.parentHash } });
      }
      await tx.delete(t.indexerBlocks).where(lte(t.indexerBlocks.number, finalBelow - 1));
      if (journaled) await pruneJournal(tx, finalBelow);
      // The journal is complete from journal_from on: a range not journaled restarts it after itself.
      const jf = t.indexerCheckpoints.journalFrom;
      const journalFrom = journaled ? sql`greatest(coalesce(${jf}, ${from}), ${finalBelow + 1})` : sql`${to + 1}`;
      const blockTime = new Date(Number(end.timestamp) * 1000);
      await tx
        .insert(t.indexerCheckpoints)
        .values({ chainId: this.chainId, deploymentKey: key, block: to, blockHash: end.hash!, blockTime, updatedAt: new Date(), journalFrom: journaled ? Math.max(from, finalBelow + 1) : to + 1 })
        .onConflictDoUpdate({
          target: t.indexerCheckpoints.chainId,
          set: { deploymentKey: key, block: to, blockHash: end.hash!, blockTime, updatedAt: new Date(), journalFrom },
        });
    });
    for (const w of warnings) this.opts.log?.(w);
    // notify: only after the commit, so a listener that reads the database sees the new rows.
    if (appliedEvents.length) {
      await publishLive(appliedEvents.map(toLiveEvent).filter((e): e is LiveEvent => e !== null)).catch((err) =>
        this.opts.log?.(`indexer: live notify failed: ${(err as Error).message}`),
      );
    }
    return applied;
  }

  /**
   * Walks back over the remembered blocks to the newest one the chain still has, deletes the events above it and
   * brings the read model back to it (no RPC calls needed): through the undo journal when it reaches the ancestor
   * (undo the flushes above it, replay the few kept events of the lowest one up to the ancestor), else by wiping
   * the derived tables and replaying every kept event.
   */
  async rollbackToAncestor(): Promise<number> {
    const client = this.opts.client;
    const remembered = await this.db
      .select()
      .from(t.indexerBlocks)
      .where(eq(t.indexerBlocks.chainId, this.chainId))
      .orderBy(desc(t.indexerBlocks.number));
    let ancestor = this.opts.deployment.startBlock - 1;
    let ancestorHash: string | null = null;
    let ancestorTime: Date | null = null;
    for (const b of remembered) {
      const onChain = await client.getBlock({ blockNumber: BigInt(b.number) }).catch(() => null);
      if (onChain && onChain.hash === b.hash) {
        ancestor = b.number;
        ancestorHash = b.hash;
        ancestorTime = b.timestamp;
        break;
      }
    }
    const [cp] = await this.db.select({ journalFrom: t.indexerCheckpoints.journalFrom }).from(t.indexerCheckpoints).where(eq(t.indexerCheckpoints.chainId, this.chainId));
    const viaJournal = this.journalBlocks > 0 && journalReaches(cp?.journalFrom ?? null, ancestor);
    let replayed = 0;
    await this.db.transaction(async (tx) => {
      await tx.delete(t.chainEvents).where(gt(t.chainEvents.block, ancestor));
      await tx.delete(t.indexerBlocks).where(gt(t.indexerBlocks.number, ancestor));
      await tx.delete(t.bookingBatches).where(and(eq(t.bookingBatches.chainId, this.chainId), gt(t.bookingBatches.block, ancestor)));
      if (viaJournal) {
        const from = await undoAbove(tx, ancestor);
        // The replay is a flush like any other: journaled, so a later reorg below the ancestor can undo it.
        if (from <= ancestor) {
          await journalRange(tx, from, ancestor);
          replayed = await this.replay(tx, from, ancestor);
        }
      } else {
        await clearJournal(tx);
        for (const table of derivedTables) await tx.delete(table);
        replayed = await this.replay(tx, 0, ancestor);
      }
      if (ancestorHash) {
        await tx
          .update(t.indexerCheckpoints)
          // After a full replay (not journaled) the journal starts again above the ancestor.
          .set({ block: ancestor, blockHash: ancestorHash, blockTime: ancestorTime, updatedAt: new Date(), ...(viaJournal ? {} : { journalFrom: ancestor + 1 }) })
          .where(eq(t.indexerCheckpoints.chainId, this.chainId));
      } else {
        await tx.delete(t.indexerCheckpoints).where(eq(t.indexerCheckpoints.chainId, this.chainId));
      }
    });
    this.lastRollback = { ancestor, via: viaJournal ? "journal" : "replay", replayed };
    this.opts.log?.(`indexer: reorg detected, rolled back to block ${ancestor} (${viaJournal ? "undo journal" : "full replay"}, ${replayed} events replayed)`);
    await publishLive([{ type: "indexer.rollback", block: ancestor }]).catch(() => {});
    return ancestor;
  }

  /** Applies the kept chain_events of blocks [from, to] again, in one range store. */
  private async replay(tx: Tx, from: number, to: number): Promise<number> {
    const kept = await tx
      .select()
      .from(t.chainEvents)
      .where(and(eq(t.chainEvents.chainId, this.chainId), gte(t.chainEvents.block, from), lte(t.chainEvents.block, to)))
      .orderBy(asc(t.chainEvents.block), asc(t.chainEvents.logIndex));
    const replay = kept.flatMap((row) => {
      const d = decodeLog(this.contracts, { address: row.address as Hex, topics: row.topics as [Hex, ...Hex[]], data: row.data as Hex } as Log);
      return d ? [{ row, event: d.event }] : [];
    });
    const store = new RangeStore(tx);
    await store.preload(collectPreload(replay.map((r) => r.event), bookingPreload(replay.map((r) => ({ event: r.event, tx: r.row.txHash })))));
    for (const { row, event } of replay) {
      await applyEvent(store, event, { block: row.block, blockHash: row.blockHash, tx: row.txHash as Hex, logIndex: row.logIndex, at: row.at, address: row.address });
    }
    await store.flush();
    return replay.length;
  }

  /** Follows the head until stop(): a pass, then wait for the poll interval (or a wake-up). */
  start(): void {
    if (this.running) return;
    this.running = true;
    const interval = this.opts.pollIntervalMs ?? 500;
    this.loop = (async () => {
      while (this.running) {
        try {
          await this.syncOnce();
        } catch (err) {
          this.opts.log?.(`indexer: ${(err as Error).message}`);
        }
        if (!this.running) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, interval);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }
}
