/**
 * Gas of the money path (receipts' gasUsed on anvil), and the claim that an epoch costs the same whatever
 * the number of contributors: postEpoch stores one root and one total, so its gas does not depend on the
 * tree; a claim verifies one Merkle proof, whose length grows with log2(contributors) (one 32-byte sibling
 * and one hash per level), nothing else. Prints the figures for the README.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAddress, maxUint256, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { buildClaimsTree, type ClaimsTree } from "../../lib/chain/merkle";
import { marketDefaults } from "../../lib/governance/params";
import {
  OPEN,
  finalizeAfterWindow,
  freshAuthorization,
  payFor,
  postRoot,
  randomHash,
  seedModel,
  settleRequest,
  settleSome,
  setupLedgerline,
  signAuthorization,
  type Ledgerline,
} from "./fixture";

const PRICE = 10n * OPEN;

let ctx: Ledgerline;
let market: Address;
let modelId: bigint;
const gas: Record<string, bigint> = {};

/** A tree of `n` fresh accounts with 1,000 wei each (fresh: every claim writes a new slot, as in real life). */
function freshTree(n: number): ClaimsTree {
  return buildClaimsTree(
    Array.from({ length: n }, () => ({ account: getAddress(randomHash().slice(0, 42)), cumulativeAmount: 1_000n })),
  );
}

/** Posts `tree` (after a settlement, so the increase is within the bound), finalizes it; returns postEpoch's gas. */
async function postAndFinalize(tree: ClaimsTree): Promise<{ post: bigint; finalize: bigint }> {
  await settleSome(ctx, modelId, 1);
  const { epoch, receipt } = await postRoot(ctx, tree.root, (await ctx.read.market.read.epochTotal()) + tree.total);
  const f = await finalizeAfterWindow(ctx, epoch);
  return { post: receipt.gasUsed, finalize: f.gasUsed };
}

async function claimGas(tree: ClaimsTree, account: Address, amount: bigint): Promise<bigint> {
  const r = await ctx.send(ctx.as.eve.market.write.claim([account, amount, tree.proofFor(account)]));
  return r.gasUsed;
}

beforeAll(async () => {
  ctx = await setupLedgerline();
  market = ctx.deployment.inferenceMarket;
  for (const r of ["alice", "carol", "eve"] as const) await ctx.send(ctx.as[r].token.write.approve([market, maxUint256]));
  modelId = await seedModel(ctx, PRICE, 1000);
  // Warm-up: the first root, claim and payment write counters from zero; measure the steady state.
  const warm = freshTree(2);
  await postAndFinalize(warm);
  await ctx.send(ctx.as.eve.market.write.claim([warm.entries[0].account, 1_000n, warm.proofFor(warm.entries[0].account)]));
});
afterAll(async () => {
  await ctx?.stop();
});

