/**
 * The write side of one indexed range, as a unit of work (Ponder's indexing cache): rows the range
 * touches are loaded in bulk, handlers change them in memory, and flush() writes every table with a
 * few multi-row upserts. Same result as row-by-row writes, a fraction of the round trips.
 */
import { and, eq, inArray, isNotNull, lte, sql } from "drizzle-orm";
import { bulkInsert } from "@/db/bulk";
import type { Db } from "@/db/client";
import * as t from "@/db/schema";
import { keccakText } from "@/lib/attribution/keccak";
import { datanetShares, decodeRecord, type AttributionRecord } from "@/lib/attribution/record";
import { decodeBookings, type BookedModelArgs } from "@/lib/chain/bookings";
import { METADATA_MAX_BYTES } from "@/lib/metadata";
import { emptyGovernancePreload, GovernanceStore, type GovernancePreload } from "./store-governance";

export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

type DatanetRow = typeof t.datanets.$inferSelect;
type ContributionRow = typeof t.contributions.$inferSelect;
type ModelRow = typeof t.models.$inferSelect;
type InferenceRow = typeof t.inferences.$inferSelect;
type EpochRow = typeof t.epochs.$inferSelect;

export interface Preload {
  datanetIds: Set<number>;
  contributionIds: Set<number>;
  modelIds: Set<number>;
  requestIds: Set<number>;
  metadataHashes: Set<string>;
  /** Requests settled in the range: their stored attribution records are loaded. */
  settledRequestIds: Set<number>;
  /** Request hashes of payments made in the range (their inference rows are not in the database yet). */
  paidHashes: Map<number, string>;
  /** Epochs disputed, resolved or finalized in the range. */
  epochIds: Set<number>;
  /** Operators, proposals and vOPEN accounts the range touches (store-governance.ts). */
  governance: GovernancePreload;
  /** bookBatch transactions of the range (their InferencesBooked): their batches and records are loaded. */
  bookingTxs: Set<string>;
}

export const emptyPreload = (): Preload => ({
  datanetIds: new Set(),
  contributionIds: new Set(),
  modelIds: new Set(),
  requestIds: new Set(),
  metadataHashes: new Set(),
  settledRequestIds: new Set(),
  paidHashes: new Map(),
  epochIds: new Set(),
  governance: emptyGovernancePreload(),
  bookingTxs: new Set(),
});

/** An inference's stored attribution record (inference_results), decoded; `record` null when unreadable. */
export interface StoredRecord {
  record: AttributionRecord | null;
  error?: string;
  /**
   * keccak-256 of the stored answer (the outputHash a settle names), for booked inferences only: a booking carries
   * one hash of the answer's and the record's, so the answer is needed to check the record.
   */
  outputHash?: string;
}

interface RollupDelta {
  amount: bigint;
  inferences: number;
}

/** Statements sent without waiting for each: done() waits for them all and throws the first error. */
export class Writes {
  private readonly pending: Promise<unknown>[] = [];

  /** Lets the statement go out (the driver sends it from promise callbacks) before the caller builds the next. */
  async send(write: Promise<unknown>): Promise<void> {
    write.catch(() => {}); // handled by done()
    this.pending.push(write);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  async done(): Promise<void> {
    await Promise.all(this.pending);
  }
}

export class RangeStore {
  readonly datanets = new Map<number, DatanetRow>();
  readonly contributions = new Map<number, ContributionRow>();
  readonly models = new Map<number, ModelRow>();
  readonly inferences = new Map<number, InferenceRow>();
  readonly epochs = new Map<number, EpochRow>();
  readonly metadata = new Map<string, unknown>();
  /** Stored attribution records of the range's settlements, by request hash (lower-case). */
  readonly records = new Map<string, StoredRecord>();
  /** The batches of the range's bookBatch transactions, by transaction hash (lower-case). */
  readonly bookings = new Map<string, string>();
  /** The range's BookedModel events (each precedes its batch's InferencesBooked). */
  readonly bookedModels: BookedModelArgs[] = [];
  private readonly dirty = {
    datanets: new Set<number>(),
    contributions: new Set<number>(),
    models: new Set<number>(),
    inferences: new Set<number>(),
    epochs: new Set<number>(),
  };

