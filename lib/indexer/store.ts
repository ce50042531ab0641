/**
 * The write side of one indexed range, as a unit of work (Ponder's indexing cache): rows the range
 * touches are loaded in bulk, handlers change them in memory, and flush() writes every table with a
 * few multi-row upserts. Same result as row-by-row writes, a fraction of the round trips.
 */
import { and, inArray, isNotNull, eq, sql, type SQL } from "drizzle-orm";
import type { PgTable, PgColumn } from "drizzle-orm/pg-core";
import type { Db } from "@/db/client";
import * as t from "@/db/schema";

export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

type DatanetRow = typeof t.datanets.$inferSelect;
type ContributionRow = typeof t.contributions.$inferSelect;
type ModelRow = typeof t.models.$inferSelect;
type InferenceRow = typeof t.inferences.$inferSelect;

export interface Preload {
  datanetIds: Set<number>;
  contributionIds: Set<number>;
  modelIds: Set<number>;
  requestIds: Set<number>;
  metadataHashes: Set<string>;
}

export const emptyPreload = (): Preload => ({
  datanetIds: new Set(),
  contributionIds: new Set(),
  modelIds: new Set(),
  requestIds: new Set(),
  metadataHashes: new Set(),
});

/** Postgres caps a statement at 65,535 parameters. */
const MAX_PARAMS = 60_000;

export function chunk<T>(rows: T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(MAX_PARAMS / Math.max(1, columns)));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/** `set` clause that overwrites every non-key column with the incoming row. */
function overwriteAll(table: PgTable, keys: PgColumn[]): Record<string, SQL> {
  const columns = (table as unknown as Record<symbol, Record<string, PgColumn>>)[Symbol.for("drizzle:Columns")];
  const keyNames = new Set(keys.map((k) => k.name));
  return Object.fromEntries(
    Object.entries(columns)
      .filter(([, c]) => !keyNames.has(c.name))
      .map(([prop, c]) => [prop, sql.raw(`excluded."${c.name}"`)]),
  );
}

interface RollupDelta {
  amount: bigint;
  inferences: number;
}

export class RangeStore {
  readonly datanets = new Map<number, DatanetRow>();
  readonly contributions = new Map<number, ContributionRow>();
  readonly models = new Map<number, ModelRow>();
  readonly inferences = new Map<number, InferenceRow>();
  readonly metadata = new Map<string, unknown>();
  private readonly dirty = { datanets: new Set<number>(), contributions: new Set<number>(), models: new Set<number>(), inferences: new Set<number>() };

  readonly versions: (typeof t.datanetVersions.$inferInsert)[] = [];
  readonly modelDatanets: (typeof t.modelDatanets.$inferInsert)[] = [];
  readonly ledger: (typeof t.ledgerEntries.$inferInsert)[] = [];
  readonly epochs: (typeof t.epochs.$inferInsert)[] = [];
  readonly claims: (typeof t.claims.$inferInsert)[] = [];
  private readonly earnings = new Map<string, RollupDelta & { account: string; hour: Date; role: string; datanetId: number; modelId: number }>();
  private readonly modelUsage = new Map<string, RollupDelta & { modelId: number; hour: Date }>();

  constructor(readonly tx: Tx) {}

  async preload(p: Preload): Promise<void> {
    const tx = this.tx;
    const ids = (s: Set<number>) => [...s];
    const [ds, cs, ms, is, blobs] = await Promise.all([
      p.datanetIds.size ? tx.select().from(t.datanets).where(inArray(t.datanets.id, ids(p.datanetIds))) : [],
      p.contributionIds.size ? tx.select().from(t.contributions).where(inArray(t.contributions.id, ids(p.contributionIds))) : [],
      p.modelIds.size ? tx.select().from(t.models).where(inArray(t.models.id, ids(p.modelIds))) : [],
      p.requestIds.size ? tx.select().from(t.inferences).where(inArray(t.inferences.requestId, ids(p.requestIds))) : [],
      p.metadataHashes.size
        ? tx.select({ hash: t.contents.hash, body: t.contents.body }).from(t.contents).where(inArray(t.contents.hash, [...p.metadataHashes]))
        : [],
    ]);
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

  private async upsert<T extends Record<string, unknown>>(table: PgTable, keys: PgColumn[], rows: T[]) {
    if (!rows.length) return;
    const set = overwriteAll(table, keys);
    for (const part of chunk(rows, Object.keys(rows[0]).length)) {
      await this.tx.insert(table).values(part as never).onConflictDoUpdate({ target: keys, set });
    }
  }

  private async insert<T extends Record<string, unknown>>(table: PgTable, rows: T[]) {
    if (!rows.length) return;
    for (const part of chunk(rows, Object.keys(rows[0]).length)) await this.tx.insert(table).values(part as never);
  }

  /** Writes everything the range changed. Inserts go before updates of rows they do not depend on. */
  async flush(): Promise<void> {
    const pick = <K, V>(m: Map<K, V>, keys: Set<K>) => [...keys].map((k) => m.get(k)!);
    await this.upsert(t.datanets, [t.datanets.id], pick(this.datanets, this.dirty.datanets));
    await this.upsert(t.contributions, [t.contributions.id], pick(this.contributions, this.dirty.contributions));
    await this.upsert(t.models, [t.models.id], pick(this.models, this.dirty.models));
    await this.upsert(t.inferences, [t.inferences.requestId], pick(this.inferences, this.dirty.inferences));
    await this.insert(t.datanetVersions, this.versions);
    await this.insert(t.modelDatanets, this.modelDatanets);
    await this.insert(t.ledgerEntries, this.ledger);
    await this.insert(t.epochs, this.epochs);
    await this.insert(t.claims, this.claims);

    const earnings = [...this.earnings.values()].map(({ amount, inferences, ...k }) => ({ ...k, amount, inferences }));
    for (const part of chunk(earnings, 7)) {
      await this.tx
        .insert(t.earningsHourly)
        .values(part)
        .onConflictDoUpdate({
          target: [t.earningsHourly.account, t.earningsHourly.hour, t.earningsHourly.role, t.earningsHourly.datanetId, t.earningsHourly.modelId],
          set: {
            amount: sql`${t.earningsHourly.amount} + excluded.amount`,
            inferences: sql`${t.earningsHourly.inferences} + excluded.inferences`,
          },
        });
    }
    const usage = [...this.modelUsage.values()].map((u) => ({ modelId: u.modelId, hour: u.hour, inferences: u.inferences, revenue: u.amount }));
    for (const part of chunk(usage, 4)) {
      await this.tx
        .insert(t.modelUsageHourly)
        .values(part)
        .onConflictDoUpdate({
          target: [t.modelUsageHourly.modelId, t.modelUsageHourly.hour],
          set: {
            inferences: sql`${t.modelUsageHourly.inferences} + excluded.inferences`,
            revenue: sql`${t.modelUsageHourly.revenue} + excluded.revenue`,
          },
        });
    }
  }
}
