/**
 * Governance the way token holders use it, for tests on a "governor"-mode fixture: wrap OPEN into vOPEN and
 * delegate, propose, vote, wait out the voting period on the chain's clock, queue in the timelock, wait out
 * its delay, execute. Nothing is shortcut: the timelock executes the calls.
 */
import { expect } from "vitest";
import { keccak256, maxUint256, toHex, type Address, type Hex, type TransactionReceipt } from "viem";
import { ledgerlineGovernorAbi } from "../../contracts-abi";
import { eventsOf, type Ledgerline, type Role } from "./fixture";

/** OpenZeppelin IGovernor.ProposalState. */
export const ProposalState = {
  Pending: 0,
  Active: 1,
  Canceled: 2,
  Defeated: 3,
  Succeeded: 4,
  Queued: 5,
  Expired: 6,
  Executed: 7,
} as const;

/** GovernorCountingSimple's support values. */
export const Vote = { Against: 0, For: 1, Abstain: 2 } as const;

/** One call the timelock makes when the proposal executes. */
export interface Action {
  target: Address;
  data: Hex;
}

export interface Proposal {
  id: bigint;
  targets: Address[];
  values: bigint[];
  calldatas: Hex[];
  description: string;
  descriptionHash: Hex;
}

/** Wraps `amount` of `who`'s OPEN into vOPEN (depositFor) and delegates it to `who`. */
export async function giveVotes(ctx: Ledgerline, who: Role, amount: bigint): Promise<void> {
  const c = ctx.as[who];
  await ctx.send(c.token.write.approve([ctx.deployment.openVotes, maxUint256]));
  await ctx.send(c.votes.write.depositFor([ctx.addr[who], amount]));
  await ctx.send(c.votes.write.delegate([ctx.addr[who]]));
  // Votes count from checkpoints strictly before a proposal's timepoint.
  await ctx.increaseTime(1);
}

export async function propose(ctx: Ledgerline, proposer: Role, actions: Action[], description: string): Promise<Proposal> {
  const targets = actions.map((a) => a.target);
  const values = actions.map(() => 0n);
  const calldatas = actions.map((a) => a.data);
  const receipt = await ctx.send(ctx.as[proposer].governor.write.propose([targets, values, calldatas, description]));
  const [ev] = eventsOf(ledgerlineGovernorAbi, receipt, "ProposalCreated");
  return { id: ev.args.proposalId, targets, values, calldatas, description, descriptionHash: keccak256(toHex(description)) };
}

export const proposalState = (ctx: Ledgerline, p: Proposal) => ctx.read.governor.read.state([p.id]);

/** Waits out the voting delay, then each voter votes `support`. */
export async function vote(ctx: Ledgerline, p: Proposal, voters: Role[], support: number = Vote.For): Promise<void> {
  const delay = await ctx.read.governor.read.votingDelay();
  await ctx.increaseTime(Number(delay) + 1);
  expect(await proposalState(ctx, p)).toBe(ProposalState.Active);
  for (const v of voters) await ctx.send(ctx.as[v].governor.write.castVote([p.id, support]));
}

/** Moves the clock past the proposal's deadline. */
export async function endVoting(ctx: Ledgerline, p: Proposal): Promise<void> {
  const deadline = await ctx.read.governor.read.proposalDeadline([p.id]);
  const wait = Number(deadline - (await ctx.now())) + 1;
  if (wait > 0) await ctx.increaseTime(wait);
}

export function queue(ctx: Ledgerline, p: Proposal, by: Role = "eve") {
  return ctx.as[by].governor.write.queue([p.targets, p.values, p.calldatas, p.descriptionHash]);
}

export function execute(ctx: Ledgerline, p: Proposal, by: Role = "eve") {
  return ctx.as[by].governor.write.execute([p.targets, p.values, p.calldatas, p.descriptionHash]);
}

/** Waits out the timelock's delay of a queued proposal. */
export async function waitTimelock(ctx: Ledgerline, p: Proposal): Promise<void> {
  const eta = await ctx.read.governor.read.proposalEta([p.id]);
  const wait = Number(eta - (await ctx.now()));
  if (wait > 0) await ctx.increaseTime(wait);
}

/**
 * The whole path: propose → vote For → voting ends (Succeeded) → queue (Queued) → timelock delay → execute
 * (Executed). The voters must hold delegated vOPEN above quorum; returns the execution receipt.
 */
export async function enact(
  ctx: Ledgerline,
  proposer: Role,
  voters: Role[],
  actions: Action[],
  description: string,
): Promise<{ proposal: Proposal; receipt: TransactionReceipt }> {
  const proposal = await propose(ctx, proposer, actions, description);
  expect(await proposalState(ctx, proposal)).toBe(ProposalState.Pending);
  await vote(ctx, proposal, voters);
  await endVoting(ctx, proposal);
  expect(await proposalState(ctx, proposal)).toBe(ProposalState.Succeeded);
  await ctx.send(queue(ctx, proposal));
  expect(await proposalState(ctx, proposal)).toBe(ProposalState.Queued);
  await waitTimelock(ctx, proposal);
  const receipt = await ctx.send(execute(ctx, proposal));
  expect(await proposalState(ctx, proposal)).toBe(ProposalState.Executed);
  return { proposal, receipt };
}
