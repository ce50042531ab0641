/**
 * Per-token pricing on-chain (Fee = T_in·R_in + T_out·R_out + F): a model's token rates (ModelRegistry),
 * the payer's ceiling escrowed at payment, the operator settling the charge and the market returning the
 * unused ceiling to the payer, to the wei; and the attacks on it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maxUint256, type Hex } from "viem";
import { inferenceMarketAbi, modelRegistryAbi } from "../../contracts-abi";
import { charge, quote, type TokenRates } from "../../lib/inference/pricing";
import {
  OPEN,
  eventsOf,
  expectBooksBalanced,
  expectRevert,
  freshAuthorization,
  randomHash,
  seedModel,
  setupLedgerline,
  signAuthorization,
  type Ledgerline,
} from "./fixture";

const PROTOCOL_BPS = 500;
const OPERATOR_BPS = 1000;
const BUILDER_BPS = 2000;
const FEE = OPEN / 100n; // F: 0.01 OPEN
const RATES: TokenRates = { fee: FEE, inputRate: 10n ** 13n, outputRate: 3n * 10n ** 13n };
const MAX_TOKENS = 256;

let ctx: Ledgerline;
let modelId: bigint;
let flatModelId: bigint;

beforeAll(async () => {
  ctx = await setupLedgerline({ protocolBps: PROTOCOL_BPS, operatorBps: OPERATOR_BPS });
  modelId = await seedModel(ctx, FEE, BUILDER_BPS);
  flatModelId = await seedModel(ctx, FEE, BUILDER_BPS);
  const r = await ctx.send(ctx.as.builder.models.write.setTokenRates([modelId, RATES.inputRate, RATES.outputRate]));
  const [ev] = eventsOf(modelRegistryAbi, r, "ModelTokenRatesChanged");
  expect(ev.args).toEqual({ modelId, inputRate: RATES.inputRate, outputRate: RATES.outputRate });
  for (const who of ["alice", "bob"] as const) {
    await ctx.send(ctx.as[who].token.write.approve([ctx.deployment.inferenceMarket, maxUint256]));
  }
}, 120_000);

afterAll(async () => {
  await ctx?.stop();
});

/** Everything that moved, by whom: the payer's balance, credits, pool and escrow. */
async function snapshot(payer: "alice" | "bob") {
  const m = ctx.read.market.read;
  const [payerBalance, protocol, operator, builder, pool, escrow] = await Promise.all([
    ctx.balanceOf(ctx.addr[payer]),
    m.credits([ctx.addr.treasury]),
    m.credits([ctx.addr.operator]),
    m.credits([ctx.addr.builder]),
    m.totalContributorPool(),
    m.totalEscrow(),
  ]);
  return { payerBalance, protocol, operator, builder, pool, escrow };
}

async function payCeiling(payer: "alice" | "bob", ceiling: bigint) {
  const requestHash = randomHash();
  const receipt = await ctx.send(ctx.as[payer].market.write.pay([modelId, requestHash, ceiling]));
  const [ev] = eventsOf(inferenceMarketAbi, receipt, "InferencePaid");
  return { requestId: ev.args.requestId, requestHash, price: ev.args.price };
}

function settleCharged(requestId: bigint, requestHash: Hex, charged: bigint) {
  return ctx.as.operator.market.write.settle([requestId, requestHash, charged, randomHash(), randomHash()]);
}

describe("ModelRegistry token rates", () => {
  it("pricing returns (builder, price, builderBps, active, inputRate, outputRate); a flat model's rates are 0", async () => {
    expect(await ctx.read.models.read.pricing([modelId])).toEqual([ctx.addr.builder, FEE, BUILDER_BPS, true, RATES.inputRate, RATES.outputRate]);
    expect(await ctx.read.models.read.pricing([flatModelId])).toEqual([ctx.addr.builder, FEE, BUILDER_BPS, true, 0n, 0n]);
    const m = await ctx.read.models.read.getModel([modelId]);
    expect([m.inputRate, m.outputRate]).toEqual([RATES.inputRate, RATES.outputRate]);
  });

  it("only the builder sets the rates", async () => {
    await expectRevert(ctx.as.eve.models.write.setTokenRates([modelId, 1n, 1n]), "NotBuilder");
    await expectRevert(ctx.as.operator.models.write.setTokenRates([modelId, 1n, 1n]), "NotBuilder");
    await expectRevert(ctx.as.builder.models.write.setTokenRates([999n, 1n, 1n]), "UnknownModel");
    expect(await ctx.read.models.read.pricing([modelId])).toEqual([ctx.addr.builder, FEE, BUILDER_BPS, true, RATES.inputRate, RATES.outputRate]);
  });
});

