import { and, asc, desc, eq, gte, ilike, lt, or, sql, type SQL } from "drizzle-orm";
import { getDb, type Db } from "@/db/client";
import { rowsOf } from "@/db/bulk";
import {
  attributionEntries,
  contributions,
  datanets,
  datanetUsageHourly,
  datanetVersions,
  earningsHourly,
  modelDatanets,
  models,
} from "@/db/schema";
import { decodeCursor, keysetAfter, keysetOrder, pageSize, toPage, type Keyset, type Page } from "./pagination";
import { bucketOf, type Bucket } from "./series";
import { countDistinctOf, countRows, likePattern, sumInt, sumWei, toBigInt, toNumber } from "./sql";

export type DatanetRow = typeof datanets.$inferSelect;
export type ContributionStatus = (typeof contributions.$inferSelect)["status"];

export const DATANET_SORTS = ["newest", "used", "contributors", "records"] as const;
export type DatanetSort = (typeof DATANET_SORTS)[number];

export interface ListDatanetsParams {
  /** Case-insensitive match on name, summary or description. */
  q?: string;
  /** Exact tag (tags are stored lower-case). */
  tag?: string;
  sort?: DatanetSort;
  limit?: number;
  offset?: number;
}

export interface DatanetSummary {
  id: number;
  name: string;
  summary: string;
  tags: string[];
  license: string;
  owner: string;
  curated: boolean;
  bond: bigint;
  contributionCount: number;
  acceptedCount: number;
  versionCount: number;
  /** Distinct addresses that submitted at least one contribution. */
  contributors: number;
  /** Records in accepted contributions. */
  acceptedRecords: number;
  /** Models built from a version of it. */
  models: number;
  /** Settled inferences that credited its contributors (datanet_usage_hourly). */
  inferences: number;
  /** Σ paid to its contributors through attribution, in wei (datanet_usage_hourly). */
  contributorEarnings: bigint;
  createdAt: Date;
}

function contributionStats(db: Db) {
  return db
    .select({
      datanetId: contributions.datanetId,
      contributors: countDistinctOf(contributions.contributor).as("contributors"),
      acceptedRecords: sumInt(contributions.records, eq(contributions.status, "accepted")).as("accepted_records"),
    })
    .from(contributions)
    .groupBy(contributions.datanetId)
    .as("contribution_stats");
}

function datanetFilters({ q, tag }: Pick<ListDatanetsParams, "q" | "tag">): SQL | undefined {
  const conditions: SQL[] = [];
  const query = q?.trim();
  if (query) {
    const pattern = likePattern(query);
    conditions.push(
      or(ilike(datanets.name, pattern), ilike(datanets.summary, pattern), ilike(datanets.description, pattern))!,
    );
  }
  const t = tag?.trim().toLowerCase();
  if (t) conditions.push(sql`${datanets.tags} @> ${JSON.stringify([t])}::jsonb`);
  return conditions.length ? and(...conditions) : undefined;
}

function usageStats(db: Db) {
  const u = datanetUsageHourly;
  return db
    .select({
      datanetId: u.datanetId,
      inferences: sumInt(u.inferences).as("usage_inferences"),
      earnings: sumWei(u.contributorEarnings).as("usage_earnings"),
    })
    .from(u)
    .groupBy(u.datanetId)
    .as("usage_stats");
}

function modelCounts(db: Db) {
  return db
    .select({ datanetId: modelDatanets.datanetId, models: countRows().as("model_count") })
    .from(modelDatanets)
    .groupBy(modelDatanets.datanetId)
    .as("model_counts");
}

