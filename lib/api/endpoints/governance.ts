/** Governance: the governed parameters, proposals with their state and votes, and voting power. */
import { z } from "zod";
import { PROPOSAL_STATES } from "@/lib/governance/state";
import { addressOut, countOut, cursorInput, endpoint, hashOut, limitInput, named, pageOf, timestamp, wei } from "../spec";
import { addressPath } from "./shared";

const MAX_UINT256 = 2n ** 256n - 1n;

/** Proposal ids are uint256 in decimal (as the Governor emits them); anything else cannot name a proposal (404). */
export const proposalIdInput = z
  .string()
  .regex(/^[0-9]{1,100}$/, "must be a proposal id: a uint256 in decimal")
  // zod runs refinements after a failed regex too: only digits reach BigInt.
  .refine((s) => !/^[0-9]{1,100}$/.test(s) || BigInt(s) <= MAX_UINT256, "is larger than a uint256")
  .transform((s) => BigInt(s).toString())
  .meta({ description: "A proposal id (uint256, decimal)." });

const FeeSchedule = named(
  "FeeSchedule",
  z.object({ version: countOut, protocolBps: countOut, operatorBps: countOut, at: timestamp, tx: hashOut }),
);

export const governanceParams = endpoint({
  method: "GET",
  path: "/api/governance/params",
  operationId: "getGovernanceParams",
  tag: "Governance",
  summary: "Everything governance decides, as in force now: market parameters, fee schedules, stake totals, and the Governor's settings with the vOPEN supply.",
  response: named(
    "GovernanceParams",
    z.object({
      market: z
        .object({
          protocolTreasury: addressOut,
          refundTimeout: countOut.meta({ description: "Seconds after payment when anyone may refund an unsettled request." }),
          challengeWindow: countOut.meta({ description: "Seconds a posted root stays disputable." }),
          unbondingDelay: countOut.meta({ description: "Seconds an unstake waits beyond the challenge window." }),
          minStake: wei,
          disputeBond: wei,
          challengerRewardBps: countOut,
          rootPoster: addressOut,
          changedAt: timestamp,
          changedTx: hashOut,
        })
        .nullable(),
      feeSchedules: z.array(FeeSchedule).meta({ description: "Newest first: the first applies to new payments; requests keep the one they were paid under." }),
      totalStaked: wei,
      activeOperators: countOut,
      governor: z
        .object({
          votingDelay: countOut.meta({ description: "Seconds from proposing to the snapshot." }),
          votingPeriod: countOut.meta({ description: "Seconds voting stays open after the snapshot." }),
          proposalThreshold: wei.meta({ description: "Votes (vOPEN, wei) an account needs to propose." }),
          quorumNumerator: countOut.meta({ description: "Quorum as a percentage of the vOPEN supply at the snapshot." }),
          timelock: addressOut.nullable(),
          totalSupply: wei.meta({ description: "vOPEN (wrapped OPEN) in existence now." }),
          quorumNow: wei.meta({ description: "Votes (for + abstain) a proposal with its snapshot now would need." }),
        })
        .nullable(),
      asOf: timestamp.meta({ description: "The chain's clock as the index knows it." }),
    }),
  ),
});

const ProposalCall = named(
  "ProposalCall",
  z.object({
    target: addressOut,
    contract: z.string().nullable().meta({ description: "The Ledgerline contract at target; null for any other address." }),
    value: wei,
    calldata: z.string().meta({ description: "The call's data, hex." }),
    function: z.string().nullable().meta({ description: "The decoded function (null if no Ledgerline ABI matches)." }),
    args: z.array(z.string()),
    summary: z.string().meta({ description: "What the call does, in words." }),
  }),
);

export const ProposalItem = named(
  "ProposalItem",
  z.object({
    id: z.string().meta({ description: "uint256 proposal id, decimal." }),
    proposer: addressOut,
    title: z.string(),
    description: z.string(),
    descriptionHash: hashOut.nullable().meta({ description: "keccak256 of the description (queue and execute take it); null if the description was not valid UTF-8." }),
    state: z.enum(PROPOSAL_STATES),
    voteStart: timestamp.meta({ description: "The snapshot: votes count from the second after it." }),
    voteEnd: timestamp.meta({ description: "Voting closes after this second." }),
    eta: timestamp.nullable().meta({ description: "When the timelock may execute it (once queued)." }),
    forVotes: wei,
    againstVotes: wei,
    abstainVotes: wei,
    voters: countOut,
    quorum: wei.meta({ description: "Votes (for + abstain) needed: the vOPEN supply at the snapshot × quorumNumerator / 100." }),
    quorumNumerator: countOut,
    quorumReached: z.boolean(),
    calls: z.array(ProposalCall),
    createdBlock: countOut,
    createdTx: hashOut,
    createdAt: timestamp,
    queuedAt: timestamp.nullable(),
    queuedTx: hashOut.nullable(),
    executedAt: timestamp.nullable(),
    executedTx: hashOut.nullable(),
    canceledAt: timestamp.nullable(),
    canceledTx: hashOut.nullable(),
    asOf: timestamp.meta({ description: "The clock the state was computed at (the chain's, as the index knows it)." }),
    nextTransitionAt: timestamp.nullable().meta({ description: "When time alone changes the state next (null: only a transaction can)." }),
  }),
);

const Vote = named(
  "Vote",
  z.object({
    voter: addressOut,
    support: z.enum(["for", "against", "abstain", "unknown"]),
    weight: wei,
    reason: z.string(),
    tx: hashOut,
    at: timestamp,
  }),
);

export const proposalsList = endpoint({
  method: "GET",
  path: "/api/governance/proposals",
  operationId: "listProposals",
  tag: "Governance",
  summary: "Governor proposals, newest first, with state, tallies, quorum and each call decoded into words; cursor-paginated.",
  query: z.object({ limit: limitInput, cursor: cursorInput }),
  response: named("ProposalPage", pageOf(ProposalItem)),
});

export const proposalGet = endpoint({
  method: "GET",
  path: "/api/governance/proposals/{id}",
  operationId: "getProposal",
  tag: "Governance",
  summary: "One proposal with its votes (heaviest first).",
  params: z.object({ id: proposalIdInput }),
  notFound: true,
  response: named(
    "ProposalDetail",
    ProposalItem.extend({ votes: z.array(Vote).meta({ description: "Heaviest first (at most 200)." }), voteCount: countOut }),
  ),
});

export const votingPowerGet = endpoint({
  method: "GET",
  path: "/api/governance/accounts/{address}",
  operationId: "getVotingPower",
  tag: "Governance",
  summary: "An account's vOPEN, whom it delegates to, and the votes delegated to it.",
  params: addressPath,
  invalidParams: 400,
  response: named(
    "VotingPower",
    z.object({
      account: addressOut,
      balance: wei.meta({ description: "vOPEN held." }),
      delegate: addressOut.nullable().meta({ description: "Whom its votes go to; null: not delegated, so its vOPEN votes for nobody." }),
      votes: wei.meta({ description: "Voting power now: vOPEN delegated to this account." }),
      delegators: countOut,
      votesCast: countOut,
    }),
  ),
});

