/**
 * A proposal's state, computed the way OpenZeppelin's Governor (with GovernorTimelockControl and
 * GovernorCountingSimple) computes `state(proposalId)`, from indexed facts and a clock. Browser-safe.
 *
 * Why not read `state()` from the Governor: pages and the API read the database, never the chain (a list of
 * proposals would be one RPC call each, and the answer would not match the tallies shown next to it). Every
 * input of `state()` is an event or a checkpoint the indexer keeps (votes, queue/execute/cancel, vOPEN supply
 * and the quorum numerator at the snapshot); only "now" is not, so callers pass the chain's clock as best
 * known (see lib/queries/governance.ts).
 */

export const PROPOSAL_STATES = ["pending", "active", "canceled", "defeated", "succeeded", "queued", "executed"] as const;
export type ProposalState = (typeof PROPOSAL_STATES)[number];

export interface ProposalFacts {
  /** The snapshot (ERC-6372 timestamp clock): voting opens strictly after it. */
  voteStart: Date;
  /** The deadline: voting is open up to and including it. */
  voteEnd: Date;
  forVotes: bigint;
  againstVotes: bigint;
  abstainVotes: bigint;
  /** Votes needed (for + abstain) at the snapshot. */
  quorum: bigint;
  /** When the timelock may execute it (set by ProposalQueued). */
  eta: Date | null;
  executed: boolean;
  canceled: boolean;
}

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

/** Governor.quorumReached: for + abstain count towards quorum. */
export function quorumReached(p: Pick<ProposalFacts, "forVotes" | "abstainVotes" | "quorum">): boolean {
  return p.quorum <= p.forVotes + p.abstainVotes;
}

/** GovernorCountingSimple._voteSucceeded: strictly more for than against. */
export function voteSucceeded(p: Pick<ProposalFacts, "forVotes" | "againstVotes">): boolean {
  return p.forVotes > p.againstVotes;
}

/** Governor.state at time `now` (compared in whole seconds, like the timestamp clock). */
export function proposalState(p: ProposalFacts, now: Date): ProposalState {
  if (p.executed) return "executed";
  if (p.canceled) return "canceled";
  const t = seconds(now);
  if (seconds(p.voteStart) >= t) return "pending";
  if (seconds(p.voteEnd) >= t) return "active";
  if (!quorumReached(p) || !voteSucceeded(p)) return "defeated";
  if (p.eta === null) return "succeeded";
  return "queued";
}

/** OZ quorum(timepoint): vOPEN supply at the snapshot × numerator / 100, rounded down. */
export function quorumOf(totalSupply: bigint, quorumNumerator: bigint, quorumDenominator = 100n): bigint {
  return (totalSupply * quorumNumerator) / quorumDenominator;
}

/**
 * The next moment the state can change by time alone (a pending proposal opens, an active one closes, a queued
 * one becomes executable); null when only a transaction can change it.
 */
export function nextTransition(p: ProposalFacts, now: Date): Date | null {
  const state = proposalState(p, now);
  // The state flips one second after the boundary (the comparisons are `>=`).
  if (state === "pending") return new Date((seconds(p.voteStart) + 1) * 1000);
  if (state === "active") return new Date((seconds(p.voteEnd) + 1) * 1000);
  if (state === "queued" && p.eta && p.eta.getTime() > now.getTime()) return p.eta;
  return null;
}
