/** The pure parts: state boundaries as the Governor draws them, proposal ids, and calls described in words. */
import { encodeFunctionData, getAddress, zeroAddress, type Address } from "viem";
import { describe, expect, it } from "vitest";
import { inferenceMarketAbi } from "@/contracts-abi/InferenceMarket";
import { openTokenAbi } from "@/contracts-abi/OpenToken";
import { describeCall, formatDuration } from "./describe";
import { hashProposal, proposalCall, resolveDisputeAction, setAttesterAction, setEpochParamsAction, setFeesAction, setStakeParamsAction, sweepSurplusAction } from "./proposals";
import { nextTransition, proposalState, quorumOf, type ProposalFacts } from "./state";

const at = (s: number) => new Date(s * 1000);
const base: ProposalFacts = {
  voteStart: at(1_000),
  voteEnd: at(1_030),
  forVotes: 0n,
  againstVotes: 0n,
  abstainVotes: 0n,
  quorum: 100n,
  eta: null,
  executed: false,
  canceled: false,
};

describe("proposalState", () => {
  it("draws the boundaries where OpenZeppelin's Governor does (snapshot >= now: pending; deadline >= now: active)", () => {
    expect(proposalState(base, at(999))).toBe("pending");
    expect(proposalState(base, at(1_000))).toBe("pending");
    expect(proposalState(base, new Date(1_000_999))).toBe("pending"); // whole seconds, like the timestamp clock
    expect(proposalState(base, at(1_001))).toBe("active");
    expect(proposalState(base, at(1_030))).toBe("active");
    expect(proposalState(base, at(1_031))).toBe("defeated");
  });

  it("needs quorum (for + abstain) and more for than against; then succeeded, queued, executed; canceled and executed win", () => {
    const closed = at(2_000);
    expect(proposalState({ ...base, forVotes: 99n }, closed)).toBe("defeated");
    expect(proposalState({ ...base, forVotes: 60n, abstainVotes: 40n }, closed)).toBe("succeeded");
    expect(proposalState({ ...base, forVotes: 60n, againstVotes: 60n, abstainVotes: 40n }, closed)).toBe("defeated");
    expect(proposalState({ ...base, abstainVotes: 1_000n }, closed)).toBe("defeated"); // quorum, but no majority for
    expect(proposalState({ ...base, forVotes: 100n, eta: at(1_500) }, closed)).toBe("queued");
    expect(proposalState({ ...base, forVotes: 100n, eta: at(1_500), executed: true }, closed)).toBe("executed");
    expect(proposalState({ ...base, canceled: true }, at(0))).toBe("canceled");
  });

  it("names the next moment time alone changes the state", () => {
    expect(nextTransition(base, at(10))).toEqual(at(1_001));
    expect(nextTransition(base, at(1_010))).toEqual(at(1_031));
    expect(nextTransition({ ...base, forVotes: 100n, eta: at(3_000) }, at(2_000))).toEqual(at(3_000));
    expect(nextTransition({ ...base, forVotes: 100n }, at(2_000))).toBeNull();
  });

  it("computes the quorum as the Governor does: supply × numerator / 100, rounded down", () => {
    expect(quorumOf(1_050n * 10n ** 18n, 25n)).toBe(2625n * 10n ** 17n);
    expect(quorumOf(7n, 25n)).toBe(1n);
  });
});

const market = getAddress("0x00000000000000000000000000000000000000aa");
const registry = getAddress("0x00000000000000000000000000000000000000bb");
const token = getAddress("0x00000000000000000000000000000000000000cc");
const contracts = { inferenceMarket: market, datanetRegistry: registry, token };

describe("proposals", () => {
  it("hashes a proposal like Governor.hashProposal and refuses fees the market would refuse", () => {
    const call = proposalCall({ actions: [setFeesAction(market, 400, 1000)], description: "Fees" });
    expect(call.proposalId).toBe(hashProposal(call.targets, call.values, call.calldatas, call.descriptionHash));
    expect(() => setFeesAction(market, 4000, 1001)).toThrow(/at most 5000/);
    expect(() => setFeesAction(market, 1.5, 0)).toThrow(/whole number/);
    expect(() => resolveDisputeAction(market, 0, true)).toThrow(/from 1/);
    expect(() => proposalCall({ actions: [], description: "nothing" })).toThrow(/at least one action/);
  });
});

describe("describeCall", () => {
  const say = (a: { target: Address; value: bigint; calldata: `0x${string}` }) => describeCall(contracts, a.target, a.value, a.calldata);

  it("spells out the common setters", () => {
    expect(say(setFeesAction(market, 400, 1000)).summary).toBe(
      "InferenceMarket: Set the fees of payments made after execution to protocol 4 % (400 bps) and operator 10 % (1000 bps); requests paid before keep the fees they were paid under.",
    );
    expect(say(resolveDisputeAction(market, 7, false)).summary).toContain("Reject the dispute of epoch #7");
    expect(say(setEpochParamsAction(market, { challengeWindowSeconds: 86_400, disputeBond: 10n ** 22n, challengerRewardBps: 5000, rootPoster: market })).summary).toContain(
      "challenge window to 1 day, the dispute bond to 10000 OPEN, the challenger's share of a slash to 50 % and the root poster to InferenceMarket",
    );
    expect(say(setStakeParamsAction(market, 10n ** 21n, 604_800)).summary).toContain("minimum operator stake to 1000 OPEN and the unbonding delay to 1 week");
    expect(say(sweepSurplusAction(market, zeroAddress)).function).toBe("sweepSurplus");
    expect(say(setAttesterAction(registry, zeroAddress)).summary).toBe("DatanetRegistry: Remove the content attester: contributions need no attestation.");
    expect(formatDuration(90)).toBe("90 s");
    expect(formatDuration(1_209_600)).toBe("2 weeks");
  });

  it("says when a familiar call goes to a stranger's contract, or when nothing decodes", () => {
    const stranger = getAddress("0x00000000000000000000000000000000000000dd");
    const fake = describeCall(contracts, stranger, 0n, setFeesAction(market, 0, 0).calldata);
    expect(fake).toMatchObject({ contract: null, function: "setFees" });
    expect(fake.summary).toMatch(/not a Ledgerline contract/);
    const transfer = encodeFunctionData({ abi: openTokenAbi, functionName: "transfer", args: [stranger, 5n * 10n ** 18n] });
    expect(describeCall(contracts, token, 0n, transfer).summary).toContain("Transfer 5 OPEN from the timelock to 0x");
    const garbage = describeCall(contracts, market, 10n ** 18n, "0xdeadbeef00");
    expect(garbage).toMatchObject({ function: null, contract: "InferenceMarket" });
    expect(garbage.summary).toBe("Calls selector 0xdeadbeef (5 bytes) to InferenceMarket. It also sends 1 of the native currency.");
    expect(describeCall(contracts, "not an address", 0n, "0x").summary).toContain("not a Ledgerline contract");
    // Selector of a market function with arguments that do not decode.
    const truncated = encodeFunctionData({ abi: inferenceMarketAbi, functionName: "setFees", args: [1, 2] }).slice(0, 20);
    expect(describeCall(contracts, market, 0n, truncated).function).toBeNull();
  });
});
