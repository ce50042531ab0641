/**
 * x402 `batch-settlement` on a real anvil (issue 16, phase 1): Ledgerline's own contracts
 * (contracts/X402BatchSettlement.sol, ERC3009DepositCollector.sol, Multicall3.sol), installed at the canonical
 * addresses by lib/chain/deploy.ts, driven by the *official* @x402/evm 2.27 client (through @x402/fetch), server
 * scheme (inside @x402/core's x402ResourceServer) and facilitator, unmodified.
 *
 * The "resource server" is a fetch function handed to the client: it answers 402s and paid requests through the
 * x402ResourceServer's transport-agnostic calls (the way Ledgerline's routes will), charging a dynamic amount per
 * request at or below the 402's ceiling. Balances are asserted to the wei, with conservation:
 * Σ deposited == Σ settled to the payee + Σ refunded/withdrawn + Σ still in channels (+ claimed, not yet settled).
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  decodeFunctionData,
  hashTypedData,
  keccak256,
  toHex,
  type Address,
  type Hex,
  type LocalAccount,
  type TransactionReceipt,
} from "viem";
import { foundry } from "viem/chains";
import { x402ResourceServer, type FacilitatorClient } from "@x402/core/server";
import { decodePaymentSignatureHeader, encodePaymentRequiredHeader, encodePaymentResponseHeader } from "@x402/core/http";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import {
  BATCH_SETTLEMENT_ADDRESS as X402_BATCH_SETTLEMENT_ADDRESS,
  BATCH_SETTLEMENT_DOMAIN,
  ERC3009_DEPOSIT_COLLECTOR_ADDRESS as X402_ERC3009_DEPOSIT_COLLECTOR_ADDRESS,
  claimBatchTypes,
  refundTypes,
  toClientEvmSigner,
  voucherTypes,
} from "@x402/evm";
import { BatchSettlementEvmScheme as BatchClient, computeChannelId } from "@x402/evm/batch-settlement/client";
import { BatchSettlementEvmScheme as BatchServer, InMemoryChannelStorage } from "@x402/evm/batch-settlement/server";
import { erc3009DepositCollectorAbi, x402BatchSettlementAbi } from "../../contracts-abi";
import {
  BATCH_SETTLEMENT_ADDRESS,
  BATCH_SETTLEMENT_EIP712,
  ERC3009_DEPOSIT_COLLECTOR_ADDRESS,
  MAX_WITHDRAW_DELAY,
  MIN_WITHDRAW_DELAY,
  MULTICALL3_ADDRESS,
} from "../../lib/chain/batch-settlement";
import { localFacilitator, type ChannelConfig } from "./batch-settlement-fixture";
import { OPEN, eventsOf, expectRevert, setupLedgerline, type Ledgerline, type Role } from "./fixture";

/** The installed @x402/evm (its package.json is not in its exports map: found from its entry point). */
const X402_EVM_DIR = path.resolve(path.dirname(createRequire(import.meta.url).resolve("@x402/evm")), "../..");
const NETWORK = `eip155:${foundry.id}` as const;
/** The 402's per-request ceiling; the server's default minimum deposit is 10× this. */
const CEILING = 1n * OPEN;
const DEPOSIT = 10n * CEILING;
const WITHDRAW_DELAY = MIN_WITHDRAW_DELAY;
const URL_BASE = "http://ledgerline.test/v1/inference";


let ctx: Ledgerline;
let token: Address;
let payee: Address;
let operator: LocalAccount;
let rs: x402ResourceServer;
let server: BatchServer;
/** The server scheme's channel storage (in memory here; Postgres in phase 2). */
const storage = new InMemoryChannelStorage();
let facilitatorClient: FacilitatorClient;
/** Charges the resource server takes, in request order (≤ CEILING each). */
const charges: bigint[] = [];
/** Facilitator transactions, by kind, for gas figures. */
const txs: { kind: string; hash: Hex }[] = [];
const gas: Record<string, bigint> = {};
/** Why the server refused payments (verify's invalidReason), in order. */
const refusals: string[] = [];

/** The 402 offer for `url`: batch-settlement, OPEN, the ceiling, paid to `payee`. */
async function offer(): Promise<PaymentRequirements[]> {
  return rs.buildPaymentRequirements({
    scheme: "batch-settlement",
    network: NETWORK,
    payTo: payee,
    price: { amount: CEILING.toString(), asset: token, extra: { name: "Open", version: "1" } },
    maxTimeoutSeconds: 300,
  });
}