describe("per-token settle", () => {
  // A short and a long answer to the same 40-token prompt, each against its ceiling at max_tokens.
  const cases = [
    { name: "short answer", inputTokens: 40, outputTokens: 3 },
    { name: "long answer", inputTokens: 40, outputTokens: 250 },
    { name: "answer at max_tokens", inputTokens: 40, outputTokens: MAX_TOKENS },
  ];

  for (const c of cases) {
    it(`${c.name}: charged T_in·R_in + T_out·R_out + F, split on the charge, the payer gets the rest back to the wei`, async () => {
      const ceiling = quote(RATES, c.inputTokens, MAX_TOKENS);
      const charged = charge(RATES, c.inputTokens, c.outputTokens);
      expect(charged).toBe(BigInt(c.inputTokens) * RATES.inputRate + BigInt(c.outputTokens) * RATES.outputRate + FEE);

      const before = await snapshot("alice");
      const paid = await payCeiling("alice", ceiling);
      expect(paid.price).toBe(ceiling);
      const mid = await snapshot("alice");
      expect(before.payerBalance - mid.payerBalance).toBe(ceiling);
      expect(mid.escrow - before.escrow).toBe(ceiling);

      const receipt = await ctx.send(settleCharged(paid.requestId, paid.requestHash, charged));
      const [settled] = eventsOf(inferenceMarketAbi, receipt, "InferenceSettled");
      const returnedEvents = eventsOf(inferenceMarketAbi, receipt, "UnusedCeilingReturned");
      const after = await snapshot("alice");

      const split = (bps: number) => (charged * BigInt(bps)) / 10_000n;
      expect(settled.args.price).toBe(charged);
      expect(settled.args.protocolFee).toBe(split(PROTOCOL_BPS));
      expect(settled.args.operatorFee).toBe(split(OPERATOR_BPS));
      expect(settled.args.builderFee).toBe(split(BUILDER_BPS));
      expect(settled.args.contributorPool).toBe(charged - split(PROTOCOL_BPS) - split(OPERATOR_BPS) - split(BUILDER_BPS));

      const returned = ceiling - charged;
      if (returned > 0n) expect(returnedEvents.map((e) => e.args)).toEqual([{ requestId: paid.requestId, payer: ctx.addr.alice, amount: returned }]);
      else expect(returnedEvents).toEqual([]);
      // The payer paid exactly the charge.
      expect(before.payerBalance - after.payerBalance).toBe(charged);
      expect(after.payerBalance - mid.payerBalance).toBe(returned);
      // Σ in == Σ out: the ceiling went to the four parts and back to the payer, nothing else.
      const parts = after.protocol - before.protocol + (after.operator - before.operator) + (after.builder - before.builder) + (after.pool - before.pool);
      expect(parts).toBe(charged);
      expect(parts + returned).toBe(ceiling);
      expect(after.escrow).toBe(before.escrow);
      await expectBooksBalanced(ctx);
      console.log(`per-token settle (${c.name}): ${receipt.gasUsed} gas`);
    });
  }

  it("an x402 authorization for the ceiling pays a per-token request; the 5-argument settle returns the unused part", async () => {
    const ceiling = quote(RATES, 12, MAX_TOKENS);
    const auth = await freshAuthorization(ctx, ctx.addr.bob, ctx.deployment.inferenceMarket, ceiling);
    const signature = await signAuthorization(ctx.accounts.bob, ctx.deployment.token, auth);
    const requestHash = randomHash();
    const before = await ctx.balanceOf(ctx.addr.bob);
    const receipt = await ctx.send(
      ctx.as.operator.market.write.payWithAuthorization([modelId, requestHash, ceiling, auth.from, auth.value, auth.validAfter, auth.validBefore, auth.nonce, signature]),
    );
    const [paid] = eventsOf(inferenceMarketAbi, receipt, "InferencePaid");
    expect(paid.args.price).toBe(ceiling);
    const charged = charge(RATES, 12, 7);
    await ctx.send(settleCharged(paid.args.requestId, requestHash, charged));
    expect(before - (await ctx.balanceOf(ctx.addr.bob))).toBe(charged);
    await expectBooksBalanced(ctx);
  });

  it("the 4-argument settle charges the whole escrow (flat models unchanged; per-token: the whole ceiling)", async () => {
    const before = await ctx.balanceOf(ctx.addr.alice);
    const flatHash = randomHash();
    const r = await ctx.send(ctx.as.alice.market.write.pay([flatModelId, flatHash, maxUint256]));
    const [flat] = eventsOf(inferenceMarketAbi, r, "InferencePaid");
    expect(flat.args.price).toBe(FEE);
    const s = await ctx.send(ctx.as.operator.market.write.settle([flat.args.requestId, flatHash, randomHash(), randomHash()]));
    expect(eventsOf(inferenceMarketAbi, s, "InferenceSettled")[0].args.price).toBe(FEE);
    expect(eventsOf(inferenceMarketAbi, s, "UnusedCeilingReturned")).toEqual([]);

    const ceiling = quote(RATES, 5, MAX_TOKENS);
    const paid = await payCeiling("alice", ceiling);
    const s2 = await ctx.send(ctx.as.operator.market.write.settle([paid.requestId, paid.requestHash, randomHash(), randomHash()]));
    expect(eventsOf(inferenceMarketAbi, s2, "InferenceSettled")[0].args.price).toBe(ceiling);
    expect(before - (await ctx.balanceOf(ctx.addr.alice))).toBe(FEE + ceiling);
    await expectBooksBalanced(ctx);
  });

  it("a flat model settled with the 5-argument settle for less returns the difference too", async () => {
    const hash = randomHash();
    const r = await ctx.send(ctx.as.bob.market.write.pay([flatModelId, hash, FEE]));
    const id = eventsOf(inferenceMarketAbi, r, "InferencePaid")[0].args.requestId;
    const before = await ctx.balanceOf(ctx.addr.bob);
    await ctx.send(settleCharged(id, hash, FEE - 1n));
    expect((await ctx.balanceOf(ctx.addr.bob)) - before).toBe(1n);
    await expectBooksBalanced(ctx);
  });
});

