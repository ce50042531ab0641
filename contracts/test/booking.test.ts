/**
 * InferenceMarket.bookBatch on a real anvil (issue 16, batched settlement): channels of Ledgerline's own
 * X402BatchSettlement (at the canonical address, installed by the deployment) pay the market; the operator claims the
 * payers' signed vouchers and books the inferences those funds paid for, many per transaction, grouped by channel.
 *
 * Checked to the wei: Σ claimed == Σ credits + contributor pool booked; the market's books balance with unbooked
 * channel funds owed (not surplus). Attacks: a non-operator, booking more than a channel's vouchers paid, replaying a
 * group or a whole batch, a channel paying someone else, a channel in another token, tokens pushed straight to the
 * market, malformed batches. Gas per inference at 1, 10, 100 and 1,000 records from 1, 10 and 100 channels is
 * printed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concat, encodeAbiParameters, keccak256, padHex, toHex, zeroAddress, zeroHash, type Address, type Hex, type LocalAccount } from "viem";
import { foundry } from "viem/chains";
import { voucherTypes } from "@x402/evm";
import { inferenceMarketAbi, openTokenAbi, openTokenBytecode, x402BatchSettlementAbi } from "../../contracts-abi";
import { BATCH_SETTLEMENT_ADDRESS, BATCH_SETTLEMENT_EIP712, ERC3009_DEPOSIT_COLLECTOR_ADDRESS, MIN_WITHDRAW_DELAY } from "../../lib/chain/batch-settlement";
import { deployLedgerline } from "../../lib/chain/deploy";
import { deployContract } from "../../lib/chain/deploy-contract";
import {
  BOOKING_GROUP_HEADER_SIZE,
  BOOKING_RECORD_SIZE,
  bookedRows,
  bookingBatchOf,
  bookingChannelId,
  bookingResultHash,
  encodeBookings,
  type BookingChannel,
  type BookingGroup,
  type BookingRecord,
} from "../../lib/chain/bookings";
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
import type { ChannelConfig } from "./batch-settlement-fixture";

let ctx: Ledgerline;
let market: Address;
let token: Address;
let modelA: bigint;
let modelB: bigint;
const BUILDER_BPS_A = 1500;
const BUILDER_BPS_B = 700;

type Channel = { payer: Role; config: ChannelConfig; channelId: Hex };

const settlementAs = (role: Role) => ({ address: BATCH_SETTLEMENT_ADDRESS, abi: x402BatchSettlementAbi, account: ctx.accounts[role], chain: foundry }) as const;

/**
 * `payer` opens a channel paying the market (the operator its receiver authorizer) with `amount` deposited by EIP-3009;
 * `over` changes the config (another receiver or token).
 */
async function openChannel(payer: Role, amount: bigint, over: Partial<ChannelConfig> = {}): Promise<Channel> {
  const config: ChannelConfig = {
    payer: ctx.addr[payer],
    payerAuthorizer: zeroAddress,
    receiver: market,
    receiverAuthorizer: ctx.addr.operator,
    token,
    withdrawDelay: MIN_WITHDRAW_DELAY,
    salt: randomHash(),
    ...over,
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
  const signature = await signAuthorization(ctx.accounts[payer], config.token, auth, "ReceiveWithAuthorization");
  const collectorData = encodeAbiParameters(
    [{ type: "uint256" }, { type: "uint256" }, { type: "uint256" }, { type: "bytes" }],
    [auth.validAfter, auth.validBefore, salt, signature],
  );
  await ctx.send(ctx.as[payer].wallet.writeContract({ ...settlementAs(payer), functionName: "deposit", args: [config, amount, ERC3009_DEPOSIT_COLLECTOR_ADDRESS, collectorData] }));
  return { payer, config, channelId };
}

/** The payers' cumulative vouchers, claimed up to `total` each by the operator in one real `claim`. */
async function claimVouchers(claims: readonly (readonly [Channel, bigint])[]) {
  const rows = await Promise.all(
    claims.map(async ([ch, total]) => ({
      voucher: { channel: ch.config, maxClaimableAmount: total },
      totalClaimed: total,
      signature: await (ctx.accounts[ch.payer] as LocalAccount).signTypedData({
        domain: { ...BATCH_SETTLEMENT_EIP712, chainId: foundry.id, verifyingContract: BATCH_SETTLEMENT_ADDRESS },
        types: voucherTypes,
        primaryType: "Voucher",
        message: { channelId: ch.channelId, maxClaimableAmount: total },
      }),
    })),
  );
  return ctx.send(ctx.as.operator.wallet.writeContract({ ...settlementAs("operator"), functionName: "claim", args: [rows] }));
}
const claimVoucher = (ch: Channel, total: bigint) => claimVouchers([[ch, total]]);

async function receiverState() {
  const [totalClaimed, totalSettled] = await ctx.publicClient.readContract({ address: BATCH_SETTLEMENT_ADDRESS, abi: x402BatchSettlementAbi, functionName: "receivers", args: [market, token] });
  return { totalClaimed, totalSettled };
}

/** The group header the contract reads: the channel's config without receiver and token. */
const channelOf = ({ config: c }: Channel): BookingChannel => ({
  payer: c.payer,
  payerAuthorizer: c.payerAuthorizer,
  receiverAuthorizer: c.receiverAuthorizer,
  withdrawDelay: c.withdrawDelay,
  salt: c.salt,
});

/** `n` records on `modelId` charging `each` (or a varied charge). */
function records(n: number, modelId: bigint, each?: bigint): BookingRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    modelId,
    requestHash: randomHash(),
    charged: each ?? 10n ** 15n + BigInt(i) * 7_919n,
    outputHash: randomHash(),
    attributionHash: randomHash(),
  }));
}
const group = (ch: Channel, rs: readonly BookingRecord[]): BookingGroup => ({ channel: channelOf(ch), records: rs });

