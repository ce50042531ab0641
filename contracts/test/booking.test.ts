/**
 * InferenceMarket.bookBatch on a real anvil (issue 16, batched settlement): channels of Ledgerline's own
 * X402BatchSettlement (at the canonical address, installed by the deployment) pay the market; the operator claims the
 * payers' signed vouchers and books the inferences those funds paid for, many per transaction.
 *
 * Checked to the wei: Σ claimed == Σ credits + contributor pool booked; the market's books balance with unbooked
 * channel funds owed (not surplus). Attacks: a non-operator, booking more than the settlement contract paid, a request
 * hash booked twice, tokens pushed straight to the market, malformed records. Gas per inference at batch sizes 1, 10,
 * 100 and 1,000 is printed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concat, encodeAbiParameters, getAddress, keccak256, padHex, toHex, zeroAddress, zeroHash, type Address, type Hex, type LocalAccount } from "viem";
import { foundry } from "viem/chains";
import { voucherTypes } from "@x402/evm";
import { inferenceMarketAbi, x402BatchSettlementAbi } from "../../contracts-abi";
import { BATCH_SETTLEMENT_ADDRESS, BATCH_SETTLEMENT_EIP712, ERC3009_DEPOSIT_COLLECTOR_ADDRESS, MIN_WITHDRAW_DELAY } from "../../lib/chain/batch-settlement";
import { deployLedgerline } from "../../lib/chain/deploy";
import { BOOKING_RECORD_SIZE, bookedRows, encodeBookings, type BookingRecord } from "../../lib/chain/bookings";
import {
  OPEN,
  eventsOf,
  expectBooksBalanced,
  expectRevert,
  marketBooks,
  randomHash,
  seedModel,
  signAuthorization,
  setupLedgerline,
  type Ledgerline,
  type Role,
} from "./fixture";

let ctx: Ledgerline;
let market: Address;
let token: Address;
let modelA: bigint;
let modelB: bigint;
const BUILDER_BPS_A = 1500;
const BUILDER_BPS_B = 700;

type ChannelConfig = {
  payer: Address;
  payerAuthorizer: Address;
  receiver: Address;
  receiverAuthorizer: Address;
  token: Address;
  withdrawDelay: number;
  salt: Hex;
};

const settlementAs = (role: Role) => ({ address: BATCH_SETTLEMENT_ADDRESS, abi: x402BatchSettlementAbi, account: ctx.accounts[role], chain: foundry }) as const;

/** `payer` opens a channel paying the market (the operator its receiver authorizer) with `amount` deposited by EIP-3009. */
async function openChannel(payer: Role, amount: bigint): Promise<{ config: ChannelConfig; channelId: Hex }> {
  const config: ChannelConfig = {
    payer: ctx.addr[payer],
    payerAuthorizer: zeroAddress,
    receiver: market,
    receiverAuthorizer: ctx.addr.operator,
    token,
    withdrawDelay: MIN_WITHDRAW_DELAY,
    salt: randomHash(),
  };
  const channelId = await ctx.publicClient.readContract({ address: BATCH_SETTLEMENT_ADDRESS, abi: x402BatchSettlementAbi, functionName: "getChannelId", args: [config] });
  const salt = BigInt(randomHash());
  const now = await ctx.now();
  const auth = {
    from: ctx.addr[payer],
    to: ERC3009_DEPOSIT_COLLECTOR_ADDRESS,
    value: amount,
    validAfter: now - 1n,
    validBefore: now + 3600n,
    nonce: keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [channelId, salt])),
  };
  const signature = await signAuthorization(ctx.accounts[payer], token, auth, "ReceiveWithAuthorization");
  const collectorData = encodeAbiParameters(
    [{ type: "uint256" }, { type: "uint256" }, { type: "uint256" }, { type: "bytes" }],
    [auth.validAfter, auth.validBefore, salt, signature],
  );
  await ctx.send(ctx.as[payer].wallet.writeContract({ ...settlementAs(payer), functionName: "deposit", args: [config, amount, ERC3009_DEPOSIT_COLLECTOR_ADDRESS, collectorData] }));
  return { config, channelId };
}

