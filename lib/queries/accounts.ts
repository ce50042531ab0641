/**
 * Per-account reads: earnings charts (hourly rollup only), the attribution feed and the claimable balance.
 * Accounts are lower-case hex, as the indexer stores them.
 */
import { and, asc, desc, eq, gt, gte, inArray, lt, or, sql, type SQL } from "drizzle-orm";
import type { Address, Hex } from "viem";
import { getDb } from "@/db/client";
import { attributionEntries, claims, contributions, datanets, earningsHourly, epochBalances, epochs, inferences, ledgerEntries, modelDatanets, models } from "@/db/schema";
import type { Db } from "@/db/client";
import { chainNow } from "./governance";
import { buildClaimsTree, type ClaimsTree } from "@/lib/chain/merkle";
import { contributionItemFields, type ContributionListItem, type ContributionStatus } from "./datanets";
import { keysetAfter, keysetOrder, pageSize, toPage, type Keyset, type Page } from "./pagination";
import { bucketOf, type Bucket } from "./series";
import { sumInt, sumWei } from "./sql";

export const EARNING_ROLES = ["protocol", "operator", "builder", "contributor"] as const;
export type EarningRole = (typeof EARNING_ROLES)[number];
export const EARNINGS_GROUPS = ["none", "role", "datanet", "model"] as const;
export type EarningsGroupBy = (typeof EARNINGS_GROUPS)[number];

export interface EarningsQuery {
  bucket: Bucket;
  /** Inclusive start (a bucket boundary). */
  from: Date;
  /** Exclusive end (a bucket boundary). */
  to: Date;
  role?: EarningRole;
  datanetId?: number;
  modelId?: number;
  groupBy?: EarningsGroupBy;
}

export interface EarningsPoint {
  t: Date;
  amount: bigint;
  inferences: number;
}

export interface EarningsSeries {
  /** The group: a role, a Datanet or model id as a string ("0" = not tied to one), or "all" when not grouped. */
  key: string;
  amount: bigint;
  inferences: number;
  /** Buckets with earnings, oldest first; buckets without rows are omitted. */
  points: EarningsPoint[];
}

/**
 * An account's earnings per hour or UTC day from earnings_hourly alone: the primary key
 * (account, hour, …) makes it a range scan over at most the requested hours of one account.
 */
export async function earningsSeries(account: string, q: EarningsQuery): Promise<EarningsSeries[]> {
  const db = await getDb();
  const e = earningsHourly;
  const t = bucketOf(e.hour, q.bucket);
  const groupCol: SQL | null =
    q.groupBy === "role" ? sql`${e.role}` : q.groupBy === "datanet" ? sql`${e.datanetId}` : q.groupBy === "model" ? sql`${e.modelId}` : null;
  const key = (groupCol ?? sql`'all'`).mapWith(String) as SQL<string>;
  const rows = await db
    .select({ key, t, amount: sumWei(e.amount), inferences: sumInt(e.inferences) })
    .from(e)
    .where(
      and(
        eq(e.account, account.toLowerCase()),
        gte(e.hour, q.from),
        lt(e.hour, q.to),
        q.role ? eq(e.role, q.role) : undefined,
        q.datanetId !== undefined ? eq(e.datanetId, q.datanetId) : undefined,
        q.modelId !== undefined ? eq(e.modelId, q.modelId) : undefined,
      ),
    )
    .groupBy(...(groupCol ? [groupCol, t] : [t]))
    .orderBy(...(groupCol ? [groupCol, t] : [t]));
  const byKey = new Map<string, EarningsSeries>();
  for (const r of rows) {
    let s = byKey.get(r.key);
    if (!s) byKey.set(r.key, (s = { key: r.key, amount: 0n, inferences: 0, points: [] }));
    s.amount += r.amount;
    s.inferences += r.inferences;
    s.points.push({ t: r.t, amount: r.amount, inferences: r.inferences });
  }
  return [...byKey.values()];
}

export interface AttributionFeedItem {
  requestId: number;
  contributionId: number;
  datanetId: number;
  datanetName: string | null;
  modelId: number | null;
  modelName: string | null;
  weightPpm: number;
  amount: bigint;
  settledAt: Date;
}

