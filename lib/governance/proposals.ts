/**
 * Proposals as data: the calls a proposal makes, its id (OpenZeppelin's hashProposal) and encoders for the
 * common ones (fees, dispute verdicts, the other market and registry setters). Browser-safe: the /governance
 * form, the seed and the tests build proposals with the same functions.
 */
import { encodeAbiParameters, encodeFunctionData, hexToBigInt, keccak256, toBytes, type Address, type Hex } from "viem";
import { datanetRegistryAbi } from "@/contracts-abi/DatanetRegistry";
import { inferenceMarketAbi } from "@/contracts-abi/InferenceMarket";

/** One call the timelock makes when the proposal executes. */
export interface ProposalAction {
  target: Address;
  /** Native currency sent with the call (0 for every Ledgerline setter). */
  value: bigint;
  calldata: Hex;
}

export interface ProposalDraft {
  actions: ProposalAction[];
  description: string;
}

/** Everything propose / queue / execute take, and the id the Governor gives the proposal. */
export interface ProposalCall {
  targets: Address[];
  values: bigint[];
  calldatas: Hex[];
  description: string;
  descriptionHash: Hex;
  proposalId: bigint;
}

/** Support values of GovernorCountingSimple. */
export const VOTE_SUPPORT = { against: 0, for: 1, abstain: 2 } as const;
export type VoteChoice = keyof typeof VOTE_SUPPORT;
export const VOTE_CHOICES = ["for", "against", "abstain"] as const satisfies readonly VoteChoice[];
export const supportName = (support: number): VoteChoice | "unknown" =>
  support === 0 ? "against" : support === 1 ? "for" : support === 2 ? "abstain" : "unknown";

/** keccak256 of the description's UTF-8 bytes: what queue and execute take instead of the text. */
export function descriptionHash(description: string): Hex {
  return keccak256(toBytes(description));
}

/** Governor.hashProposal: uint256(keccak256(abi.encode(targets, values, calldatas, descriptionHash))). */
export function hashProposal(targets: readonly Address[], values: readonly bigint[], calldatas: readonly Hex[], descHash: Hex): bigint {
  return hexToBigInt(
    keccak256(
      encodeAbiParameters(
        [{ type: "address[]" }, { type: "uint256[]" }, { type: "bytes[]" }, { type: "bytes32" }],
        [targets, values, calldatas, descHash],
      ),
    ),
  );
}

export function proposalCall(draft: ProposalDraft): ProposalCall {
  if (draft.actions.length === 0) throw new RangeError("a proposal needs at least one action");
  const targets = draft.actions.map((a) => a.target);
  const values = draft.actions.map((a) => a.value);
  const calldatas = draft.actions.map((a) => a.calldata);
  const descHash = descriptionHash(draft.description);
  return { targets, values, calldatas, description: draft.description, descriptionHash: descHash, proposalId: hashProposal(targets, values, calldatas, descHash) };
}

// ── The common proposals ───────────────────────────────────────────────────────────────────────────────

const market = (target: Address, calldata: Hex): ProposalAction => ({ target, value: 0n, calldata });

/** MarketParams.MAX_FEE_BPS: protocol + operator bps may not exceed it (the call would revert FeesTooHigh). */
export const MAX_FEE_BPS = 5000;

function checkBps(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 10_000) throw new RangeError(`${name} must be a whole number of basis points in 0..10000, got ${v}`);
}

/** New fee bps for payments made after the proposal executes (earlier payments keep their schedule). */
export function setFeesAction(inferenceMarket: Address, protocolBps: number, operatorBps: number): ProposalAction {
  checkBps("protocolBps", protocolBps);
  checkBps("operatorBps", operatorBps);
  if (protocolBps + operatorBps > MAX_FEE_BPS) throw new RangeError(`protocol + operator fees must be at most ${MAX_FEE_BPS} bps, got ${protocolBps + operatorBps}`);
  return market(inferenceMarket, encodeFunctionData({ abi: inferenceMarketAbi, functionName: "setFees", args: [protocolBps, operatorBps] }));
}

/** Governance's verdict on a disputed epoch: upheld discards the root and slashes its poster. */
export function resolveDisputeAction(inferenceMarket: Address, epoch: number, upheld: boolean): ProposalAction {
  if (!Number.isInteger(epoch) || epoch < 1 || epoch > 0xffffffff) throw new RangeError(`epoch must be a whole number from 1, got ${epoch}`);
  return market(inferenceMarket, encodeFunctionData({ abi: inferenceMarketAbi, functionName: "resolveDispute", args: [epoch, upheld] }));
}

export function setEpochParamsAction(
  inferenceMarket: Address,
  p: { challengeWindowSeconds: number; disputeBond: bigint; challengerRewardBps: number; rootPoster: Address },
): ProposalAction {
  checkBps("challengerRewardBps", p.challengerRewardBps);
  return market(
    inferenceMarket,
    encodeFunctionData({
      abi: inferenceMarketAbi,
      functionName: "setEpochParams",
      args: [BigInt(p.challengeWindowSeconds), p.disputeBond, p.challengerRewardBps, p.rootPoster],
    }),
  );
}

export function setStakeParamsAction(inferenceMarket: Address, minStake: bigint, unbondingDelaySeconds: number): ProposalAction {
  return market(inferenceMarket, encodeFunctionData({ abi: inferenceMarketAbi, functionName: "setStakeParams", args: [minStake, BigInt(unbondingDelaySeconds)] }));
}

export function setRefundTimeoutAction(inferenceMarket: Address, seconds: number): ProposalAction {
  return market(inferenceMarket, encodeFunctionData({ abi: inferenceMarketAbi, functionName: "setRefundTimeout", args: [BigInt(seconds)] }));
}

export function setProtocolTreasuryAction(inferenceMarket: Address, treasury: Address): ProposalAction {
  return market(inferenceMarket, encodeFunctionData({ abi: inferenceMarketAbi, functionName: "setProtocolTreasury", args: [treasury] }));
}

export function sweepSurplusAction(inferenceMarket: Address, to: Address): ProposalAction {
  return market(inferenceMarket, encodeFunctionData({ abi: inferenceMarketAbi, functionName: "sweepSurplus", args: [to] }));
}

export function setAttesterAction(datanetRegistry: Address, attester: Address): ProposalAction {
  return market(datanetRegistry, encodeFunctionData({ abi: datanetRegistryAbi, functionName: "setAttester", args: [attester] }));
}