describe("gas", () => {
  it("postEpoch and claim cost the same for 2 and 2,000 contributors (the proof grows with log2)", async () => {
    const small = freshTree(2);
    const large = freshTree(2_000);
    // Cumulative amounts: each tree's leaves add to what earlier roots already hold.
    const s = await postAndFinalize(small);
    const claimSmall = await claimGas(small, small.entries[1].account, 1_000n);
    const l = await postAndFinalize(large);
    const claimLarge = await claimGas(large, large.entries[1234].account, 1_000n);
    const depthSmall = small.proofFor(small.entries[1].account).length;
    const depthLarge = large.proofFor(large.entries[1234].account).length;
    gas["postEpoch (2 contributors)"] = s.post;
    gas["postEpoch (2,000 contributors)"] = l.post;
    gas["finalizeEpoch"] = l.finalize;
    gas[`claim (2 contributors, proof of ${depthSmall})`] = claimSmall;
    gas[`claim (2,000 contributors, proof of ${depthLarge})`] = claimLarge;

    // postEpoch: the same but for calldata bytes of the root and total (zero bytes cost 4 gas, others 16).
    expect(Math.abs(Number(l.post - s.post))).toBeLessThan(200);
    expect(s.finalize).toBe(l.finalize);
    // claim: only the proof's extra levels, each a calldata word and one keccak (well under 1,000 gas).
    expect(depthLarge - depthSmall).toBe(Math.ceil(Math.log2(2_000)) - 1);
    const perLevel = Number(claimLarge - claimSmall) / (depthLarge - depthSmall);
    expect(perLevel).toBeGreaterThan(0);
    expect(perLevel).toBeLessThan(1_000);
    gas["claim: per extra proof level"] = BigInt(Math.round(perLevel));
  });

  it("dispute, resolveDispute, stake, requestUnstake, withdrawStake", async () => {
    const { epoch } = await postRoot(ctx, randomHash(), await ctx.read.market.read.epochTotal());
    gas["dispute"] = (await ctx.send(ctx.as.eve.market.write.dispute([epoch]))).gasUsed;
    gas["resolveDispute (rejected)"] = (await ctx.send(ctx.as.admin.market.write.resolveDispute([epoch, false]))).gasUsed;
    await finalizeAfterWindow(ctx, epoch);
    const { epoch: e2 } = await postRoot(ctx, randomHash(), await ctx.read.market.read.epochTotal());
    await ctx.send(ctx.as.eve.market.write.dispute([e2]));
    gas["resolveDispute (upheld: slash)"] = (await ctx.send(ctx.as.admin.market.write.resolveDispute([e2, true]))).gasUsed;
    // The slashed operator is staked again by a funder (first stake of an address: a new slot).
    gas["stake"] = (await ctx.send(ctx.as.alice.market.write.stake([ctx.addr.operator, marketDefaults(31337).minStake]))).gasUsed;
    await ctx.send(ctx.as.carol.market.write.stake([ctx.addr.carol, marketDefaults(31337).minStake]));
    gas["requestUnstake"] = (await ctx.send(ctx.as.carol.market.write.requestUnstake([marketDefaults(31337).minStake]))).gasUsed;
    await ctx.increaseTime(marketDefaults(31337).challengeWindowSeconds + marketDefaults(31337).unbondingDelaySeconds);
    gas["withdrawStake"] = (await ctx.send(ctx.as.carol.market.write.withdrawStake())).gasUsed;
  });

  it("pay, payWithAuthorization (and its adoption after a front-run), settle, refund", async () => {
    const paid = await payFor(ctx, "alice", modelId);
    gas["pay"] = paid.receipt.gasUsed;
    const s = await ctx.send(ctx.as.operator.market.write.settle([paid.requestId, paid.requestHash, randomHash(), randomHash()]));
    gas["settle"] = s.gasUsed;

    const payer = privateKeyToAccount(generatePrivateKey());
    await ctx.fund(payer.address, 3n * PRICE);
    const submit = async (frontRun: boolean) => {
      const auth = await freshAuthorization(ctx, payer.address, market, PRICE);
      const sig = await signAuthorization(payer, ctx.deployment.token, auth);
      if (frontRun) {
        await ctx.send(ctx.as.eve.token.write.transferWithAuthorization([auth.from, auth.to, auth.value, auth.validAfter, auth.validBefore, auth.nonce, sig]));
      }
      const requestHash: Hex = randomHash();
      const r = await ctx.send(
        ctx.as.operator.market.write.payWithAuthorization([modelId, requestHash, PRICE, auth.from, auth.value, auth.validAfter, auth.validBefore, auth.nonce, sig]),
      );
      return { r, requestHash };
    };
    const viaAuth = await submit(false);
    gas["payWithAuthorization"] = viaAuth.r.gasUsed;
    gas["payWithAuthorization (adopting a front-run)"] = (await submit(true)).r.gasUsed;
    const id = (await ctx.read.market.read.requestCount());
    const settled = await settleRequest(ctx, id - 1n, viaAuth.requestHash);
    expect(settled.price).toBe(PRICE);
    const other = await payFor(ctx, "alice", modelId);
    gas["refund (by the operator)"] = (await ctx.send(ctx.as.operator.market.write.refund([other.requestId, other.requestHash]))).gasUsed;

    // Per-token pricing: the payer's ceiling is escrowed, the operator settles the charge and the unused ceiling
    // goes back to the payer in the same transaction.
    await ctx.send(ctx.as.builder.models.write.setTokenRates([modelId, 10n ** 12n, 10n ** 12n]));
    const perToken = async () => {
      const requestHash: Hex = randomHash();
      const r = await ctx.send(ctx.as.alice.market.write.pay([modelId, requestHash, 2n * PRICE]));
      return { r, requestId: await ctx.read.market.read.requestCount(), requestHash };
    };
    const full = await perToken();
    gas["pay (per-token: the ceiling)"] = full.r.gasUsed;
    gas["settle (per-token, charged = ceiling)"] = (
      await ctx.send(ctx.as.operator.market.write.settle([full.requestId, full.requestHash, 2n * PRICE, randomHash(), randomHash()]))
    ).gasUsed;
    const part = await perToken();
    gas["settle (per-token, unused ceiling returned)"] = (
      await ctx.send(ctx.as.operator.market.write.settle([part.requestId, part.requestHash, PRICE + 1n, randomHash(), randomHash()]))
    ).gasUsed;
    await ctx.send(ctx.as.builder.models.write.setTokenRates([modelId, 0n, 0n]));

    const width = Math.max(...Object.keys(gas).map((k) => k.length));
    console.log(
      "gas used (anvil; contracts-abi/ build: solc 0.8.37, optimizer 200 runs, via-IR, cancun):\n" +
        Object.entries(gas)
          .map(([k, v]) => `  ${k.padEnd(width)}  ${v.toLocaleString("en-US").padStart(9)}`)
          .join("\n"),
    );
  });
});