/** The DatanetSummary columns: the Datanet row joined to its per-Datanet contribution, usage and model stats. */
function summarySelection(db: Db) {
  const stats = contributionStats(db);
  const usage = usageStats(db);
  const built = modelCounts(db);
  const contributors = sql<number>`coalesce(${stats.contributors}, 0)`.mapWith(Number);
  const acceptedRecords = sql<number>`coalesce(${stats.acceptedRecords}, 0)`.mapWith(Number);
  const inferences = sql<number>`coalesce(${usage.inferences}, 0)`.mapWith(Number);
  const contributorEarnings = sql<bigint>`coalesce(${usage.earnings}, 0)`.mapWith(toBigInt);
  const modelCount = sql<number>`coalesce(${built.models}, 0)`.mapWith(Number);
  const fields = {
    id: datanets.id,
    name: datanets.name,
    summary: datanets.summary,
    tags: datanets.tags,
    license: datanets.license,
    owner: datanets.owner,
    curated: datanets.curated,
    bond: datanets.bond,
    contributionCount: datanets.contributionCount,
    acceptedCount: datanets.acceptedCount,
    versionCount: datanets.versionCount,
    contributors,
    acceptedRecords,
    models: modelCount,
    inferences,
    contributorEarnings,
    createdAt: datanets.createdAt,
  };
  return { stats, usage, built, contributors, acceptedRecords, inferences, fields };
}

/** Datanets for the marketplace: search, tag filter and sort, with contributor, record, model and usage counts. */
export async function listDatanets(params: ListDatanetsParams = {}): Promise<DatanetSummary[]> {
  const db = await getDb();
  const { stats, usage, built, contributors, acceptedRecords, inferences, fields } = summarySelection(db);
  const order =
    params.sort === "contributors"
      ? [desc(contributors), desc(datanets.acceptedCount), desc(datanets.id)]
      : params.sort === "records"
        ? [desc(acceptedRecords), desc(datanets.acceptedCount), desc(datanets.id)]
        : params.sort === "used"
          ? [desc(inferences), desc(datanets.id)]
          : [desc(datanets.createdAt), desc(datanets.id)];

  return db
    .select(fields)
    .from(datanets)
    .leftJoin(stats, eq(stats.datanetId, datanets.id))
    .leftJoin(usage, eq(usage.datanetId, datanets.id))
    .leftJoin(built, eq(built.datanetId, datanets.id))
    .where(datanetFilters(params))
    .orderBy(...order)
    .limit(Math.min(Math.max(params.limit ?? 50, 1), 200))
    .offset(Math.max(params.offset ?? 0, 0));
}

export interface PageDatanetsParams extends Pick<ListDatanetsParams, "q" | "tag" | "sort"> {
  limit?: number;
  /** nextCursor of the previous page. */
  cursor?: string;
}

/** listDatanets with keyset pagination (same filters, same orders). */
export async function pageDatanets(params: PageDatanetsParams = {}): Promise<Page<DatanetSummary>> {
  const db = await getDb();
  const { stats, usage, built, contributors, acceptedRecords, inferences, fields } = summarySelection(db);
  const sort = params.sort ?? "newest";
  const keyset: Keyset =
    sort === "used"
      ? { tag: "datanets:used", dir: "desc", parts: [{ expr: inferences, kind: "int" }, { expr: datanets.id, kind: "int" }] }
      : sort === "contributors"
      ? { tag: "datanets:contributors", dir: "desc", parts: [{ expr: contributors, kind: "int" }, { expr: datanets.acceptedCount, kind: "int" }, { expr: datanets.id, kind: "int" }] }
      : sort === "records"
        ? { tag: "datanets:records", dir: "desc", parts: [{ expr: acceptedRecords, kind: "int" }, { expr: datanets.acceptedCount, kind: "int" }, { expr: datanets.id, kind: "int" }] }
        : { tag: "datanets:newest", dir: "desc", parts: [{ expr: datanets.createdAt, kind: "timestamp" }, { expr: datanets.id, kind: "int" }] };
  const limit = pageSize(params.limit);
  const rows = await db
    .select(fields)
    .from(datanets)
    .leftJoin(stats, eq(stats.datanetId, datanets.id))
    .leftJoin(usage, eq(usage.datanetId, datanets.id))
    .leftJoin(built, eq(built.datanetId, datanets.id))
    .where(and(datanetFilters(params), keysetAfter(keyset, params.cursor)))
    .orderBy(...keysetOrder(keyset))
    .limit(limit + 1);
  return toPage(keyset, rows, limit, (r) =>
    sort === "used"
      ? [r.inferences, r.id]
      : sort === "contributors"
      ? [r.contributors, r.acceptedCount, r.id]
      : sort === "records"
        ? [r.acceptedRecords, r.acceptedCount, r.id]
        : [r.createdAt, r.id],
  );
}

