/**
 * Staked operators: their stake, unbonding, settlements, roots posted, disputes against those roots and
 * slashes; and the market's governed parameters (the newest ParamsChanged, the fee schedules).
 */
import { and, desc, eq, isNotNull, sql } from "drizzle-orm";
import { getDb, type Db } from "@/db/client";
import { epochs, feeSchedules, marketParams, operatorEvents, operators, type EpochStatus, type OperatorEventKind } from "@/db/schema";
import { keysetAfter, keysetOrder, pageSize, toPage, type Keyset, type Page } from "./pagination";
import { countRows, sumWei } from "./sql";

export interface MarketParamsView {
  protocolTreasury: string;
  refundTimeout: number;
  challengeWindow: number;
  unbondingDelay: number;
  minStake: bigint;
  disputeBond: bigint;
  challengerRewardBps: number;
  rootPoster: string;
  changedAt: Date;
  changedTx: string;
}

export interface FeeScheduleView {
  version: number;
  protocolBps: number;
  operatorBps: number;
  at: Date;
  tx: string;
}

export interface MarketOverview {
  /** null before the market's deployment is indexed. */
  params: MarketParamsView | null;
  /** The schedule new payments get (the newest), then the older ones. */
  feeSchedules: FeeScheduleView[];
  /** Σ active + unbonding over every operator (what the market holds as stake). */
  totalStaked: bigint;
  /** Addresses whose active stake meets the minimum now. */
  activeOperators: number;
}

export async function currentMarketParams(db?: Db): Promise<MarketParamsView | null> {
  db ??= await getDb();
  const [p] = await db.select().from(marketParams).orderBy(desc(marketParams.block), desc(marketParams.logIndex)).limit(1);
  if (!p) return null;
  return {
    protocolTreasury: p.protocolTreasury,
    refundTimeout: p.refundTimeout,
    challengeWindow: p.challengeWindow,
    unbondingDelay: p.unbondingDelay,
    minStake: p.minStake,
    disputeBond: p.disputeBond,
    challengerRewardBps: p.challengerRewardBps,
    rootPoster: p.rootPoster,
    changedAt: p.at,
    changedTx: p.tx,
  };
}

export async function getMarketOverview(): Promise<MarketOverview> {
  const db = await getDb();
  const params = await currentMarketParams(db);
  const [fees, [totals]] = await Promise.all([
    db.select().from(feeSchedules).orderBy(desc(feeSchedules.version)).limit(100),
    db
      .select({
        totalStaked: sumWei(sql`${operators.active} + ${operators.unbonding}`),
        activeOperators: countRows(sql`${operators.active} > 0 and ${operators.active} >= ${(params?.minStake ?? 0n).toString()}::numeric`),
      })
      .from(operators),
  ]);
  return {
    params,
    feeSchedules: fees.map((f) => ({ version: f.version, protocolBps: f.protocolBps, operatorBps: f.operatorBps, at: f.at, tx: f.tx })),
    totalStaked: totals?.totalStaked ?? 0n,
    activeOperators: totals?.activeOperators ?? 0,
  };
}

export interface OperatorItem {
  address: string;
  active: bigint;
  unbonding: bigint;
  releaseAt: Date | null;
  staked: bigint;
  withdrawn: bigint;
  slashed: bigint;
  slashCount: number;
  requestsServed: number;
  feesEarned: bigint;
  firstStakedAt: Date | null;
  /** Active stake ≥ the minimum now: may settle, refund and (if named) post roots. */
  isOperator: boolean;
  /** The one operator governance named to post epoch roots. */
  isRootPoster: boolean;
  rootsPosted: number;
  /** Roots it posted that were disputed: all, upheld (discarded, slashed) and still open. */
  disputes: number;
  disputesUpheld: number;
  disputesOpen: number;
}

/** Per poster: roots posted and the disputes against them. */
function rootStats(db: Db) {
  return db
    .select({
      poster: epochs.poster,
      rootsPosted: countRows().as("roots_posted"),
      disputes: countRows(isNotNull(epochs.challenger)).as("disputes"),
      disputesUpheld: countRows(eq(epochs.upheld, true)).as("disputes_upheld"),
      disputesOpen: countRows(eq(epochs.status, "disputed")).as("disputes_open"),
    })
    .from(epochs)
    .groupBy(epochs.poster)
    .as("root_stats");
}

function operatorFields(db: Db, params: MarketParamsView | null) {
  const r = rootStats(db);
  const minStake = (params?.minStake ?? 0n).toString();
  return {
    r,
    fields: {
      row: operators,
      rootsPosted: sql<number>`coalesce(${r.rootsPosted}, 0)`.mapWith(Number),
      disputes: sql<number>`coalesce(${r.disputes}, 0)`.mapWith(Number),
      disputesUpheld: sql<number>`coalesce(${r.disputesUpheld}, 0)`.mapWith(Number),
      disputesOpen: sql<number>`coalesce(${r.disputesOpen}, 0)`.mapWith(Number),
      isOperator: sql<boolean>`(${operators.active} > 0 and ${operators.active} >= ${minStake}::numeric)`.mapWith(Boolean),
    },
  };
}