/** The payer's cumulative voucher for `ceiling`, claimed up to `total` by the operator (a real `claim`). */
async function claimVoucher(payer: Role, ch: { config: ChannelConfig; channelId: Hex }, total: bigint) {
  const signature = await (ctx.accounts[payer] as LocalAccount).signTypedData({
    domain: { ...BATCH_SETTLEMENT_EIP712, chainId: foundry.id, verifyingContract: BATCH_SETTLEMENT_ADDRESS },
    types: voucherTypes,
    primaryType: "Voucher",
    message: { channelId: ch.channelId, maxClaimableAmount: total },
  });
  return ctx.send(
    ctx.as.operator.wallet.writeContract({
      ...settlementAs("operator"),
      functionName: "claim",
      args: [[{ voucher: { channel: ch.config, maxClaimableAmount: total }, signature, totalClaimed: total }]],
    }),
  );
}

async function receiverState() {
  const [totalClaimed, totalSettled] = await ctx.publicClient.readContract({ address: BATCH_SETTLEMENT_ADDRESS, abi: x402BatchSettlementAbi, functionName: "receivers", args: [market, token] });
  return { totalClaimed, totalSettled };
}

/** `n` records on `modelId` charging `each` (or a varied charge), payers cycling over `payers`. */
function records(n: number, modelId: bigint, payers: readonly Address[], each?: bigint): BookingRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    payer: payers[i % payers.length],
    modelId,
    requestHash: randomHash(),
    charged: each ?? 10n ** 15n + BigInt(i) * 7_919n,
    outputHash: randomHash(),
    attributionHash: randomHash(),
  }));
}

const sum = (rs: readonly BookingRecord[]) => rs.reduce((a, r) => a + r.charged, 0n);
const book = (data: Hex, by: Role = "operator") => ctx.as[by].market.write.bookBatch([data]);

async function creditsOf(addrs: readonly Address[]) {
  return Promise.all(addrs.map((a) => ctx.read.market.read.credits([a])));
}

beforeAll(async () => {
  ctx = await setupLedgerline();
  market = ctx.deployment.inferenceMarket;
  token = ctx.deployment.token;
  modelA = await seedModel(ctx, 1n * OPEN, BUILDER_BPS_A);
  modelB = await seedModel(ctx, 1n * OPEN, BUILDER_BPS_B);
  expect(await ctx.read.market.read.batchSettlement()).toBe(BATCH_SETTLEMENT_ADDRESS);
}, 120_000);

afterAll(async () => {
  await ctx?.stop();
});

