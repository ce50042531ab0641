/**
 * Staked operators: only an address with at least `minStake` active may submit authorizations, settle,
 * refund early and post roots; anyone may fund a stake; an unstake waits out the challenge window plus the
 * unbonding delay, and never finishes while a root its operator posted can still be disputed or is under
 * dispute; a slashed stake is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maxUint256, type Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { inferenceMarketAbi } from "../../contracts-abi";
import { marketDefaults } from "../../lib/governance/params";
import {
  OPEN,
  eventsOf,
  expectBooksBalanced,
  expectRevert,
  freshAuthorization,
  payFor,
  postRoot,
  randomHash,
  seedModel,
  setupLedgerline,
  signAuthorization,
  type Ledgerline,
  type Role,
} from "./fixture";

const defaults = marketDefaults(31337);
const MIN = defaults.minStake;
const WINDOW = defaults.challengeWindowSeconds;
const UNBONDING = defaults.unbondingDelaySeconds;
const BOND = defaults.disputeBond;
const REWARD_BPS = BigInt(defaults.challengerRewardBps);
const PRICE = 10n * OPEN;

let ctx: Ledgerline;
let market: Address;
let modelId: bigint;

const stakeOf = (who: Address) => ctx.read.market.read.getStake([who]);

const pay = (who: Role) => payFor(ctx, who, modelId);

/** Makes `who` the root poster (admin mode: a direct parameter change). */
async function makeRootPoster(who: Role) {
  await ctx.send(ctx.as.admin.market.write.setEpochParams([BigInt(WINDOW), BOND, Number(REWARD_BPS), ctx.addr[who]]));
}

beforeAll(async () => {
  ctx = await setupLedgerline();
  market = ctx.deployment.inferenceMarket;
  for (const r of ["alice", "bob", "carol", "dave", "eve"] as const) {
    await ctx.send(ctx.as[r].token.write.approve([market, maxUint256]));
  }
  modelId = await seedModel(ctx, PRICE, 1000);
});
afterAll(async () => {
  await ctx?.stop();
});

