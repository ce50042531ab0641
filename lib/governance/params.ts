/**
 * Default parameters of the governed contracts, per chain: production values (OpenLedger's own Governor:
 * 100-token proposal threshold, 1-day voting delay, 2-week voting period, 25 % quorum, 1-day timelock) on any
 * public chain, short periods on the local chain so the demo and the browser tests see proposals and epochs
 * finish in seconds.
 */
import { ANVIL_CHAIN_ID } from "../chain/anvil";

const OPEN = 10n ** 18n;
const DAY = 86_400;

export interface GovernanceParams {
  votingDelaySeconds: number;
  votingPeriodSeconds: number;
  proposalThreshold: bigint;
  quorumPercent: number;
  timelockDelaySeconds: number;
}

export interface MarketDefaults {
  refundTimeoutSeconds: number;
  challengeWindowSeconds: number;
  unbondingDelaySeconds: number;
  minStake: bigint;
  disputeBond: bigint;
  challengerRewardBps: number;
}

export function governanceDefaults(chainId: number): GovernanceParams {
  if (chainId === ANVIL_CHAIN_ID) {
    return { votingDelaySeconds: 1, votingPeriodSeconds: 30, proposalThreshold: 100n * OPEN, quorumPercent: 25, timelockDelaySeconds: 5 };
  }
  return { votingDelaySeconds: DAY, votingPeriodSeconds: 14 * DAY, proposalThreshold: 100n * OPEN, quorumPercent: 25, timelockDelaySeconds: DAY };
}

export function marketDefaults(chainId: number): MarketDefaults {
  if (chainId === ANVIL_CHAIN_ID) {
    return {
      refundTimeoutSeconds: 600,
      challengeWindowSeconds: 30,
      unbondingDelaySeconds: 30,
      minStake: 1_000n * OPEN,
      disputeBond: 100n * OPEN,
      challengerRewardBps: 5_000,
    };
  }
  return {
    refundTimeoutSeconds: 600,
    challengeWindowSeconds: DAY,
    unbondingDelaySeconds: 7 * DAY,
    minStake: 100_000n * OPEN,
    // A frivolous dispute holds every contributor's payout for up to the whole governance path (about 17 days):
    // the bond is sized so that costs the challenger more than a typical fortnight of contributor pools.
    disputeBond: 10_000n * OPEN,
    challengerRewardBps: 5_000,
  };
}

/** Longest a contributor waits from a root's posting to claiming it: window, plus a dispute's governance path. */
export function worstCaseClaimWaitSeconds(g: GovernanceParams, m: MarketDefaults): number {
  return m.challengeWindowSeconds + g.votingDelaySeconds + g.votingPeriodSeconds + g.timelockDelaySeconds;
}
