/**
 * The attack issue 13 starts from: the operator posts a root naming itself the only leaf, for the same total
 * as the honest one, to take the whole unclaimed pool. Now the root is only pending; nobody can claim from it;
 * a challenger disputes it; token holders uphold the dispute through the real Governor and Timelock; the
 * operator is slashed and the challenger paid; the honest root is posted and finalizes; every contributor
 * claims exactly their amount, and every wei is accounted for.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeFunctionData, maxUint256, parseEther, type Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { inferenceMarketAbi } from "../../contracts-abi";
import { buildClaimsTree } from "../../lib/chain/merkle";
import { marketDefaults } from "../../lib/governance/params";
import {
  EpochStatus,
  OPEN,
  eventsOf,
  expectBooksBalanced,
  expectRevert,
  finalizeAfterWindow,
  payFor,
  postRoot,
  seedModel,
  settleRequest,
  setupLedgerline,
  type Contracts,
  type Ledgerline,
} from "./fixture";
import { enact, giveVotes } from "./proposals";

const defaults = marketDefaults(31337);
const PRICE = 10n * OPEN;
const CONTRIBUTORS = ["alice", "bob", "carol", "dave"] as const;

let ctx: Ledgerline;
let market: Address;
let modelId: bigint;

/** Four payments (one per contributor) settled by the operator: 4 × 7.5 OPEN into the contributor pool. */
async function settleRound(): Promise<bigint> {
  let pool = 0n;
  for (const who of CONTRIBUTORS) {
    const { requestId, requestHash, price } = await payFor(ctx, who, modelId);
    expect(price).toBe(PRICE);
    pool += (await settleRequest(ctx, requestId, requestHash)).contributorPool;
  }
  return pool;
}

beforeAll(async () => {
  ctx = await setupLedgerline({ mode: "governor" });
  market = ctx.deployment.inferenceMarket;
  for (const r of [...CONTRIBUTORS, "eve"] as const) await ctx.send(ctx.as[r].token.write.approve([market, maxUint256]));
  // Builder 10 %, protocol 5 %, operator 10 %: 7.5 OPEN of each 10 OPEN goes to contributors.
  modelId = await seedModel(ctx, PRICE, 1000);
  // Token holders with votes: 40,000 vOPEN between them.
  await giveVotes(ctx, "owner", 20_000n * OPEN);
  await giveVotes(ctx, "builder", 20_000n * OPEN);
});
afterAll(async () => {
  await ctx?.stop();
});