describe("operators are staked", () => {
  it("an unstaked address cannot submit authorizations, settle, refund early or post roots", async () => {
    expect(await ctx.read.market.read.isOperator([ctx.addr.eve])).toBe(false);
    const { requestId, requestHash } = await pay("alice");
    const payer = privateKeyToAccount(generatePrivateKey());
    await ctx.fund(payer.address, PRICE);
    const auth = await freshAuthorization(ctx, payer.address, market, PRICE);
    const sig = await signAuthorization(payer, ctx.deployment.token, auth);
    const eve = ctx.as.eve.market.write;
    const [who] = (await expectRevert(
      eve.payWithAuthorization([modelId, randomHash(), PRICE, auth.from, auth.value, auth.validAfter, auth.validBefore, auth.nonce, sig]),
      "NotOperator",
    ))!;
    expect(who).toBe(ctx.addr.eve);
    await expectRevert(eve.settle([requestId, requestHash, randomHash(), randomHash()]), "NotOperator");
    // A refund before the timeout is an operator's (a failed inference); anyone else waits.
    await expectRevert(eve.refund([requestId, requestHash]), "NotRefundableYet");
    await expectRevert(eve.postEpoch([randomHash(), 0n, await ctx.blockNumber(), 0n]), "NotOperator");
    // Even as the named root poster, an unstaked address posts nothing.
    await makeRootPoster("eve");
    await expectRevert(eve.postEpoch([randomHash(), 0n, await ctx.blockNumber(), 0n]), "NotOperator");
    await makeRootPoster("operator");
    // A staked operator that is not the root poster cannot post either.
    await ctx.send(ctx.as.dave.market.write.stake([ctx.addr.dave, MIN]));
    await expectRevert(ctx.as.dave.market.write.postEpoch([randomHash(), 0n, await ctx.blockNumber(), 0n]), "NotRootPoster");
    await ctx.send(ctx.as.dave.market.write.requestUnstake([MIN]));
    // Nothing moved: the payer still has its OPEN, the request is still paid.
    expect(await ctx.balanceOf(payer.address)).toBe(PRICE);
    expect((await ctx.read.market.read.getRequest([requestId])).status).toBe(1);
    await ctx.send(ctx.as.operator.market.write.settle([requestId, requestHash, randomHash(), randomHash()]));
    await expectBooksBalanced(ctx);
  });

  it("anyone funds a stake for an operator; it counts once it reaches the minimum; only the operator unstakes", async () => {
    const m = ctx.as.bob.market.write;
    await expectRevert(m.stake([ctx.addr.carol, 0n]), "ZeroAmount");
    await expectRevert(m.stake(["0x0000000000000000000000000000000000000000", MIN]), "ZeroAddress");
    const bob0 = await ctx.balanceOf(ctx.addr.bob);
    const carol0 = await ctx.balanceOf(ctx.addr.carol);
    const staked0 = await ctx.read.market.read.totalStaked();

    const r1 = await ctx.send(m.stake([ctx.addr.carol, MIN / 2n]));
    expect(eventsOf(inferenceMarketAbi, r1, "Staked")[0].args).toEqual({ operator: ctx.addr.carol, amount: MIN / 2n, active: MIN / 2n });
    expect(await ctx.read.market.read.isOperator([ctx.addr.carol])).toBe(false);
    const r2 = await ctx.send(m.stake([ctx.addr.carol, MIN / 2n]));
    expect(eventsOf(inferenceMarketAbi, r2, "Staked")[0].args.active).toBe(MIN);
    expect(await ctx.read.market.read.isOperator([ctx.addr.carol])).toBe(true);
    expect(await ctx.balanceOf(ctx.addr.bob)).toBe(bob0 - MIN);
    expect(await ctx.balanceOf(ctx.addr.carol)).toBe(carol0);
    expect(await ctx.read.market.read.totalStaked()).toBe(staked0 + MIN);
    // Bob funded it but it is Carol's: he has no stake to unstake.
    const [active, amount] = (await expectRevert(ctx.as.bob.market.write.requestUnstake([MIN]), "InsufficientStake"))!;
    expect([active, amount]).toEqual([0n, MIN]);

    // Carol now acts as an operator.
    const { requestId, requestHash } = await pay("alice");
    const s = await ctx.send(ctx.as.carol.market.write.settle([requestId, requestHash, randomHash(), randomHash()]));
    expect(eventsOf(inferenceMarketAbi, s, "InferenceSettled")[0].args.operator).toBe(ctx.addr.carol);
    expect((await ctx.read.market.read.getRequest([requestId])).operator).toBe(ctx.addr.carol);

    // A governance raise of the minimum stake demotes her until she tops up.
    await ctx.send(ctx.as.admin.market.write.setStakeParams([MIN + 1n, BigInt(UNBONDING)]));
    expect(await ctx.read.market.read.isOperator([ctx.addr.carol])).toBe(false);
    const next = await pay("alice");
    await expectRevert(ctx.as.carol.market.write.settle([next.requestId, next.requestHash, randomHash(), randomHash()]), "NotOperator");
    await ctx.send(ctx.as.admin.market.write.setStakeParams([MIN, BigInt(UNBONDING)]));
    await ctx.send(ctx.as.carol.market.write.settle([next.requestId, next.requestHash, randomHash(), randomHash()]));
    await expectBooksBalanced(ctx);
  });
});

