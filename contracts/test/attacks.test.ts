/**
 * The five money attacks of issue 13, each performed as an attacker would and refused, with everyone's funds
 * whole: (1) front-running an EIP-3009 authorization, (2) griefing with a copied request hash, (3) raising a
 * Datanet bond under a contribution in flight, (4) squatting someone else's content hash, (5) settling or
 * refunding by a request id that (after a reorg) names another request. A governed deployment: the attester
 * is named by a Governor proposal.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  encodeAbiParameters,
  encodeFunctionData,
  keccak256,
  maxUint256,
  zeroHash,
  type Address,
  type Hex,
  type LocalAccount,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { datanetRegistryAbi, inferenceMarketAbi } from "../../contracts-abi";
import { marketDefaults } from "../../lib/governance/params";
import {
  OPEN,
  eventsOf,
  expectBooksBalanced,
  expectRevert,
  freshAuthorization,
  payFor,
  randomHash,
  seedModel,
  settleRequest,
  setupLedgerline,
  signAttestation,
  signAuthorization,
  type Authorization,
  type Ledgerline,
} from "./fixture";
import { enact, giveVotes } from "./proposals";

const PRICE = 10n * OPEN;
const TIMEOUT = marketDefaults(31337).refundTimeoutSeconds;
const Status = { None: 0, Paid: 1, Settled: 2, Refunded: 3 } as const;

let ctx: Ledgerline;
let market: Address;
let modelId: bigint;
let freeModelId: bigint;

/** InferenceMarket's key of an opened authorization: keccak256(abi.encode(from, nonce)). */
const keyOf = (from: Address, nonce: Hex) =>
  keccak256(encodeAbiParameters([{ type: "address" }, { type: "bytes32" }], [from, nonce]));

beforeAll(async () => {
  ctx = await setupLedgerline({ mode: "governor" });
  market = ctx.deployment.inferenceMarket;
  for (const r of ["alice", "bob", "carol", "eve"] as const) {
    await ctx.send(ctx.as[r].token.write.approve([market, maxUint256]));
    await ctx.send(ctx.as[r].token.write.approve([ctx.deployment.datanetRegistry, maxUint256]));
  }
  modelId = await seedModel(ctx, PRICE, 2000);
  freeModelId = await seedModel(ctx, 0n, 0);
});
afterAll(async () => {
  await ctx?.stop();
});