  readonly versions: (typeof t.datanetVersions.$inferInsert)[] = [];
  readonly modelDatanets: (typeof t.modelDatanets.$inferInsert)[] = [];
  readonly ledger: (typeof t.ledgerEntries.$inferInsert)[] = [];
  readonly claims: (typeof t.claims.$inferInsert)[] = [];
  readonly attribution: (typeof t.attributionEntries.$inferInsert)[] = [];
  /** Things worth a log line (e.g. a settlement whose record is missing); the indexer logs them after commit. */
  readonly warnings: string[] = [];
  private readonly earnings = new Map<string, RollupDelta & { account: string; hour: Date; role: string; datanetId: number; modelId: number }>();
  private readonly modelUsage = new Map<string, RollupDelta & { modelId: number; hour: Date }>();
  private readonly datanetUsage = new Map<string, RollupDelta & { datanetId: number; hour: Date }>();
  /** Each model's Datanets (lineage), for per-Datanet usage. */
  readonly lineage = new Map<number, number[]>();
  /** Staked operators and governance. */
  readonly gov: GovernanceStore;

  constructor(readonly tx: Tx) {
    this.gov = new GovernanceStore(tx);
  }

  async preload(p: Preload): Promise<void> {
    const tx = this.tx;
    const booked = await this.preloadBookings(p);
    const ids = (s: Set<number>) => [...s];
    const [ds, cs, ms, is, blobs, lineage, es] = await Promise.all([
      p.datanetIds.size ? tx.select().from(t.datanets).where(inArray(t.datanets.id, ids(p.datanetIds))) : [],
      p.contributionIds.size ? tx.select().from(t.contributions).where(inArray(t.contributions.id, ids(p.contributionIds))) : [],
      p.modelIds.size ? tx.select().from(t.models).where(inArray(t.models.id, ids(p.modelIds))) : [],
      p.requestIds.size ? tx.select().from(t.inferences).where(inArray(t.inferences.requestId, ids(p.requestIds))) : [],
      this.metadataBlobs([...p.metadataHashes]),
      p.modelIds.size
        ? tx.select().from(t.modelDatanets).where(inArray(t.modelDatanets.modelId, ids(p.modelIds)))
        : [],
      p.epochIds.size ? tx.select().from(t.epochs).where(inArray(t.epochs.epoch, ids(p.epochIds))) : [],
      this.gov.preload(p.governance),
    ]);
    for (const r of es) this.epochs.set(r.epoch, r);
    for (const l of lineage) this.lineage.set(l.modelId, [...(this.lineage.get(l.modelId) ?? []), l.datanetId]);
    for (const r of ds) this.datanets.set(r.id, r);
    for (const r of cs) this.contributions.set(r.id, r);
    for (const r of ms) this.models.set(r.id, r);
    for (const r of is) this.inferences.set(r.requestId, r);
    for (const b of blobs) {
      try {
        this.metadata.set(b.hash, JSON.parse(new TextDecoder().decode(b.body)));
      } catch {
        /* not JSON: treated as missing metadata */
      }
    }
    await this.preloadRecords(p, booked);
  }

  /** The range's booked batches (booking_batches, written before the range is applied); returns their request hashes. */
  private async preloadBookings(p: Preload): Promise<string[]> {
    if (p.bookingTxs.size === 0) return [];
    const rows = await this.tx.select({ txHash: t.bookingBatches.txHash, batch: t.bookingBatches.batch }).from(t.bookingBatches).where(inArray(t.bookingBatches.txHash, [...p.bookingTxs]));
    const hashes: string[] = [];
    for (const r of rows) {
      this.bookings.set(r.txHash.toLowerCase(), r.batch);
      try {
        for (const g of decodeBookings(r.batch as `0x${string}`)) for (const rec of g.records) hashes.push(rec.requestHash);
      } catch {
        /* a batch that does not decode is reported by its InferencesBooked handler */
      }
    }
    return hashes;
  }

  /** Metadata blobs up to METADATA_MAX_BYTES, in chunks; the size is checked in the database so a huge blob is never read. */
  private async metadataBlobs(hashes: string[]): Promise<{ hash: string; body: Uint8Array }[]> {
    const rows: { hash: string; body: Uint8Array }[] = [];
    for (let i = 0; i < hashes.length; i += 10_000) {
      rows.push(
        ...(await this.tx
          .select({ hash: t.contents.hash, body: t.contents.body })
          .from(t.contents)
          .where(and(inArray(t.contents.hash, hashes.slice(i, i + 10_000)), lte(t.contents.bytes, METADATA_MAX_BYTES)))),
      );
    }
    return rows;
  }