/** The newest attribution credits of a contributor; keyset on (settled_at, request_id, contribution_id). */
export async function pageAttributionFeed(
  account: string,
  params: { limit?: number; cursor?: string } = {},
): Promise<Page<AttributionFeedItem>> {
  const db = await getDb();
  const a = attributionEntries;
  const keyset: Keyset = {
    tag: "attribution:newest",
    dir: "desc",
    parts: [
      { expr: a.settledAt, kind: "timestamp" },
      { expr: a.requestId, kind: "int" },
      { expr: a.contributionId, kind: "int" },
    ],
  };
  const limit = pageSize(params.limit);
  const rows = await db
    .select({
      requestId: a.requestId,
      contributionId: a.contributionId,
      datanetId: a.datanetId,
      datanetName: datanets.name,
      modelId: inferences.modelId,
      modelName: models.name,
      weightPpm: a.weightPpm,
      amount: a.amount,
      settledAt: a.settledAt,
    })
    .from(a)
    .leftJoin(inferences, eq(inferences.requestId, a.requestId))
    .leftJoin(models, eq(models.id, inferences.modelId))
    .leftJoin(datanets, eq(datanets.id, a.datanetId))
    .where(and(eq(a.contributor, account.toLowerCase()), keysetAfter(keyset, params.cursor)))
    .orderBy(...keysetOrder(keyset))
    .limit(limit + 1);
  return toPage(keyset, rows, limit, (r) => [r.settledAt, r.requestId, r.contributionId]);
}

export interface ClaimStatus {
  account: string;
  /** The latest final epoch (claims are checked against it), or null before the first one. */
  epoch: number | null;
  root: string | null;
  postedAt: Date | null;
  /** The account's cumulative amount in the latest epoch's tree (0 when absent). */
  cumulativeAmount: bigint;
  /** Σ of the account's claims so far. */
  claimed: bigint;
  /** cumulativeAmount − claimed (never negative): what claim() pays now. */
  claimable: bigint;
  /** Merkle proof of (account, cumulativeAmount) against `root`; empty when there is nothing to prove. */
  proof: Hex[];
  /** Whether the tree rebuilt from epoch_balances has the posted root (if not, the proof will not verify). */
  treeMatchesRoot: boolean | null;
  /** The newest root not final yet (in its challenge window or disputed), with the account's amount in it. */
  pending: {
    epoch: number;
    root: string;
    status: "pending" | "disputed";
    postedAt: Date;
    finalizesAt: Date;
    cumulativeAmount: bigint;
    proof: Hex[];
  } | null;
}

// Built trees per (epoch, root): building one hashes every leaf, so it is done once per epoch and process.
const TREE_CACHE_SIZE = 4;
const treeCache = new Map<string, Promise<ClaimsTree | null>>();

async function epochTree(epoch: number, root: string): Promise<ClaimsTree | null> {
  const key = `${epoch}:${root}`;
  const cached = treeCache.get(key);
  if (cached) return cached;
  const building = (async () => {
    const db = await getDb();
    const rows = await db
      .select({ account: epochBalances.account, cumulativeAmount: epochBalances.cumulativeAmount })
      .from(epochBalances)
      .where(eq(epochBalances.epoch, epoch));
    if (rows.length === 0) return null;
    return buildClaimsTree(rows.map((r) => ({ account: r.account as Address, cumulativeAmount: r.cumulativeAmount })));
  })();
  treeCache.set(key, building);
  while (treeCache.size > TREE_CACHE_SIZE) treeCache.delete(treeCache.keys().next().value!);
  // Only a tree that matches the posted root is kept: an incomplete epoch_balances is re-read next time.
  building.then(
    (tree) => {
      if (!tree || tree.root.toLowerCase() !== root.toLowerCase()) treeCache.delete(key);
    },
    () => treeCache.delete(key),
  );
  return building;
}

/** Forget built claim trees (tests). */
export function clearClaimTreeCache(): void {
  treeCache.clear();
}