describe("(1) front-running an EIP-3009 authorization", () => {
  let payer: LocalAccount;
  const args = (a: Authorization, sig: Hex, requestHash: Hex) =>
    [modelId, requestHash, PRICE, a.from, a.value, a.validAfter, a.validBefore, a.nonce, sig] as const;

  beforeAll(async () => {
    payer = privateKeyToAccount(generatePrivateKey());
    await ctx.fund(payer.address, PRICE);
  });

  it("the operator adopts the authorization the attacker submitted; the payer's request opens, nothing is stranded", async () => {
    const auth = await freshAuthorization(ctx, payer.address, market, PRICE);
    const sig = await signAuthorization(payer, ctx.deployment.token, auth);
    const escrow0 = await ctx.read.market.read.totalEscrow();
    // The attacker copies the authorization from the operator's pending transaction and submits it first.
    await ctx.send(
      ctx.as.eve.token.write.transferWithAuthorization([auth.from, auth.to, auth.value, auth.validAfter, auth.validBefore, auth.nonce, sig]),
    );
    expect(await ctx.balanceOf(payer.address)).toBe(0n);
    expect(await ctx.read.market.read.surplus()).toBe(PRICE);

    // The operator's transaction lands next and adopts it.
    const requestHash = randomHash();
    const r = await ctx.send(ctx.as.operator.market.write.payWithAuthorization(args(auth, sig, requestHash)));
    const [paid] = eventsOf(inferenceMarketAbi, r, "InferencePaid");
    expect(paid.args).toMatchObject({ payer: payer.address, requestHash, price: PRICE, viaAuthorization: true });
    expect(eventsOf(inferenceMarketAbi, r, "AuthorizationAdopted")[0].args).toEqual({
      requestId: paid.args.requestId,
      payer: payer.address,
      nonce: auth.nonce,
    });
    expect(await ctx.read.market.read.getRequest([paid.args.requestId])).toMatchObject({
      payer: payer.address,
      status: Status.Paid,
      price: PRICE,
      operator: ctx.addr.operator,
    });
    expect(await ctx.read.market.read.totalEscrow()).toBe(escrow0 + PRICE);
    expect(await ctx.read.market.read.surplus()).toBe(0n);
    expect(await ctx.read.market.read.openedAuthorizations([keyOf(payer.address, auth.nonce)])).toBe(true);

    // Adopted once only: not again for another request, nor by another operator.
    await expectRevert(ctx.as.operator.market.write.payWithAuthorization(args(auth, sig, randomHash())), "AuthorizationAlreadyOpened");
    await ctx.send(ctx.as.carol.market.write.stake([ctx.addr.carol, marketDefaults(31337).minStake]));
    await expectRevert(ctx.as.carol.market.write.payWithAuthorization(args(auth, sig, randomHash())), "AuthorizationAlreadyOpened");
    await ctx.send(ctx.as.carol.market.write.requestUnstake([marketDefaults(31337).minStake]));
    await expectBooksBalanced(ctx);

    // The inference never happens: after the timeout anyone refunds, and the payer has everything back.
    await expectRevert(ctx.as.eve.market.write.refund([paid.args.requestId, requestHash]), "NotRefundableYet");
    await ctx.increaseTime(TIMEOUT);
    await ctx.send(ctx.as.eve.market.write.refund([paid.args.requestId, requestHash]));
    expect(await ctx.balanceOf(payer.address)).toBe(PRICE);
    await expectBooksBalanced(ctx);
  });

  it("an authorization whose nonce paid someone else, or was canceled, or with other terms, is not adopted", async () => {
    const p = privateKeyToAccount(generatePrivateKey());
    await ctx.fund(p.address, PRICE);
    // Paid to bob, not to the market.
    const toBob = await freshAuthorization(ctx, p.address, ctx.addr.bob, PRICE);
    const sigBob = await signAuthorization(p, ctx.deployment.token, toBob);
    await ctx.send(
      ctx.as.eve.token.write.transferWithAuthorization([toBob.from, toBob.to, toBob.value, toBob.validAfter, toBob.validBefore, toBob.nonce, sigBob]),
    );
    const [from, nonce] = (await expectRevert(
      ctx.as.operator.market.write.payWithAuthorization(args({ ...toBob, to: market }, sigBob, randomHash())),
      "AuthorizationNotToMarket",
    ))!;
    expect([from, nonce]).toEqual([p.address, toBob.nonce]);

    // Canceled by its signer.
    await ctx.fund(p.address, PRICE);
    const canceled = await freshAuthorization(ctx, p.address, market, PRICE);
    const cancelSig = await p.signTypedData({
      domain: { name: "Open", version: "1", chainId: 31337, verifyingContract: ctx.deployment.token },
      types: { CancelAuthorization: [{ name: "authorizer", type: "address" }, { name: "nonce", type: "bytes32" }] },
      primaryType: "CancelAuthorization",
      message: { authorizer: p.address, nonce: canceled.nonce },
    });
    await ctx.send(ctx.as.eve.token.write.cancelAuthorization([p.address, canceled.nonce, cancelSig]));
    await expectRevert(
      ctx.as.operator.market.write.payWithAuthorization(args(canceled, await signAuthorization(p, ctx.deployment.token, canceled), randomHash())),
      "AuthorizationNotToMarket",
    );

    // Front-run to the market, but the operator names other terms (validity window) than were signed.
    const toMarket = await freshAuthorization(ctx, p.address, market, PRICE);
    const sig = await signAuthorization(p, ctx.deployment.token, toMarket);
    await ctx.send(
      ctx.as.eve.token.write.transferWithAuthorization([toMarket.from, toMarket.to, toMarket.value, toMarket.validAfter, toMarket.validBefore, toMarket.nonce, sig]),
    );
    await expectRevert(
      ctx.as.operator.market.write.payWithAuthorization(args({ ...toMarket, validBefore: toMarket.validBefore + 1n }, sig, randomHash())),
      "InvalidAuthorization",
    );
    // With the signed terms it is adopted for p (and only p).
    const r = await ctx.send(ctx.as.operator.market.write.payWithAuthorization(args(toMarket, sig, randomHash())));
    expect(eventsOf(inferenceMarketAbi, r, "InferencePaid")[0].args.payer).toBe(p.address);
    await expectBooksBalanced(ctx);
  });
});