/** How many Datanets match the same filters as listDatanets. */
export async function countDatanets(params: Pick<ListDatanetsParams, "q" | "tag"> = {}): Promise<number> {
  const db = await getDb();
  const [row] = await db.select({ n: countRows() }).from(datanets).where(datanetFilters(params));
  return row?.n ?? 0;
}

export interface TagCount {
  tag: string;
  count: number;
}

/** Every tag in use with the number of Datanets carrying it, most used first. */
export async function listDatanetTags(limit = 40): Promise<TagCount[]> {
  const db = await getDb();
  const tag = sql<string>`t.tag`;
  const n = countRows();
  return db
    .select({ tag, count: n })
    .from(sql`${datanets} cross join lateral jsonb_array_elements_text(${datanets.tags}) as t(tag)`)
    .groupBy(tag)
    .orderBy(desc(n), asc(tag))
    .limit(limit);
}

export interface ContributionListItem {
  id: number;
  contributor: string;
  contentHash: string;
  records: number;
  bytes: number;
  bond: bigint;
  status: ContributionStatus;
  submittedAt: Date;
  submittedTx: string;
  reviewedAt: Date | null;
  /** Takedown: who withdrew it (the contributor) or removed it (the Datanet owner), why, when; null while it is not withdrawn. */
  withdrawnBy: string | null;
  withdrawnReason: string | null;
  withdrawnAt: Date | null;
  withdrawnTx: string | null;
  /** The contributor's terms for model outputs: 0 open, 1 attribution required, 2 no verbatim over maxVerbatimTokens. */
  termsKind: 0 | 1 | 2;
  maxVerbatimTokens: number | null;
}

export interface LeaderboardEntry {
  contributor: string;
  contributions: number;
  accepted: number;
  acceptedRecords: number;
  /** Sum of attribution credits from inferences, in wei. */
  earned: bigint;
}

export interface DatanetVersionItem {
  version: number;
  root: string;
  count: number;
  /** The on-chain root equals the root recomputed from the indexed contributions. */
  rootVerified: boolean;
  tx: string;
  publishedAt: Date;
}

export interface DatanetModelItem {
  id: number;
  name: string;
  kind: (typeof models.$inferSelect)["kind"];
  builder: string;
  price: bigint;
  active: boolean;
  inferenceCount: number;
  /** The Datanet version the model was built from. */
  version: number;
  createdAt: Date;
}

export interface DatanetDetail {
  datanet: DatanetRow;
  versions: DatanetVersionItem[];
  /** Latest contributions, newest first (at most `contributionLimit`). */
  contributions: ContributionListItem[];
  statusCounts: Record<ContributionStatus, number>;
  contributors: number;
  acceptedRecords: number;
  /** Everything attribution has credited to this Datanet's contributors, in wei. */
  totalEarned: bigint;
  leaderboard: LeaderboardEntry[];
  models: DatanetModelItem[];
}

/** The columns of a contribution list item (a Datanet's list, an account's list). */
export const contributionItemFields = {
  id: contributions.id,
  contributor: contributions.contributor,
  contentHash: contributions.contentHash,
  records: contributions.records,
  bytes: contributions.bytes,
  bond: contributions.bond,
  status: contributions.status,
  submittedAt: contributions.submittedAt,
  submittedTx: contributions.submittedTx,
  reviewedAt: contributions.reviewedAt,
  withdrawnBy: contributions.withdrawnBy,
  withdrawnReason: contributions.withdrawnReason,
  withdrawnAt: contributions.withdrawnAt,
  withdrawnTx: contributions.withdrawnTx,
  termsKind: contributions.termsKind,
  maxVerbatimTokens: contributions.maxVerbatimTokens,
};