function paymentRequired(body: Awaited<ReturnType<x402ResourceServer["createPaymentRequiredResponse"]>>): Response {
  return new Response(JSON.stringify(body), {
    status: 402,
    headers: { "content-type": "application/json", "PAYMENT-REQUIRED": encodePaymentRequiredHeader(body) },
  });
}

/**
 * The resource server as a fetch function: 402 without payment; with one, verify → (handler) → settle with the
 * next dynamic charge; refund payloads settle without the handler (skipHandler), as the scheme directs.
 */
const serverFetch: typeof fetch = async (input, init) => {
  const req = new Request(input, init);
  const accepts = await offer();
  const resource = { url: req.url, description: "test inference", mimeType: "application/json" };
  const header = req.headers.get("PAYMENT-SIGNATURE");
  if (!header) return paymentRequired(await rs.createPaymentRequiredResponse(accepts, resource));
  const payload: PaymentPayload = decodePaymentSignatureHeader(header);
  const requirements = rs.findMatchingRequirements(accepts, payload);
  if (!requirements) return paymentRequired(await rs.createPaymentRequiredResponse(accepts, resource, "no_matching_requirements"));
  const verified = await rs.verifyPayment(payload, requirements);
  if (!verified.isValid) {
    refusals.push(verified.invalidReason ?? "unknown");
    return paymentRequired(await rs.createPaymentRequiredResponse(accepts, resource, verified.invalidReason, undefined, undefined, payload));
  }
  if (verified.skipHandler) {
    const settled = await rs.settlePayment(payload, requirements);
    return new Response(JSON.stringify(verified.skipHandler.body ?? {}), {
      status: settled.success ? 200 : 402,
      headers: { "PAYMENT-RESPONSE": encodePaymentResponseHeader(settled) },
    });
  }
  const charge = charges.shift();
  if (charge === undefined || charge > CEILING) throw new Error(`test server: no valid charge queued (${charge})`);
  const settled = await rs.settlePayment(payload, requirements, undefined, undefined, { amount: charge.toString() });
  return new Response(JSON.stringify({ answer: "ok", charged: charge.toString() }), {
    status: settled.success ? 200 : 402,
    headers: { "content-type": "application/json", "PAYMENT-RESPONSE": encodePaymentResponseHeader(settled) },
  });
};

/** A payer: the official client scheme with on-chain reads (recovery), behind @x402/fetch. */
function payer(role: Role) {
  const account = ctx.accounts[role];
  const scheme = new BatchClient(toClientEvmSigner(account, ctx.publicClient as never));
  const client = new x402Client().register(NETWORK, scheme);
  client.setSpendControls({ allowedAssets: [{ network: NETWORK, asset: token }] });
  const pay = wrapFetchWithPayment(serverFetch, client);
  return { account, scheme, pay };
}

const read = {
  channel: async (id: Hex) => {
    const [balance, totalClaimed] = await ctx.publicClient.readContract({
      address: BATCH_SETTLEMENT_ADDRESS,
      abi: x402BatchSettlementAbi,
      functionName: "channels",
      args: [id],
    });
    return { balance, totalClaimed };
  },
  receiver: async (r: Address) => {
    const [totalClaimed, totalSettled] = await ctx.publicClient.readContract({
      address: BATCH_SETTLEMENT_ADDRESS,
      abi: x402BatchSettlementAbi,
      functionName: "receivers",
      args: [r, token],
    });
    return { totalClaimed, totalSettled };
  },
  pending: async (id: Hex) => {
    const [amount, initiatedAt] = await ctx.publicClient.readContract({
      address: BATCH_SETTLEMENT_ADDRESS,
      abi: x402BatchSettlementAbi,
      functionName: "pendingWithdrawals",
      args: [id],
    });
    return { amount, initiatedAt };
  },
};

/** Every OPEN balance the tests can move, and the settlement contract's books for `ids`. */
async function snapshotState(ids: Hex[]) {
  const holders = [BATCH_SETTLEMENT_ADDRESS, ERC3009_DEPOSIT_COLLECTOR_ADDRESS, payee, ...Object.values(ctx.addr)];
  const balances = await Promise.all(holders.map((h) => ctx.balanceOf(h)));
  const channels = await Promise.all(ids.map((id) => read.channel(id)));
  const pendings = await Promise.all(ids.map((id) => read.pending(id)));
  return { balances, channels, pendings, receiver: await read.receiver(payee) };
}

