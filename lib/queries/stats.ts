import { and, eq, gte, isNotNull, lt, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { attributionEntries, contributions, datanets, earningsHourly, inferences, models, modelUsageHourly } from "@/db/schema";
import { keysetAfter, keysetOrder, pageSize, toPage, type Keyset, type Page } from "./pagination";
import { countDistinctOf, countRows, sumInt, sumWei, toNumber } from "./sql";

export interface HomeStats {
  datanets: number;
  contributions: number;
  /** Distinct contributor addresses across all Datanets. */
  contributors: number;
  models: number;
  settledInferences: number;
  /** Σ price of settled inferences, in wei. */
  feesPaid: bigint;
  /** Σ contributor pools of settled inferences, in wei. */
  contributorEarnings: bigint;
}

/** Marketplace-wide counters for the home page. */
export async function getHomeStats(): Promise<HomeStats> {
  const db = await getDb();
  const settled = eq(inferences.status, "settled");
  const [[d], [c], [m], [i]] = await Promise.all([
    db.select({ n: countRows() }).from(datanets),
    db
      .select({ n: countRows(), contributors: countDistinctOf(contributions.contributor) })
      .from(contributions),
    db.select({ n: countRows() }).from(models),
    db
      .select({
        settled: countRows(settled),
        feesPaid: sumWei(inferences.price, settled),
        contributorEarnings: sumWei(inferences.contributorPool, settled),
      })
      .from(inferences),
  ]);
  return {
    datanets: d?.n ?? 0,
    contributions: c?.n ?? 0,
    contributors: c?.contributors ?? 0,
    models: m?.n ?? 0,
    settledInferences: i?.settled ?? 0,
    feesPaid: i?.feesPaid ?? 0n,
    contributorEarnings: i?.contributorEarnings ?? 0n,
  };
}

export interface RecentStatsPoint {
  hour: Date;
  /** Settled inferences in the hour. */
  inferences: number;
  /** Σ price of those inferences, in wei. */
  feesPaid: bigint;
  /** Σ contributor earnings credited in the hour, in wei. */
  contributorEarnings: bigint;
  /** Distinct contributors credited in the hour. */
  contributorsEarning: number;
}

export interface RecentStats {
  /** The window: the 24 whole hours ending with the current one, [from, to). */
  from: Date;
  to: Date;
  inferences: number;
  feesPaid: bigint;
  contributorEarnings: bigint;
  /** Distinct contributors credited in the window (not the sum of the hourly counts). */
  contributorsEarning: number;
  /** One point per hour, oldest first, zero-filled. */
  series: RecentStatsPoint[];
}

const HOUR_MS = 3_600_000;

/** Marketplace activity in the last 24 hours, from the hourly rollups only (model_usage_hourly, earnings_hourly). */
export async function getRecentStats(now: Date = new Date()): Promise<RecentStats> {
  const db = await getDb();
  const to = new Date((Math.floor(now.getTime() / HOUR_MS) + 1) * HOUR_MS);
  const from = new Date(to.getTime() - 24 * HOUR_MS);
  const u = modelUsageHourly;
  const e = earningsHourly;
  const contributor = and(eq(e.role, "contributor"), gte(e.hour, from), lt(e.hour, to));
  const [usage, earnings, [distinct]] = await Promise.all([
    db
      .select({ hour: u.hour, inferences: sumInt(u.inferences), revenue: sumWei(u.revenue) })
      .from(u)
      .where(and(gte(u.hour, from), lt(u.hour, to)))
      .groupBy(u.hour),
    db
      .select({ hour: e.hour, amount: sumWei(e.amount), accounts: countDistinctOf(e.account) })
      .from(e)
      .where(contributor)
      .groupBy(e.hour),
    db.select({ accounts: countDistinctOf(e.account) }).from(e).where(contributor),
  ]);
  const series: RecentStatsPoint[] = Array.from({ length: 24 }, (_, i) => ({
    hour: new Date(from.getTime() + i * HOUR_MS),
    inferences: 0,
    feesPaid: 0n,
    contributorEarnings: 0n,
    contributorsEarning: 0,
  }));
  // Rollup hours are whole hours; anything else is added to the hour it falls in.
  const at = (d: Date) => series[Math.floor((d.getTime() - from.getTime()) / HOUR_MS)];
  for (const r of usage) {
    const p = at(r.hour);
    p.inferences += r.inferences;
    p.feesPaid += r.revenue;
  }
  for (const r of earnings) {
    const p = at(r.hour);
    p.contributorEarnings += r.amount;
    p.contributorsEarning = Math.max(p.contributorsEarning, r.accounts);
  }
  return {
    from,
    to,
    inferences: series.reduce((s, p) => s + p.inferences, 0),
    feesPaid: series.reduce((s, p) => s + p.feesPaid, 0n),
    contributorEarnings: series.reduce((s, p) => s + p.contributorEarnings, 0n),
    contributorsEarning: distinct?.accounts ?? 0,
    series,
  };
}

export interface SettlementFeedItem {
  requestId: number;
  modelId: number;
  modelName: string | null;
  price: bigint;
  contributorPool: bigint;
  /** Distinct contributor accounts the settlement credited. */
  contributorsPaid: number;
  settledAt: Date;
  settledTx: string;
}

/** The network's settled inferences, newest settlement first; keyset on (settled_at, request_id). */
export async function pageSettlements(params: { limit?: number; cursor?: string } = {}): Promise<Page<SettlementFeedItem>> {
  const db = await getDb();
  const i = inferences;
  const a = attributionEntries;
  const keyset: Keyset = {
    tag: "settlements:newest",
    dir: "desc",
    parts: [
      { expr: i.settledAt, kind: "timestamp" },
      { expr: i.requestId, kind: "int" },
    ],
  };
  const limit = pageSize(params.limit);
  const rows = await db
    .select({
      requestId: i.requestId,
      modelId: i.modelId,
      modelName: models.name,
      price: i.price,
      contributorPool: i.contributorPool,
      // Per row through the attribution primary key (request_id, …): cheap for a page of 20.
      contributorsPaid: sql<number>`(select count(distinct ${a.contributor}) from ${a} where ${a.requestId} = ${i.requestId} and ${a.amount} > 0)`.mapWith(toNumber),
      settledAt: i.settledAt,
      settledTx: i.settledTx,
    })
    .from(i)
    .leftJoin(models, eq(models.id, i.modelId))
    .where(and(eq(i.status, "settled"), isNotNull(i.settledAt), keysetAfter(keyset, params.cursor)))
    .orderBy(...keysetOrder(keyset))
    .limit(limit + 1);
  return toPage(keyset, rows, limit, (r) => [r.settledAt, r.requestId], (r) => ({
    ...r,
    contributorPool: r.contributorPool ?? 0n,
    settledAt: r.settledAt!,
    settledTx: r.settledTx ?? "",
  }));
}