describe("bookBatch", () => {
  it("books inferences paid by claimed vouchers: the single-settle split, Σ claimed == Σ credits + pool to the wei", async () => {
    const alice = await openChannel("alice", 50n * OPEN);
    const bob = await openChannel("bob", 50n * OPEN);
    const aliceRecords = records(12, modelA, [ctx.addr.alice]);
    const bobRecords = [...records(5, modelB, [ctx.addr.bob]), ...records(4, modelA, [ctx.addr.bob])];
    await claimVoucher("alice", alice, sum(aliceRecords));
    await claimVoucher("bob", bob, sum(bobRecords));
    const claimed = sum(aliceRecords) + sum(bobRecords);
    expect(await receiverState()).toEqual({ totalClaimed: claimed, totalSettled: 0n });

    const parties = [ctx.addr.treasury, ctx.addr.operator, ctx.addr.builder];
    const before = { credits: await creditsOf(parties), books: await marketBooks(ctx), balance: await ctx.balanceOf(market) };
    const all = [...aliceRecords, ...bobRecords];
    // Not settled yet: bookBatch settles what the market claimed, then books against it.
    const receipt = await ctx.send(book(encodeBookings(all)));
    expect(await receiverState()).toEqual({ totalClaimed: claimed, totalSettled: claimed });
    expect(await ctx.balanceOf(market)).toBe(before.balance + claimed);

    const [batch] = eventsOf(inferenceMarketAbi, receipt, "InferencesBooked");
    const models = eventsOf(inferenceMarketAbi, receipt, "BookedModel").map((e) => e.args);
    // Three runs of models: A (alice), B then A (bob).
    expect(models.map((m) => [m.modelId, m.builderBps])).toEqual([[modelA, BUILDER_BPS_A], [modelB, BUILDER_BPS_B], [modelA, BUILDER_BPS_A]]);
    const rows = bookedRows(batch.args, models);
    expect(rows).toHaveLength(all.length);
    expect(rows.map((r) => r.requestHash)).toEqual(all.map((r) => r.requestHash));
    expect(batch.args).toMatchObject({ batchId: 1n, operator: ctx.addr.operator, protocolTreasury: ctx.addr.treasury, protocolBps: 500, operatorBps: 1000, total: claimed });

    // The split of each row is the one a single settle applies to that price (InferenceMarket.splitFees).
    for (const r of rows.slice(0, 3)) {
      const onChain = await ctx.read.market.read.splitFees([r.price, 500, 1000, r.modelId === modelA ? BUILDER_BPS_A : BUILDER_BPS_B]);
      expect([r.protocolFee, r.operatorFee, r.builderFee, r.contributorPool]).toEqual(onChain);
    }

    const after = { credits: await creditsOf(parties), books: await marketBooks(ctx) };
    const delta = after.credits.map((c, i) => c - before.credits[i]);
    expect(delta).toEqual([batch.args.protocolFee, batch.args.operatorFee, batch.args.builderFee]);
    const poolDelta = after.books.pool - before.books.pool;
    expect(poolDelta).toBe(batch.args.contributorPool);
    expect(after.books.credits - before.books.credits + poolDelta).toBe(claimed);
    expect(delta.reduce((a, b) => a + b, 0n) + poolDelta).toBe(claimed);
    expect(await ctx.read.market.read.totalBooked()).toBe(claimed);
    expect(await ctx.read.market.read.unbookedChannelFunds()).toBe(0n);
    expect(await ctx.read.market.read.bookedIn([ctx.addr.alice, aliceRecords[3].requestHash])).toBe(1n);
    expect(await ctx.read.market.read.bookedIn([ctx.addr.bob, aliceRecords[3].requestHash])).toBe(0n);
    expect(await ctx.read.market.read.surplus()).toBe(0n);
    await expectBooksBalanced(ctx);
  });

  it("refuses a non-operator, more than the settlement contract paid, and tokens pushed straight to the market", async () => {
    const ch = await openChannel("carol", 10n * OPEN);
    const rs = records(3, modelA, [ctx.addr.carol]);
    await claimVoucher("carol", ch, sum(rs));
    const settled0 = (await receiverState()).totalSettled;
    const booked0 = await ctx.read.market.read.totalBooked();

    await expectRevert(book(encodeBookings(rs), "eve"), "NotOperator");
    await expectRevert(book(encodeBookings(rs), "builder"), "NotOperator");

    // One wei more than claimed: the market settles what it claimed, and that is still short.
    const over = [...rs.slice(0, 2), { ...rs[2], charged: rs[2].charged + 1n }];
    const args = await expectRevert(book(encodeBookings(over)), "BookingExceedsSettled");
    expect(args).toEqual([booked0 + sum(over), settled0 + sum(rs)]);

    // Tokens sent to the market directly are surplus, not bookable.
    const pushed = 5n * OPEN;
    await ctx.send(ctx.as.eve.token.write.transfer([market, pushed]));
    expect(await ctx.read.market.read.surplus()).toBe(pushed);
    const forged = records(1, modelA, [ctx.addr.eve], pushed);
    await expectRevert(book(encodeBookings(forged)), "BookingExceedsSettled");
    await expectRevert(book(encodeBookings([...rs, ...forged])), "BookingExceedsSettled");

    // Claimed and settled, not booked: owed, so governance cannot sweep it; only the pushed tokens are surplus.
    await ctx.send(ctx.as.eve.wallet.writeContract({ ...settlementAs("eve"), functionName: "settle", args: [market, token] }));
    expect(await ctx.read.market.read.unbookedChannelFunds()).toBe(sum(rs));
    expect(await ctx.read.market.read.surplus()).toBe(pushed);
    await expectBooksBalanced(ctx, pushed);
    await ctx.send(ctx.as.admin.market.write.sweepSurplus([ctx.addr.admin]));
    await expectRevert(ctx.as.admin.market.write.sweepSurplus([ctx.addr.admin]), "NoSurplus");
    expect(await ctx.read.market.read.unbookedChannelFunds()).toBe(sum(rs));

    // Exactly what was claimed books.
    await ctx.send(book(encodeBookings(rs)));
    expect(await ctx.read.market.read.unbookedChannelFunds()).toBe(0n);
    await expectBooksBalanced(ctx);
  });

  it("refuses a request hash booked twice for a payer, in one batch or across batches", async () => {
    const ch = await openChannel("dave", 10n * OPEN);
    const rs = records(4, modelB, [ctx.addr.dave]);
    await claimVoucher("dave", ch, 10n * OPEN);
    const first = await ctx.send(book(encodeBookings(rs.slice(0, 2))));
    const batchId = eventsOf(inferenceMarketAbi, first, "InferencesBooked")[0].args.batchId;

    const again = { ...rs[1], charged: 1n, outputHash: randomHash() };
    const args = await expectRevert(book(encodeBookings([rs[2], again])), "AlreadyBooked");
    expect(args).toEqual([1n, getAddress(ctx.addr.dave), rs[1].requestHash, batchId]);
    // Twice in one batch (the codec refuses it; the contract too).
    const twice = concat([encodeBookings([rs[2]]), encodeBookings([{ ...rs[2], charged: 2n }])]);
    // (the batch that would book it, the next one, already holds it)
    expect(await expectRevert(book(twice), "AlreadyBooked")).toEqual([1n, getAddress(ctx.addr.dave), rs[2].requestHash, batchId + 1n]);
    // The same hash for another payer is another request.
    await ctx.send(book(encodeBookings([rs[2], { ...rs[1], payer: ctx.addr.alice }])));
    await expectBooksBalanced(ctx, await ctx.read.market.read.surplus());
  });

  it("refuses malformed records by name, and unknown models", async () => {
    const [r] = records(1, modelA, [ctx.addr.alice], 1n);
    const good = encodeBookings([r]);
    await expectRevert(book("0x"), "EmptyBooking");
    expect(await expectRevert(book(`${good}00`), "MalformedBooking")).toEqual([BigInt(BOOKING_RECORD_SIZE + 1)]);
    expect(await expectRevert(book(good.slice(0, -2) as Hex), "MalformedBooking")).toEqual([BigInt(BOOKING_RECORD_SIZE - 1)]);
    // Hand-packed records the codec would refuse.
    const raw = (payer: Hex, modelId: number, requestHash: Hex) =>
      concat([payer, padHex(toHex(modelId), { size: 4 }), requestHash, padHex(toHex(1n), { size: 16 }), zeroHash, zeroHash]);
    expect(await expectRevert(book(concat([good, raw(zeroAddress, Number(modelA), randomHash())])), "BookingZeroPayer")).toEqual([1n]);
    expect(await expectRevert(book(raw(ctx.addr.alice, Number(modelA), zeroHash)), "BookingZeroRequestHash")).toEqual([0n]);
    await expectRevert(book(raw(ctx.addr.alice, 0, randomHash())), "UnknownModel");
    await expectRevert(book(raw(ctx.addr.alice, 1_000_000, randomHash())), "UnknownModel");
  });

  it("random batches under changing fees: each row splits at the fees in force, credits and pool move by the rows, to the wei", async () => {
    let seed = 20261206;
    const rand = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const ch = await openChannel("bob", 200n * OPEN);
    const parties = [ctx.addr.treasury, ctx.addr.operator, ctx.addr.builder];
    let claimedCum = 0n;
    for (let round = 0; round < 8; round++) {
      const protocolBps = rand(2500);
      const operatorBps = rand(2500);
      await ctx.send(ctx.as.admin.market.write.setFees([protocolBps, operatorBps]));
      const rs = Array.from({ length: 1 + rand(40) }, () => ({
        ...records(1, rand(2) === 0 ? modelA : modelB, [ctx.addr.bob])[0],
        charged: BigInt(rand(1_000_000)) * 10n ** BigInt(rand(13)) + BigInt(rand(3)),
      }));
      claimedCum += sum(rs);
      await claimVoucher("bob", ch, claimedCum);
      const before = { credits: await creditsOf(parties), books: await marketBooks(ctx) };
      const receipt = await ctx.send(book(encodeBookings(rs)));
      const [batch] = eventsOf(inferenceMarketAbi, receipt, "InferencesBooked");
      expect([batch.args.protocolBps, batch.args.operatorBps]).toEqual([protocolBps, operatorBps]);
      const rows = bookedRows(batch.args, eventsOf(inferenceMarketAbi, receipt, "BookedModel").map((e) => e.args));
      const total = (k: "protocolFee" | "operatorFee" | "builderFee" | "contributorPool") => rows.reduce((a, r) => a + r[k], 0n);
      const after = { credits: await creditsOf(parties), books: await marketBooks(ctx) };
      expect(after.credits.map((c, i) => c - before.credits[i])).toEqual([total("protocolFee"), total("operatorFee"), total("builderFee")]);
      expect(after.books.pool - before.books.pool).toBe(total("contributorPool"));
      expect(after.books.credits - before.books.credits + after.books.pool - before.books.pool).toBe(sum(rs));
      for (const r of rows) expect(r.protocolFee + r.operatorFee + r.builderFee + r.contributorPool).toBe(r.charged);
      await expectBooksBalanced(ctx, await ctx.read.market.read.surplus());
    }
    await ctx.send(ctx.as.admin.market.write.setFees([500, 1000]));
  }, 60_000);

  it("a market deployed without a batch-settlement contract refuses to book and owes no channel funds", async () => {
    const d = await deployLedgerline({
      publicClient: ctx.publicClient,
      walletClient: ctx.as.admin.wallet,
      admin: ctx.addr.admin,
      operator: ctx.addr.operator,
      protocolTreasury: ctx.addr.treasury,
      batchSettlement: false,
    });
    const read = (functionName: "batchSettlement" | "unbookedChannelFunds" | "surplus") =>
      ctx.publicClient.readContract({ address: d.inferenceMarket, abi: inferenceMarketAbi, functionName });
    expect(await read("batchSettlement")).toBe(zeroAddress);
    expect(await read("unbookedChannelFunds")).toBe(0n);
    expect(await read("surplus")).toBe(0n);
    const [r] = records(1, 1n, [ctx.addr.alice], 1n);
    await expectRevert(
      ctx.as.operator.wallet.writeContract({ address: d.inferenceMarket, abi: inferenceMarketAbi, functionName: "bookBatch", args: [encodeBookings([r])], account: ctx.accounts.operator, chain: foundry }),
      "BookingDisabled",
    );
  }, 60_000);

  it("gas per inference at batch sizes 1, 10, 100 and 1,000", async () => {
    const payers = Array.from({ length: 10 }, (_, i) => getAddress(`0x${keccak256(toHex(`payer${i}`)).slice(26)}`));
    const sizes = [1, 10, 100, 1000];
    const ch = await openChannel("alice", 5_000n * OPEN);
    const needed = sizes.reduce((a, n) => a + BigInt(n), 0n) * (10n ** 15n + 10n ** 10n);
    await claimVoucher("alice", ch, needed);
    await ctx.send(ctx.as.eve.wallet.writeContract({ ...settlementAs("eve"), functionName: "settle", args: [market, token] }));
    const lines: string[] = [];
    for (const n of sizes) {
      const data = encodeBookings(records(n, modelA, payers), 1000);
      try {
        const receipt = await ctx.send(ctx.as.operator.market.write.bookBatch([data], { gas: 29_000_000n }));
        const per = receipt.gasUsed / BigInt(n);
        lines.push(`bookBatch n=${n}: ${receipt.gasUsed} gas, ${per} gas/inference, ${(data.length - 2) / 2} bytes calldata`);
        if (n >= 100) expect(per).toBeLessThan(35_000n);
      } catch (e) {
        lines.push(`bookBatch n=${n}: does not fit (${(e as Error).message.split("\n")[0]})`);
      }
    }
    console.log(lines.join("\n"));
    const runtime = await ctx.publicClient.getCode({ address: market });
    console.log(`InferenceMarket runtime size: ${(runtime!.length - 2) / 2} bytes (limit 24,576)`);
    expect((runtime!.length - 2) / 2).toBeLessThan(24_576);
    await expectBooksBalanced(ctx, await ctx.read.market.read.surplus());
  }, 120_000);
});