  /**
   * The attribution records of the range's settlements (stored by the operator before it settled), and the
   * contributions they name that the first pass did not load.
   */
  private async preloadRecords(p: Preload, bookedHashes: string[]): Promise<void> {
    const booked = new Set<string>(bookedHashes.map((h) => h.toLowerCase()));
    const settled = new Set<string>();
    for (const id of p.settledRequestIds) {
      const hash = p.paidHashes.get(id) ?? this.inferences.get(id)?.requestHash;
      if (hash && !booked.has(hash.toLowerCase())) settled.add(hash.toLowerCase());
    }
    if (booked.size + settled.size === 0) return;
    const tx = this.tx;
    // In chunks: a replay from scratch can name more hashes than one statement takes parameters. Answers are read
    // for booked inferences only (a settle's event names the record's hash itself).
    const rows: { requestHash: string; record: string; output?: string }[] = [];
    const results = t.inferenceResults;
    for (const [hashes, withOutput] of [[[...booked], true], [[...settled], false]] as const) {
      for (let i = 0; i < hashes.length; i += 10_000) {
        const where = inArray(results.requestHash, hashes.slice(i, i + 10_000));
        rows.push(
          ...(withOutput
            ? await tx.select({ requestHash: results.requestHash, record: results.attributionRecord, output: results.output }).from(results).where(where)
            : await tx.select({ requestHash: results.requestHash, record: results.attributionRecord }).from(results).where(where)),
        );
      }
    }
    const need = new Set<number>();
    const needDatanets = new Set<number>();
    for (const r of rows) {
      const outputHash = r.output === undefined ? undefined : keccakText(r.output);
      try {
        const record = decodeRecord(r.record);
        this.records.set(r.requestHash.toLowerCase(), { record, outputHash });
        for (const e of record.entries) if (!this.contributions.has(e.contributionId)) need.add(e.contributionId);
        // A treasury fallback pays the Datanets' treasuries.
        for (const d of datanetShares(record)) if (!this.datanets.has(d.datanetId)) needDatanets.add(d.datanetId);
      } catch (err) {
        this.records.set(r.requestHash.toLowerCase(), { record: null, error: (err as Error).message, outputHash });
      }
    }
    const ids = [...need];
    for (let i = 0; i < ids.length; i += 10_000) {
      const cs = await tx.select().from(t.contributions).where(inArray(t.contributions.id, ids.slice(i, i + 10_000)));
      for (const r of cs) if (!this.contributions.has(r.id)) this.contributions.set(r.id, r);
    }
    if (needDatanets.size > 0) {
      for (const r of await tx.select().from(t.datanets).where(inArray(t.datanets.id, [...needDatanets]))) if (!this.datanets.has(r.id)) this.datanets.set(r.id, r);
    }
  }

  putDatanet(row: DatanetRow) {
    this.datanets.set(row.id, row);
    this.dirty.datanets.add(row.id);
  }
  putContribution(row: ContributionRow) {
    this.contributions.set(row.id, row);
    this.dirty.contributions.add(row.id);
  }
  putModel(row: ModelRow) {
    this.models.set(row.id, row);
    this.dirty.models.add(row.id);
  }
  putInference(row: InferenceRow) {
    this.inferences.set(row.requestId, row);
    this.dirty.inferences.add(row.requestId);
  }
  putEpoch(row: EpochRow) {
    this.epochs.set(row.epoch, row);
    this.dirty.epochs.add(row.epoch);
  }

  /** A Datanet's accepted contributions in acceptance order: the database's, overlaid with this range's. */
  async acceptedContributions(datanetId: number): Promise<ContributionRow[]> {
    const stored = await this.tx
      .select()
      .from(t.contributions)
      .where(and(eq(t.contributions.datanetId, datanetId), isNotNull(t.contributions.acceptedSeq)));
    const byId = new Map(stored.map((r) => [r.id, r]));
    for (const r of this.contributions.values()) if (r.datanetId === datanetId) byId.set(r.id, r);
    return [...byId.values()].filter((r) => r.acceptedSeq !== null).sort((a, b) => a.acceptedSeq! - b.acceptedSeq!);
  }