type OperatorRowOut = {
  row: typeof operators.$inferSelect;
  rootsPosted: number;
  disputes: number;
  disputesUpheld: number;
  disputesOpen: number;
  isOperator: boolean;
};

function toItem(r: OperatorRowOut, params: MarketParamsView | null): OperatorItem {
  const o = r.row;
  return {
    address: o.address,
    active: o.active,
    unbonding: o.unbonding,
    releaseAt: o.releaseAt,
    staked: o.staked,
    withdrawn: o.withdrawn,
    slashed: o.slashed,
    slashCount: o.slashCount,
    requestsServed: o.requestsServed,
    feesEarned: o.feesEarned,
    firstStakedAt: o.firstStakedAt,
    isOperator: r.isOperator,
    isRootPoster: params?.rootPoster === o.address,
    rootsPosted: r.rootsPosted,
    disputes: r.disputes,
    disputesUpheld: r.disputesUpheld,
    disputesOpen: r.disputesOpen,
  };
}

/** Everyone who ever staked (or settled), largest active stake first; keyset on (active, address). */
export async function listOperators(params: { limit?: number; cursor?: string } = {}): Promise<Page<OperatorItem>> {
  const db = await getDb();
  const market = await currentMarketParams(db);
  const keyset: Keyset = {
    tag: "operators:stake",
    dir: "desc",
    parts: [
      { expr: operators.active, kind: "wei" },
      { expr: operators.address, kind: "text" },
    ],
  };
  const limit = pageSize(params.limit);
  const { r, fields } = operatorFields(db, market);
  const rows = await db
    .select(fields)
    .from(operators)
    .leftJoin(r, eq(r.poster, operators.address))
    .where(keysetAfter(keyset, params.cursor))
    .orderBy(...keysetOrder(keyset))
    .limit(limit + 1);
  return toPage(keyset, rows, limit, (x) => [x.row.active, x.row.address], (x) => toItem(x, market));
}

export interface OperatorEventItem {
  kind: OperatorEventKind;
  amount: bigint;
  active: bigint | null;
  releaseAt: Date | null;
  challenger: string | null;
  toChallenger: bigint | null;
  toTreasury: bigint | null;
  /** Slashes: the epoch whose upheld dispute slashed it (same transaction). */
  epoch: number | null;
  block: number;
  tx: string;
  at: Date;
}

export interface DisputeItem {
  epoch: number;
  status: EpochStatus;
  challenger: string;
  bond: bigint | null;
  disputedAt: Date | null;
  disputeTx: string | null;
  upheld: boolean | null;
  resolvedAt: Date | null;
  resolveTx: string | null;
}

export interface OperatorDetail extends OperatorItem {
  /** Newest first (at most 200). */
  events: OperatorEventItem[];
  /** Disputes against roots it posted, newest first. */
  disputeList: DisputeItem[];
}

export async function getOperator(address: string): Promise<OperatorDetail | null> {
  const db = await getDb();
  const a = address.toLowerCase();
  const market = await currentMarketParams(db);
  const { r, fields } = operatorFields(db, market);
  const [row] = await db.select(fields).from(operators).leftJoin(r, eq(r.poster, operators.address)).where(eq(operators.address, a)).limit(1);
  if (!row) return null;
  const [events, disputes] = await Promise.all([
    db
      .select({ e: operatorEvents, epoch: epochs.epoch })
      .from(operatorEvents)
      // A slash is emitted in the transaction that resolved its epoch's dispute.
      .leftJoin(epochs, and(eq(operatorEvents.kind, "slashed"), eq(epochs.resolveTx, operatorEvents.tx), eq(epochs.poster, operatorEvents.operator)))
      .where(eq(operatorEvents.operator, a))
      .orderBy(desc(operatorEvents.block), desc(operatorEvents.logIndex))
      .limit(200),
    db
      .select()
      .from(epochs)
      .where(and(eq(epochs.poster, a), isNotNull(epochs.challenger)))
      .orderBy(desc(epochs.epoch))
      .limit(200),
  ]);
  return {
    ...toItem(row, market),
    events: events.map(({ e, epoch }) => ({
      kind: e.kind,
      amount: e.amount,
      active: e.active,
      releaseAt: e.releaseAt,
      challenger: e.challenger,
      toChallenger: e.toChallenger,
      toTreasury: e.toTreasury,
      epoch: epoch ?? null,
      block: e.block,
      tx: e.tx,
      at: e.at,
    })),
    disputeList: disputes.map((d) => ({
      epoch: d.epoch,
      status: d.status,
      challenger: d.challenger!,
      bond: d.disputeBond,
      disputedAt: d.disputedAt,
      disputeTx: d.disputeTx,
      upheld: d.upheld,
      resolvedAt: d.resolvedAt,
      resolveTx: d.resolveTx,
    })),
  };
}
