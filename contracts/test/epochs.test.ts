/**
 * Optimistic epoch roots: a root is pending for the challenge window, finalizes only after its predecessor,
 * a disputed root holds back its successors, an upheld dispute discards a root (the next one builds on its
 * predecessor, its successors never finalize), the bounds on each root, claims against the final root only,
 * and what a frivolous dispute costs. Disputes are resolved directly by the admin EOA here; the Governor
 * path is in malicious-root.test.ts and governance.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maxUint256, type Address } from "viem";
import { inferenceMarketAbi } from "../../contracts-abi";
import { buildClaimsTree, type ClaimsTree } from "../../lib/chain/merkle";
import { marketDefaults } from "../../lib/governance/params";
import {
  EpochStatus,
  OPEN,
  eventsOf,
  expectBooksBalanced,
  expectRevert,
  finalizeAfterWindow,
  postRoot,
  randomHash,
  seedModel,
  settleSome,
  setupLedgerline,
  type Ledgerline,
} from "./fixture";

const defaults = marketDefaults(31337);
const WINDOW = defaults.challengeWindowSeconds;
const BOND = defaults.disputeBond;
const PRICE = 10n * OPEN;

let ctx: Ledgerline;
let market: Address;
let modelId: bigint;

const m = () => ctx.read.market.read;
const epoch = (e: number) => m().getEpoch([BigInt(e)]);
const statusOf = async (e: number) => (await epoch(e)).status;

/** A tree giving alice, bob and carol `a`, `b`, `c` cumulatively. */
function tree3(a: bigint, b: bigint, c: bigint): ClaimsTree {
  return buildClaimsTree([
    { account: ctx.addr.alice, cumulativeAmount: a },
    { account: ctx.addr.bob, cumulativeAmount: b },
    { account: ctx.addr.carol, cumulativeAmount: c },
  ]);
}

beforeAll(async () => {
  ctx = await setupLedgerline();
  market = ctx.deployment.inferenceMarket;
  for (const r of ["alice", "bob", "carol", "dave", "eve"] as const) {
    await ctx.send(ctx.as[r].token.write.approve([market, maxUint256]));
  }
  modelId = await seedModel(ctx, PRICE, 1000);
  await settleSome(ctx, modelId, 6);
});
afterAll(async () => {
  await ctx?.stop();
});