describe("unstaking waits", () => {
  it("withdrawStake is locked until challengeWindow + unbondingDelay after the request", async () => {
    const carol = ctx.as.carol.market.write;
    await expectRevert(carol.withdrawStake(), "NothingUnbonding");
    await expectRevert(carol.requestUnstake([0n]), "ZeroAmount");
    await expectRevert(carol.requestUnstake([MIN + 1n]), "InsufficientStake");
    const r = await ctx.send(carol.requestUnstake([MIN]));
    const at = (await ctx.publicClient.getBlock({ blockNumber: r.blockNumber })).timestamp;
    const releaseAt = at + BigInt(WINDOW + UNBONDING);
    expect(eventsOf(inferenceMarketAbi, r, "UnstakeRequested")[0].args).toEqual({
      operator: ctx.addr.carol,
      amount: MIN,
      active: 0n,
      releaseAt,
    });
    expect(await stakeOf(ctx.addr.carol)).toMatchObject({ active: 0n, unbonding: MIN, releaseAt });
    // Unbonding stake does not make an operator.
    expect(await ctx.read.market.read.isOperator([ctx.addr.carol])).toBe(false);

    const [until, disputes] = (await expectRevert(carol.withdrawStake(), "StakeLocked"))!;
    expect([until, disputes]).toEqual([releaseAt, 0]);
    await ctx.increaseTime(WINDOW);
    await expectRevert(carol.withdrawStake(), "StakeLocked");
    await ctx.increaseTime(Number(releaseAt - (await ctx.now())));

    const carol0 = await ctx.balanceOf(ctx.addr.carol);
    const staked0 = await ctx.read.market.read.totalStaked();
    const w = await ctx.send(carol.withdrawStake());
    expect(eventsOf(inferenceMarketAbi, w, "StakeWithdrawn")[0].args).toEqual({ operator: ctx.addr.carol, amount: MIN });
    // The stake goes to the operator (not to whoever funded it).
    expect(await ctx.balanceOf(ctx.addr.carol)).toBe(carol0 + MIN);
    expect(await ctx.read.market.read.totalStaked()).toBe(staked0 - MIN);
    expect(await stakeOf(ctx.addr.carol)).toMatchObject({ active: 0n, unbonding: 0n });
    await expectRevert(carol.withdrawStake(), "NothingUnbonding");
    await expectBooksBalanced(ctx);
  });

  it("never while a root the operator posted is in its window or under dispute", async () => {
    // Carol stakes twice the minimum, asks to unstake half (still an operator), then posts a root late in
    // her unbonding period: the root's window outlasts the release time.
    await ctx.send(ctx.as.carol.market.write.stake([ctx.addr.carol, 2n * MIN]));
    await makeRootPoster("carol");
    const u = await ctx.send(ctx.as.carol.market.write.requestUnstake([MIN]));
    const releaseAt = (await ctx.publicClient.getBlock({ blockNumber: u.blockNumber })).timestamp + BigInt(WINDOW + UNBONDING);
    expect(await ctx.read.market.read.isOperator([ctx.addr.carol])).toBe(true);
    await ctx.increaseTime(WINDOW + UNBONDING - 5);
    const { epoch, receipt } = await postRoot(ctx, randomHash(), 0n, "carol");
    const finalizesAt = eventsOf(inferenceMarketAbi, receipt, "EpochPosted")[0].args.finalizesAt;
    expect(finalizesAt > releaseAt).toBe(true);
    expect((await stakeOf(ctx.addr.carol)).lockedUntil).toBe(finalizesAt);

    await ctx.increaseTime(Number(releaseAt - (await ctx.now())) + 1);
    const [until, open] = (await expectRevert(ctx.as.carol.market.write.withdrawStake(), "StakeLocked"))!;
    expect([until, open]).toEqual([finalizesAt, 0]);

    // Dave disputes inside the window: the lock holds past the window for as long as the dispute is open.
    await ctx.send(ctx.as.dave.market.write.dispute([epoch]));
    expect((await stakeOf(ctx.addr.carol)).openDisputes).toBe(1);
    await ctx.increaseTime(WINDOW);
    const [, open2] = (await expectRevert(ctx.as.carol.market.write.withdrawStake(), "StakeLocked"))!;
    expect(open2).toBe(1);

    // Rejected: the lock lifts (the bond went to the treasury) and she withdraws.
    await ctx.send(ctx.as.admin.market.write.resolveDispute([epoch, false]));
    expect((await stakeOf(ctx.addr.carol)).openDisputes).toBe(0);
    await ctx.send(ctx.as.carol.market.write.withdrawStake());
    expect(await stakeOf(ctx.addr.carol)).toMatchObject({ active: MIN, unbonding: 0n });
    await ctx.send(ctx.as.eve.market.write.finalizeEpoch([epoch]));
    await expectBooksBalanced(ctx);
  });
});