/** EIP-7623 (Prague): a transaction pays at least 21,000 + 10 gas a calldata token (a zero byte 1 token, another 4). */
function calldataFloor(input: Hex): bigint {
  let tokens = 0n;
  for (let i = 2; i < input.length; i += 2) tokens += input.slice(i, i + 2) === "00" ? 1n : 4n;
  return 21_000n + 10n * tokens;
}

const sum = (rs: readonly BookingRecord[]) => rs.reduce((a, r) => a + r.charged, 0n);
const book = (data: Hex, by: Role = "operator") => ctx.as[by].market.write.bookBatch([data]);
const bookedOf = (ch: Channel) => ctx.read.market.read.bookedOf([ch.channelId]);

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
  it("books inferences paid by claimed vouchers, by channel: the single-settle split, Σ claimed == Σ credits + pool to the wei", async () => {
    const alice = await openChannel("alice", 50n * OPEN);
    const bob = await openChannel("bob", 50n * OPEN);
    // The market derives the channel id as the settlement contract does (receiver = market, token = market token).
    const domain = { chainId: foundry.id, settlement: BATCH_SETTLEMENT_ADDRESS, market, token };
    for (const ch of [alice, bob]) {
      const c = channelOf(ch);
      expect(await ctx.read.market.read.bookingChannelId([c.payer, c.payerAuthorizer, c.receiverAuthorizer, c.withdrawDelay, c.salt])).toBe(ch.channelId);
      expect(bookingChannelId(c, domain)).toBe(ch.channelId);
    }
    const aliceRecords = records(12, modelA);
    const bobRecords = [...records(5, modelB), ...records(4, modelA)];
    await claimVouchers([[alice, sum(aliceRecords)], [bob, sum(bobRecords)]]);
    const claimed = sum(aliceRecords) + sum(bobRecords);
    expect(await receiverState()).toEqual({ totalClaimed: claimed, totalSettled: 0n });

    const parties = [ctx.addr.treasury, ctx.addr.operator, ctx.addr.builder];
    const before = { credits: await creditsOf(parties), books: await marketBooks(ctx), balance: await ctx.balanceOf(market) };
    const data = encodeBookings([group(alice, aliceRecords), group(bob, bobRecords)]);
    expect((data.length - 2) / 2).toBe(2 * BOOKING_GROUP_HEADER_SIZE + 21 * BOOKING_RECORD_SIZE);
    // Not settled yet: bookBatch settles what the market claimed, then books against it.
    const receipt = await ctx.send(book(data));
    expect(await receiverState()).toEqual({ totalClaimed: claimed, totalSettled: claimed });
    expect(await ctx.balanceOf(market)).toBe(before.balance + claimed);
    expect([await bookedOf(alice), await bookedOf(bob)]).toEqual([sum(aliceRecords), sum(bobRecords)]);

    const [batch] = eventsOf(inferenceMarketAbi, receipt, "InferencesBooked");
    const models = eventsOf(inferenceMarketAbi, receipt, "BookedModel").map((e) => e.args);
    // Runs of models: A (alice), then bob's group sorted by model: A, B.
    expect(models.map((m) => [m.modelId, m.builderBps])).toEqual([[modelA, BUILDER_BPS_A], [modelB, BUILDER_BPS_B]]);
    // The indexer's way: the records from the transaction's input, checked against the event's batch hash.
    const { input } = await ctx.publicClient.getTransaction({ hash: receipt.transactionHash });
    expect(bookingBatchOf(input)).toBe(data);
    expect(batch.args.batchHash).toBe(keccak256(data));
    const rows = bookedRows(batch.args, models, bookingBatchOf(input));
    expect(rows).toHaveLength(21);
    // Every row's payer is its channel's payer; every record is there once.
    expect(rows.filter((r) => r.payer === ctx.addr.alice).map((r) => r.requestHash).sort()).toEqual(aliceRecords.map((r) => r.requestHash).sort());
    expect(rows.filter((r) => r.payer === ctx.addr.bob).map((r) => r.requestHash).sort()).toEqual(bobRecords.map((r) => r.requestHash).sort());
    const byHash = new Map([...aliceRecords, ...bobRecords].map((r) => [r.requestHash, r]));
    for (const r of rows) {
      const sent = byHash.get(r.requestHash)!;
      expect({ modelId: sent.modelId, requestHash: sent.requestHash, charged: sent.charged, resultHash: bookingResultHash(sent.outputHash, sent.attributionHash) }).toEqual({
        modelId: r.modelId,
        requestHash: r.requestHash,
        charged: r.charged,
        resultHash: r.resultHash,
      });
    }
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
    expect(await ctx.read.market.read.surplus()).toBe(0n);
    await expectBooksBalanced(ctx);

    // Replaying the whole batch, or one of its groups beside a good one, books nothing: the channels' claims are booked.
    expect(await expectRevert(book(data), "BookingExceedsChannel")).toEqual([alice.channelId, 2n * sum(aliceRecords), sum(aliceRecords)]);
    await claimVoucher(bob, sum(bobRecords) + 5n);
    const fresh = records(1, modelA, 5n);
    await ctx.send(book(encodeBookings([group(bob, fresh)])));
    await expectRevert(book(encodeBookings([group(bob, records(1, modelA, 1n)), group(alice, aliceRecords.slice(0, 1))])), "BookingExceedsChannel");
    await expectRevert(book(encodeBookings([group(bob, fresh)])), "BookingExceedsChannel");
    await expectBooksBalanced(ctx);
  });

  it("refuses a non-operator, more than a channel's vouchers paid, and tokens pushed straight to the market", async () => {
    const carol = await openChannel("carol", 10n * OPEN);
    const dave = await openChannel("dave", 10n * OPEN);
    const rs = records(3, modelA);
    const daveRs = records(2, modelB);
    await claimVouchers([[carol, sum(rs)], [dave, sum(daveRs)]]);
    const booked0 = await ctx.read.market.read.totalBooked();

    await expectRevert(book(encodeBookings([group(carol, rs)]), "eve"), "NotOperator");
    await expectRevert(book(encodeBookings([group(carol, rs)]), "builder"), "NotOperator");

    // One wei more than carol's vouchers paid, even with dave's channel short of its claims: the bound is per channel.
    const over = [...rs.slice(0, 2), { ...rs[2], charged: rs[2].charged + 1n }];
    expect(await expectRevert(book(encodeBookings([group(carol, over)])), "BookingExceedsChannel")).toEqual([carol.channelId, sum(over), sum(rs)]);
    expect(await expectRevert(book(encodeBookings([group(dave, daveRs.slice(0, 1)), group(carol, over)])), "BookingExceedsChannel")).toEqual([carol.channelId, sum(over), sum(rs)]);
    // Records of carol's inferences booked against dave's channel exceed dave's.
    await expectRevert(book(encodeBookings([group(dave, [...daveRs, ...rs])])), "BookingExceedsChannel");
    // A channel the market never saw has claimed nothing.
    const unknown = { ...channelOf(carol), salt: randomHash() };
    await expectRevert(book(encodeBookings([{ channel: unknown, records: records(1, modelA, 1n) }])), "BookingExceedsChannel");
    expect(await ctx.read.market.read.totalBooked()).toBe(booked0);

    // Tokens sent to the market directly are surplus, not bookable: no channel claimed them.
    const pushed = 5n * OPEN;
    await ctx.send(ctx.as.eve.token.write.transfer([market, pushed]));
    expect(await ctx.read.market.read.surplus()).toBe(pushed);
    await expectRevert(book(encodeBookings([group(carol, [...rs, ...records(1, modelA, pushed)])])), "BookingExceedsChannel");

    // Claimed and settled, not booked: owed, so governance cannot sweep it; only the pushed tokens are surplus.
    await ctx.send(ctx.as.eve.wallet.writeContract({ ...settlementAs("eve"), functionName: "settle", args: [market, token] }));
    expect(await ctx.read.market.read.unbookedChannelFunds()).toBe(sum(rs) + sum(daveRs));
    expect(await ctx.read.market.read.surplus()).toBe(pushed);
    await expectBooksBalanced(ctx, pushed);
    await ctx.send(ctx.as.admin.market.write.sweepSurplus([ctx.addr.admin]));
    await expectRevert(ctx.as.admin.market.write.sweepSurplus([ctx.addr.admin]), "NoSurplus");
    expect(await ctx.read.market.read.unbookedChannelFunds()).toBe(sum(rs) + sum(daveRs));

    // Exactly what was claimed books.
    await ctx.send(book(encodeBookings([group(carol, rs), group(dave, daveRs)])));
    expect([await bookedOf(carol), await bookedOf(dave)]).toEqual([sum(rs), sum(daveRs)]);
    expect(await ctx.read.market.read.unbookedChannelFunds()).toBe(0n);
    await expectBooksBalanced(ctx);
  });

  it("refuses channels that pay someone else or another token, and never books more than the settlement contract paid the market", async () => {
    // Eve's channel pays the operator itself (receiver ≠ market); the operator claims its vouchers.
    const toOperator = await openChannel("eve", 3n * OPEN, { receiver: ctx.addr.operator });
    await claimVoucher(toOperator, 2n * OPEN);
    // The same header, read by the market, names the channel paying the market: it claimed nothing.
    const asMarket = bookingChannelId(channelOf(toOperator), { chainId: foundry.id, settlement: BATCH_SETTLEMENT_ADDRESS, market, token });
    expect(asMarket).not.toBe(toOperator.channelId);
    expect(await expectRevert(book(encodeBookings([group(toOperator, records(2, modelA, OPEN))])), "BookingExceedsChannel")).toEqual([asMarket, 2n * OPEN, 0n]);

    // A channel paying the market in another token (an ERC-3009 token of eve's, same name and decimals).
    const { address: other } = await deployContract(ctx.publicClient, ctx.as.admin.wallet, "OtherToken", openTokenAbi, openTokenBytecode, [ctx.addr.eve, 1_000n * OPEN]);
    const inOther = await openChannel("eve", 10n * OPEN, { token: other });
    await claimVoucher(inOther, 10n * OPEN);
    const [otherClaimed] = await ctx.publicClient.readContract({ address: BATCH_SETTLEMENT_ADDRESS, abi: x402BatchSettlementAbi, functionName: "receivers", args: [market, other] });
    expect(otherClaimed).toBe(10n * OPEN);
    await expectRevert(book(encodeBookings([group(inOther, records(1, modelA, OPEN))])), "BookingExceedsChannel");
    // Settled to the market, the other token is surplus of that token, and nothing the market books.
    await ctx.send(ctx.as.eve.wallet.writeContract({ ...settlementAs("eve"), functionName: "settle", args: [market, other] }));
    await expectRevert(book(encodeBookings([group(inOther, records(1, modelA, OPEN))])), "BookingExceedsChannel");
    await expectBooksBalanced(ctx);

    // Defence in depth: a settlement contract whose receiver totals disagree with its channels (its storage rewritten
    // so a channel's claim never reached the market's totalClaimed) cannot make the market book what it was not paid.
    const snap = await ctx.snapshot();
    const ch = await openChannel("dave", 2n * OPEN);
    const { totalSettled } = await receiverState();
    expect(await ctx.read.market.read.totalBooked()).toBe(totalSettled);
    await claimVoucher(ch, OPEN);
    // receivers is the settlement's sixth slot (after EIP712's two string fallbacks, channels, refundNonce and
    // pendingWithdrawals); the word packs totalClaimed (low) and totalSettled (high).
    const inner = keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [market, 5n]));
    const slot = keccak256(encodeAbiParameters([{ type: "address" }, { type: "bytes32" }], [token, inner]));
    await ctx.testClient.setStorageAt({ address: BATCH_SETTLEMENT_ADDRESS, index: slot, value: padHex(toHex((totalSettled << 128n) | totalSettled), { size: 32 }) });
    expect(await receiverState()).toEqual({ totalClaimed: totalSettled, totalSettled });
    expect(await expectRevert(book(encodeBookings([group(ch, records(1, modelA, OPEN))])), "BookingExceedsSettled")).toEqual([totalSettled + OPEN, totalSettled]);
    await ctx.revert(snap);
  });

  it("refuses malformed batches by name, unordered or repeated records, and unknown models", async () => {
    const ch = await openChannel("alice", 1n * OPEN);
    await claimVoucher(ch, 1n * OPEN);
    const [r] = records(1, modelA, 1n);
    const good = encodeBookings([group(ch, [r])]);
    const header = (count: number) => concat([good.slice(0, 2 + 97 * 2) as Hex, padHex(toHex(count), { size: 2 })]);
    const raw = (modelId: number, requestHash: Hex, charged = 1n) => concat([padHex(toHex(modelId), { size: 4 }), padHex(toHex(charged), { size: 12 }), requestHash, zeroHash]);
    await expectRevert(book("0x"), "EmptyBooking");
    // A header cut short, a group with no records, a group shorter than its count, trailing bytes after a group.
    expect(await expectRevert(book(good.slice(0, 2 + 98 * 2) as Hex), "MalformedBooking")).toEqual([0n]);
    expect(await expectRevert(book(header(0)), "MalformedBooking")).toEqual([0n]);
    expect(await expectRevert(book(concat([header(2), raw(Number(modelA), randomHash())])), "MalformedBooking")).toEqual([0n]);
    expect(await expectRevert(book(good.slice(0, -2) as Hex), "MalformedBooking")).toEqual([0n]);
    const size = BOOKING_GROUP_HEADER_SIZE + BOOKING_RECORD_SIZE;
    expect(await expectRevert(book(`${good}00`), "MalformedBooking")).toEqual([BigInt(size)]);
    expect(await expectRevert(book(concat([good, header(1)])), "MalformedBooking")).toEqual([BigInt(size)]);
    // Records must strictly increase in (modelId, requestHash) within a group: a repeat or a swap is refused.
    const [lo, hi] = [padHex("0x01", { size: 32 }), padHex("0x02", { size: 32 })];
    const at = (i: number) => BigInt(BOOKING_GROUP_HEADER_SIZE + i * BOOKING_RECORD_SIZE);
    expect(await expectRevert(book(concat([header(2), raw(Number(modelA), lo), raw(Number(modelA), lo)])), "BookingUnordered")).toEqual([at(1)]);
    expect(await expectRevert(book(concat([header(2), raw(Number(modelA), hi), raw(Number(modelA), lo)])), "BookingUnordered")).toEqual([at(1)]);
    expect(await expectRevert(book(concat([header(2), raw(Number(modelB), lo), raw(Number(modelA), hi)])), "BookingUnordered")).toEqual([at(1)]);
    expect(await expectRevert(book(concat([header(1), raw(Number(modelA), zeroHash)])), "BookingZeroRequestHash")).toEqual([at(0)]);
    // The same request hash on two models, or in two groups, is two records (uniqueness beyond that is off-chain).
    await ctx.send(book(concat([header(2), raw(Number(modelA), lo), raw(Number(modelB), lo)])));
    await ctx.send(book(concat([header(1), raw(Number(modelA), hi), header(1), raw(Number(modelA), hi)])));
    expect(await bookedOf(ch)).toBe(4n);
    await expectRevert(book(concat([header(1), raw(0, randomHash())])), "UnknownModel");
    await expectRevert(book(concat([header(1), raw(1_000_000, randomHash())])), "UnknownModel");
    await expectBooksBalanced(ctx, await ctx.read.market.read.surplus());
  });

  it("random batches over several channels under changing fees: each row splits at the fees in force, to the wei", async () => {
    let seed = 20261206;
    const rand = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const payers: Role[] = ["alice", "bob", "carol", "dave"];
    const chans = await Promise.all(payers.map((p) => openChannel(p, 100n * OPEN)));
    const cum = new Map<Hex, bigint>();
    const parties = [ctx.addr.treasury, ctx.addr.operator, ctx.addr.builder];
    for (let round = 0; round < 8; round++) {
      const protocolBps = rand(2500);
      const operatorBps = rand(2500);
      await ctx.send(ctx.as.admin.market.write.setFees([protocolBps, operatorBps]));
      const groups = chans
        .filter(() => rand(3) !== 0)
        .map((ch) => ({
          ch,
          rs: Array.from({ length: 1 + rand(25) }, () => ({
            ...records(1, rand(2) === 0 ? modelA : modelB)[0],
            charged: BigInt(rand(1_000_000)) * 10n ** BigInt(rand(13)) + BigInt(rand(3)),
          })),
        }));
      if (groups.length === 0) continue;
      for (const g of groups) cum.set(g.ch.channelId, (cum.get(g.ch.channelId) ?? 0n) + sum(g.rs));
      await claimVouchers(groups.map((g) => [g.ch, cum.get(g.ch.channelId)!] as const));
      const before = { credits: await creditsOf(parties), books: await marketBooks(ctx) };
      const receipt = await ctx.send(book(encodeBookings(groups.map((g) => group(g.ch, g.rs)))));
      const [batch] = eventsOf(inferenceMarketAbi, receipt, "InferencesBooked");
      expect([batch.args.protocolBps, batch.args.operatorBps]).toEqual([protocolBps, operatorBps]);
      const { input } = await ctx.publicClient.getTransaction({ hash: receipt.transactionHash });
      const rows = bookedRows(batch.args, eventsOf(inferenceMarketAbi, receipt, "BookedModel").map((e) => e.args), bookingBatchOf(input));
      const total = (k: "protocolFee" | "operatorFee" | "builderFee" | "contributorPool") => rows.reduce((a, r) => a + r[k], 0n);
      const after = { credits: await creditsOf(parties), books: await marketBooks(ctx) };
      expect(after.credits.map((c, i) => c - before.credits[i])).toEqual([total("protocolFee"), total("operatorFee"), total("builderFee")]);
      expect(after.books.pool - before.books.pool).toBe(total("contributorPool"));
      const booked = groups.reduce((a, g) => a + sum(g.rs), 0n);
      expect(after.books.credits - before.books.credits + after.books.pool - before.books.pool).toBe(booked);
      for (const r of rows) expect(r.protocolFee + r.operatorFee + r.builderFee + r.contributorPool).toBe(r.charged);
      for (const g of groups) {
        expect(rows.filter((r) => r.group === groups.indexOf(g)).every((r) => r.payer === ctx.addr[g.ch.payer])).toBe(true);
        expect(await bookedOf(g.ch)).toBe(cum.get(g.ch.channelId));
      }
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
    const data = encodeBookings([{ channel: { payer: ctx.addr.alice, payerAuthorizer: zeroAddress, receiverAuthorizer: ctx.addr.operator, withdrawDelay: MIN_WITHDRAW_DELAY, salt: randomHash() }, records: records(1, 1n, 1n) }]);
    await expectRevert(
      ctx.as.operator.wallet.writeContract({ address: d.inferenceMarket, abi: inferenceMarketAbi, functionName: "bookBatch", args: [data], account: ctx.accounts.operator, chain: foundry }),
      "BookingDisabled",
    );
  }, 60_000);

  it("gas per inference at 1, 10, 100 and 1,000 records from 1, 10 and 100 channels, with and without the claims that pay for them", async () => {
    const EACH = 10n ** 15n;
    // 111 channels of one payer (the payer's address costs nothing either way): 1 for the small batches, 10, 100.
    // Each is claimed 1 wei first, so the claims measured below are a channel's later claims (its first claim writes a
    // zero slot: ≈ 17k gas more, once per channel).
    const chans: Channel[] = [];
    for (let i = 0; i < 111; i++) chans.push(await openChannel("alice", OPEN / 2n));
    const claimed = new Map<Hex, bigint>(chans.map((ch) => [ch.channelId, 1n]));
    await claimVouchers(chans.map((ch) => [ch, 1n] as const));
    const one = chans.slice(0, 1);
    const ten = chans.slice(1, 11);
    const hundred = chans.slice(11, 111);
    // Records spread evenly over the channels, each on model A or B (about half each: two model runs a group).
    const batch = (n: number, over: readonly Channel[]) =>
      over.map((ch, c) => group(ch, Array.from({ length: Math.floor(n / over.length) + (c < n % over.length ? 1 : 0) }, (_, i) => ({ ...records(1, i % 2 === 0 ? modelA : modelB, EACH + BigInt(i))[0] }))));
    const runs: [number, Channel[], string][] = [
      [1, one, "first booking of the channel"],
      [10, one, "channel booked before"],
      [10, ten, "first booking of the channels"],
      [100, one, "channel booked before"],
      [100, ten, "channels booked before"],
      [100, hundred, "first booking of the channels"],
      [100, hundred, "channels booked before"],
      [1000, ten, "channels booked before"],
      [1000, hundred, "channels booked before"],
    ];
    const lines: string[] = [];
    const gas: Record<string, bigint> = {};
    const withClaims: Record<string, bigint> = {};
    for (const [n, over, note] of runs) {
      const groups = batch(n, over);
      // The claim that pays for this batch: each channel's vouchers up to what it has been charged (the booker claims
      // the channels it books, one `claim` for up to 100 of them).
      groups.forEach((g, c) => claimed.set(over[c].channelId, claimed.get(over[c].channelId)! + sum(g.records)));
      const claim = await claimVouchers(over.map((ch) => [ch, claimed.get(ch.channelId)!] as const));
      const data = encodeBookings(groups);
      const receipt = await ctx.send(ctx.as.operator.market.write.bookBatch([data], { gas: 29_000_000n }));
      const per = receipt.gasUsed / BigInt(n);
      const all = (receipt.gasUsed + claim.gasUsed) / BigInt(n);
      gas[`${n}/${over.length}/${note}`] = per;
      withClaims[`${n}/${over.length}/${note}`] = all;
      const { input } = await ctx.publicClient.getTransaction({ hash: receipt.transactionHash });
      const floor = calldataFloor(input);
      lines.push(
        `bookBatch n=${n} from ${over.length} channel(s), ${note}: ${receipt.gasUsed} gas, ${per} gas/inference, ${(data.length - 2) / 2} bytes` +
          ` (EIP-7623 calldata floor ${floor}${receipt.gasUsed === floor ? ", binding" : ""}); its claim ${claim.gasUsed} gas` +
          ` (${claim.gasUsed / BigInt(over.length)} a channel): ${all} gas/inference in all`,
      );
    }
    console.log(lines.join("\n"));
    // The target: ≤ 5,000 gas an inference at ≥ 100 a batch. bookBatch alone meets it with channels of ~10
    // inferences a batch; with the claims that pay for the batch it holds when each channel brings ≥ 100 (the booker's
    // per-channel bound, BOOKING_MIN_RECORDS), not at 10 a channel (≈ 2.2k gas of claim each). The bounds sit 8-10% over
    // what 80-byte records measure (4,002, 3,006, 3,704, 3,236), below what 112-byte ones did (4,769, 4,282, 4,977,
    // 4,513): a record that grows again fails here.
    expect(gas["100/10/channels booked before"]).toBeLessThanOrEqual(4_400n);
    expect(gas["1000/10/channels booked before"]).toBeLessThanOrEqual(3_250n);
    expect(withClaims["100/1/channel booked before"]).toBeLessThanOrEqual(4_000n);
    expect(withClaims["1000/10/channels booked before"]).toBeLessThanOrEqual(3_500n);
    const runtime = await ctx.publicClient.getCode({ address: market });
    console.log(`InferenceMarket runtime size: ${(runtime!.length - 2) / 2} bytes (limit 24,576)`);
    expect((runtime!.length - 2) / 2).toBeLessThan(24_576);
    await expectBooksBalanced(ctx, await ctx.read.market.read.surplus());
  }, 180_000);
});