async function gasOf(hash: Hex): Promise<TransactionReceipt> {
  return ctx.publicClient.getTransactionReceipt({ hash });
}

/** The settlement contract's OPEN is exactly what channels hold unclaimed plus what is claimed and not settled. */
async function expectContractSolvent(ids: Hex[]) {
  let unclaimed = 0n;
  for (const id of ids) {
    const c = await read.channel(id);
    unclaimed += c.balance - c.totalClaimed;
  }
  const r = await read.receiver(payee);
  expect(await ctx.balanceOf(BATCH_SETTLEMENT_ADDRESS)).toBe(unclaimed + (r.totalClaimed - r.totalSettled));
}

beforeAll(async () => {
  ctx = await setupLedgerline();
  token = ctx.deployment.token;
  payee = ctx.addr.builder;
  operator = ctx.accounts.operator;
  // The operator runs the facilitator and is every channel's receiver authorizer (as Ledgerline will).
  facilitatorClient = localFacilitator(ctx.publicClient, ctx.anvil.rpcUrl, operator, NETWORK, txs);
  server = new BatchServer(payee, { receiverAuthorizerSigner: operator, withdrawDelay: WITHDRAW_DELAY, storage });
  rs = new x402ResourceServer(facilitatorClient).register(NETWORK, server);
  await rs.initialize();
}, 120_000);