describe("(2) griefing with a copied request hash", () => {
  it("the attacker's payment with the victim's hash is the attacker's own request and blocks nothing", async () => {
    const victimHash = randomHash();
    // The attacker sees the hash (e.g. in the victim's pending transaction) and pays a free model with it first.
    const r = await ctx.send(ctx.as.eve.market.write.pay([freeModelId, victimHash, 0n]));
    const eveId = eventsOf(inferenceMarketAbi, r, "InferencePaid")[0].args.requestId;
    const alice0 = await ctx.balanceOf(ctx.addr.alice);
    const r2 = await ctx.send(ctx.as.alice.market.write.pay([modelId, victimHash, PRICE]));
    const aliceId = eventsOf(inferenceMarketAbi, r2, "InferencePaid")[0].args.requestId;
    expect(aliceId).not.toBe(eveId);
    expect(await ctx.read.market.read.requestIdOf([ctx.addr.eve, victimHash])).toBe(eveId);
    expect(await ctx.read.market.read.requestIdOf([ctx.addr.alice, victimHash])).toBe(aliceId);
    expect(await ctx.read.market.read.requestIdOf([ctx.addr.bob, victimHash])).toBe(0n);
    expect(await ctx.balanceOf(ctx.addr.alice)).toBe(alice0 - PRICE);
    // Each settles as its own: alice's request with her id and the shared hash.
    const s = await settleRequest(ctx, aliceId, victimHash);
    expect(s.price).toBe(PRICE);
    expect((await ctx.read.market.read.getRequest([aliceId])).payer).toBe(ctx.addr.alice);
    expect((await ctx.read.market.read.getRequest([eveId])).status).toBe(Status.Paid);
    // The same payer still uses a hash once.
    await expectRevert(ctx.as.alice.market.write.pay([modelId, victimHash, PRICE]), "RequestHashUsed");
    await expectBooksBalanced(ctx);
  });
});

describe("(3) raising a Datanet bond under a contribution in flight", () => {
  it("contribute with the old maxBond reverts BondAboveMax; nothing is taken", async () => {
    const BOND = 10n * OPEN;
    const created = await ctx.send(ctx.as.owner.datanets.write.createDatanet([randomHash(), "ipfs://curated", BOND, true, ctx.addr.owner]));
    const datanetId = eventsOf(datanetRegistryAbi, created, "DatanetCreated")[0].args.datanetId;
    const registry = ctx.deployment.datanetRegistry;
    // A contribution already pending keeps its bond.
    const pendingHash = randomHash();
    const c = await ctx.send(ctx.as.bob.datanets.write.contribute([datanetId, pendingHash, 5n, 1, BOND, 0n, "0x"]));
    const pendingId = eventsOf(datanetRegistryAbi, c, "ContributionSubmitted")[0].args.contributionId;

    const [alice0, registry0, owner0] = await Promise.all([
      ctx.balanceOf(ctx.addr.alice),
      ctx.balanceOf(registry),
      ctx.balanceOf(ctx.addr.owner),
    ]);
    const contentHash = randomHash();
    // Alice saw a 10 OPEN bond; the owner front-runs her with a 1,000 OPEN bond, meaning to reject her.
    await ctx.send(ctx.as.owner.datanets.write.setBond([datanetId, 1_000n * OPEN]));
    const [bond, maxBond] = (await expectRevert(
      ctx.as.alice.datanets.write.contribute([datanetId, contentHash, 5n, 1, BOND, 0n, "0x"]),
      "BondAboveMax",
    ))!;
    expect([bond, maxBond]).toEqual([1_000n * OPEN, BOND]);
    expect(await ctx.balanceOf(ctx.addr.alice)).toBe(alice0);
    expect(await ctx.balanceOf(registry)).toBe(registry0);
    expect(await ctx.read.datanets.read.contributionIdByHash([datanetId, contentHash])).toBe(0n);

    // Rejecting the pending contribution takes only the bond it was made with.
    await ctx.send(ctx.as.owner.datanets.write.review([pendingId, false]));
    expect(await ctx.balanceOf(ctx.addr.owner)).toBe(owner0 + BOND);
    expect(await ctx.balanceOf(registry)).toBe(registry0 - BOND);
  });
});