function versionsOf(db: Db, id: number): Promise<DatanetVersionItem[]> {
  return db
    .select({
      version: datanetVersions.version,
      root: datanetVersions.root,
      count: datanetVersions.count,
      rootVerified: datanetVersions.rootVerified,
      tx: datanetVersions.tx,
      publishedAt: datanetVersions.publishedAt,
    })
    .from(datanetVersions)
    .where(eq(datanetVersions.datanetId, id))
    .orderBy(desc(datanetVersions.version));
}

async function statusCountsOf(db: Db, id: number): Promise<Record<ContributionStatus, number>> {
  const rows = await db
    .select({ status: contributions.status, n: countRows() })
    .from(contributions)
    .where(eq(contributions.datanetId, id))
    .groupBy(contributions.status);
  const counts: Record<ContributionStatus, number> = { pending: 0, accepted: 0, rejected: 0 };
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}

function modelsBuiltFrom(db: Db, id: number): Promise<DatanetModelItem[]> {
  return db
    .select({
      id: models.id,
      name: models.name,
      kind: models.kind,
      builder: models.builder,
      price: models.price,
      active: models.active,
      inferenceCount: models.inferenceCount,
      version: modelDatanets.version,
      createdAt: models.createdAt,
    })
    .from(modelDatanets)
    .innerJoin(models, eq(models.id, modelDatanets.modelId))
    .where(eq(modelDatanets.datanetId, id))
    .orderBy(desc(models.createdAt), desc(models.id));
}

/** One Datanet with its versions, recent contributions, contributor leaderboard and derived models; null if unknown. */
export async function getDatanet(
  id: number,
  opts: { contributionLimit?: number; leaderboardLimit?: number } = {},
): Promise<DatanetDetail | null> {
  const db = await getDb();
  const [datanet] = await db.select().from(datanets).where(eq(datanets.id, id)).limit(1);
  if (!datanet) return null;

  const [versions, recent, statusRows, contributorRows, earningRows, builtModels] = await Promise.all([
    versionsOf(db, id),
    db
      .select(contributionItemFields)
      .from(contributions)
      .where(eq(contributions.datanetId, id))
      .orderBy(desc(contributions.submittedAt), desc(contributions.id))
      .limit(opts.contributionLimit ?? 50),
    statusCountsOf(db, id),
    db
      .select({
        contributor: contributions.contributor,
        contributions: countRows(),
        accepted: countRows(eq(contributions.status, "accepted")),
        acceptedRecords: sumInt(contributions.records, eq(contributions.status, "accepted")),
      })
      .from(contributions)
      .where(eq(contributions.datanetId, id))
      .groupBy(contributions.contributor),
    db
      .select({ contributor: attributionEntries.contributor, earned: sumWei(attributionEntries.amount) })
      .from(attributionEntries)
      .where(eq(attributionEntries.datanetId, id))
      .groupBy(attributionEntries.contributor),
    modelsBuiltFrom(db, id),
  ]);

  const statusCounts = statusRows;

  // Addresses are compared case-insensitively: the indexer may store checksummed or lower-case forms.
  const board = new Map<string, LeaderboardEntry>();
  for (const r of contributorRows) {
    board.set(r.contributor.toLowerCase(), { ...r, earned: 0n });
  }
  let totalEarned = 0n;
  for (const r of earningRows) {
    totalEarned += r.earned;
    const key = r.contributor.toLowerCase();
    const entry = board.get(key);
    if (entry) entry.earned += r.earned;
    else board.set(key, { contributor: r.contributor, contributions: 0, accepted: 0, acceptedRecords: 0, earned: r.earned });
  }
  // The same order as GET /api/datanets/{id}/leaderboard (and what the page says): earnings first.
  const leaderboard = [...board.values()].sort(leaderboardOrder);

  return {
    datanet,
    versions,
    contributions: recent,
    statusCounts,
    contributors: contributorRows.length,
    acceptedRecords: contributorRows.reduce((s, r) => s + r.acceptedRecords, 0),
    totalEarned,
    leaderboard: leaderboard.slice(0, opts.leaderboardLimit ?? 25),
    models: builtModels,
  };
}

