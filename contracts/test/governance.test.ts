/**
 * Governance on a deployment without a test admin: the timelock holds every admin role, so parameters change
 * only through a Governor proposal (vOPEN votes, quorum, timelock delay). Fees are locked at payment: a
 * request settles with the schedule in force when it was paid.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeFunctionData, maxUint256, zeroHash, type Address } from "viem";
import { datanetRegistryAbi, inferenceMarketAbi, ledgerlineGovernorAbi, ledgerlineTimelockAbi } from "../../contracts-abi";
import { DEFAULT_ADMIN_ROLE } from "../../lib/chain/deploy";
import {
  OPEN,
  eventsOf,
  expectBooksBalanced,
  expectRevert,
  payFor,
  randomHash,
  seedModel,
  settleRequest,
  setupLedgerline,
  type Ledgerline,
  type Role,
} from "./fixture";
import {
  ProposalState,
  endVoting,
  enact,
  execute,
  giveVotes,
  propose,
  proposalState,
  queue,
  vote,
  waitTimelock,
} from "./proposals";

const PROTOCOL_BPS = 500;
const OPERATOR_BPS = 1000;
const BUILDER_BPS = 2000;
// Not a round number: the floor in each share shows.
const PRICE = 10n * OPEN + 7n;

let ctx: Ledgerline;
let market: Address;
let modelId: bigint;

const marketCall = (data: Parameters<typeof encodeFunctionData<typeof inferenceMarketAbi>>[0]) => ({
  target: market,
  data: encodeFunctionData(data),
});

function split(price: bigint, protocolBps: number, operatorBps: number, builderBps: number) {
  const protocolFee = (price * BigInt(protocolBps)) / 10_000n;
  const operatorFee = (price * BigInt(operatorBps)) / 10_000n;
  const builderFee = (price * BigInt(builderBps)) / 10_000n;
  return { protocolFee, operatorFee, builderFee, contributorPool: price - protocolFee - operatorFee - builderFee };
}

beforeAll(async () => {
  ctx = await setupLedgerline({ mode: "governor", protocolBps: PROTOCOL_BPS, operatorBps: OPERATOR_BPS });
  market = ctx.deployment.inferenceMarket;
  for (const r of ["alice", "bob", "carol", "dave"] as const) {
    await ctx.send(ctx.as[r].token.write.approve([market, maxUint256]));
  }
  modelId = await seedModel(ctx, PRICE, BUILDER_BPS);
  // Two holders wrap 10,000 OPEN each into vOPEN and delegate to themselves: 20,000 votes, quorum 25 %.
  await giveVotes(ctx, "alice", 10_000n * OPEN);
  await giveVotes(ctx, "bob", 10_000n * OPEN);
});
afterAll(async () => {
  await ctx?.stop();
});

describe("the deployment is governed", () => {
  it("the timelock holds the admin roles; nobody else does; staked OPEN does not vote", async () => {
    for (const c of [ctx.read.market, ctx.read.datanets]) {
      expect(await c.read.hasRole([DEFAULT_ADMIN_ROLE, ctx.deployment.timelock])).toBe(true);
      for (const r of ["admin", "operator", "eve"] as const) expect(await c.read.hasRole([DEFAULT_ADMIN_ROLE, ctx.addr[r]])).toBe(false);
    }
    const t = ctx.read.timelock.read;
    expect(await t.hasRole([await t.PROPOSER_ROLE(), ctx.deployment.governor])).toBe(true);
    expect(await t.hasRole([DEFAULT_ADMIN_ROLE, ctx.addr.admin])).toBe(false);
    // Anyone may execute a ready operation (the zero address holds the executor role).
    expect(await t.hasRole([await t.EXECUTOR_ROLE(), "0x0000000000000000000000000000000000000000"])).toBe(true);
    expect(await ctx.read.governor.read.timelock()).toBe(ctx.deployment.timelock);
    expect(await ctx.read.governor.read.CLOCK_MODE()).toBe("mode=timestamp");
    expect(await ctx.read.votes.read.getVotes([ctx.addr.alice])).toBe(10_000n * OPEN);
    // The operator's stake sits in the market, not in vOPEN.
    expect((await ctx.read.market.read.getStake([ctx.addr.operator])).active > 0n).toBe(true);
    expect(await ctx.read.votes.read.getVotes([ctx.addr.operator])).toBe(0n);
  });

  it("neither a stranger, the operator nor the deployer can change anything directly", async () => {
    for (const who of ["eve", "operator", "admin"] as const satisfies Role[]) {
      const m = ctx.as[who].market.write;
      // Thunks: each call is sent only when awaited.
      const calls: (() => Promise<unknown>)[] = [
        () => m.setFees([0, 0]),
        () => m.setProtocolTreasury([ctx.addr[who]]),
        () => m.setRefundTimeout([1n]),
        () => m.setEpochParams([1n, 0n, 10_000, ctx.addr[who]]),
        () => m.setStakeParams([0n, 0n]),
        () => m.resolveDispute([1, true]),
        () => m.sweepSurplus([ctx.addr[who]]),
        () => m.grantRole([DEFAULT_ADMIN_ROLE, ctx.addr[who]]),
        () => ctx.as[who].datanets.write.setAttester([ctx.addr[who]]),
        () => ctx.as[who].datanets.write.grantRole([DEFAULT_ADMIN_ROLE, ctx.addr[who]]),
      ];
      for (const call of calls) {
        const [account] = (await expectRevert(call(), "AccessControlUnauthorizedAccount"))!;
        expect(account).toBe(ctx.addr[who]);
      }
      // Nor around the Governor: the timelock takes operations from the Governor only, and the Governor's own
      // settings change only by proposal.
      await expectRevert(
        ctx.as[who].timelock.write.schedule([market, 0n, encodeFunctionData({ abi: inferenceMarketAbi, functionName: "setFees", args: [0, 0] }), zeroHash, randomHash(), 5n]),
        "AccessControlUnauthorizedAccount",
      );
      await expectRevert(ctx.as[who].governor.write.setVotingPeriod([1]), "GovernorOnlyExecutor");
    }
    expect(await ctx.read.market.read.protocolBps()).toBe(PROTOCOL_BPS);
  });

  it("a proposer below the threshold cannot propose", async () => {
    await expectRevert(
      propose(ctx, "eve", [marketCall({ abi: inferenceMarketAbi, functionName: "setFees", args: [0, 0] })], "eve's fees"),
      "GovernorInsufficientProposerVotes",
    );
  });
});

describe("a fee change through the Governor", () => {
  it("propose → vote → queue → execute; requests paid before settle with the old bps, after with the new", async () => {
    const before = await payFor(ctx, "carol", modelId);
    const action = marketCall({ abi: inferenceMarketAbi, functionName: "setFees", args: [1000, 2000] });
    const p = await propose(ctx, "alice", [action], "Fees: protocol 10 %, operator 20 %");
    expect(await proposalState(ctx, p)).toBe(ProposalState.Pending);
    await vote(ctx, p, ["alice", "bob"]);
    // Paid while the vote runs: still the old schedule.
    const during = await payFor(ctx, "dave", modelId);
    await expectRevert(queue(ctx, p), "GovernorUnexpectedProposalState");
    await endVoting(ctx, p);
    expect(await proposalState(ctx, p)).toBe(ProposalState.Succeeded);
    expect(await ctx.read.governor.read.proposalVotes([p.id])).toEqual([0n, 20_000n * OPEN, 0n]);
    await ctx.send(queue(ctx, p));
    expect(await proposalState(ctx, p)).toBe(ProposalState.Queued);
    // Not before the timelock's delay.
    await expectRevert(execute(ctx, p), "TimelockUnexpectedOperationState");
    expect(await ctx.read.market.read.feeVersion()).toBe(0);
    await waitTimelock(ctx, p);
    const r = await ctx.send(execute(ctx, p));
    expect(await proposalState(ctx, p)).toBe(ProposalState.Executed);
    expect(eventsOf(inferenceMarketAbi, r, "FeesChanged")[0].args).toEqual({ version: 1, protocolBps: 1000, operatorBps: 2000 });
    expect(eventsOf(ledgerlineGovernorAbi, r, "ProposalExecuted")[0].args.proposalId).toBe(p.id);
    expect(eventsOf(ledgerlineTimelockAbi, r, "CallExecuted")[0].args.target).toBe(market);
    expect(await ctx.read.market.read.feeVersion()).toBe(1);
    await expectRevert(execute(ctx, p), "GovernorUnexpectedProposalState");

    const after = await payFor(ctx, "carol", modelId);
    const request = (id: bigint) => ctx.read.market.read.getRequest([id]);
    expect((await request(before.requestId)).feeVersion).toBe(0);
    expect((await request(during.requestId)).feeVersion).toBe(0);
    expect((await request(after.requestId)).feeVersion).toBe(1);

    const old = split(PRICE, PROTOCOL_BPS, OPERATOR_BPS, BUILDER_BPS);
    const fresh = split(PRICE, 1000, 2000, BUILDER_BPS);
    expect(old).not.toEqual(fresh);
    // Settled in the opposite order of payment: the schedule comes from the payment, not the settlement.
    const sAfter = await settleRequest(ctx, after.requestId, after.requestHash);
    const sDuring = await settleRequest(ctx, during.requestId, during.requestHash);
    const sBefore = await settleRequest(ctx, before.requestId, before.requestHash);
    const amounts = (s: typeof sAfter) => ({
      protocolFee: s.protocolFee,
      operatorFee: s.operatorFee,
      builderFee: s.builderFee,
      contributorPool: s.contributorPool,
    });
    expect(amounts(sBefore)).toEqual(old);
    expect(amounts(sDuring)).toEqual(old);
    expect(amounts(sAfter)).toEqual(fresh);
    await expectBooksBalanced(ctx);
  });

  it("governance sweeps surplus and names the attester in one proposal", async () => {
    const eve0 = await ctx.balanceOf(ctx.addr.eve);
    await ctx.send(ctx.as.eve.token.write.transfer([market, 5n * OPEN]));
    expect(await ctx.read.market.read.surplus()).toBe(5n * OPEN);
    await enact(ctx, "bob", ["alice", "bob"], [
      marketCall({ abi: inferenceMarketAbi, functionName: "sweepSurplus", args: [ctx.addr.eve] }),
      {
        target: ctx.deployment.datanetRegistry,
        data: encodeFunctionData({ abi: datanetRegistryAbi, functionName: "setAttester", args: [ctx.addr.dave] }),
      },
    ], "Return Eve's mistaken transfer; the content server's key signs attestations");
    expect(await ctx.balanceOf(ctx.addr.eve)).toBe(eve0);
    expect(await ctx.read.datanets.read.attester()).toBe(ctx.addr.dave);
    await expectBooksBalanced(ctx);
  });
});

describe("a proposal without quorum", () => {
  it("is defeated and cannot be queued or executed", async () => {
    // Carol has 1,000 votes: above the proposal threshold, far below 25 % of the 21,000 supply.
    await giveVotes(ctx, "carol", 1_000n * OPEN);
    const p = await propose(ctx, "carol", [marketCall({ abi: inferenceMarketAbi, functionName: "setFees", args: [0, 0] })], "Zero fees");
    await vote(ctx, p, ["carol"]);
    await endVoting(ctx, p);
    const snapshot = await ctx.read.governor.read.proposalSnapshot([p.id]);
    expect(await ctx.read.governor.read.quorum([snapshot])).toBe((21_000n * OPEN * 25n) / 100n);
    expect(await proposalState(ctx, p)).toBe(ProposalState.Defeated);
    const [id, state] = (await expectRevert(queue(ctx, p), "GovernorUnexpectedProposalState"))!;
    expect([id, state]).toEqual([p.id, ProposalState.Defeated]);
    await expectRevert(execute(ctx, p), "GovernorUnexpectedProposalState");
    expect(await ctx.read.market.read.protocolBps()).toBe(1000);
  });

  it("a proposal voted down by the majority is defeated too", async () => {
    const p = await propose(ctx, "carol", [marketCall({ abi: inferenceMarketAbi, functionName: "setFees", args: [0, 0] })], "Zero fees, again");
    await vote(ctx, p, ["carol"]);
    for (const v of ["alice", "bob"] as const) await ctx.send(ctx.as[v].governor.write.castVote([p.id, 0]));
    await endVoting(ctx, p);
    expect(await proposalState(ctx, p)).toBe(ProposalState.Defeated);
    await expectRevert(queue(ctx, p), "GovernorUnexpectedProposalState");
  });
});
