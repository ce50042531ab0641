/**
 * How the Governor's and vOPEN's events change the read model: proposals with their tallies and lifecycle,
 * votes, the Governor's settings, vOPEN balances, delegation, voting power and supply (the quorum base).
 */
import { zeroAddress } from "viem";
import { descriptionHash, hashProposal } from "@/lib/governance/proposals";
import type { DecodedEvent } from "./decode";
import type { EventContext } from "./handlers";
import type { RangeStore } from "./store";
import type { GovernancePreload } from "./store-governance";

type Ev<N extends DecodedEvent["eventName"]> = Extract<DecodedEvent, { eventName: N }>;
type VoteAccountRow = ReturnType<RangeStore["gov"]["voteAccounts"]["get"]> & object;
type GovernorSettingRow = RangeStore["gov"]["governorSettings"][number];

const lower = (a: string) => a.toLowerCase();
const toDate = (seconds: bigint) => new Date(Number(seconds) * 1000);

/**
 * Text from the chain as Postgres can store it: anyone can put U+0000 in a description or a vote reason, and a
 * NUL would make the range's write fail forever (a stuck indexer). Shown as U+FFFD instead.
 */
export function storableText(s: string): string {
  return s.includes("\u0000") ? s.replace(/\u0000/g, "\uFFFD") : s;
}

export function collectGovernancePreload(ev: DecodedEvent, into: GovernancePreload): void {
  switch (ev.eventName) {
    case "VoteCast":
    case "VoteCastWithParams":
    case "ProposalQueued":
    case "ProposalExecuted":
    case "ProposalCanceled":
      into.proposalIds.add(ev.args.proposalId.toString());
      return;
    case "Transfer":
      if (ev.args.from === zeroAddress || ev.args.to === zeroAddress) into.voteSupply = true;
      if (ev.args.from !== zeroAddress) into.voteAccounts.add(lower(ev.args.from));
      if (ev.args.to !== zeroAddress) into.voteAccounts.add(lower(ev.args.to));
      return;
    case "DelegateChanged":
      into.voteAccounts.add(lower(ev.args.delegator));
      return;
    case "DelegateVotesChanged":
      into.voteAccounts.add(lower(ev.args.delegate));
      return;
  }
}

function missingProposal(id: string): never {
  throw new Error(`indexer: proposal ${id} is not in the database; the event log is out of order or incomplete`);
}

export function onProposalCreated(store: RangeStore, ev: Ev<"ProposalCreated">, ctx: EventContext): void {
  const a = ev.args;
  const id = a.proposalId.toString();
  // queue/execute take the description's hash; it is the hash of these bytes only if they were valid UTF-8.
  const dh = descriptionHash(a.description);
  const hashesBack = hashProposal(a.targets, a.values, a.calldatas, dh) === a.proposalId;
  store.gov.putProposal({
    id,
    proposer: lower(a.proposer),
    targets: a.targets.map(lower),
    values: a.values.map(String),
    calldatas: a.calldatas.map(lower),
    description: storableText(a.description),
    descriptionHash: hashesBack ? dh : null,
    voteStart: toDate(a.voteStart),
    voteEnd: toDate(a.voteEnd),
    forVotes: 0n,
    againstVotes: 0n,
    abstainVotes: 0n,
    voters: 0,
    eta: null,
    queuedAt: null,
    queuedTx: null,
    executedAt: null,
    executedTx: null,
    canceledAt: null,
    canceledTx: null,
    createdBlock: ctx.block,
    createdLogIndex: ctx.logIndex,
    createdTx: ctx.tx,
    createdAt: ctx.at,
  });
  if (!hashesBack) store.warnings.push(`indexer: proposal ${id}: its description is not valid UTF-8; queue and execute need the description hash from its transaction`);
}

export function onVoteCast(store: RangeStore, ev: Ev<"VoteCast"> | Ev<"VoteCastWithParams">, ctx: EventContext): void {
  const a = ev.args;
  const id = a.proposalId.toString();
  const p = store.gov.proposals.get(id) ?? missingProposal(id);
  const w = a.weight;
  store.gov.putProposal({
    ...p,
    againstVotes: p.againstVotes + (a.support === 0 ? w : 0n),
    forVotes: p.forVotes + (a.support === 1 ? w : 0n),
    abstainVotes: p.abstainVotes + (a.support === 2 ? w : 0n),
    voters: p.voters + 1,
  });
  store.gov.votes.push({
    proposalId: id,
    voter: lower(a.voter),
    support: a.support,
    weight: w,
    reason: storableText(a.reason),
    params: ev.eventName === "VoteCastWithParams" ? lower(ev.args.params) : null,
    block: ctx.block,
    logIndex: ctx.logIndex,
    tx: ctx.tx,
    at: ctx.at,
  });
}