/** Cheap existence check (primary-key lookup), e.g. to answer 404 before a page starts streaming. */
export async function datanetExists(id: number): Promise<boolean> {
  const db = await getDb();
  const rows = await db.select({ id: datanets.id }).from(datanets).where(eq(datanets.id, id)).limit(1);
  return rows.length > 0;
}

export interface DatanetOverview {
  datanet: DatanetRow;
  versions: DatanetVersionItem[];
  statusCounts: Record<ContributionStatus, number>;
  /** Distinct addresses that submitted at least one contribution. */
  contributors: number;
  /** Records in accepted contributions. */
  acceptedRecords: number;
  /** Σ contributor earnings credited through this Datanet (earnings_hourly, role contributor; the cached leaderboard), in wei. */
  contributorEarnings: bigint;
  models: DatanetModelItem[];
}

/** A Datanet's row, versions, counts and derived models (no lists: those are paginated separately); null if unknown. */
export async function getDatanetOverview(id: number): Promise<DatanetOverview | null> {
  const db = await getDb();
  const [datanet] = await db.select().from(datanets).where(eq(datanets.id, id)).limit(1);
  if (!datanet) return null;
  const accepted = eq(contributions.status, "accepted");
  const [versions, statusCounts, [counts], board, builtModels] = await Promise.all([
    versionsOf(db, id),
    statusCountsOf(db, id),
    db
      .select({ contributors: countDistinctOf(contributions.contributor), acceptedRecords: sumInt(contributions.records, accepted) })
      .from(contributions)
      .where(eq(contributions.datanetId, id)),
    getDatanetLeaderboard(id),
    modelsBuiltFrom(db, id),
  ]);
  return {
    datanet,
    versions,
    statusCounts,
    contributors: counts?.contributors ?? 0,
    acceptedRecords: counts?.acceptedRecords ?? 0,
    contributorEarnings: board.reduce((sum, r) => sum + r.earned, 0n),
    models: builtModels,
  };
}

export interface ContributionItem extends ContributionListItem {
  /** Position in the Datanet's acceptance order (null unless accepted). */
  acceptedSeq: number | null;
}

/** A Datanet's contributions, newest first, optionally one status; keyset-paginated on (submitted_at, id). */
export async function pageContributions(
  datanetId: number,
  params: { status?: ContributionStatus; limit?: number; cursor?: string } = {},
): Promise<Page<ContributionItem>> {
  const db = await getDb();
  const keyset: Keyset = {
    tag: "contributions:newest",
    dir: "desc",
    parts: [
      { expr: contributions.submittedAt, kind: "timestamp" },
      { expr: contributions.id, kind: "int" },
    ],
  };
  const limit = pageSize(params.limit);
  const rows = await db
    .select({ ...contributionItemFields, acceptedSeq: contributions.acceptedSeq })
    .from(contributions)
    .where(
      and(
        eq(contributions.datanetId, datanetId),
        params.status ? eq(contributions.status, params.status) : undefined,
        keysetAfter(keyset, params.cursor),
      ),
    )
    .orderBy(...keysetOrder(keyset))
    .limit(limit + 1);
  return toPage(keyset, rows, limit, (r) => [r.submittedAt, r.id]);
}

export interface DatanetLeaderboardEntry {
  /** 1-based position in the whole leaderboard. */
  rank: number;
  contributor: string;
  /** Σ contributor earnings through this Datanet (earnings_hourly), in wei. */
  earned: bigint;
  /** Inferences that credited this contributor through this Datanet. */
  inferences: number;
  contributions: number;
  accepted: number;
  acceptedRecords: number;
}

