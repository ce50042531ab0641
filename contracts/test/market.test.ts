import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { maxUint256, zeroAddress, zeroHash, type Address, type Hex, type LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { inferenceMarketAbi, modelRegistryAbi } from "../../contracts-abi";
import { DEFAULT_ADMIN_ROLE, deployLedgerline, deploymentSchema } from "../../lib/chain/deploy";
import { marketDefaults } from "../../lib/governance/params";
import { buildClaimsTree, claimLeaf, loadClaimsTree, verifyClaim, versionRoot } from "../../lib/chain/merkle";
import {
  OPEN,
  ROLES,
  eventsOf,
  EpochStatus,
  expectBooksBalanced,
  expectRevert,
  finalizeAfterWindow,
  freshAuthorization,
  postRoot,
  randomHash,
  setupLedgerline,
  signAuthorization,
  type Authorization,
  type Ledgerline,
} from "./fixture";

const PROTOCOL_BPS = 500;
const OPERATOR_BPS = 1000;
const BUILDER_BPS = 2000;
const TIMEOUT = 600;
const PRICE = 10n * OPEN;
const MIN_STAKE = marketDefaults(31337).minStake;
const Status = { None: 0, Paid: 1, Settled: 2, Refunded: 3 } as const;

let ctx: Ledgerline;
let market: Address;
let modelId: bigint;
let datanetId: bigint;

/** Reference model of the on-chain split (InferenceMarket.splitFees). */
function split(price: bigint, protocolBps: number, operatorBps: number, builderBps: number) {
  const protocolFee = (price * BigInt(protocolBps)) / 10_000n;
  const operatorFee = (price * BigInt(operatorBps)) / 10_000n;
  const builderFee = (price * BigInt(builderBps)) / 10_000n;
  return { protocolFee, operatorFee, builderFee, contributorPool: price - protocolFee - operatorFee - builderFee };
}

async function registerModel(price: bigint, builderBps: number): Promise<bigint> {
  const receipt = await ctx.send(
    ctx.as.builder.models.write.registerModel([
      "ipfs://model",
      randomHash(),
      randomHash(),
      [datanetId],
      [1],
      price,
      builderBps,
      0,
    ]),
  );
  return eventsOf(modelRegistryAbi, receipt, "ModelRegistered")[0].args.modelId;
}

type Payer = "alice" | "bob" | "carol" | "dave";
async function pay(who: Payer, id = modelId, maxPrice = maxUint256) {
  const requestHash = randomHash();
  const receipt = await ctx.send(ctx.as[who].market.write.pay([id, requestHash, maxPrice]));
  const [ev] = eventsOf(inferenceMarketAbi, receipt, "InferencePaid");
  return { requestId: ev.args.requestId, requestHash, receipt, ev };
}

async function settle(requestId: bigint, requestHash: Hex) {
  const receipt = await ctx.send(ctx.as.operator.market.write.settle([requestId, requestHash, randomHash(), randomHash()]));
  return eventsOf(inferenceMarketAbi, receipt, "InferenceSettled")[0].args;
}

/** The market's books balance to the wei (fixture's expectBooksBalanced), and nothing is surplus. */
async function checkBooks() {
  await expectBooksBalanced(ctx);
  expect(await ctx.read.market.read.surplus()).toBe(0n);
}

beforeAll(async () => {
  ctx = await setupLedgerline({ protocolBps: PROTOCOL_BPS, operatorBps: OPERATOR_BPS, market: { refundTimeoutSeconds: TIMEOUT } });
  market = ctx.deployment.inferenceMarket;
  await ctx.send(ctx.as.owner.datanets.write.createDatanet([randomHash(), "ipfs://d", 0n, false, ctx.addr.owner]));
  datanetId = 1n;
  const contentHash = randomHash();
  await ctx.send(ctx.as.alice.datanets.write.contribute([datanetId, contentHash, 100n, 1, 0n, 0n, "0x"]));
  await ctx.send(ctx.as.owner.datanets.write.publishVersion([datanetId, versionRoot([{ id: 1n, contentHash }]), 1]));
  modelId = await registerModel(PRICE, BUILDER_BPS);
  for (const r of ["alice", "bob", "carol", "dave", "eve"] as const) {
    await ctx.send(ctx.as[r].token.write.approve([market, maxUint256]));
  }
});
afterAll(async () => {
  await ctx?.stop();
});

describe("deployment", () => {
  it("deployed with the requested parameters and roles", async () => {
    const m = ctx.read.market.read;
    expect(await m.protocolBps()).toBe(PROTOCOL_BPS);
    expect(await m.operatorBps()).toBe(OPERATOR_BPS);
    expect(await m.refundTimeout()).toBe(BigInt(TIMEOUT));
    expect(await m.protocolTreasury()).toBe(ctx.addr.treasury);
    expect(await m.token()).toBe(ctx.deployment.token);
    expect(await m.models()).toBe(ctx.deployment.modelRegistry);
    expect(await m.feeVersion()).toBe(0);
    expect(await m.feeSchedule([0])).toEqual({ protocolBps: PROTOCOL_BPS, operatorBps: OPERATOR_BPS });
    // The operator is staked (the minimum, from the deployer) and posts roots; nobody else is an operator.
    expect(await m.isOperator([ctx.addr.operator])).toBe(true);
    expect(await m.rootPoster()).toBe(ctx.addr.operator);
    expect((await m.getStake([ctx.addr.operator])).active).toBe(MIN_STAKE);
    expect(await m.totalStaked()).toBe(MIN_STAKE);
    expect(await ctx.balanceOf(market)).toBe(MIN_STAKE);
    for (const r of ["admin", "treasury", "builder", "eve"] as const) expect(await m.isOperator([ctx.addr[r]])).toBe(false);
    // "admin" mode: the test EOA holds the admin roles, not the timelock.
    expect(await m.hasRole([DEFAULT_ADMIN_ROLE, ctx.addr.admin])).toBe(true);
    expect(await m.hasRole([DEFAULT_ADMIN_ROLE, ctx.deployment.timelock])).toBe(false);
    expect(await ctx.read.datanets.read.hasRole([DEFAULT_ADMIN_ROLE, ctx.addr.admin])).toBe(true);
    expect(ctx.deployment.chainId).toBe(31337);
    expect(ctx.deployment.deployer).toBe(ctx.addr.admin);
    expect(deploymentSchema.parse(JSON.parse(JSON.stringify(ctx.deployment)))).toEqual(ctx.deployment);
  });
});

describe("pay", () => {
  it("escrows the price and snapshots price, builder and builderBps", async () => {
    const before = await ctx.balanceOf(ctx.addr.alice);
    const { requestId, requestHash, ev } = await pay("alice", modelId, PRICE);
    expect(requestId).toBe(1n);
    expect(ev.args).toEqual({
      requestId: 1n,
      modelId,
      payer: ctx.addr.alice,
      requestHash,
      price: PRICE,
      builder: ctx.addr.builder,
      builderBps: BUILDER_BPS,
      viaAuthorization: false,
    });
    expect(await ctx.balanceOf(ctx.addr.alice)).toBe(before - PRICE);
    expect(await ctx.read.market.read.requestIdOf([ctx.addr.alice, requestHash])).toBe(1n);
    const r = await ctx.read.market.read.getRequest([1n]);
    const paidAt = (await ctx.publicClient.getBlock({ blockNumber: (await ctx.publicClient.getTransactionReceipt({ hash: ev.transactionHash })).blockNumber })).timestamp;
    expect(r).toEqual({
      payer: ctx.addr.alice,
      paidAt,
      modelId,
      price: PRICE,
      builder: ctx.addr.builder,
      builderBps: BUILDER_BPS,
      status: Status.Paid,
      feeVersion: 0,
      requestHash,
      // Paid with pay(): no operator assigned; whichever operator settles is recorded then.
      operator: zeroAddress,
    });
    expect(await ctx.read.market.read.totalEscrow()).toBe(PRICE);
    const second = await pay("bob");
    expect(second.requestId).toBe(2n);
    await checkBooks();
  });

  it("refuses a used request hash, a price above max, inactive and unknown models", async () => {
    const { requestHash } = await pay("alice");
    // A payer uses a request hash once (another payer's use of it is their own request: see attacks.test.ts).
    const [h] = (await expectRevert(ctx.as.alice.market.write.pay([modelId, requestHash, PRICE]), "RequestHashUsed"))!;
    expect(h).toBe(requestHash);
    await expectRevert(ctx.as.bob.market.write.pay([modelId, zeroHash, PRICE]), "ZeroRequestHash");
    const [price, max] = (await expectRevert(
      ctx.as.bob.market.write.pay([modelId, randomHash(), PRICE - 1n]),
      "PriceAboveMax",
    ))!;
    expect([price, max]).toEqual([PRICE, PRICE - 1n]);
    await expectRevert(ctx.as.bob.market.write.pay([999n, randomHash(), PRICE]), "UnknownModel");
    await expectRevert(ctx.as.bob.market.write.pay([0n, randomHash(), PRICE]), "UnknownModel");

    const inactive = await registerModel(PRICE, 0);
    await ctx.send(ctx.as.builder.models.write.setActive([inactive, false]));
    await expectRevert(ctx.as.bob.market.write.pay([inactive, randomHash(), PRICE]), "ModelInactive");
    await ctx.send(ctx.as.builder.models.write.setActive([inactive, true]));
    await pay("bob", inactive);

    // A price raise after the user saw the old price: maxPrice protects them.
    await ctx.send(ctx.as.builder.models.write.setPrice([inactive, PRICE * 2n]));
    await expectRevert(ctx.as.bob.market.write.pay([inactive, randomHash(), PRICE]), "PriceAboveMax");
    await checkBooks();
  });
});

describe("payWithAuthorization (EIP-3009, gasless payer)", () => {
  let payer: LocalAccount;
  const token = () => ctx.deployment.token;

  beforeAll(async () => {
    payer = privateKeyToAccount(generatePrivateKey());
    await ctx.fund(payer.address, 1_000n * OPEN);
  });

  const submit = (auth: Authorization, sig: Hex, requestHash: Hex = randomHash(), by: "operator" | "eve" = "operator", id = modelId) =>
    ctx.as[by].market.write.payWithAuthorization([
      id,
      requestHash,
      PRICE,
      auth.from,
      auth.value,
      auth.validAfter,
      auth.validBefore,
      auth.nonce,
      sig,
    ]);

  it("a valid authorization pays once; the payer is `from`", async () => {
    const auth = await freshAuthorization(ctx, payer.address, market, PRICE);
    const sig = await signAuthorization(payer, token(), auth);
    const requestHash = randomHash();
    const escrow0 = await ctx.read.market.read.totalEscrow();
    const receipt = await ctx.send(submit(auth, sig, requestHash));
    const [ev] = eventsOf(inferenceMarketAbi, receipt, "InferencePaid");
    expect(ev.args).toMatchObject({ payer: payer.address, requestHash, price: PRICE, viaAuthorization: true });
    expect(await ctx.balanceOf(payer.address)).toBe(990n * OPEN);
    expect(await ctx.read.market.read.totalEscrow()).toBe(escrow0 + PRICE);
    expect((await ctx.read.market.read.getRequest([ev.args.requestId])).payer).toBe(payer.address);

    expect(await ctx.read.market.read.getRequest([ev.args.requestId])).toMatchObject({ operator: ctx.addr.operator });

    // Replays: same request hash, or same authorization for another request (which would open a request
    // nobody paid for).
    const escrow1 = await ctx.read.market.read.totalEscrow();
    const count1 = await ctx.read.market.read.requestCount();
    await expectRevert(submit(auth, sig, requestHash), "RequestHashUsed");
    await expectRevert(submit(auth, sig), "AuthorizationAlreadyOpened");
    expect(await ctx.balanceOf(payer.address)).toBe(990n * OPEN);
    expect(await ctx.read.market.read.totalEscrow()).toBe(escrow1);
    expect(await ctx.read.market.read.requestCount()).toBe(count1);
    await checkBooks();

    // An operator refund goes back to `from`.
    await ctx.send(ctx.as.operator.market.write.refund([ev.args.requestId, requestHash]));
    expect(await ctx.balanceOf(payer.address)).toBe(1_000n * OPEN);
    await checkBooks();
  });

  it("refuses expired, not-yet-valid, wrongly signed, misdirected and mispriced authorizations", async () => {
    const now = await ctx.now();
    const sign = async (over: Partial<Authorization>, signer = payer) => {
      const auth = await freshAuthorization(ctx, payer.address, market, PRICE, over);
      return { auth, sig: await signAuthorization(signer, token(), auth) };
    };
    let a = await sign({ validAfter: 0n, validBefore: now - 1n });
    await expectRevert(submit(a.auth, a.sig), "AuthorizationExpired");
    a = await sign({ validAfter: now + 1000n, validBefore: now + 5000n });
    await expectRevert(submit(a.auth, a.sig), "AuthorizationNotYetValid");
    a = await sign({}, privateKeyToAccount(generatePrivateKey()));
    await expectRevert(submit(a.auth, a.sig), "InvalidSignature");
    // Signed to pay someone else (e.g. the operator): the market pays itself, so the signature fails.
    a = await sign({ to: ctx.addr.operator });
    await expectRevert(submit({ ...a.auth, to: market }, a.sig), "InvalidSignature");
    // Value must be the current price.
    a = await sign({ value: PRICE - 1n });
    const [price, value] = (await expectRevert(submit(a.auth, a.sig), "PriceMismatch"))!;
    expect([price, value]).toEqual([PRICE, PRICE - 1n]);
    // Only a staked operator submits.
    a = await sign({});
    const [who] = (await expectRevert(submit(a.auth, a.sig, randomHash(), "eve"), "NotOperator"))!;
    expect(who).toBe(ctx.addr.eve);
    expect(await ctx.balanceOf(payer.address)).toBe(1_000n * OPEN);
    // ...and the untouched authorization still works.
    await ctx.send(submit(a.auth, a.sig));
    expect(await ctx.balanceOf(payer.address)).toBe(990n * OPEN);
    await checkBooks();
  });
});

describe("settle", () => {
  it("splits the fee, credits protocol/operator/builder and grows the contributor pool", async () => {
    const { requestId, requestHash } = await pay("carol");
    const credits = (a: Address) => ctx.read.market.read.credits([a]);
    const [t0, o0, b0, pool0] = await Promise.all([
      credits(ctx.addr.treasury),
      credits(ctx.addr.operator),
      credits(ctx.addr.builder),
      ctx.read.market.read.totalContributorPool(),
    ]);
    const outputHash = randomHash();
    const attributionHash = randomHash();
    const receipt = await ctx.send(ctx.as.operator.market.write.settle([requestId, requestHash, outputHash, attributionHash]));
    const [ev] = eventsOf(inferenceMarketAbi, receipt, "InferenceSettled");
    const expected = split(PRICE, PROTOCOL_BPS, OPERATOR_BPS, BUILDER_BPS);
    expect(ev.args).toEqual({
      requestId,
      modelId,
      operator: ctx.addr.operator,
      builder: ctx.addr.builder,
      protocolTreasury: ctx.addr.treasury,
      outputHash,
      attributionHash,
      price: PRICE,
      ...expected,
    });
    expect(await credits(ctx.addr.treasury)).toBe(t0 + expected.protocolFee);
    expect(await credits(ctx.addr.operator)).toBe(o0 + expected.operatorFee);
    expect(await credits(ctx.addr.builder)).toBe(b0 + expected.builderFee);
    expect(await ctx.read.market.read.totalContributorPool()).toBe(pool0 + expected.contributorPool);
    const r = await ctx.read.market.read.getRequest([requestId]);
    // The market records which operator settled (the hashes live in the event).
    expect(r).toMatchObject({ status: Status.Settled, operator: ctx.addr.operator });

    await expectRevert(ctx.as.operator.market.write.settle([requestId, requestHash, outputHash, attributionHash]), "RequestNotPaid");
    await expectRevert(ctx.as.operator.market.write.settle([9999n, requestHash, outputHash, attributionHash]), "RequestNotPaid");
    const other = await pay("carol");
    await expectRevert(
      ctx.as.eve.market.write.settle([other.requestId, other.requestHash, outputHash, attributionHash]),
      "NotOperator",
    );
    await expectRevert(
      ctx.as.builder.market.write.settle([other.requestId, other.requestHash, outputHash, attributionHash]),
      "NotOperator",
    );
    await settle(other.requestId, other.requestHash);
    await checkBooks();
  });

  it("a request submitted by one operator is settled by that operator only", async () => {
    // Dave stakes and becomes a second operator.
    await ctx.send(ctx.as.dave.token.write.approve([market, maxUint256]));
    await ctx.send(ctx.as.dave.market.write.stake([ctx.addr.dave, MIN_STAKE]));
    expect(await ctx.read.market.read.isOperator([ctx.addr.dave])).toBe(true);
    const payer = privateKeyToAccount(generatePrivateKey());
    await ctx.fund(payer.address, PRICE);
    const auth = await freshAuthorization(ctx, payer.address, market, PRICE);
    const sig = await signAuthorization(payer, ctx.deployment.token, auth);
    const requestHash = randomHash();
    const receipt = await ctx.send(
      ctx.as.operator.market.write.payWithAuthorization([
        modelId, requestHash, PRICE, auth.from, auth.value, auth.validAfter, auth.validBefore, auth.nonce, sig,
      ]),
    );
    const { requestId } = eventsOf(inferenceMarketAbi, receipt, "InferencePaid")[0].args;
    const [rid, who] = (await expectRevert(
      ctx.as.dave.market.write.settle([requestId, requestHash, randomHash(), randomHash()]),
      "NotRequestOperator",
    ))!;
    expect([rid, who]).toEqual([requestId, ctx.addr.dave]);
    const ev = await settle(requestId, requestHash);
    expect(ev.operator).toBe(ctx.addr.operator);
    // Dave leaves again (his stake waits out the unbonding period; see staking.test.ts).
    await ctx.send(ctx.as.dave.market.write.requestUnstake([MIN_STAKE]));
    expect(await ctx.read.market.read.isOperator([ctx.addr.dave])).toBe(false);
    await checkBooks();
  });
});

describe("refund", () => {
  it("payer only after the timeout, operator at once, never twice, never after settlement", async () => {
    const alice0 = await ctx.balanceOf(ctx.addr.alice);
    const { requestId, requestHash, receipt } = await pay("alice");
    const paidAt = (await ctx.publicClient.getBlock({ blockNumber: receipt.blockNumber })).timestamp;
    const [rid, refundableAt] = (await expectRevert(ctx.as.alice.market.write.refund([requestId, requestHash]), "NotRefundableYet"))!;
    expect([rid, refundableAt]).toEqual([requestId, paidAt + BigInt(TIMEOUT)]);
    await expectRevert(ctx.as.eve.market.write.refund([requestId, requestHash]), "NotRefundableYet");

    await ctx.increaseTime(TIMEOUT);
    const r = await ctx.send(ctx.as.alice.market.write.refund([requestId, requestHash]));
    expect(eventsOf(inferenceMarketAbi, r, "InferenceRefunded")[0].args).toEqual({
      requestId,
      payer: ctx.addr.alice,
      amount: PRICE,
      by: ctx.addr.alice,
    });
    expect(await ctx.balanceOf(ctx.addr.alice)).toBe(alice0);
    expect((await ctx.read.market.read.getRequest([requestId])).status).toBe(Status.Refunded);
    await expectRevert(ctx.as.alice.market.write.refund([requestId, requestHash]), "RequestNotPaid");
    await expectRevert(ctx.as.operator.market.write.refund([requestId, requestHash]), "RequestNotPaid");
    await expectRevert(ctx.as.operator.market.write.settle([requestId, requestHash, randomHash(), randomHash()]), "RequestNotPaid");
    // The request hash stays used: one payment, one inference.
    await checkBooks();
  });

  it("the operator refunds a failed inference at once", async () => {
    const bob0 = await ctx.balanceOf(ctx.addr.bob);
    const { requestId, requestHash } = await pay("bob");
    const r = await ctx.send(ctx.as.operator.market.write.refund([requestId, requestHash]));
    expect(eventsOf(inferenceMarketAbi, r, "InferenceRefunded")[0].args.by).toBe(ctx.addr.operator);
    expect(await ctx.balanceOf(ctx.addr.bob)).toBe(bob0);
    await expectRevert(ctx.as.operator.market.write.refund([requestId, requestHash]), "RequestNotPaid");
    await expectRevert(ctx.as.bob.market.write.refund([requestId, requestHash]), "RequestNotPaid");
  });

  it("anyone may trigger a timed-out refund; the tokens go to the payer", async () => {
    const dave0 = await ctx.balanceOf(ctx.addr.dave);
    const { requestId, requestHash } = await pay("dave");
    await ctx.increaseTime(TIMEOUT + 1);
    await ctx.send(ctx.as.eve.market.write.refund([requestId, requestHash]));
    expect(await ctx.balanceOf(ctx.addr.dave)).toBe(dave0);
  });

  it("a settled request is never refunded", async () => {
    const { requestId, requestHash } = await pay("carol");
    await settle(requestId, requestHash);
    await ctx.increaseTime(TIMEOUT + 1);
    await expectRevert(ctx.as.carol.market.write.refund([requestId, requestHash]), "RequestNotPaid");
    await expectRevert(ctx.as.operator.market.write.refund([requestId, requestHash]), "RequestNotPaid");
    await expectRevert(ctx.as.eve.market.write.refund([12345n, requestHash]), "RequestNotPaid");
    await checkBooks();
  });
});

describe("fee split conservation", () => {
  const feesArb = fc
    .tuple(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 5000 }))
    .filter(([p, o]) => p + o <= 5000);
  const priceArb = fc.bigInt({ min: 0n, max: 10n ** 30n });

  it("protocol + operator + builder + pool == price to the wei (property, reference model)", () => {
    fc.assert(
      fc.property(priceArb, feesArb, (price, [p, o, b]) => {
        const s = split(price, p, o, b);
        expect(s.protocolFee + s.operatorFee + s.builderFee + s.contributorPool).toBe(price);
        expect(s.contributorPool >= 0n).toBe(true);
        // The pool gets at least its nominal share: rounding never goes to the fee takers.
        expect(s.contributorPool * 10_000n >= price * BigInt(10_000 - p - o - b)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("the contract's splitFees matches the reference model (property, on-chain)", async () => {
    await fc.assert(
      fc.asyncProperty(priceArb, feesArb, async (price, [p, o, b]) => {
        const [protocolFee, operatorFee, builderFee, contributorPool] = await ctx.read.market.read.splitFees([price, p, o, b]);
        expect({ protocolFee, operatorFee, builderFee, contributorPool }).toEqual(split(price, p, o, b));
        expect(protocolFee + operatorFee + builderFee + contributorPool).toBe(price);
      }),
      { numRuns: 150 },
    );
  });

  it("30 random settlements: Σ credits + Σ pool == Σ paid, and the books balance", async () => {
    const builderShares = [0, 3333, 5000];
    const models: bigint[] = [];
    for (const b of builderShares) models.push(await registerModel(1n, b));
    await ctx.fund(ctx.addr.dave, 300_000n * OPEN);

    const m = ctx.read.market.read;
    const credits = (a: Address) => m.credits([a]);
    const start = {
      treasury: await credits(ctx.addr.treasury),
      operator: await credits(ctx.addr.operator),
      builder: await credits(ctx.addr.builder),
      pool: await m.totalContributorPool(),
      escrow: await m.totalEscrow(),
    };

    const sampleArb = fc.record({
      model: fc.nat({ max: models.length - 1 }),
      // Tiny prices exercise rounding, large ones overflow-prone products.
      price: fc.oneof(fc.bigInt({ min: 0n, max: 10_000n }), fc.bigInt({ min: 0n, max: 10n ** 22n })),
      fees: fc.option(feesArb.map(([p, o]) => [p, o] as const), { nil: undefined }),
    });
    const samples = fc.sample(sampleArb, { numRuns: 30, seed: 20251125 });

    let paid = 0n;
    const sum = { protocolFee: 0n, operatorFee: 0n, builderFee: 0n, contributorPool: 0n };
    let fees = [PROTOCOL_BPS, OPERATOR_BPS] as [number, number];
    for (const s of samples) {
      if (s.fees) {
        fees = [s.fees[0], s.fees[1]];
        await ctx.send(ctx.as.admin.market.write.setFees(fees));
      }
      const id = models[s.model];
      await ctx.send(ctx.as.builder.models.write.setPrice([id, s.price]));
      const { requestId, requestHash } = await pay("dave", id, s.price);
      const ev = await settle(requestId, requestHash);
      const expected = split(s.price, fees[0], fees[1], builderShares[s.model]);
      expect({
        protocolFee: ev.protocolFee,
        operatorFee: ev.operatorFee,
        builderFee: ev.builderFee,
        contributorPool: ev.contributorPool,
      }).toEqual(expected);
      paid += s.price;
      for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += expected[k];
    }

    const dCredits = {
      treasury: (await credits(ctx.addr.treasury)) - start.treasury,
      operator: (await credits(ctx.addr.operator)) - start.operator,
      builder: (await credits(ctx.addr.builder)) - start.builder,
    };
    const dPool = (await m.totalContributorPool()) - start.pool;
    expect(dCredits).toEqual({ treasury: sum.protocolFee, operator: sum.operatorFee, builder: sum.builderFee });
    expect(dPool).toBe(sum.contributorPool);
    expect(dCredits.treasury + dCredits.operator + dCredits.builder + dPool).toBe(paid);
    expect(await m.totalEscrow()).toBe(start.escrow);
    await checkBooks();
    await ctx.send(ctx.as.admin.market.write.setFees([PROTOCOL_BPS, OPERATOR_BPS]));
  });
});

describe("contributor epochs and claims", () => {
  let pool: bigint;

  /** Settles `n` fresh payments (grows the contributor pool). */
  async function settleSome(n: number) {
    for (let i = 0; i < n; i++) {
      const { requestId, requestHash } = await pay("carol");
      await settle(requestId, requestHash);
    }
  }

  it("claims need a final epoch; postEpoch is the staked root poster's, non-zero and solvent", async () => {
    pool = await ctx.read.market.read.totalContributorPool();
    expect(pool > 1_000n).toBe(true);
    const head = await ctx.blockNumber();
    const tree = buildClaimsTree([{ account: ctx.addr.alice, cumulativeAmount: 1n }]);
    await expectRevert(ctx.as.eve.market.write.claim([ctx.addr.alice, 1n, tree.proofFor(ctx.addr.alice)]), "NoEpoch");
    await expectRevert(ctx.as.eve.market.write.postEpoch([tree.root, 1n, head, pool]), "NotOperator");
    await expectRevert(ctx.as.operator.market.write.postEpoch([zeroHash, 1n, head, pool]), "ZeroRoot");
    const [total, settled] = (await expectRevert(
      ctx.as.operator.market.write.postEpoch([tree.root, pool + 1n, head, pool]),
      "EpochInsolvent",
    ))!;
    expect([total, settled]).toEqual([pool + 1n, pool]);
  });

  it("claim pays the cumulative difference of the final root, once per epoch amount", async () => {
    const a1 = pool / 4n;
    const b1 = pool / 8n;
    const tree = buildClaimsTree([
      { account: ctx.addr.alice, cumulativeAmount: a1 },
      { account: ctx.addr.bob, cumulativeAmount: b1 },
    ]);
    expect(tree.total).toBe(a1 + b1);
    const throughBlock = await ctx.blockNumber();
    const r = await ctx.send(ctx.as.operator.market.write.postEpoch([tree.root, tree.total, throughBlock, await ctx.read.market.read.totalContributorPool()]));
    const postedAt = (await ctx.publicClient.getBlock({ blockNumber: r.blockNumber })).timestamp;
    const window = await ctx.read.market.read.challengeWindow();
    expect(eventsOf(inferenceMarketAbi, r, "EpochPosted")[0].args).toEqual({
      epoch: 1n,
      prev: 0n,
      root: tree.root,
      cumulativeTotal: tree.total,
      throughBlock,
      poster: ctx.addr.operator,
      finalizesAt: postedAt + window,
    });
    expect(await ctx.read.market.read.epochCount()).toBe(1);
    expect(await ctx.read.market.read.tipEpoch()).toBe(1);
    expect((await ctx.read.market.read.getEpoch([1n])).status).toBe(EpochStatus.Pending);

    // Pending: nothing is claimable yet, and it cannot finalize before its window ends.
    const aliceProof = tree.proofFor(ctx.addr.alice);
    expect(await ctx.read.market.read.finalEpoch()).toBe(0);
    expect(await ctx.read.market.read.epochRoot()).toBe(zeroHash);
    expect(await ctx.read.market.read.epochTotal()).toBe(0n);
    await expectRevert(ctx.as.eve.market.write.claim([ctx.addr.alice, a1, aliceProof]), "NoEpoch");
    const [e, finalizesAt] = (await expectRevert(ctx.as.eve.market.write.finalizeEpoch([1]), "ChallengeWindowOpen"))!;
    expect([e, finalizesAt]).toEqual([1n, postedAt + window]);

    const f = await finalizeAfterWindow(ctx, 1);
    expect(eventsOf(inferenceMarketAbi, f, "EpochFinalized")[0].args).toEqual({ epoch: 1n, root: tree.root, cumulativeTotal: tree.total });
    expect(await ctx.read.market.read.finalEpoch()).toBe(1);
    expect(await ctx.read.market.read.epochRoot()).toBe(tree.root);
    expect(await ctx.read.market.read.epochTotal()).toBe(tree.total);
    await expectRevert(ctx.as.eve.market.write.finalizeEpoch([1]), "NotPending");

    // Bad proofs: wrong amount, someone else's proof, a proof for an account not in the tree.
    await expectRevert(ctx.as.eve.market.write.claim([ctx.addr.alice, a1 + 1n, aliceProof]), "InvalidProof");
    await expectRevert(ctx.as.eve.market.write.claim([ctx.addr.bob, b1, aliceProof]), "InvalidProof");
    await expectRevert(ctx.as.eve.market.write.claim([ctx.addr.carol, a1, aliceProof]), "InvalidProof");

    // Anyone may submit; the tokens go to the account.
    const alice0 = await ctx.balanceOf(ctx.addr.alice);
    const eve0 = await ctx.balanceOf(ctx.addr.eve);
    const c = await ctx.send(ctx.as.eve.market.write.claim([ctx.addr.alice, a1, aliceProof]));
    expect(eventsOf(inferenceMarketAbi, c, "Claimed")[0].args).toEqual({
      account: ctx.addr.alice,
      epoch: 1n,
      amount: a1,
      cumulativeAmount: a1,
    });
    expect(await ctx.balanceOf(ctx.addr.alice)).toBe(alice0 + a1);
    expect(await ctx.balanceOf(ctx.addr.eve)).toBe(eve0);
    expect(await ctx.read.market.read.claimed([ctx.addr.alice])).toBe(a1);
    const [who] = (await expectRevert(ctx.as.alice.market.write.claim([ctx.addr.alice, a1, aliceProof]), "NothingToClaim"))!;
    expect(who).toBe(ctx.addr.alice);
    await checkBooks();

    // Epoch 2: alice's cumulative amount grows by part of what was settled since; she gets only the
    // difference. Bob never claimed epoch 1.
    const pool1 = await ctx.read.market.read.totalContributorPool();
    await settleSome(3);
    const settledSince = (await ctx.read.market.read.totalContributorPool()) - pool1;
    const a2 = a1 + settledSince / 2n;
    const tree2 = buildClaimsTree([
      { account: ctx.addr.alice, cumulativeAmount: a2 },
      { account: ctx.addr.bob, cumulativeAmount: b1 },
    ]);
    const head = await ctx.blockNumber();
    const [prev, next] = (await expectRevert(
      ctx.as.operator.market.write.postEpoch([tree2.root, tree.total - 1n, head, await ctx.read.market.read.totalContributorPool()]),
      "EpochTotalDecreased",
    ))!;
    expect([prev, next]).toEqual([tree.total, tree.total - 1n]);
    const { epoch: e2 } = await postRoot(ctx, tree2.root, tree2.total);
    expect(e2).toBe(2);
    // While epoch 2 is pending, claims still use epoch 1.
    const bob0 = await ctx.balanceOf(ctx.addr.bob);
    await expectRevert(ctx.as.alice.market.write.claim([ctx.addr.alice, a2, tree2.proofFor(ctx.addr.alice)]), "InvalidProof");
    await finalizeAfterWindow(ctx, e2);
    // Old proofs are against an old root.
    await expectRevert(ctx.as.bob.market.write.claim([ctx.addr.bob, b1, tree.proofFor(ctx.addr.bob)]), "InvalidProof");
    const alice1 = await ctx.balanceOf(ctx.addr.alice);
    const c2 = await ctx.send(ctx.as.alice.market.write.claim([ctx.addr.alice, a2, tree2.proofFor(ctx.addr.alice)]));
    expect(eventsOf(inferenceMarketAbi, c2, "Claimed")[0].args).toMatchObject({ epoch: 2n, amount: a2 - a1, cumulativeAmount: a2 });
    expect(await ctx.balanceOf(ctx.addr.alice)).toBe(alice1 + (a2 - a1));
    await ctx.send(ctx.as.bob.market.write.claim([ctx.addr.bob, b1, tree2.proofFor(ctx.addr.bob)]));
    expect(await ctx.balanceOf(ctx.addr.bob)).toBe(bob0 + b1);
    await expectRevert(ctx.as.bob.market.write.claim([ctx.addr.bob, b1, tree2.proofFor(ctx.addr.bob)]), "NothingToClaim");
    expect(await ctx.read.market.read.claimedTotal()).toBe(a2 + b1);
    await checkBooks();
  });

  it("never pays out more than the final root's total, even from a dishonest tree", async () => {
    pool = await ctx.read.market.read.totalContributorPool();
    await settleSome(1);
    const prevTotal = await ctx.read.market.read.epochTotal();
    const claimed = await ctx.read.market.read.claimedTotal();
    // The leaves sum to far more than the declared total (which itself is within the bounds).
    const tree = buildClaimsTree([{ account: ctx.addr.carol, cumulativeAmount: pool }]);
    const { epoch } = await postRoot(ctx, tree.root, prevTotal + 1n);
    await finalizeAfterWindow(ctx, epoch);
    const args = (await expectRevert(
      ctx.as.carol.market.write.claim([ctx.addr.carol, pool, tree.proofFor(ctx.addr.carol)]),
      "ClaimExceedsEpochTotal",
    ))!;
    expect(args).toEqual([claimed, pool, prevTotal + 1n]);
    await checkBooks();
  });

  it("merkle helpers: proofs verify off-chain, leaves match the contract, dumps reload", () => {
    const entries = ROLES.map((r, i) => ({ account: ctx.addr[r], cumulativeAmount: BigInt(i) * 10n ** 20n + 7n }));
    const tree = buildClaimsTree(entries);
    for (const e of entries) expect(verifyClaim(tree.root, e.account, e.cumulativeAmount, tree.proofFor(e.account))).toBe(true);
    expect(verifyClaim(tree.root, ctx.addr.alice, 1n, tree.proofFor(ctx.addr.alice))).toBe(false);
    expect(claimLeaf(ctx.addr.alice, 5n)).toMatch(/^0x[0-9a-f]{64}$/);
    const reloaded = loadClaimsTree(JSON.parse(JSON.stringify(tree.dump())));
    expect(reloaded.root).toBe(tree.root);
    expect(reloaded.total).toBe(tree.total);
    expect(reloaded.proofFor(ctx.addr.bob)).toEqual(tree.proofFor(ctx.addr.bob));
    // Lookup is case-insensitive.
    expect(tree.proofFor(ctx.addr.bob.toLowerCase() as Address)).toEqual(tree.proofFor(ctx.addr.bob));
    expect(() => buildClaimsTree([])).toThrow();
    expect(() =>
      buildClaimsTree([
        { account: ctx.addr.alice, cumulativeAmount: 1n },
        { account: ctx.addr.alice.toLowerCase() as Address, cumulativeAmount: 2n },
      ]),
    ).toThrow(/duplicate/);
    expect(() => buildClaimsTree([{ account: ctx.addr.alice, cumulativeAmount: -1n }])).toThrow(/range/);
    expect(() => tree.proofFor(privateKeyToAccount(generatePrivateKey()).address)).toThrow(/not in the claims tree/);
  });
});

describe("withdraw", () => {
  it("pays each credited account once", async () => {
    for (const r of ["treasury", "operator", "builder"] as const) {
      const owed = await ctx.read.market.read.credits([ctx.addr[r]]);
      expect(owed > 0n).toBe(true);
      const before = await ctx.balanceOf(ctx.addr[r]);
      const receipt = await ctx.send(ctx.as[r].market.write.withdraw());
      expect(eventsOf(inferenceMarketAbi, receipt, "Withdrawn")[0].args).toEqual({ account: ctx.addr[r], amount: owed });
      expect(await ctx.balanceOf(ctx.addr[r])).toBe(before + owed);
      expect(await ctx.read.market.read.credits([ctx.addr[r]])).toBe(0n);
      await expectRevert(ctx.as[r].market.write.withdraw(), "NothingToWithdraw");
    }
    await expectRevert(ctx.as.eve.market.write.withdraw(), "NothingToWithdraw");
    expect(await ctx.read.market.read.totalCredits()).toBe(0n);
    await checkBooks();
  });
});

describe("surplus", () => {
  it("a front-run authorization is adopted, not left as surplus", async () => {
    const payer = privateKeyToAccount(generatePrivateKey());
    await ctx.fund(payer.address, PRICE);
    const auth = await freshAuthorization(ctx, payer.address, market, PRICE);
    const sig = await signAuthorization(payer, ctx.deployment.token, auth);
    // Someone front-runs the operator and submits the authorization straight to the token.
    await ctx.send(
      ctx.as.eve.token.write.transferWithAuthorization([
        auth.from, auth.to, auth.value, auth.validAfter, auth.validBefore, auth.nonce, sig,
      ]),
    );
    expect(await ctx.read.market.read.surplus()).toBe(PRICE);
    const r = await ctx.send(
      ctx.as.operator.market.write.payWithAuthorization([
        modelId, randomHash(), PRICE, auth.from, auth.value, auth.validAfter, auth.validBefore, auth.nonce, sig,
      ]),
    );
    expect(eventsOf(inferenceMarketAbi, r, "AuthorizationAdopted")).toHaveLength(1);
    expect(await ctx.read.market.read.surplus()).toBe(0n);
    await checkBooks();
  });

  it("tokens pushed to the market outside a request can only be swept by the admin, never the books", async () => {
    // Carol sends OPEN to the market by mistake.
    const carol0 = await ctx.balanceOf(ctx.addr.carol);
    await ctx.send(ctx.as.carol.token.write.transfer([market, PRICE]));
    expect(await ctx.read.market.read.surplus()).toBe(PRICE);
    await expectRevert(ctx.as.eve.market.write.sweepSurplus([ctx.addr.eve]), "AccessControlUnauthorizedAccount");
    await expectRevert(ctx.as.operator.market.write.sweepSurplus([ctx.addr.operator]), "AccessControlUnauthorizedAccount");
    await expectRevert(ctx.as.admin.market.write.sweepSurplus([zeroAddress]), "ZeroAddress");
    const r = await ctx.send(ctx.as.admin.market.write.sweepSurplus([ctx.addr.carol]));
    expect(eventsOf(inferenceMarketAbi, r, "SurplusSwept")[0].args).toEqual({ to: ctx.addr.carol, amount: PRICE });
    expect(await ctx.balanceOf(ctx.addr.carol)).toBe(carol0);
    await expectRevert(ctx.as.admin.market.write.sweepSurplus([ctx.addr.carol]), "NoSurplus");
    await checkBooks();
  });
});

describe("access control", () => {
  it("a stranger can do nothing privileged", async () => {
    const eve = ctx.as.eve;
    const { requestId, requestHash } = await pay("alice");
    const contribution = await ctx.read.datanets.read.contributionCount();
    const head = await ctx.blockNumber();
    await expectRevert(eve.datanets.write.review([contribution, true]), "NotDatanetOwner");
    await expectRevert(eve.datanets.write.publishVersion([datanetId, randomHash(), 1]), "NotDatanetOwner");
    await expectRevert(eve.datanets.write.setBond([datanetId, 0n]), "NotDatanetOwner");
    await expectRevert(eve.datanets.write.setMetadata([datanetId, randomHash(), "ipfs://x"]), "NotDatanetOwner");
    await expectRevert(eve.datanets.write.setAttester([ctx.addr.eve]), "AccessControlUnauthorizedAccount");
    await expectRevert(eve.models.write.setPrice([modelId, 0n]), "NotBuilder");
    await expectRevert(eve.models.write.setActive([modelId, false]), "NotBuilder");
    await expectRevert(eve.market.write.settle([requestId, requestHash, randomHash(), randomHash()]), "NotOperator");
    await expectRevert(eve.market.write.refund([requestId, requestHash]), "NotRefundableYet");
    await expectRevert(eve.market.write.postEpoch([randomHash(), 0n, head, 0n]), "NotOperator");
    await expectRevert(eve.market.write.resolveDispute([1, true]), "AccessControlUnauthorizedAccount");
    await expectRevert(eve.market.write.setFees([0, 0]), "AccessControlUnauthorizedAccount");
    await expectRevert(eve.market.write.setProtocolTreasury([ctx.addr.eve]), "AccessControlUnauthorizedAccount");
    await expectRevert(eve.market.write.setRefundTimeout([0n]), "AccessControlUnauthorizedAccount");
    await expectRevert(eve.market.write.setEpochParams([0n, 0n, 0, ctx.addr.eve]), "AccessControlUnauthorizedAccount");
    await expectRevert(eve.market.write.setStakeParams([0n, 0n]), "AccessControlUnauthorizedAccount");
    await expectRevert(eve.market.write.grantRole([DEFAULT_ADMIN_ROLE, ctx.addr.eve]), "AccessControlUnauthorizedAccount");
    // The operator is not an admin either.
    await expectRevert(ctx.as.operator.market.write.setFees([0, 0]), "AccessControlUnauthorizedAccount");
    await expectRevert(ctx.as.operator.market.write.resolveDispute([1, false]), "AccessControlUnauthorizedAccount");
    await expectRevert(ctx.as.operator.market.write.grantRole([DEFAULT_ADMIN_ROLE, ctx.addr.eve]), "AccessControlUnauthorizedAccount");
  });

  it("the admin changes parameters within the caps", async () => {
    const admin = ctx.as.admin.market.write;
    const m = ctx.read.market.read;
    const [p, o] = (await expectRevert(admin.setFees([2500, 2501]), "FeesTooHigh"))!;
    expect([p, o]).toEqual([2500, 2501]);
    await expectRevert(admin.setProtocolTreasury([zeroAddress]), "ZeroAddress");
    const version0 = await m.feeVersion();
    let r = await ctx.send(admin.setFees([2500, 2500]));
    expect(eventsOf(inferenceMarketAbi, r, "FeesChanged")[0].args).toEqual({
      version: version0 + 1,
      protocolBps: 2500,
      operatorBps: 2500,
    });
    expect(await m.feeVersion()).toBe(version0 + 1);
    expect([await m.protocolBps(), await m.operatorBps()]).toEqual([2500, 2500]);
    r = await ctx.send(admin.setRefundTimeout([60n]));
    expect(eventsOf(inferenceMarketAbi, r, "ParamsChanged")[0].args.refundTimeout).toBe(60n);
    r = await ctx.send(admin.setProtocolTreasury([ctx.addr.carol]));
    expect(eventsOf(inferenceMarketAbi, r, "ParamsChanged")[0].args.protocolTreasury).toBe(ctx.addr.carol);
    const [bps] = (await expectRevert(admin.setEpochParams([30n, OPEN, 10_001, ctx.addr.operator]), "RewardTooHigh"))!;
    expect(bps).toBe(10_001);
    await expectRevert(admin.setEpochParams([30n, OPEN, 5000, zeroAddress]), "ZeroAddress");
    r = await ctx.send(admin.setEpochParams([45n, 7n * OPEN, 4000, ctx.addr.operator]));
    expect(eventsOf(inferenceMarketAbi, r, "ParamsChanged")[0].args).toMatchObject({
      challengeWindow: 45n,
      disputeBond: 7n * OPEN,
      challengerRewardBps: 4000,
      rootPoster: ctx.addr.operator,
    });
    r = await ctx.send(admin.setStakeParams([MIN_STAKE, 90n]));
    expect(eventsOf(inferenceMarketAbi, r, "ParamsChanged")[0].args).toMatchObject({ minStake: MIN_STAKE, unbondingDelay: 90n });
    expect(await m.params()).toEqual({
      protocolTreasury: ctx.addr.carol,
      protocolBps: 2500,
      operatorBps: 2500,
      refundTimeout: 60n,
      challengeWindow: 45n,
      unbondingDelay: 90n,
      minStake: MIN_STAKE,
      disputeBond: 7n * OPEN,
      challengerRewardBps: 4000,
      rootPoster: ctx.addr.operator,
    });
    // Worst case: 5000 fees + 5000 builder → empty pool, still conserved.
    const top = await registerModel(10_001n, 5000);
    const { requestId, requestHash } = await pay("bob", top);
    const ev = await settle(requestId, requestHash);
    expect(ev.protocolTreasury).toBe(ctx.addr.carol);
    expect(ev.protocolFee + ev.operatorFee + ev.builderFee + ev.contributorPool).toBe(10_001n);
    expect(ev.contributorPool).toBe(10_001n - 2500n - 2500n - 5000n);
    await checkBooks();
  });

  it("deployLedgerline hands the admin role over when admin != deployer, and to the timelock without one", async () => {
    const { createWalletClient, http } = await import("viem");
    const { foundry } = await import("viem/chains");
    const walletClient = createWalletClient({ chain: foundry, transport: http(ctx.anvil.rpcUrl), account: ctx.accounts.admin });
    await expect(
      deployLedgerline({
        publicClient: ctx.publicClient,
        walletClient,
        admin: ctx.addr.carol,
        operator: ctx.addr.dave,
        protocolTreasury: ctx.addr.treasury,
        protocolBps: 4000,
        operatorBps: 1001,
      }),
    ).rejects.toThrow(/<= 5000/);
    const head = await ctx.publicClient.getBlockNumber({ cacheTime: 0 });
    const d = await deployLedgerline({
      publicClient: ctx.publicClient,
      walletClient,
      admin: ctx.addr.carol,
      operator: ctx.addr.dave,
      protocolTreasury: ctx.addr.treasury,
    });
    expect(d.startBlock).toBe(Number(head) + 1);
    const read = (address: Address, functionName: string, args: readonly unknown[] = []) =>
      ctx.publicClient.readContract({ address, abi: inferenceMarketAbi, functionName, args } as never) as Promise<unknown>;
    const hasRole = (role: Hex, who: Address, on: Address = d.inferenceMarket) => read(on, "hasRole", [role, who]);
    expect(await hasRole(DEFAULT_ADMIN_ROLE, ctx.addr.carol)).toBe(true);
    expect(await hasRole(DEFAULT_ADMIN_ROLE, ctx.addr.carol, d.datanetRegistry)).toBe(true);
    expect(await hasRole(DEFAULT_ADMIN_ROLE, ctx.addr.admin)).toBe(false);
    expect(await hasRole(DEFAULT_ADMIN_ROLE, d.timelock)).toBe(false);
    expect(await read(d.inferenceMarket, "isOperator", [ctx.addr.dave])).toBe(true);
    expect(await read(d.inferenceMarket, "rootPoster")).toBe(ctx.addr.dave);
    const params = await Promise.all([
      read(d.inferenceMarket, "protocolBps"),
      read(d.inferenceMarket, "operatorBps"),
      read(d.inferenceMarket, "refundTimeout"),
    ]);
    expect(params).toEqual([500, 1000, 600n]);
    expect(() => deploymentSchema.parse({ ...d, token: "0x1234" })).toThrow();
    expect(() => deploymentSchema.parse({ ...d, startBlock: -1 })).toThrow();

    // Without `admin` (every real deployment) the timelock holds the roles and the deployer keeps none,
    // not even the timelock's own admin role.
    const g = await deployLedgerline({
      publicClient: ctx.publicClient,
      walletClient,
      operator: ctx.addr.dave,
      protocolTreasury: ctx.addr.treasury,
    });
    for (const c of [g.inferenceMarket, g.datanetRegistry]) {
      expect(await hasRole(DEFAULT_ADMIN_ROLE, g.timelock, c)).toBe(true);
      expect(await hasRole(DEFAULT_ADMIN_ROLE, ctx.addr.admin, c)).toBe(false);
    }
    expect(await hasRole(DEFAULT_ADMIN_ROLE, ctx.addr.admin, g.timelock)).toBe(false);
  });
});