afterAll(async () => {
  await ctx?.stop();
  if (Object.keys(gas).length > 0) {
    console.log(`batch-settlement gas (anvil receipts): ${Object.entries(gas).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  }
});

describe("x402 batch-settlement: what @x402/evm 2.27 expects is what is deployed (pin)", () => {
  it("the package is the pinned version, and its hard-coded addresses and EIP-712 domain are ours", async () => {
    const pkgDir = X402_EVM_DIR;
    expect((JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8")) as { version: string }).version).toBe("2.27.0");
    expect(X402_BATCH_SETTLEMENT_ADDRESS).toBe(BATCH_SETTLEMENT_ADDRESS);
    expect(X402_ERC3009_DEPOSIT_COLLECTOR_ADDRESS).toBe(ERC3009_DEPOSIT_COLLECTOR_ADDRESS);
    expect(BATCH_SETTLEMENT_DOMAIN).toEqual(BATCH_SETTLEMENT_EIP712);
    expect(ctx.deployment.batchSettlement).toBe(BATCH_SETTLEMENT_ADDRESS);
    expect(ctx.deployment.erc3009DepositCollector).toBe(ERC3009_DEPOSIT_COLLECTOR_ADDRESS);
    expect(ctx.deployment.multicall3).toBe(MULTICALL3_ADDRESS);

    // Not exported from the package root: read from the facilitator bundle the server loads.
    const fac = fs.readFileSync(path.join(pkgDir, "dist/cjs/batch-settlement/facilitator/index.js"), "utf8");
    expect(fac).toContain(`var MULTICALL3_ADDRESS = "${MULTICALL3_ADDRESS}"`);
    expect(fac).toContain(`var MIN_WITHDRAW_DELAY = ${MIN_WITHDRAW_DELAY};`);
    expect(fac).toContain(`var MAX_WITHDRAW_DELAY = ${MAX_WITHDRAW_DELAY / 1000}e3;`);
    for (const a of [BATCH_SETTLEMENT_ADDRESS, ERC3009_DEPOSIT_COLLECTOR_ADDRESS, MULTICALL3_ADDRESS]) {
      expect((await ctx.publicClient.getCode({ address: a }))?.length ?? 0).toBeGreaterThan(2);
    }
    const c = { address: BATCH_SETTLEMENT_ADDRESS, abi: x402BatchSettlementAbi } as const;
    const [, name, version, chainId, verifyingContract] = await ctx.publicClient.readContract({ ...c, functionName: "eip712Domain" });
    expect({ name, version, chainId: Number(chainId), verifyingContract }).toEqual({
      ...BATCH_SETTLEMENT_DOMAIN,
      chainId: foundry.id,
      verifyingContract: BATCH_SETTLEMENT_ADDRESS,
    });
    expect(await ctx.publicClient.readContract({ ...c, functionName: "MIN_WITHDRAW_DELAY" })).toBe(MIN_WITHDRAW_DELAY);
    expect(await ctx.publicClient.readContract({ ...c, functionName: "MAX_WITHDRAW_DELAY" })).toBe(MAX_WITHDRAW_DELAY);
    expect(
      await ctx.publicClient.readContract({ address: ERC3009_DEPOSIT_COLLECTOR_ADDRESS, abi: erc3009DepositCollectorAbi, functionName: "x402BatchSettlement" }),
    ).toBe(BATCH_SETTLEMENT_ADDRESS);
  });

  it("channel ids, vouchers, refunds and claim batches hash on-chain as the package signs them", async () => {
    const config: ChannelConfig = {
      payer: ctx.addr.alice,
      payerAuthorizer: ctx.addr.alice,
      receiver: payee,
      receiverAuthorizer: operator.address,
      token,
      withdrawDelay: WITHDRAW_DELAY,
      salt: keccak256(toHex("salt")),
    };
    const c = { address: BATCH_SETTLEMENT_ADDRESS, abi: x402BatchSettlementAbi } as const;
    const id = computeChannelId(config, NETWORK);
    expect(await ctx.publicClient.readContract({ ...c, functionName: "getChannelId", args: [config] })).toBe(id);
    const domain = { ...BATCH_SETTLEMENT_DOMAIN, chainId: foundry.id, verifyingContract: BATCH_SETTLEMENT_ADDRESS };
    expect(await ctx.publicClient.readContract({ ...c, functionName: "getVoucherDigest", args: [id, 7n] })).toBe(
      hashTypedData({ domain, types: voucherTypes, primaryType: "Voucher", message: { channelId: id, maxClaimableAmount: 7n } }),
    );
    expect(await ctx.publicClient.readContract({ ...c, functionName: "getRefundDigest", args: [id, 3n, 5n] })).toBe(
      hashTypedData({ domain, types: refundTypes, primaryType: "Refund", message: { channelId: id, nonce: 3n, amount: 5n } }),
    );
    const rows = [
      { voucher: { channel: config, maxClaimableAmount: 9n }, signature: "0x" as Hex, totalClaimed: 4n },
      { voucher: { channel: { ...config, salt: keccak256(toHex("other")) }, maxClaimableAmount: 2n }, signature: "0x" as Hex, totalClaimed: 1n },
    ];
    expect(await ctx.publicClient.readContract({ ...c, functionName: "getClaimBatchDigest", args: [rows] })).toBe(
      hashTypedData({
        domain,
        types: claimBatchTypes,
        primaryType: "ClaimBatch",
        message: {
          claims: rows.map((r) => ({
            channelId: computeChannelId(r.voucher.channel, NETWORK),
            maxClaimableAmount: r.voucher.maxClaimableAmount,
            totalClaimed: r.totalClaimed,
          })),
        },
      }),
    );
  });

  it("the package's hard-coded settlement ABI is a subset of ours, function by function and event by event", () => {
    const pkgDir = X402_EVM_DIR;
    const fac = fs.readFileSync(path.join(pkgDir, "dist/cjs/batch-settlement/facilitator/index.js"), "utf8");
    const start = fac.indexOf("// src/batch-settlement/abi.ts");
    const end = fac.indexOf("var erc20BalanceOfABI");
    expect(start).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    const pkgAbi = new Function(`${fac.slice(start, end)}; return batchSettlementABI;`)() as {
      type: string;
      name: string;
      inputs: unknown[];
      outputs?: unknown[];
    }[];
    const strip = (x: unknown): unknown =>
      Array.isArray(x)
        ? x.map(strip)
        : x && typeof x === "object"
          ? Object.fromEntries(
              Object.entries(x)
                .filter(([k]) => ["name", "type", "components", "indexed"].includes(k))
                .map(([k, v]) => [k, strip(v)]),
            )
          : x;
    const ours = new Map((x402BatchSettlementAbi as readonly { type: string; name?: string }[]).map((i) => [`${i.type} ${i.name}`, i]));
    expect(pkgAbi.length).toBeGreaterThan(15);
    for (const item of pkgAbi) {
      const mine = ours.get(`${item.type} ${item.name}`) as { inputs: unknown[]; outputs?: unknown[] } | undefined;
      expect(mine, `${item.type} ${item.name}`).toBeDefined();
      expect(strip(mine!.inputs), `${item.name} inputs`).toEqual(strip(item.inputs));
      if (item.type === "function") expect(strip(mine!.outputs ?? []), `${item.name} outputs`).toEqual(strip(item.outputs ?? []));
    }
  });
});

describe("x402 batch-settlement: the official client, server scheme and facilitator against our contracts", () => {
  let alice: ReturnType<typeof payer>;
  let aliceConfig: ChannelConfig;
  let aliceId: Hex;
  const aliceCharges = [300n * 10n ** 15n, CEILING, 0n, 550n * 10n ** 15n, 1n];
  const aliceCharged = aliceCharges.reduce((a, b) => a + b, 0n);
  let aliceStart: bigint;
  let payeeStart: bigint;

  it("deposits once, then pays several requests with cumulative vouchers; charges are dynamic and ≤ the ceiling", async () => {
    alice = payer("alice");
    aliceStart = await ctx.balanceOf(ctx.addr.alice);
    payeeStart = await ctx.balanceOf(payee);
    const [requirements] = await offer();
    aliceConfig = alice.scheme.buildChannelConfig(requirements) as ChannelConfig;
    aliceId = computeChannelId(aliceConfig, NETWORK);
    expect(aliceConfig).toMatchObject({ payer: ctx.addr.alice, receiver: payee, receiverAuthorizer: operator.address, token, withdrawDelay: WITHDRAW_DELAY });

    for (const [i, charge] of aliceCharges.entries()) {
      charges.push(charge);
      const res = await alice.pay(`${URL_BASE}?q=${i}`);
      expect(res.status, await res.clone().text()).toBe(200);
      expect(((await res.json()) as { charged: string }).charged).toBe(charge.toString());
      if (i === 0) {
        // The first request deposited: the facilitator sent deposit(…) through the canonical collector.
        const deposit = txs.find((t) => t.kind === "deposit");
        expect(deposit).toBeDefined();
        const r = await gasOf(deposit!.hash);
        gas.deposit_first = r.gasUsed;
        const [ev] = eventsOf(x402BatchSettlementAbi, r, "Deposited");
        expect(ev.args).toMatchObject({ channelId: aliceId, amount: DEPOSIT, newBalance: DEPOSIT });
        expect(eventsOf(x402BatchSettlementAbi, r, "ChannelCreated")).toHaveLength(1);
      }
    }
    expect(charges).toHaveLength(0);
    // Only the deposit touched the chain: vouchers are off-chain until claimed.
    expect(txs.map((t) => t.kind)).toEqual(["deposit"]);
    expect(await ctx.balanceOf(ctx.addr.alice)).toBe(aliceStart - DEPOSIT);
    expect(await read.channel(aliceId)).toEqual({ balance: DEPOSIT, totalClaimed: 0n });
    const row = await storage.get(aliceId.toLowerCase());
    expect(BigInt(row!.chargedCumulativeAmount)).toBe(aliceCharged);
    // The last voucher signed the charge so far plus one more ceiling.
    expect(BigInt(row!.signedMaxClaimable)).toBe(aliceCharged - aliceCharges.at(-1)! + CEILING);
  });

  it("the server's channel manager claims the vouchers and settles them to the payee, to the wei", async () => {
    const manager = server.createChannelManager(facilitatorClient, NETWORK, token);
    const before = txs.length;
    const { claims, settle } = await manager.claimAndSettle();
    expect(claims.length).toBe(1);
    expect(settle).toBeDefined();
    const kinds = txs.slice(before).map((t) => t.kind);
    expect(kinds).toEqual(["claimWithSignature", "settle"]);
    const claimReceipt = await gasOf(txs[before].hash);
    const settleReceipt = await gasOf(txs[before + 1].hash);
    gas.claim_1_channel = claimReceipt.gasUsed;
    gas.settle = settleReceipt.gasUsed;
    expect(eventsOf(x402BatchSettlementAbi, claimReceipt, "Claimed")[0].args).toMatchObject({ channelId: aliceId, claimAmount: aliceCharged, newTotalClaimed: aliceCharged });
    expect(eventsOf(x402BatchSettlementAbi, settleReceipt, "Settled")[0].args).toMatchObject({ receiver: payee, token, amount: aliceCharged });

    expect(await read.channel(aliceId)).toEqual({ balance: DEPOSIT, totalClaimed: aliceCharged });
    expect(await read.receiver(payee)).toEqual({ totalClaimed: aliceCharged, totalSettled: aliceCharged });
    expect(await ctx.balanceOf(payee)).toBe(payeeStart + aliceCharged);
    await expectContractSolvent([aliceId]);
  });

  it("attacks on a live channel revert with their named error and move nothing", async () => {
    const c = { address: BATCH_SETTLEMENT_ADDRESS, abi: x402BatchSettlementAbi, chain: foundry } as const;
    const wallet = (role: Role) => ctx.as[role].wallet;
    const sign = (signer: LocalAccount, max: bigint) =>
      signer.signTypedData({
        domain: { ...BATCH_SETTLEMENT_DOMAIN, chainId: foundry.id, verifyingContract: BATCH_SETTLEMENT_ADDRESS },
        types: voucherTypes,
        primaryType: "Voucher",
        message: { channelId: aliceId, maxClaimableAmount: max },
      });
    const row = (max: bigint, signature: Hex, total: bigint) => ({ voucher: { channel: aliceConfig, maxClaimableAmount: max }, signature, totalClaimed: total });
    const before = await snapshotState([aliceId]);
    const unchanged = async () => expect(await snapshotState([aliceId])).toEqual(before);

    // A voucher for more than the deposit: the payer may sign it, the channel cannot pay it.
    const tooMuch = await sign(ctx.accounts.alice, DEPOSIT + 1n);
    await expectRevert(wallet("operator").writeContract({ ...c, functionName: "claim", args: [[row(DEPOSIT + 1n, tooMuch, DEPOSIT + 1n)]] }), "ClaimExceedsBalance");
    await unchanged();
    // A claim above what the voucher signed.
    const small = await sign(ctx.accounts.alice, aliceCharged + 2n);
    await expectRevert(wallet("operator").writeContract({ ...c, functionName: "claim", args: [[row(aliceCharged + 2n, small, aliceCharged + 3n)]] }), "ClaimExceedsCeiling");
    await unchanged();
    // A voucher signed by someone else than the channel's payer authorizer.
    const forged = await sign(ctx.accounts.eve, DEPOSIT);
    await expectRevert(wallet("operator").writeContract({ ...c, functionName: "claim", args: [[row(DEPOSIT, forged, DEPOSIT)]] }), "InvalidSignature");
    await unchanged();
    // A genuine voucher claimed by a party that is neither receiver nor receiver authorizer…
    const genuine = await sign(ctx.accounts.alice, aliceCharged + CEILING);
    await expectRevert(wallet("eve").writeContract({ ...c, functionName: "claim", args: [[row(aliceCharged + CEILING, genuine, aliceCharged + CEILING)]] }), "NotAuthorizedToClaim");
    // …or relayed with a claim-batch signature that is not the receiver authorizer's.
    const rows = [row(aliceCharged + CEILING, genuine, aliceCharged + CEILING)];
    const batchDigest = await ctx.publicClient.readContract({ ...c, functionName: "getClaimBatchDigest", args: [rows] });
    const eveBatch = await ctx.accounts.eve.sign!({ hash: batchDigest });
    await expectRevert(wallet("eve").writeContract({ ...c, functionName: "claimWithSignature", args: [rows, eveBatch] }), "InvalidSignature");
    // Nor may a stranger refund the payer's deposit (the receiver side decides), or start a withdrawal.
    await expectRevert(wallet("eve").writeContract({ ...c, functionName: "refund", args: [aliceConfig, 1n] }), "NotAuthorizedToRefund");
    await expectRevert(wallet("eve").writeContract({ ...c, functionName: "initiateWithdraw", args: [aliceConfig, 1n] }), "InvalidChannel");
    await expectRevert(wallet("eve").writeContract({ ...c, functionName: "finalizeWithdraw", args: [aliceConfig] }), "NotAuthorizedToFinalizeWithdraw");
    // The collector only serves the settlement contract.
    await expectRevert(
      wallet("eve").writeContract({
        address: ERC3009_DEPOSIT_COLLECTOR_ADDRESS,
        abi: erc3009DepositCollectorAbi,
        chain: foundry,
        functionName: "collect",
        args: [ctx.addr.alice, token, 1n, aliceId, "0x"],
      }),
      "OnlyX402BatchSettlement",
    );
    await unchanged();

    // A replayed deposit: the payer's ERC-3009 authorization is spent, the token refuses it.
    const depositTx = await ctx.publicClient.getTransaction({ hash: txs.find((t) => t.kind === "deposit")!.hash });
    const { functionName, args: depositArgs } = decodeFunctionData({ abi: x402BatchSettlementAbi, data: depositTx.input });
    expect(functionName).toBe("deposit");
    await expectRevert(
      ctx.publicClient.simulateContract({ ...c, account: ctx.addr.eve, functionName: "deposit", args: depositArgs as never }),
      "AuthorizationUsedAlready",
    );
    // A replayed voucher: claims are cumulative, so claiming an already-claimed total again is a no-op by the
    // specification (the package's refund multicall relies on it) — it succeeds and moves nothing.
    const applied = await sign(ctx.accounts.alice, aliceCharged);
    await ctx.send(wallet("operator").writeContract({ ...c, functionName: "claim", args: [[row(aliceCharged, applied, aliceCharged)]] }));
    const afterReplay = await snapshotState([aliceId]);
    expect(afterReplay).toEqual(before);
  });

  it("a cooperative refund returns the unused deposit through the package's refund flow (claim + refund multicall)", async () => {
    const before = txs.length;
    const settled = await alice.scheme.refund(`${URL_BASE}?refund=1`, { fetch: serverFetch });
    expect(settled.success).toBe(true);
    // One transaction: refundWithSignature, or (as 2.27 sends it when its storage lists claims) a multicall of
    // claimWithSignature — a no-op here, those charges are claimed — and refundWithSignature.
    const sent = txs.slice(before);
    expect(sent).toHaveLength(1);
    const tx = await ctx.publicClient.getTransaction({ hash: sent[0].hash });
    const outer = decodeFunctionData({ abi: x402BatchSettlementAbi, data: tx.input });
    const inner =
      outer.functionName === "multicall"
        ? (outer.args[0] as readonly Hex[]).map((d) => decodeFunctionData({ abi: x402BatchSettlementAbi, data: d }).functionName)
        : [outer.functionName];
    expect(inner.at(-1)).toBe("refundWithSignature");
    const r = await gasOf(sent[0].hash);
    expect(eventsOf(x402BatchSettlementAbi, r, "Claimed")).toHaveLength(0);
    gas[`refund (${inner.join(" + ")})`] = r.gasUsed;
    const refunded = DEPOSIT - aliceCharged;
    expect(eventsOf(x402BatchSettlementAbi, r, "Refunded")[0].args).toMatchObject({ channelId: aliceId, amount: refunded });
    expect(await read.channel(aliceId)).toEqual({ balance: aliceCharged, totalClaimed: aliceCharged });
    // The payer paid exactly what was charged; the payee got exactly that; nothing is left in the channel.
    expect(await ctx.balanceOf(ctx.addr.alice)).toBe(aliceStart - aliceCharged);
    expect(await ctx.balanceOf(payee)).toBe(payeeStart + aliceCharged);
    // Σ deposited == Σ settled + Σ refunded + Σ still in the channel (balance − totalClaimed) + claimed-unsettled.
    const ch = await read.channel(aliceId);
    const rcv = await read.receiver(payee);
    expect(DEPOSIT).toBe(rcv.totalSettled + refunded + (ch.balance - ch.totalClaimed) + (rcv.totalClaimed - rcv.totalSettled));
    await expectContractSolvent([aliceId]);
  });

  it("a timed withdrawal returns what is not claimed, only after the delay; claimed charges stay with the payee", async () => {
    const bob = payer("bob");
    const bobStart = await ctx.balanceOf(ctx.addr.bob);
    const payeeBefore = await ctx.balanceOf(payee);
    const [requirements] = await offer();
    const bobConfig = bob.scheme.buildChannelConfig(requirements) as ChannelConfig;
    const bobId = computeChannelId(bobConfig, NETWORK);
    const bobCharges = [CEILING / 4n, CEILING / 2n];
    for (const [i, charge] of bobCharges.entries()) {
      charges.push(charge);
      const res = await bob.pay(`${URL_BASE}?bob=${i}`);
      expect(res.status, await res.clone().text()).toBe(200);
    }
    // Bob's client loses its local state (a fresh process): its next voucher is built from the chain, which has
    // seen no claim yet, so the server answers a corrective 402 carrying its last signed voucher; the client
    // checks that voucher is its own, resyncs, and the retry pays.
    const bobAgain = payer("bob");
    bobCharges.push(CEILING / 8n);
    charges.push(CEILING / 8n);
    const before402 = txs.length;
    refusals.length = 0;
    const res = await bobAgain.pay(`${URL_BASE}?bob=again`);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(charges).toHaveLength(0);
    expect(txs.length).toBe(before402); // no second deposit
    expect(refusals).toEqual(["invalid_batch_settlement_evm_cumulative_amount_mismatch"]);
    const bobCharged = bobCharges.reduce((a, b) => a + b, 0n);
    expect(BigInt((await storage.get(bobId.toLowerCase()))!.chargedCumulativeAmount)).toBe(bobCharged);
    const manager = server.createChannelManager(facilitatorClient, NETWORK, token);
    await manager.claimAndSettle();
    expect(await read.channel(bobId)).toEqual({ balance: DEPOSIT, totalClaimed: bobCharged });

    const c = { address: BATCH_SETTLEMENT_ADDRESS, abi: x402BatchSettlementAbi, chain: foundry } as const;
    const wallet = ctx.as.bob.wallet;
    const available = DEPOSIT - bobCharged;
    await expectRevert(wallet.writeContract({ ...c, functionName: "initiateWithdraw", args: [bobConfig, available + 1n] }), "WithdrawAmountExceedsAvailable");
    await expectRevert(wallet.writeContract({ ...c, functionName: "finalizeWithdraw", args: [bobConfig] }), "WithdrawalNotPending");
    const init = await ctx.send(wallet.writeContract({ ...c, functionName: "initiateWithdraw", args: [bobConfig, available] }));
    gas.initiate_withdraw = init.gasUsed;
    const [ev] = eventsOf(x402BatchSettlementAbi, init, "WithdrawInitiated");
    expect(ev.args.amount).toBe(available);
    await expectRevert(wallet.writeContract({ ...c, functionName: "initiateWithdraw", args: [bobConfig, 1n] }), "WithdrawalAlreadyPending");

    const before = await snapshotState([aliceId, bobId]);
    await expectRevert(wallet.writeContract({ ...c, functionName: "finalizeWithdraw", args: [bobConfig] }), "WithdrawDelayNotElapsed");
    await ctx.increaseTime(WITHDRAW_DELAY - 10);
    await expectRevert(wallet.writeContract({ ...c, functionName: "finalizeWithdraw", args: [bobConfig] }), "WithdrawDelayNotElapsed");
    expect(await snapshotState([aliceId, bobId])).toEqual(before);

    await ctx.increaseTime(10);
    const fin = await ctx.send(wallet.writeContract({ ...c, functionName: "finalizeWithdraw", args: [bobConfig] }));
    gas.finalize_withdraw = fin.gasUsed;
    expect(eventsOf(x402BatchSettlementAbi, fin, "WithdrawFinalized")[0].args.amount).toBe(available);
    expect(await read.pending(bobId)).toEqual({ amount: 0n, initiatedAt: 0 });
    expect(await read.channel(bobId)).toEqual({ balance: bobCharged, totalClaimed: bobCharged });
    expect(await ctx.balanceOf(ctx.addr.bob)).toBe(bobStart - bobCharged);
    expect(await ctx.balanceOf(payee)).toBe(payeeBefore + bobCharged);
    // Nothing is left to withdraw, and the claimed part cannot be taken back.
    await expectRevert(wallet.writeContract({ ...c, functionName: "initiateWithdraw", args: [bobConfig, 1n] }), "WithdrawAmountExceedsAvailable");
    await expectContractSolvent([aliceId, bobId]);
    expect(await ctx.balanceOf(BATCH_SETTLEMENT_ADDRESS)).toBe(0n);
    expect(await ctx.balanceOf(ERC3009_DEPOSIT_COLLECTOR_ADDRESS)).toBe(0n);

    // Conservation over both channels: Σ deposited == Σ settled to the payee + Σ refunded + Σ withdrawn + Σ left.
    const rcv = await read.receiver(payee);
    expect(2n * DEPOSIT).toBe(rcv.totalSettled + (DEPOSIT - aliceCharged) + available + 0n);
    expect(rcv.totalSettled).toBe(aliceCharged + bobCharged);
  });
});