/**
 * The one leaderboard order (the Datanet page and its API): what a contributor's data earned through the Datanet,
 * then accepted records, then address desc (lower-cased: a total order, addresses are unique).
 */
export function leaderboardOrder(a: LeaderboardKey, b: LeaderboardKey): number {
  if (a.earned !== b.earned) return a.earned > b.earned ? -1 : 1;
  if (a.acceptedRecords !== b.acceptedRecords) return b.acceptedRecords - a.acceptedRecords;
  const x = a.contributor.toLowerCase();
  const y = b.contributor.toLowerCase();
  return x === y ? 0 : x > y ? -1 : 1;
}
type LeaderboardKey = Pick<DatanetLeaderboardEntry, "earned" | "acceptedRecords" | "contributor">;

/** The whole ranked board of a Datanet: one aggregate over its rollup rows and its contributions. */
async function computeLeaderboard(datanetId: number): Promise<DatanetLeaderboardEntry[]> {
  const db = await getDb();
  const e = earningsHourly;
  const c = contributions;
  const result = await db.execute(sql`
    with earned as (
      select ${e.account} as contributor, sum(${e.amount}) as earned, sum(${e.inferences}) as inferences
      from ${e}
      where ${e.datanetId} = ${datanetId} and ${e.role} = 'contributor'
      group by ${e.account}
    ), contributed as (
      select lower(${c.contributor}) as contributor, count(*) as contributions,
        count(*) filter (where ${c.status} = 'accepted') as accepted,
        coalesce(sum(${c.records}) filter (where ${c.status} = 'accepted'), 0) as accepted_records
      from ${c}
      where ${c.datanetId} = ${datanetId}
      group by lower(${c.contributor})
    )
    select coalesce(er.contributor, co.contributor) as contributor,
      coalesce(er.earned, 0) as earned, coalesce(er.inferences, 0) as inferences,
      coalesce(co.contributions, 0) as contributions, coalesce(co.accepted, 0) as accepted,
      coalesce(co.accepted_records, 0) as accepted_records
    from earned er full outer join contributed co on co.contributor = er.contributor
  `);
  const rows = rowsOf<Record<string, unknown>>(result).map((r) => ({
    rank: 0,
    contributor: String(r.contributor),
    earned: toBigInt(r.earned),
    inferences: toNumber(r.inferences),
    contributions: toNumber(r.contributions),
    accepted: toNumber(r.accepted),
    acceptedRecords: toNumber(r.accepted_records),
  }));
  rows.sort(leaderboardOrder);
  rows.forEach((r, i) => (r.rank = i + 1));
  return rows;
}

/**
 * Boards are cached per Datanet: a popular Datanet has hundreds of thousands of rollup rows, too many
 * to aggregate per request. A board younger than LEADERBOARD_FRESH_MS is served as is; an older one (up
 * to LEADERBOARD_MAX_STALE_MS) is served while one refresh runs in the background; past that, the
 * request waits for the refresh. So a board lags the chain by at most a few seconds under load.
 */
export const LEADERBOARD_FRESH_MS = 10_000;
const LEADERBOARD_MAX_STALE_MS = 60_000;
const LEADERBOARD_CACHE_SIZE = 64;
const boards = new Map<number, { at: number; rows: DatanetLeaderboardEntry[] }>();
const refreshing = new Map<number, Promise<DatanetLeaderboardEntry[]>>();

function refreshLeaderboard(datanetId: number): Promise<DatanetLeaderboardEntry[]> {
  let running = refreshing.get(datanetId);
  if (!running) {
    running = computeLeaderboard(datanetId)
      .then((rows) => {
        boards.delete(datanetId);
        boards.set(datanetId, { at: Date.now(), rows });
        while (boards.size > LEADERBOARD_CACHE_SIZE) boards.delete(boards.keys().next().value!);
        return rows;
      })
      .finally(() => refreshing.delete(datanetId));
    refreshing.set(datanetId, running);
  }
  return running;
}