describe("slashing", () => {
  it("an upheld dispute takes the whole stake, active and unbonding: the reward to the challenger, the rest to the treasury", async () => {
    // Carol: MIN active (from before) + MIN more, of which half is unbonding.
    await ctx.send(ctx.as.carol.market.write.stake([ctx.addr.carol, MIN]));
    await ctx.send(ctx.as.carol.market.write.requestUnstake([MIN / 2n]));
    const before = await stakeOf(ctx.addr.carol);
    const total = before.active + before.unbonding;
    expect(total).toBe(2n * MIN);
    const { epoch } = await postRoot(ctx, randomHash(), 0n, "carol");

    const dave0 = await ctx.balanceOf(ctx.addr.dave);
    const d = await ctx.send(ctx.as.dave.market.write.dispute([epoch]));
    expect(eventsOf(inferenceMarketAbi, d, "EpochDisputed")[0].args).toEqual({ epoch: BigInt(epoch), challenger: ctx.addr.dave, bond: BOND });
    expect(await ctx.balanceOf(ctx.addr.dave)).toBe(dave0 - BOND);
    expect(await ctx.read.market.read.totalDisputeBonds()).toBe(BOND);
    await expectBooksBalanced(ctx);

    const treasuryCredit0 = await ctx.read.market.read.credits([ctx.addr.treasury]);
    const staked0 = await ctx.read.market.read.totalStaked();
    const r = await ctx.send(ctx.as.admin.market.write.resolveDispute([epoch, true]));
    const toChallenger = (total * REWARD_BPS) / 10_000n;
    const toTreasury = total - toChallenger;
    expect(eventsOf(inferenceMarketAbi, r, "Slashed")[0].args).toEqual({
      operator: ctx.addr.carol,
      amount: total,
      challenger: ctx.addr.dave,
      toChallenger,
      toTreasury,
    });
    expect(eventsOf(inferenceMarketAbi, r, "DisputeResolved")[0].args).toEqual({
      epoch: BigInt(epoch),
      upheld: true,
      challenger: ctx.addr.dave,
      bond: BOND,
    });
    // Gone: nothing active, nothing unbonding, nothing to withdraw, no longer an operator.
    expect(await stakeOf(ctx.addr.carol)).toMatchObject({ active: 0n, unbonding: 0n, openDisputes: 0 });
    expect(await ctx.read.market.read.isOperator([ctx.addr.carol])).toBe(false);
    await expectRevert(ctx.as.carol.market.write.withdrawStake(), "NothingUnbonding");
    await expectRevert(ctx.as.carol.market.write.postEpoch([randomHash(), 0n, await ctx.blockNumber(), 0n]), "NotOperator");
    // The challenger got the reward and the bond back; the treasury is credited the rest.
    expect(await ctx.balanceOf(ctx.addr.dave)).toBe(dave0 + toChallenger);
    expect(await ctx.read.market.read.credits([ctx.addr.treasury])).toBe(treasuryCredit0 + toTreasury);
    expect(await ctx.read.market.read.totalStaked()).toBe(staked0 - total);
    expect(await ctx.read.market.read.totalDisputeBonds()).toBe(0n);
    await expectBooksBalanced(ctx);
  });
});