describe("the chain of roots", () => {
  it("a root finalizes only after its window and after its predecessor", async () => {
    const t1 = tree3(1n * OPEN, 1n * OPEN, 0n);
    const t2 = tree3(2n * OPEN, 1n * OPEN, 1n * OPEN);
    const { epoch: e1 } = await postRoot(ctx, t1.root, t1.total);
    // Each root may only add what was settled since its predecessor was posted.
    await settleSome(ctx, modelId, 1);
    const { epoch: e2, receipt } = await postRoot(ctx, t2.root, t2.total);
    expect([e1, e2]).toEqual([1, 2]);
    expect(eventsOf(inferenceMarketAbi, receipt, "EpochPosted")[0].args.prev).toBe(1n);
    expect(await epoch(e2)).toMatchObject({ prev: e1, status: EpochStatus.Pending, poster: ctx.addr.operator });
    expect(await m().tipEpoch()).toBe(e2);

    await ctx.increaseTime(WINDOW);
    const [e, prev] = (await expectRevert(ctx.as.eve.market.write.finalizeEpoch([e2]), "PredecessorNotFinal"))!;
    expect([e, prev]).toEqual([BigInt(e2), BigInt(e1)]);
    await ctx.send(ctx.as.eve.market.write.finalizeEpoch([e1]));
    await ctx.send(ctx.as.eve.market.write.finalizeEpoch([e2]));
    expect(await m().finalEpoch()).toBe(e2);
    expect(await m().epochRoot()).toBe(t2.root);
    await expectRevert(ctx.as.eve.market.write.finalizeEpoch([99]), "NotPending");
    await expectRevert(m().getEpoch([99n]), "UnknownEpoch");
  });

  it("a disputed root holds back its successors; rejected, they finalize in order", async () => {
    const base = await m().epochTotal();
    await settleSome(ctx, modelId, 1);
    const t3 = tree3(2n * OPEN + 1n, 1n * OPEN, 1n * OPEN);
    expect(t3.total).toBe(base + 1n);
    const { epoch: e3 } = await postRoot(ctx, t3.root, t3.total);
    await ctx.send(ctx.as.dave.market.write.dispute([e3]));
    expect(await statusOf(e3)).toBe(EpochStatus.Disputed);
    // A successor can be posted on a disputed root, but it waits for it.
    const { epoch: e4 } = await postRoot(ctx, randomHash(), t3.total);
    expect((await epoch(e4)).prev).toBe(e3);
    await ctx.increaseTime(WINDOW);
    await expectRevert(ctx.as.eve.market.write.finalizeEpoch([e3]), "NotPending");
    await expectRevert(ctx.as.eve.market.write.finalizeEpoch([e4]), "PredecessorNotFinal");

    await ctx.send(ctx.as.admin.market.write.resolveDispute([e3, false]));
    expect(await statusOf(e3)).toBe(EpochStatus.Pending);
    await expectRevert(ctx.as.eve.market.write.finalizeEpoch([e4]), "PredecessorNotFinal");
    await ctx.send(ctx.as.eve.market.write.finalizeEpoch([e3]));
    await ctx.send(ctx.as.eve.market.write.finalizeEpoch([e4]));
    expect(await m().finalEpoch()).toBe(e4);
    await expectBooksBalanced(ctx);
  });

  it("after an upheld dispute the next root builds on the discarded root's predecessor; its successors never finalize", async () => {
    const good = await m().tipEpoch();
    const goodTotal = (await epoch(good)).cumulativeTotal;
    const since = await settleSome(ctx, modelId, 2);
    // The bad root takes everything settled since; its successor builds on it.
    const { epoch: bad } = await postRoot(ctx, randomHash(), goodTotal + since);
    const { epoch: onBad } = await postRoot(ctx, randomHash(), goodTotal + since);
    expect((await epoch(onBad)).prev).toBe(bad);
    await ctx.send(ctx.as.dave.market.write.dispute([bad]));
    const r = await ctx.send(ctx.as.admin.market.write.resolveDispute([bad, true]));
    expect(eventsOf(inferenceMarketAbi, r, "DisputeResolved")[0].args.upheld).toBe(true);
    expect(await statusOf(bad)).toBe(EpochStatus.Discarded);
    expect(await m().tipEpoch()).toBe(good);

    // The slashed operator is restaked by its funder to keep posting (the deployer funded it at first).
    await ctx.send(ctx.as.alice.market.write.stake([ctx.addr.operator, defaults.minStake]));
    // The next root builds on `good`: a smaller total than the discarded one is not a decrease.
    const honest = tree3(3n * OPEN, 1n * OPEN, 1n * OPEN + 1n);
    expect(honest.total < goodTotal + since).toBe(true);
    const { epoch: next, receipt } = await postRoot(ctx, honest.root, honest.total);
    expect(eventsOf(inferenceMarketAbi, receipt, "EpochPosted")[0].args.prev).toBe(BigInt(good));

    await ctx.increaseTime(WINDOW);
    const [, prev] = (await expectRevert(ctx.as.eve.market.write.finalizeEpoch([onBad]), "PredecessorNotFinal"))!;
    expect(prev).toBe(BigInt(bad));
    await ctx.send(ctx.as.eve.market.write.finalizeEpoch([next]));
    expect(await m().finalEpoch()).toBe(next);
    // Still never, now or later.
    await ctx.increaseTime(WINDOW);
    await expectRevert(ctx.as.eve.market.write.finalizeEpoch([onBad]), "PredecessorNotFinal");
    await expectRevert(ctx.as.eve.market.write.finalizeEpoch([bad]), "NotPending");
    await expectBooksBalanced(ctx);
  });
});