describe("(4) content squatting", () => {
  let attester: LocalAccount;
  let datanetId: bigint;

  beforeAll(async () => {
    attester = privateKeyToAccount(generatePrivateKey());
    await giveVotes(ctx, "owner", 20_000n * OPEN);
    await enact(ctx, "owner", ["owner"], [
      {
        target: ctx.deployment.datanetRegistry,
        data: encodeFunctionData({ abi: datanetRegistryAbi, functionName: "setAttester", args: [attester.address] }),
      },
    ], "The content server's key attests uploads");
    expect(await ctx.read.datanets.read.attester()).toBe(attester.address);
    const created = await ctx.send(ctx.as.owner.datanets.write.createDatanet([randomHash(), "ipfs://open", 0n, false, ctx.addr.owner]));
    datanetId = eventsOf(datanetRegistryAbi, created, "DatanetCreated")[0].args.datanetId;
  });

  const attest = async (uploader: Address, contentHash: Hex, deadline: bigint, id = datanetId) =>
    signAttestation(attester, ctx.deployment.datanetRegistry, { datanetId: id, contentHash, uploader, deadline });
  const contribute = (who: "alice" | "eve", contentHash: Hex, deadline: bigint, attestation: Hex) =>
    ctx.as[who].datanets.write.contribute([datanetId, contentHash, 100n, 1, 0n, deadline, attestation]);

  it("the squatter cannot register the author's content, with the author's attestation or without one", async () => {
    const contentHash = randomHash();
    const deadline = (await ctx.now()) + 600n;
    // The content server attests alice's upload; eve copies hash and attestation from alice's pending tx.
    const forAlice = await attest(ctx.addr.alice, contentHash, deadline);
    await expectRevert(contribute("eve", contentHash, deadline, forAlice), "InvalidAttestation");
    await expectRevert(contribute("eve", contentHash, deadline, "0x"), "InvalidAttestation");
    // Signed by eve herself, or by the attester for another Datanet or other content.
    const self = await ctx.accounts.eve.signTypedData({
      domain: { name: "DatanetRegistry", version: "1", chainId: 31337, verifyingContract: ctx.deployment.datanetRegistry },
      types: { ContentAttestation: [
        { name: "datanetId", type: "uint256" },
        { name: "contentHash", type: "bytes32" },
        { name: "uploader", type: "address" },
        { name: "deadline", type: "uint256" },
      ] },
      primaryType: "ContentAttestation",
      message: { datanetId, contentHash, uploader: ctx.addr.eve, deadline },
    });
    await expectRevert(contribute("eve", contentHash, deadline, self), "InvalidAttestation");
    await expectRevert(contribute("eve", contentHash, deadline, await attest(ctx.addr.eve, contentHash, deadline, datanetId + 1n)), "InvalidAttestation");
    await expectRevert(contribute("eve", contentHash, deadline, await attest(ctx.addr.eve, randomHash(), deadline)), "InvalidAttestation");
    // A deadline other than the signed one.
    await expectRevert(contribute("alice", contentHash, deadline + 1n, forAlice), "InvalidAttestation");
    expect(await ctx.read.datanets.read.contributionIdByHash([datanetId, contentHash])).toBe(0n);

    // The author registers her own content.
    const r = await ctx.send(contribute("alice", contentHash, deadline, forAlice));
    expect(eventsOf(datanetRegistryAbi, r, "ContributionSubmitted")[0].args).toMatchObject({ contributor: ctx.addr.alice, contentHash });
  });

  it("an expired attestation is refused", async () => {
    const contentHash = randomHash();
    const deadline = (await ctx.now()) + 60n;
    const sig = await attest(ctx.addr.alice, contentHash, deadline);
    await ctx.increaseTime(61);
    const [d] = (await expectRevert(contribute("alice", contentHash, deadline, sig), "AttestationExpired"))!;
    expect(d).toBe(deadline);
    // A fresh one works.
    const fresh = (await ctx.now()) + 60n;
    await ctx.send(contribute("alice", contentHash, fresh, await attest(ctx.addr.alice, contentHash, fresh)));
  });
});

describe("(5) request ids that name another request (reorg)", () => {
  it("settle and refund with the right id but another request's hash revert RequestHashMismatch; nothing moves", async () => {
    const a = await payFor(ctx, "alice", modelId);
    const b = await payFor(ctx, "bob", modelId);
    const books0 = await ctx.read.market.read.totalEscrow();
    const [id, h] = (await expectRevert(
      ctx.as.operator.market.write.settle([a.requestId, b.requestHash, randomHash(), randomHash()]),
      "RequestHashMismatch",
    ))!;
    expect([id, h]).toEqual([a.requestId, b.requestHash]);
    await expectRevert(ctx.as.operator.market.write.refund([b.requestId, a.requestHash]), "RequestHashMismatch");
    await expectRevert(ctx.as.operator.market.write.settle([a.requestId, zeroHash, randomHash(), randomHash()]), "RequestHashMismatch");
    // After the timeout too: anyone's refund must name the right hash.
    await ctx.increaseTime(TIMEOUT);
    await expectRevert(ctx.as.eve.market.write.refund([a.requestId, b.requestHash]), "RequestHashMismatch");
    for (const x of [a, b]) expect((await ctx.read.market.read.getRequest([x.requestId])).status).toBe(Status.Paid);
    expect(await ctx.read.market.read.totalEscrow()).toBe(books0);

    // With the right hashes each request settles or refunds to its own payer.
    const bob0 = await ctx.balanceOf(ctx.addr.bob);
    await settleRequest(ctx, a.requestId, a.requestHash);
    await ctx.send(ctx.as.eve.market.write.refund([b.requestId, b.requestHash]));
    expect(await ctx.balanceOf(ctx.addr.bob)).toBe(bob0 + PRICE);
    await expectBooksBalanced(ctx);
  });
});
