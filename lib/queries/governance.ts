/**
 * Governance reads: proposals with their state, tallies, quorum and decoded calls; one proposal with its votes;
 * the Governor's settings; an account's vOPEN, delegate and voting power.
 *
 * A proposal's state depends on the clock, so it is computed here (lib/governance/state.ts) from what the index
 * holds, at the chain's clock as the index knows it (chainNow). The quorum is the vOPEN supply at the snapshot
 * times the quorum numerator at the snapshot (both indexed as histories), as the Governor computes it.
 */
import { and, asc, desc, eq, sql } from "drizzle-orm";
import { getDb, type Db } from "@/db/client";
import { governorSettings, indexerCheckpoints, proposals, proposalVotes, voteAccounts, voteSupply, type GovernorSetting } from "@/db/schema";
import { getChainConfig } from "@/lib/chain/config";
import { describeCall, knownContractsOf, type DescribedCall, type KnownContracts } from "@/lib/governance/describe";
import { supportName, type VoteChoice } from "@/lib/governance/proposals";
import { nextTransition, proposalState, quorumOf, quorumReached, type ProposalState } from "@/lib/governance/state";
import { getMarketOverview, type MarketOverview } from "./operators";
import { keysetAfter, keysetOrder, pageSize, toPage, type Keyset, type Page } from "./pagination";
import { countRows, toBigInt } from "./sql";

/** The deployment's contracts, for describing calls; empty when the server has no deployment file. */
function deploymentContracts(): KnownContracts {
  try {
    return knownContractsOf(getChainConfig().deployment);
  } catch {
    return {};
  }
}

/**
 * The chain's clock as well as the index knows it: the newest indexed block's time plus the wall-clock time since
 * it was indexed. It follows a chain whose clock runs ahead of (anvil moved forward) or behind (a backdated local
 * chain) the wall clock; before anything is indexed, the wall clock.
 */
export async function chainNow(db?: Db): Promise<Date> {
  db ??= await getDb();
  const [cp] = await db
    .select({ blockTime: indexerCheckpoints.blockTime, updatedAt: indexerCheckpoints.updatedAt })
    .from(indexerCheckpoints)
    .orderBy(desc(indexerCheckpoints.updatedAt))
    .limit(1);
  const now = Date.now();
  if (!cp?.blockTime) return new Date(now);
  return new Date(cp.blockTime.getTime() + Math.max(0, now - cp.updatedAt.getTime()));
}

export interface GovernorSettingsView {
  votingDelay: number;
  votingPeriod: number;
  proposalThreshold: bigint;
  quorumNumerator: number;
  timelock: string | null;
  /** vOPEN in existence now, and the quorum a proposal made now would need. */
  totalSupply: bigint;
  quorumNow: bigint;
}

export async function getGovernorSettings(db?: Db): Promise<GovernorSettingsView | null> {
  db ??= await getDb();
  const latest = (name: GovernorSetting) =>
    db
      .select({ value: governorSettings.value })
      .from(governorSettings)
      .where(eq(governorSettings.name, name))
      .orderBy(desc(governorSettings.block), desc(governorSettings.logIndex))
      .limit(1)
      .then((r) => r[0]?.value ?? null);
  const [delay, period, threshold, numerator, timelock, [supply]] = await Promise.all([
    latest("votingDelay"),
    latest("votingPeriod"),
    latest("proposalThreshold"),
    latest("quorumNumerator"),
    latest("timelock"),
    db.select({ v: voteSupply.totalSupply }).from(voteSupply).orderBy(desc(voteSupply.block), desc(voteSupply.logIndex)).limit(1),
  ]);
  if (delay === null || period === null || numerator === null) return null;
  const totalSupply = supply?.v ?? 0n;
  return {
    votingDelay: Number(delay),
    votingPeriod: Number(period),
    proposalThreshold: BigInt(threshold ?? "0"),
    quorumNumerator: Number(numerator),
    timelock,
    totalSupply,
    quorumNow: quorumOf(totalSupply, BigInt(numerator)),
  };
}

export interface ProposalCallView extends DescribedCall {
  /** What execute() passes: needed by the browser to queue and execute. */
  calldata: string;
}