describe("per-token attacks", () => {
  it("an operator charging above the ceiling reverts ChargeAboveCeiling; nothing moves", async () => {
    const ceiling = quote(RATES, 10, MAX_TOKENS);
    const paid = await payCeiling("alice", ceiling);
    const args = await expectRevert(settleCharged(paid.requestId, paid.requestHash, ceiling + 1n), "ChargeAboveCeiling");
    expect(args).toEqual([ceiling + 1n, ceiling]);
    expect((await ctx.read.market.read.getRequest([paid.requestId])).status).toBe(1);
    // At the ceiling exactly is fine.
    await ctx.send(settleCharged(paid.requestId, paid.requestHash, ceiling));
    await expectBooksBalanced(ctx);
  });

  it("replaying a settle reverts (both overloads), so the unused ceiling is returned once", async () => {
    const ceiling = quote(RATES, 10, MAX_TOKENS);
    const paid = await payCeiling("bob", ceiling);
    const charged = charge(RATES, 10, 1);
    await ctx.send(settleCharged(paid.requestId, paid.requestHash, charged));
    const balance = await ctx.balanceOf(ctx.addr.bob);
    await expectRevert(settleCharged(paid.requestId, paid.requestHash, charged), "RequestNotPaid");
    await expectRevert(settleCharged(paid.requestId, paid.requestHash, 0n), "RequestNotPaid");
    await expectRevert(ctx.as.operator.market.write.settle([paid.requestId, paid.requestHash, randomHash(), randomHash()]), "RequestNotPaid");
    await expectRevert(ctx.as.operator.market.write.refund([paid.requestId, paid.requestHash]), "RequestNotPaid");
    expect(await ctx.balanceOf(ctx.addr.bob)).toBe(balance);
    await expectBooksBalanced(ctx);
  });

  it("a stranger cannot settle a per-token request", async () => {
    const paid = await payCeiling("alice", quote(RATES, 10, MAX_TOKENS));
    await expectRevert(ctx.as.eve.market.write.settle([paid.requestId, paid.requestHash, FEE, randomHash(), randomHash()]), "NotOperator");
    await expectRevert(ctx.as.alice.market.write.settle([paid.requestId, paid.requestHash, 0n, randomHash(), randomHash()]), "NotOperator");
    await ctx.send(settleCharged(paid.requestId, paid.requestHash, FEE));
    await expectBooksBalanced(ctx);
  });

  it("a ceiling below the fixed fee reverts CeilingBelowFee (pay and payWithAuthorization)", async () => {
    const args = await expectRevert(ctx.as.alice.market.write.pay([modelId, randomHash(), FEE - 1n]), "CeilingBelowFee");
    expect(args).toEqual([FEE - 1n, FEE]);
    const auth = await freshAuthorization(ctx, ctx.addr.bob, ctx.deployment.inferenceMarket, FEE - 1n);
    const signature = await signAuthorization(ctx.accounts.bob, ctx.deployment.token, auth);
    await expectRevert(
      ctx.as.operator.market.write.payWithAuthorization([modelId, randomHash(), FEE - 1n, auth.from, auth.value, auth.validAfter, auth.validBefore, auth.nonce, signature]),
      "CeilingBelowFee",
    );
    // A ceiling of exactly the fee is accepted (an answer charged F + tokens above it is refused at settle).
    const paid = await payCeiling("alice", FEE);
    await expectRevert(settleCharged(paid.requestId, paid.requestHash, FEE + 1n), "ChargeAboveCeiling");
    await ctx.send(settleCharged(paid.requestId, paid.requestHash, FEE));
    await expectBooksBalanced(ctx);
  });

  it("InferenceMarket's runtime code stays under the 24,576-byte limit", async () => {
    const code = await ctx.publicClient.getCode({ address: ctx.deployment.inferenceMarket });
    const size = (code!.length - 2) / 2;
    console.log(`InferenceMarket runtime size: ${size} bytes`);
    expect(size).toBeLessThan(24_576);
  });
});