/** What `account` can claim now against the latest final epoch, with the proof claim() needs, and what waits. */
export async function getClaimStatus(account: string): Promise<ClaimStatus> {
  const db = await getDb();
  const lower = account.toLowerCase();
  const [[latest], [waiting], [claimedRow]] = await Promise.all([
    db.select().from(epochs).where(eq(epochs.status, "final")).orderBy(desc(epochs.epoch)).limit(1),
    db.select().from(epochs).where(inArray(epochs.status, ["pending", "disputed"])).orderBy(desc(epochs.epoch)).limit(1),
    db.select({ amount: sumWei(claims.amount) }).from(claims).where(eq(claims.account, lower)),
  ]);
  const claimed = claimedRow?.amount ?? 0n;
  let pending: ClaimStatus["pending"] = null;
  if (waiting && (!latest || waiting.epoch > latest.epoch)) {
    const tree = await epochTree(waiting.epoch, waiting.root);
    const amount = tree?.amountOf(lower as Address) ?? 0n;
    pending = {
      epoch: waiting.epoch,
      root: waiting.root,
      status: waiting.status as "pending" | "disputed",
      postedAt: waiting.postedAt,
      finalizesAt: waiting.finalizesAt,
      cumulativeAmount: amount,
      proof: tree && amount > 0n ? tree.proofFor(lower as Address) : [],
    };
  }
  if (!latest) {
    return { account: lower, epoch: null, root: null, postedAt: null, cumulativeAmount: 0n, claimed, claimable: 0n, proof: [], treeMatchesRoot: null, pending };
  }
  const tree = await epochTree(latest.epoch, latest.root);
  const cumulativeAmount = tree?.amountOf(lower as Address) ?? 0n;
  const proof = tree && cumulativeAmount > 0n ? tree.proofFor(lower as Address) : [];
  const claimable = cumulativeAmount > claimed ? cumulativeAmount - claimed : 0n;
  return {
    account: lower,
    epoch: latest.epoch,
    root: latest.root,
    postedAt: latest.postedAt,
    cumulativeAmount,
    claimed,
    claimable,
    proof,
    treeMatchesRoot: tree ? tree.root.toLowerCase() === latest.root.toLowerCase() : false,
    pending,
  };
}

export interface ClaimHistoryItem {
  epoch: number;
  amount: bigint;
  /** The account's cumulative amount the proof was for (amount = this − what was claimed before). */
  cumulativeAmount: bigint;
  tx: string;
  logIndex: number;
  block: number;
  claimedAt: Date;
  /** Claims are indexed from mined Claimed events: every row is confirmed on-chain. */
  status: "confirmed";
}

/** An account's claims, newest first; keyset on (claimed_at, block, log_index). */
export async function pageClaims(account: string, params: { limit?: number; cursor?: string } = {}): Promise<Page<ClaimHistoryItem>> {
  const db = await getDb();
  const c = claims;
  const keyset: Keyset = {
    tag: "claims:newest",
    dir: "desc",
    parts: [
      { expr: c.claimedAt, kind: "timestamp" },
      { expr: c.block, kind: "int" },
      { expr: c.logIndex, kind: "int" },
    ],
  };
  const limit = pageSize(params.limit);
  const rows = await db
    .select({ epoch: c.epoch, amount: c.amount, cumulativeAmount: c.cumulativeAmount, tx: c.tx, logIndex: c.logIndex, block: c.block, claimedAt: c.claimedAt })
    .from(c)
    .where(and(eq(c.account, account.toLowerCase()), keysetAfter(keyset, params.cursor)))
    .orderBy(...keysetOrder(keyset))
    .limit(limit + 1);
  return toPage(keyset, rows, limit, (r) => [r.claimedAt, r.block, r.logIndex], (r) => ({ ...r, status: "confirmed" as const }));
}

export interface EarningsLedgerRow {
  id: string;
  role: EarningRole;
  amount: bigint;
  requestId: number | null;
  modelId: number | null;
  modelName: string | null;
  datanetId: number | null;
  datanetName: string | null;
  contributionId: number | null;
  tx: string;
  at: Date;
}

/**
 * Every earning ledger row of an account (protocol, operator, builder, contributor credits), oldest
 * first, in batches read by keyset on (at, id): memory stays at one batch however long the history.
 */
export async function* earningsLedger(account: string, batchSize = 1000): AsyncGenerator<EarningsLedgerRow[]> {
  const db = await getDb();
  const l = ledgerEntries;
  const lower = account.toLowerCase();
  let after: { at: Date; id: string } | null = null;
  for (;;) {
    const rows: EarningsLedgerRow[] = await db
      .select({
        id: l.id,
        role: sql<EarningRole>`${l.role}`,
        amount: l.amount,
        requestId: l.requestId,
        modelId: l.modelId,
        modelName: models.name,
        datanetId: l.datanetId,
        datanetName: datanets.name,
        contributionId: l.contributionId,
        tx: l.tx,
        at: l.at,
      })
      .from(l)
      .leftJoin(models, eq(models.id, l.modelId))
      .leftJoin(datanets, eq(datanets.id, l.datanetId))
      .where(
        and(
          eq(l.account, lower),
          inArray(l.role, [...EARNING_ROLES]),
          after ? or(gt(l.at, after.at), and(eq(l.at, after.at), gt(l.id, after.id))) : undefined,
        ),
      )
      .orderBy(asc(l.at), asc(l.id))
      .limit(batchSize);
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < batchSize) return;
    const last = rows[rows.length - 1];
    after = { at: last.at, id: last.id };
  }
}