export interface ProposalItem {
  id: string;
  proposer: string;
  /** The description's first line, without Markdown heading marks (at most 200 characters). */
  title: string;
  description: string;
  descriptionHash: string | null;
  state: ProposalState;
  voteStart: Date;
  voteEnd: Date;
  eta: Date | null;
  forVotes: bigint;
  againstVotes: bigint;
  abstainVotes: bigint;
  voters: number;
  /** Votes (for + abstain) needed, from the vOPEN supply at the snapshot (the current supply while pending). */
  quorum: bigint;
  quorumNumerator: number;
  quorumReached: boolean;
  calls: ProposalCallView[];
  createdBlock: number;
  createdTx: string;
  createdAt: Date;
  queuedAt: Date | null;
  queuedTx: string | null;
  executedAt: Date | null;
  executedTx: string | null;
  canceledAt: Date | null;
  canceledTx: string | null;
  /** The clock the state was computed at, and when time alone changes it next (null: only a transaction can). */
  asOf: Date;
  nextTransitionAt: Date | null;
}

export function titleOf(description: string): string {
  const first = description.split("\n").find((l) => l.trim() !== "") ?? "";
  const title = first.replace(/^\s*#+\s*/, "").trim();
  return (title || "Untitled proposal").slice(0, 200);
}

/** vOPEN supply and quorum numerator in force at the proposal's snapshot (the newest at or before it). */
const supplyAtSnapshot = sql<string | null>`(select ${voteSupply.totalSupply} from ${voteSupply} where ${voteSupply.at} <= ${proposals.voteStart} order by ${voteSupply.block} desc, ${voteSupply.logIndex} desc limit 1)`;
const numeratorAtSnapshot = sql<string | null>`(select ${governorSettings.value} from ${governorSettings} where ${governorSettings.name} = 'quorumNumerator' and ${governorSettings.at} <= ${proposals.voteStart} order by ${governorSettings.block} desc, ${governorSettings.logIndex} desc limit 1)`;

const proposalFields = {
  p: proposals,
  supply: supplyAtSnapshot.mapWith((v) => (v === null ? null : toBigInt(v))),
  numerator: numeratorAtSnapshot.mapWith((v) => (v === null ? null : Number(v))),
};

type ProposalRowOut = { p: typeof proposals.$inferSelect; supply: bigint | null; numerator: number | null };

function toProposal(r: ProposalRowOut, now: Date, contracts: KnownContracts): ProposalItem {
  const p = r.p;
  const quorumNumerator = r.numerator ?? 0;
  const quorum = quorumOf(r.supply ?? 0n, BigInt(quorumNumerator));
  const facts = {
    voteStart: p.voteStart,
    voteEnd: p.voteEnd,
    forVotes: p.forVotes,
    againstVotes: p.againstVotes,
    abstainVotes: p.abstainVotes,
    quorum,
    eta: p.eta,
    executed: p.executedAt !== null,
    canceled: p.canceledAt !== null,
  };
  return {
    id: p.id,
    proposer: p.proposer,
    title: titleOf(p.description),
    description: p.description,
    descriptionHash: p.descriptionHash,
    state: proposalState(facts, now),
    voteStart: p.voteStart,
    voteEnd: p.voteEnd,
    eta: p.eta,
    forVotes: p.forVotes,
    againstVotes: p.againstVotes,
    abstainVotes: p.abstainVotes,
    voters: p.voters,
    quorum,
    quorumNumerator,
    quorumReached: quorumReached(facts),
    calls: p.targets.map((target, i) => describeCall(contracts, target, BigInt(p.values[i] ?? "0"), p.calldatas[i] ?? "0x")),
    createdBlock: p.createdBlock,
    createdTx: p.createdTx,
    createdAt: p.createdAt,
    queuedAt: p.queuedAt,
    queuedTx: p.queuedTx,
    executedAt: p.executedAt,
    executedTx: p.executedTx,
    canceledAt: p.canceledAt,
    canceledTx: p.canceledTx,
    asOf: now,
    nextTransitionAt: nextTransition(facts, now),
  };
}

export interface ProposalQueryOptions {
  /** The clock to compute states at (default: chainNow()). */
  now?: Date;
  /** The deployment's contracts for describing calls (default: the server's deployment file). */
  contracts?: KnownContracts;
}

/** Proposals, newest first; keyset on (created block, log index). */
export async function listProposals(params: { limit?: number; cursor?: string } & ProposalQueryOptions = {}): Promise<Page<ProposalItem>> {
  const db = await getDb();
  const now = params.now ?? (await chainNow(db));
  const contracts = params.contracts ?? deploymentContracts();
  const keyset: Keyset = {
    tag: "proposals:newest",
    dir: "desc",
    parts: [
      { expr: proposals.createdBlock, kind: "int" },
      { expr: proposals.createdLogIndex, kind: "int" },
    ],
  };
  const limit = pageSize(params.limit);
  const rows = await db
    .select(proposalFields)
    .from(proposals)
    .where(keysetAfter(keyset, params.cursor))
    .orderBy(...keysetOrder(keyset))
    .limit(limit + 1);
  return toPage(keyset, rows, limit, (r) => [r.p.createdBlock, r.p.createdLogIndex], (r) => toProposal(r, now, contracts));
}

export interface VoteItem {
  voter: string;
  support: VoteChoice | "unknown";
  weight: bigint;
  reason: string;
  tx: string;
  at: Date;
}

export interface ProposalDetail extends ProposalItem {
  /** The heaviest votes first (at most 200), and how many there are in all. */
  votes: VoteItem[];
  voteCount: number;
}

export async function getProposal(id: string, opts: ProposalQueryOptions = {}): Promise<ProposalDetail | null> {
  const db = await getDb();
  const now = opts.now ?? (await chainNow(db));
  const [row] = await db.select(proposalFields).from(proposals).where(eq(proposals.id, id)).limit(1);
  if (!row) return null;
  const v = proposalVotes;
  const [votes, [count]] = await Promise.all([
    db.select().from(v).where(eq(v.proposalId, id)).orderBy(desc(v.weight), asc(v.block), asc(v.logIndex)).limit(200),
    db.select({ n: countRows() }).from(v).where(eq(v.proposalId, id)),
  ]);
  return {
    ...toProposal(row, now, opts.contracts ?? deploymentContracts()),
    votes: votes.map((x) => ({ voter: x.voter, support: supportName(x.support), weight: x.weight, reason: x.reason, tx: x.tx, at: x.at })),
    voteCount: count?.n ?? 0,
  };
}

export interface VotingPower {
  account: string;
  /** vOPEN held (wrapped OPEN). */
  balance: bigint;
  /** Whom its vOPEN's votes go to (null: not delegated, so they count for nobody). */
  delegate: string | null;
  /** Votes delegated to this account now. */
  votes: bigint;
  /** Accounts delegating to this one. */
  delegators: number;
  /** Proposals it voted on. */
  votesCast: number;
}

export async function getVotingPower(address: string): Promise<VotingPower> {
  const db = await getDb();
  const a = address.toLowerCase();
  const [[row], [delegators], [cast]] = await Promise.all([
    db.select().from(voteAccounts).where(eq(voteAccounts.account, a)).limit(1),
    db.select({ n: countRows() }).from(voteAccounts).where(and(eq(voteAccounts.delegate, a), sql`${voteAccounts.balance} > 0`)),
    db.select({ n: countRows() }).from(proposalVotes).where(eq(proposalVotes.voter, a)),
  ]);
  return {
    account: a,
    balance: row?.balance ?? 0n,
    delegate: row?.delegate ?? null,
    votes: row?.votes ?? 0n,
    delegators: delegators?.n ?? 0,
    votesCast: cast?.n ?? 0,
  };
}

export interface GovernanceParamsView {
  market: MarketOverview["params"];
  feeSchedules: MarketOverview["feeSchedules"];
  totalStaked: bigint;
  activeOperators: number;
  governor: GovernorSettingsView | null;
  asOf: Date;
}

/** Everything governance decides, as in force now (GET /api/governance/params). */
export async function getGovernanceParams(): Promise<GovernanceParamsView> {
  const db = await getDb();
  const [overview, governor, asOf] = await Promise.all([getMarketOverview(), getGovernorSettings(db), chainNow(db)]);
  return { market: overview.params, feeSchedules: overview.feeSchedules, totalStaked: overview.totalStaked, activeOperators: overview.activeOperators, governor, asOf };
}