describe("the bounds on a root", () => {
  it("refuses insolvent, decreasing and too-large totals, blocks not yet past or going back, and other posters", async () => {
    await settleSome(ctx, modelId, 1);
    const tip = await epoch(await m().tipEpoch());
    const pool = await m().totalContributorPool();
    const head = await ctx.blockNumber();
    const op = ctx.as.operator.market.write;

    const [total, settled] = (await expectRevert(op.postEpoch([randomHash(), pool + 1n, head, pool]), "EpochInsolvent"))!;
    expect([total, settled]).toEqual([pool + 1n, pool]);
    const [p, n] = (await expectRevert(op.postEpoch([randomHash(), tip.cumulativeTotal - 1n, head, pool]), "EpochTotalDecreased"))!;
    expect([p, n]).toEqual([tip.cumulativeTotal, tip.cumulativeTotal - 1n]);
    // The pool a root declares for its blocks: never above what was settled, never below the previous root's.
    const [declared, settledPool] = (await expectRevert(op.postEpoch([randomHash(), tip.cumulativeTotal, head, pool + 1n]), "PoolThroughAboveSettled"))!;
    expect([declared, settledPool]).toEqual([pool + 1n, pool]);
    if (tip.poolThrough > 0n) await expectRevert(op.postEpoch([randomHash(), tip.cumulativeTotal, head, tip.poolThrough - 1n]), "PoolThroughDecreased");
    // Each root may add at most what was settled between the previous root's blocks and its own.
    const sinceTip = pool - tip.poolThrough;
    const [inc, since] = (await expectRevert(
      op.postEpoch([randomHash(), tip.cumulativeTotal + sinceTip + 1n, head, pool]),
      "EpochIncreaseTooLarge",
    ))!;
    expect([inc, since]).toEqual([sinceTip + 1n, sinceTip]);
    expect(sinceTip > 0n).toBe(true);
    // throughBlock names settled blocks: not the block the root lands in, never before the previous root's.
    const [tb, bn] = (await expectRevert(op.postEpoch([randomHash(), tip.cumulativeTotal, head + 1n, pool]), "ThroughBlockNotPast"))!;
    expect([tb, bn]).toEqual([head + 1n, head + 1n, pool]);
    const [prevTb, nextTb] = (await expectRevert(
      op.postEpoch([randomHash(), tip.cumulativeTotal, tip.throughBlock - 1n, pool]),
      "ThroughBlockDecreased",
    ))!;
    expect([prevTb, nextTb]).toEqual([tip.throughBlock, tip.throughBlock - 1n, pool]);
    await expectRevert(op.postEpoch(["0x0000000000000000000000000000000000000000000000000000000000000000", tip.cumulativeTotal, head, pool]), "ZeroRoot");
    // A staked operator that is not the root poster.
    await ctx.send(ctx.as.bob.market.write.stake([ctx.addr.bob, defaults.minStake]));
    const [who] = (await expectRevert(ctx.as.bob.market.write.postEpoch([randomHash(), tip.cumulativeTotal, head, pool]), "NotRootPoster"))!;
    expect(who).toBe(ctx.addr.bob);
    await ctx.send(ctx.as.bob.market.write.requestUnstake([defaults.minStake]));

    // Exactly at the bounds is fine.
    const { epoch: e } = await postRoot(ctx, randomHash(), tip.cumulativeTotal + sinceTip);
    expect((await epoch(e)).cumulativeTotal).toBe(tip.cumulativeTotal + sinceTip);
    await finalizeAfterWindow(ctx, e);
  });
});

describe("claims use the final root only", () => {
  it("a pending root's proof is invalid until it finalizes; a claim never exceeds the final total", async () => {
    const finalTotal = await m().epochTotal();
    const since = await settleSome(ctx, modelId, 2);
    // Dave is new in this root and claims its whole increase; with Eve's leaf the tree sums above its
    // declared total.
    const eveLeaf = finalTotal + since;
    const t = buildClaimsTree([
      { account: ctx.addr.dave, cumulativeAmount: since },
      { account: ctx.addr.eve, cumulativeAmount: eveLeaf },
    ]);
    const { epoch: e } = await postRoot(ctx, t.root, finalTotal + since);
    const proof = t.proofFor(ctx.addr.dave);
    await expectRevert(ctx.as.dave.market.write.claim([ctx.addr.dave, since, proof]), "InvalidProof");
    await finalizeAfterWindow(ctx, e);

    const claimed0 = await m().claimedTotal();
    const dave0 = await ctx.balanceOf(ctx.addr.dave);
    await ctx.send(ctx.as.dave.market.write.claim([ctx.addr.dave, since, proof]));
    expect(await ctx.balanceOf(ctx.addr.dave)).toBe(dave0 + since);
    // Eve's leaf is in the tree, but the declared total has no room left for it.
    const args = (await expectRevert(
      ctx.as.eve.market.write.claim([ctx.addr.eve, eveLeaf, t.proofFor(ctx.addr.eve)]),
      "ClaimExceedsEpochTotal",
    ))!;
    expect(args).toEqual([claimed0 + since, eveLeaf, finalTotal + since]);
    await expectBooksBalanced(ctx);
  });
});