/** The ranked board of a Datanet (cached; see LEADERBOARD_FRESH_MS). */
export async function getDatanetLeaderboard(datanetId: number): Promise<DatanetLeaderboardEntry[]> {
  const cached = boards.get(datanetId);
  const age = cached ? Date.now() - cached.at : Infinity;
  if (cached && age < LEADERBOARD_FRESH_MS) return cached.rows;
  const refresh = refreshLeaderboard(datanetId);
  if (cached && age < LEADERBOARD_MAX_STALE_MS) {
    refresh.catch((err) => console.error("[queries] leaderboard refresh failed", err));
    return cached.rows;
  }
  return refresh;
}

/** Forget cached leaderboards (tests, or after bulk changes). */
export function clearLeaderboardCache(): void {
  boards.clear();
}

const leaderboardKeyset: Keyset = {
  tag: "leaderboard:earned",
  dir: "desc",
  parts: [
    { expr: sql`earned`, kind: "wei" },
    { expr: sql`accepted_records`, kind: "int" },
    { expr: sql`contributor`, kind: "text" },
  ],
};

/**
 * A Datanet's contributors ranked by what they earned through it (earnings_hourly, role contributor), then
 * by accepted records; everyone who contributed or earned is listed. Cursor-paginated over the cached board.
 */
export async function pageDatanetLeaderboard(
  datanetId: number,
  params: { limit?: number; cursor?: string } = {},
): Promise<Page<DatanetLeaderboardEntry>> {
  const limit = pageSize(params.limit);
  let start = 0;
  const board = await getDatanetLeaderboard(datanetId);
  if (params.cursor !== undefined) {
    const [earned, acceptedRecords, contributor] = decodeCursor(leaderboardKeyset, params.cursor);
    const key: LeaderboardKey = { earned: BigInt(earned), acceptedRecords: Number(acceptedRecords), contributor: String(contributor) };
    // First entry strictly after the cursor's key in ranking order (binary search).
    let lo = 0;
    let hi = board.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (leaderboardOrder(board[mid], key) <= 0) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  return toPage(leaderboardKeyset, board.slice(start, start + limit + 1), limit, (r) => [r.earned, r.acceptedRecords, r.contributor]);
}

export interface DatanetUsagePoint {
  /** Start of the bucket (UTC). */
  t: Date;
  /** Settled inferences that credited this Datanet's contributors. */
  inferences: number;
  /** Σ credited to its contributors in the bucket, in wei. */
  contributorEarnings: bigint;
}

/** A Datanet's usage per hour or day in [from, to), from datanet_usage_hourly (empty buckets omitted). */
export async function datanetUsageSeries(id: number, range: { bucket: Bucket; from: Date; to: Date }): Promise<DatanetUsagePoint[]> {
  const db = await getDb();
  const u = datanetUsageHourly;
  const t = bucketOf(u.hour, range.bucket);
  return db
    .select({ t, inferences: sumInt(u.inferences), contributorEarnings: sumWei(u.contributorEarnings) })
    .from(u)
    .where(and(eq(u.datanetId, id), gte(u.hour, range.from), lt(u.hour, range.to)))
    .groupBy(t)
    .orderBy(t);
}

/** The usage route's answer: the series plus its totals (the chart's first render reads the same). */
export async function datanetUsage(id: number, range: { bucket: Bucket; from: Date; to: Date }) {
  const points = await datanetUsageSeries(id, range);
  return {
    datanetId: id,
    ...range,
    inferences: points.reduce((s, p) => s + p.inferences, 0),
    contributorEarnings: points.reduce((s, p) => s + p.contributorEarnings, 0n),
    points,
  };
}

/** Every Datanet's id and name, by name (for filter selects). */
export async function listDatanetNames(limit = 500): Promise<{ id: number; name: string }[]> {
  const db = await getDb();
  return db.select({ id: datanets.id, name: datanets.name }).from(datanets).orderBy(asc(datanets.name), asc(datanets.id)).limit(limit);
}