/** A contribution in an account's list: the Datanet list's item plus which Datanet it went to. */
export interface AccountContributionItem extends ContributionListItem {
  datanetId: number;
  datanetName: string | null;
  /** Over the trailing TRAILING_DAYS (chain time): what it earned, and the settled inferences of models built on its Datanet. */
  trailing: { earned: bigint; inferences: number; per1000: bigint | null };
}

export const TRAILING_DAYS = 7;

/** An account's contributions to every Datanet, newest first; keyset-paginated on (submitted_at, id). */
export async function pageAccountContributions(
  account: string,
  params: { status?: ContributionStatus; limit?: number; cursor?: string } = {},
): Promise<Page<AccountContributionItem>> {
  const db = await getDb();
  const c = contributions;
  const keyset: Keyset = {
    tag: "account-contributions:newest",
    dir: "desc",
    parts: [
      { expr: c.submittedAt, kind: "timestamp" },
      { expr: c.id, kind: "int" },
    ],
  };
  const limit = pageSize(params.limit);
  const rows = await db
    .select({ ...contributionItemFields, datanetId: c.datanetId, datanetName: datanets.name })
    .from(c)
    .leftJoin(datanets, eq(datanets.id, c.datanetId))
    // The indexer stores addresses lowercased.
    .where(and(eq(c.contributor, account.toLowerCase()), params.status ? eq(c.status, params.status) : undefined, keysetAfter(keyset, params.cursor)))
    .orderBy(...keysetOrder(keyset))
    .limit(limit + 1);
  const page = toPage(keyset, rows, limit, (r) => [r.submittedAt, r.id]);
  return { ...page, items: await withTrailingEarnings(db, page.items) };
}

/**
 * Each contribution's earnings over the trailing week per 1,000 settled inferences of the models built on its
 * Datanet: what the next thousand calls are likely to pay it, in wei. Two grouped queries per page.
 */
async function withTrailingEarnings<T extends { id: number; datanetId: number }>(db: Db, items: T[]): Promise<(T & { trailing: AccountContributionItem["trailing"] })[]> {
  if (items.length === 0) return [];
  const since = new Date((await chainNow(db)).getTime() - TRAILING_DAYS * 86_400_000);
  const ids = items.map((i) => i.id);
  const datanetIds = [...new Set(items.map((i) => i.datanetId))];
  const a = attributionEntries;
  const [earned, inferred] = await Promise.all([
    db
      .select({ id: a.contributionId, total: sql<string>`sum(${a.amount})::text` })
      .from(a)
      .where(and(inArray(a.contributionId, ids), gte(a.settledAt, since)))
      .groupBy(a.contributionId),
    db
      .select({ datanetId: modelDatanets.datanetId, n: sql<number>`count(distinct ${inferences.requestId})`.mapWith(Number) })
      .from(inferences)
      .innerJoin(modelDatanets, eq(modelDatanets.modelId, inferences.modelId))
      .where(and(inArray(modelDatanets.datanetId, datanetIds), eq(inferences.status, "settled"), gte(inferences.settledAt, since)))
      .groupBy(modelDatanets.datanetId),
  ]);
  const earnedBy = new Map(earned.map((e) => [e.id, BigInt(e.total)]));
  const countBy = new Map(inferred.map((r) => [r.datanetId, r.n]));
  return items.map((item) => {
    const total = earnedBy.get(item.id) ?? 0n;
    const n = countBy.get(item.datanetId) ?? 0;
    return { ...item, trailing: { earned: total, inferences: n, per1000: n > 0 ? (total * 1000n) / BigInt(n) : null } };
  });
}

/**
 * The contributor who earned the most (all time, earnings_hourly): the demo account /dashboard shows before a
 * wallet is connected. Null when nobody has earned yet.
 */
export async function topContributor(): Promise<string | null> {
  const db = await getDb();
  const total = sql<string>`sum(${earningsHourly.amount})`;
  const [row] = await db
    .select({ account: earningsHourly.account, total })
    .from(earningsHourly)
    .where(eq(earningsHourly.role, "contributor"))
    .groupBy(earningsHourly.account)
    .orderBy(desc(total), asc(earningsHourly.account))
    .limit(1);
  return row ? row.account.toLowerCase() : null;
}