describe("disputes", () => {
  it("only a pending root, only inside its window, once", async () => {
    const finalE = await m().finalEpoch();
    await expectRevert(ctx.as.dave.market.write.dispute([finalE]), "NotPending");
    await expectRevert(ctx.as.dave.market.write.dispute([999]), "NotPending");
    await expectRevert(ctx.as.admin.market.write.resolveDispute([finalE, true]), "NotDisputed");
    const { epoch: e, receipt } = await postRoot(ctx, randomHash(), await m().epochTotal());
    const closesAt = eventsOf(inferenceMarketAbi, receipt, "EpochPosted")[0].args.finalizesAt;
    await ctx.increaseTime(Number(closesAt - (await ctx.now())));
    const [ee, closed] = (await expectRevert(ctx.as.dave.market.write.dispute([e]), "ChallengeWindowClosed"))!;
    expect([ee, closed]).toEqual([BigInt(e), closesAt]);
    await ctx.send(ctx.as.eve.market.write.finalizeEpoch([e]));

    const { epoch: e2 } = await postRoot(ctx, randomHash(), await m().epochTotal());
    await ctx.send(ctx.as.dave.market.write.dispute([e2]));
    await expectRevert(ctx.as.carol.market.write.dispute([e2]), "NotPending");
    await ctx.send(ctx.as.admin.market.write.resolveDispute([e2, false]));
    await expectRevert(ctx.as.admin.market.write.resolveDispute([e2, false]), "NotDisputed");
    await finalizeAfterWindow(ctx, e2);
  });

  it("a frivolous dispute, rejected, costs the challenger the bond (to the treasury) and the root finalizes", async () => {
    const t = tree3(3n * OPEN, 1n * OPEN, 1n * OPEN + 1n);
    const { epoch: e } = await postRoot(ctx, t.root, await m().epochTotal());
    const dave0 = await ctx.balanceOf(ctx.addr.dave);
    const treasury0 = await m().credits([ctx.addr.treasury]);
    const stake0 = await m().getStake([ctx.addr.operator]);
    await ctx.send(ctx.as.dave.market.write.dispute([e]));
    expect(await ctx.balanceOf(ctx.addr.dave)).toBe(dave0 - BOND);
    expect(await epoch(e)).toMatchObject({ status: EpochStatus.Disputed, challenger: ctx.addr.dave, bond: BOND });
    await expectBooksBalanced(ctx);

    const r = await ctx.send(ctx.as.admin.market.write.resolveDispute([e, false]));
    expect(eventsOf(inferenceMarketAbi, r, "DisputeResolved")[0].args).toEqual({
      epoch: BigInt(e),
      upheld: false,
      challenger: ctx.addr.dave,
      bond: BOND,
    });
    expect(eventsOf(inferenceMarketAbi, r, "Slashed")).toHaveLength(0);
    expect(await ctx.balanceOf(ctx.addr.dave)).toBe(dave0 - BOND);
    expect(await m().credits([ctx.addr.treasury])).toBe(treasury0 + BOND);
    expect(await m().totalDisputeBonds()).toBe(0n);
    // The poster keeps its stake.
    expect(await m().getStake([ctx.addr.operator])).toMatchObject({ active: stake0.active, openDisputes: 0 });
    await finalizeAfterWindow(ctx, e);
    expect(await m().finalEpoch()).toBe(e);
    expect(await m().epochRoot()).toBe(t.root);
    await expectBooksBalanced(ctx);
  });
});
