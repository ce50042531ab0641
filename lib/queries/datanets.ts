import { and, asc, desc, eq, ilike, or, sql, type SQL } from "drizzle-orm";
import { getDb, type Db } from "@/db/client";
import { attributionEntries, contributions, datanets, datanetVersions, modelDatanets, models } from "@/db/schema";
import { countDistinctOf, countRows, likePattern, sumInt, sumWei } from "./sql";

export type DatanetRow = typeof datanets.$inferSelect;
export type ContributionStatus = (typeof contributions.$inferSelect)["status"];

export const DATANET_SORTS = ["newest", "contributors", "records"] as const;
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

/** Datanets for the marketplace: search, tag filter and sort, with contributor and record counts. */
export async function listDatanets(params: ListDatanetsParams = {}): Promise<DatanetSummary[]> {
  const db = await getDb();
  const stats = contributionStats(db);
  const contributors = sql<number>`coalesce(${stats.contributors}, 0)`.mapWith(Number);
  const acceptedRecords = sql<number>`coalesce(${stats.acceptedRecords}, 0)`.mapWith(Number);
  const order =
    params.sort === "contributors"
      ? [desc(contributors), desc(datanets.acceptedCount), desc(datanets.id)]
      : params.sort === "records"
        ? [desc(acceptedRecords), desc(datanets.acceptedCount), desc(datanets.id)]
        : [desc(datanets.createdAt), desc(datanets.id)];

  return db
    .select({
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
      createdAt: datanets.createdAt,
    })
    .from(datanets)
    .leftJoin(stats, eq(stats.datanetId, datanets.id))
    .where(datanetFilters(params))
    .orderBy(...order)
    .limit(Math.min(Math.max(params.limit ?? 50, 1), 200))
    .offset(Math.max(params.offset ?? 0, 0));
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

/** One Datanet with its versions, recent contributions, contributor leaderboard and derived models; null if unknown. */
export async function getDatanet(
  id: number,
  opts: { contributionLimit?: number; leaderboardLimit?: number } = {},
): Promise<DatanetDetail | null> {
  const db = await getDb();
  const [datanet] = await db.select().from(datanets).where(eq(datanets.id, id)).limit(1);
  if (!datanet) return null;

  const [versions, recent, statusRows, contributorRows, earningRows, builtModels] = await Promise.all([
    db
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
      .orderBy(desc(datanetVersions.version)),
    db
      .select({
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
      })
      .from(contributions)
      .where(eq(contributions.datanetId, id))
      .orderBy(desc(contributions.submittedAt), desc(contributions.id))
      .limit(opts.contributionLimit ?? 50),
    db
      .select({ status: contributions.status, n: countRows() })
      .from(contributions)
      .where(eq(contributions.datanetId, id))
      .groupBy(contributions.status),
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
    db
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
      .orderBy(desc(models.createdAt), desc(models.id)),
  ]);

  const statusCounts: Record<ContributionStatus, number> = { pending: 0, accepted: 0, rejected: 0 };
  for (const r of statusRows) statusCounts[r.status] = r.n;

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
  const leaderboard = [...board.values()].sort(
    (a, b) =>
      b.acceptedRecords - a.acceptedRecords ||
      (b.earned > a.earned ? 1 : b.earned < a.earned ? -1 : 0) ||
      b.accepted - a.accepted ||
      a.contributor.localeCompare(b.contributor),
  );

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