describe("a malicious root", () => {
  it("is disputed, discarded by a governance vote, slashed; the honest root pays everyone exactly", async () => {
    const m = ctx.read.market.read;
    // A second operator stands by (fresh key, staked by itself) to post roots if the first is slashed.
    const standby = privateKeyToAccount(generatePrivateKey());
    await ctx.testClient.setBalance({ address: standby.address, value: parseEther("10") });
    await ctx.fund(standby.address, defaults.minStake);
    const standbyC: Contracts = ctx.contractsFor(standby);
    await ctx.send(standbyC.token.write.approve([market, maxUint256]));
    await ctx.send(standbyC.market.write.stake([standby.address, defaults.minStake]));

    // Everyone whose OPEN moves from here on.
    const holders: Record<string, Address> = {
      ...Object.fromEntries(CONTRIBUTORS.map((r) => [r, ctx.addr[r]])),
      operator: ctx.addr.operator,
      eve: ctx.addr.eve,
      treasury: ctx.addr.treasury,
      builder: ctx.addr.builder,
      standby: standby.address,
      market,
    };
    const balances = async () =>
      Object.fromEntries(await Promise.all(Object.entries(holders).map(async ([k, a]) => [k, await ctx.balanceOf(a)] as const)));
    const start = await balances();
    const supply0 = await ctx.read.token.read.totalSupply();

    // Epoch 1, honest and final: alice 15, bob 10.
    const settled1 = await settleRound();
    expect(settled1).toBe(30n * OPEN);
    const r1 = buildClaimsTree([
      { account: ctx.addr.alice, cumulativeAmount: 15n * OPEN },
      { account: ctx.addr.bob, cumulativeAmount: 10n * OPEN },
    ]);
    const { epoch: e1 } = await postRoot(ctx, r1.root, r1.total);
    await finalizeAfterWindow(ctx, e1);
    await ctx.send(ctx.as.alice.market.write.claim([ctx.addr.alice, 15n * OPEN, r1.proofFor(ctx.addr.alice)]));

    // More settlements. The honest ledger: alice 20, bob 12, carol 15, dave 8 (total 55).
    await settleRound();
    const honest = buildClaimsTree([
      { account: ctx.addr.alice, cumulativeAmount: 20n * OPEN },
      { account: ctx.addr.bob, cumulativeAmount: 12n * OPEN },
      { account: ctx.addr.carol, cumulativeAmount: 15n * OPEN },
      { account: ctx.addr.dave, cumulativeAmount: 8n * OPEN },
    ]);
    // The attack: the operator names itself the only leaf, for the same total.
    const evil = buildClaimsTree([{ account: ctx.addr.operator, cumulativeAmount: honest.total }]);
    const { epoch: bad } = await postRoot(ctx, evil.root, honest.total);
    expect(await m.getEpoch([BigInt(bad)])).toMatchObject({ status: EpochStatus.Pending, prev: e1, poster: ctx.addr.operator });

    // Pending: the operator cannot claim from it, cannot finalize it, and cannot run with its stake.
    await expectRevert(
      ctx.as.operator.market.write.claim([ctx.addr.operator, honest.total, evil.proofFor(ctx.addr.operator)]),
      "InvalidProof",
    );
    await expectRevert(ctx.as.operator.market.write.finalizeEpoch([bad]), "ChallengeWindowOpen");
    const stake = (await m.getStake([ctx.addr.operator])).active;
    await ctx.send(ctx.as.operator.market.write.requestUnstake([stake]));

    // A watcher (eve) recomputes the root, finds the mismatch and disputes inside the window.
    const eve0 = await ctx.balanceOf(ctx.addr.eve);
    await ctx.send(ctx.as.eve.market.write.dispute([bad]));
    expect(await ctx.balanceOf(ctx.addr.eve)).toBe(eve0 - defaults.disputeBond);
    expect(await m.totalDisputeBonds()).toBe(defaults.disputeBond);

    // The operator cannot run with its stake: past the unbonding time, the open dispute still locks it.
    await ctx.increaseTime(defaults.challengeWindowSeconds + defaults.unbondingDelaySeconds);
    const [, openDisputes] = (await expectRevert(ctx.as.operator.market.write.withdrawStake(), "StakeLocked"))!;
    expect(openDisputes).toBe(1);

    // While the dispute waits for governance, contributors still claim against the last final root.
    await ctx.send(ctx.as.bob.market.write.claim([ctx.addr.bob, 10n * OPEN, r1.proofFor(ctx.addr.bob)]));
    await expectBooksBalanced(ctx);

    // Governance upholds the dispute and names the standby operator root poster, through the Governor and
    // the timelock (propose, vote, queue, execute; time moved on the chain's clock).
    const treasuryCredit0 = await m.credits([ctx.addr.treasury]);
    const { receipt } = await enact(ctx, "owner", ["owner", "builder"], [
      { target: market, data: encodeFunctionData({ abi: inferenceMarketAbi, functionName: "resolveDispute", args: [bad, true] }) },
      { target: market, data: encodeFunctionData({ abi: inferenceMarketAbi, functionName: "setEpochParams", args: [BigInt(defaults.challengeWindowSeconds), defaults.disputeBond, defaults.challengerRewardBps, standby.address] }) },
    ], `Uphold the dispute of epoch ${bad}: its root names the operator as the only contributor`);
    const slashed = eventsOf(inferenceMarketAbi, receipt, "Slashed")[0].args;
    const toChallenger = (stake * BigInt(defaults.challengerRewardBps)) / 10_000n;
    expect(slashed).toEqual({
      operator: ctx.addr.operator,
      amount: stake,
      challenger: ctx.addr.eve,
      toChallenger,
      toTreasury: stake - toChallenger,
    });
    expect(await m.getEpoch([BigInt(bad)])).toMatchObject({ status: EpochStatus.Discarded });
    expect(await m.tipEpoch()).toBe(e1);
    expect(await m.getStake([ctx.addr.operator])).toMatchObject({ active: 0n, unbonding: 0n, openDisputes: 0 });
    await expectRevert(ctx.as.operator.market.write.withdrawStake(), "NothingUnbonding");
    expect(await ctx.balanceOf(ctx.addr.eve)).toBe(eve0 + toChallenger);
    expect(await m.credits([ctx.addr.treasury])).toBe(treasuryCredit0 + stake - toChallenger);
    expect(await m.rootPoster()).toBe(standby.address);
    await expectBooksBalanced(ctx);

    // The honest root, posted by the standby operator on epoch 1, finalizes.
    const throughBlock = await ctx.blockNumber();
    const posted = await ctx.send(standbyC.market.write.postEpoch([honest.root, honest.total, throughBlock, await m.totalContributorPool()]));
    const good = Number(eventsOf(inferenceMarketAbi, posted, "EpochPosted")[0].args.epoch);
    expect((await m.getEpoch([BigInt(good)])).prev).toBe(e1);
    await finalizeAfterWindow(ctx, good);
    expect(await m.finalEpoch()).toBe(good);

    // Everyone claims exactly their ledger total; the operator gets nothing.
    for (const who of CONTRIBUTORS) {
      const amount = honest.amountOf(ctx.addr[who])!;
      const before = await ctx.balanceOf(ctx.addr[who]);
      const already = await m.claimed([ctx.addr[who]]);
      await ctx.send(ctx.as.eve.market.write.claim([ctx.addr[who], amount, honest.proofFor(ctx.addr[who])]));
      expect(await ctx.balanceOf(ctx.addr[who])).toBe(before + amount - already);
      expect(await m.claimed([ctx.addr[who]])).toBe(amount);
    }
    await expectRevert(
      ctx.as.operator.market.write.claim([ctx.addr.operator, honest.total, evil.proofFor(ctx.addr.operator)]),
      "InvalidProof",
    );
    expect(await m.claimedTotal()).toBe(honest.total);
    await expectBooksBalanced(ctx);

    // Conservation to the wei: nothing minted, nothing lost; each holder moved by exactly what it should.
    const end = await balances();
    expect(await ctx.read.token.read.totalSupply()).toBe(supply0);
    const sum = (b: Record<string, bigint>) => Object.values(b).reduce((s, v) => s + v, 0n);
    expect(sum(end)).toBe(sum(start));
    const paidEach = 2n * PRICE;
    for (const who of CONTRIBUTORS) expect(end[who] - start[who]).toBe(honest.amountOf(ctx.addr[who])! - paidEach);
    expect(end.eve - start.eve).toBe(toChallenger);
    expect(end.operator - start.operator).toBe(0n);
    expect(end.standby - start.standby).toBe(0n);
    // The market keeps the rest: the fees and the slashed remainder, as credits.
    expect(end.market - start.market).toBe(8n * PRICE - honest.total - toChallenger);
  });
});