export function onProposalQueued(store: RangeStore, ev: Ev<"ProposalQueued">, ctx: EventContext): void {
  const id = ev.args.proposalId.toString();
  const p = store.gov.proposals.get(id) ?? missingProposal(id);
  store.gov.putProposal({ ...p, eta: toDate(ev.args.etaSeconds), queuedAt: ctx.at, queuedTx: ctx.tx });
}

export function onProposalExecuted(store: RangeStore, ev: Ev<"ProposalExecuted">, ctx: EventContext): void {
  const id = ev.args.proposalId.toString();
  const p = store.gov.proposals.get(id) ?? missingProposal(id);
  store.gov.putProposal({ ...p, executedAt: ctx.at, executedTx: ctx.tx });
}

export function onProposalCanceled(store: RangeStore, ev: Ev<"ProposalCanceled">, ctx: EventContext): void {
  const id = ev.args.proposalId.toString();
  const p = store.gov.proposals.get(id) ?? missingProposal(id);
  store.gov.putProposal({ ...p, canceledAt: ctx.at, canceledTx: ctx.tx });
}

type SettingEvent = Ev<"VotingDelaySet"> | Ev<"VotingPeriodSet"> | Ev<"ProposalThresholdSet"> | Ev<"QuorumNumeratorUpdated"> | Ev<"TimelockChange">;

/** The Governor's settings (emitted by its constructor too): one history row each. */
export function onGovernorSetting(store: RangeStore, ev: SettingEvent, ctx: EventContext): void {
  const row = (name: GovernorSettingRow["name"], value: string) =>
    store.gov.governorSettings.push({ block: ctx.block, logIndex: ctx.logIndex, tx: ctx.tx, name, value, at: ctx.at });
  switch (ev.eventName) {
    case "VotingDelaySet":
      return void row("votingDelay", ev.args.newVotingDelay.toString());
    case "VotingPeriodSet":
      return void row("votingPeriod", ev.args.newVotingPeriod.toString());
    case "ProposalThresholdSet":
      return void row("proposalThreshold", ev.args.newProposalThreshold.toString());
    case "QuorumNumeratorUpdated":
      return void row("quorumNumerator", ev.args.newQuorumNumerator.toString());
    case "TimelockChange":
      return void row("timelock", lower(ev.args.newTimelock));
  }
}

function voteAccount(store: RangeStore, account: string, ctx: EventContext): VoteAccountRow {
  return store.gov.voteAccounts.get(account) ?? { account, balance: 0n, delegate: null, votes: 0n, updatedBlock: ctx.block, updatedAt: ctx.at };
}

/** vOPEN moves: wrapping mints, unwrapping burns (the supply quorum is a share of), transfers move balances. */
export function onVoteTransfer(store: RangeStore, ev: Ev<"Transfer">, ctx: EventContext): void {
  const { from, to, value } = ev.args;
  if (from === zeroAddress || to === zeroAddress) {
    const before = store.gov.totalSupply ?? 0n;
    store.gov.totalSupply = from === zeroAddress ? before + value : before - value;
    store.gov.voteSupply.push({ block: ctx.block, logIndex: ctx.logIndex, totalSupply: store.gov.totalSupply, at: ctx.at });
  }
  if (from !== zeroAddress) {
    const f = voteAccount(store, lower(from), ctx);
    store.gov.putVoteAccount({ ...f, balance: f.balance - value, updatedBlock: ctx.block, updatedAt: ctx.at });
  }
  if (to !== zeroAddress) {
    const r = voteAccount(store, lower(to), ctx);
    store.gov.putVoteAccount({ ...r, balance: r.balance + value, updatedBlock: ctx.block, updatedAt: ctx.at });
  }
}

export function onDelegateChanged(store: RangeStore, ev: Ev<"DelegateChanged">, ctx: EventContext): void {
  const account = lower(ev.args.delegator);
  const to = ev.args.toDelegate;
  store.gov.putVoteAccount({ ...voteAccount(store, account, ctx), delegate: to === zeroAddress ? null : lower(to), updatedBlock: ctx.block, updatedAt: ctx.at });
}

export function onDelegateVotesChanged(store: RangeStore, ev: Ev<"DelegateVotesChanged">, ctx: EventContext): void {
  const account = lower(ev.args.delegate);
  store.gov.putVoteAccount({ ...voteAccount(store, account, ctx), votes: ev.args.newVotes, updatedBlock: ctx.block, updatedAt: ctx.at });
}