  addEarnings(e: { account: string; hour: Date; role: string; datanetId?: number; modelId?: number; amount: bigint }) {
    const datanetId = e.datanetId ?? 0;
    const modelId = e.modelId ?? 0;
    const key = `${e.account}|${e.hour.getTime()}|${e.role}|${datanetId}|${modelId}`;
    const cur = this.earnings.get(key) ?? { account: e.account, hour: e.hour, role: e.role, datanetId, modelId, amount: 0n, inferences: 0 };
    cur.amount += e.amount;
    cur.inferences += 1;
    this.earnings.set(key, cur);
  }

  addModelUsage(modelId: number, hour: Date, revenue: bigint) {
    const key = `${modelId}|${hour.getTime()}`;
    const cur = this.modelUsage.get(key) ?? { modelId, hour, amount: 0n, inferences: 0 };
    cur.amount += revenue;
    cur.inferences += 1;
    this.modelUsage.set(key, cur);
  }

  addDatanetUsage(datanetId: number, hour: Date, contributorEarnings: bigint, inferences = 1) {
    const key = `${datanetId}|${hour.getTime()}`;
    const cur = this.datanetUsage.get(key) ?? { datanetId, hour, amount: 0n, inferences: 0 };
    cur.amount += contributorEarnings;
    cur.inferences += inferences;
    this.datanetUsage.set(key, cur);
  }

  /**
   * Writes everything the range changed. Statements are not awaited one by one (one table each, no foreign keys, so
   * their order does not matter): each is sent as soon as it is built, and Postgres runs it while Node builds the next.
   * `tx`: where to write (the indexer's savepoint), the store's transaction by default; `sent` is called once every
   * statement is out.
   */
  async flush(tx: Tx = this.tx, sent?: () => void): Promise<void> {
    const pick = <K, V>(m: Map<K, V>, keys: Set<K>) => [...keys].map((k) => m.get(k)!);
    const writes = new Writes();
    await writes.send(bulkInsert(tx, t.datanets, pick(this.datanets, this.dirty.datanets), { conflict: [t.datanets.id], onConflict: "overwrite" }));
    await writes.send(bulkInsert(tx, t.contributions, pick(this.contributions, this.dirty.contributions), { conflict: [t.contributions.id], onConflict: "overwrite" }));
    await writes.send(bulkInsert(tx, t.models, pick(this.models, this.dirty.models), { conflict: [t.models.id], onConflict: "overwrite" }));
    await writes.send(bulkInsert(tx, t.inferences, pick(this.inferences, this.dirty.inferences), { conflict: [t.inferences.requestId], onConflict: "overwrite" }));
    await writes.send(bulkInsert(tx, t.datanetVersions, this.versions));
    await writes.send(bulkInsert(tx, t.modelDatanets, this.modelDatanets));
    await writes.send(bulkInsert(tx, t.ledgerEntries, this.ledger));
    await writes.send(bulkInsert(tx, t.epochs, pick(this.epochs, this.dirty.epochs), { conflict: [t.epochs.epoch], onConflict: "overwrite" }));
    await writes.send(bulkInsert(tx, t.claims, this.claims));
    await writes.send(bulkInsert(tx, t.attributionEntries, this.attribution));
    await this.gov.flush(writes, tx);
    const e = t.earningsHourly;
    await writes.send(
      bulkInsert(tx, e, [...this.earnings.values()], {
        conflict: [e.account, e.hour, e.role, e.datanetId, e.modelId],
        onConflict: { amount: sql`${e.amount} + excluded.amount`, inferences: sql`${e.inferences} + excluded.inferences` },
      }),
    );
    const u = t.modelUsageHourly;
    await writes.send(
      bulkInsert(
        tx,
        u,
        [...this.modelUsage.values()].map((x) => ({ modelId: x.modelId, hour: x.hour, inferences: x.inferences, revenue: x.amount })),
        {
          conflict: [u.modelId, u.hour],
          onConflict: { inferences: sql`${u.inferences} + excluded.inferences`, revenue: sql`${u.revenue} + excluded.revenue` },
        },
      ),
    );
    const du = t.datanetUsageHourly;
    await writes.send(
      bulkInsert(
        tx,
        du,
        [...this.datanetUsage.values()].map((x) => ({ datanetId: x.datanetId, hour: x.hour, inferences: x.inferences, contributorEarnings: x.amount })),
        {
          conflict: [du.datanetId, du.hour],
          onConflict: {
            inferences: sql`${du.inferences} + excluded.inferences`,
            contributorEarnings: sql`${du.contributorEarnings} + excluded.contributor_earnings`,
          },
        },
      ),
    );
    sent?.();
    await writes.done();
  }
}
