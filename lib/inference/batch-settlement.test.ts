/**
 * x402 batch-settlement through the real paid routes (issue 16): `POST /api/models/{id}/inference`,
 * `POST /v1/chat/completions` and `GET /api/payments/batch-settlement/refund`, called through their route handlers
 * against a real anvil (the batch-settlement contracts at their canonical addresses), a real PGlite and models built
 * by the Model Factory (lib/inference/testing/market.ts), on PGlite and (with TEST_DATABASE_URL) Postgres, paid by the official @x402/fetch + @x402/evm batch-settlement
 * client and by the `openai` client through it. No mocks: every voucher is verified, every charge lands in
 * payment_channels and batch_charges, the deposit and the refund are real transactions.
 */
import { eq } from "drizzle-orm";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeAbiParameters, keccak256, stringToBytes, type Hex } from "viem";
import { privateKeyToAccount, generatePrivateKey } from "viem/accounts";
import { decodePaymentRequiredHeader, decodePaymentResponseHeader, decodePaymentSignatureHeader } from "@x402/core/http";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { computeChannelId } from "@x402/evm/batch-settlement/client";
import * as modelInference from "@/app/api/models/[id]/inference/route";
import { x402BatchSettlementAbi } from "@/contracts-abi";
import { testDatabaseKinds } from "@/db/testing";
import * as t from "@/db/schema";
import { BATCH_SETTLEMENT_ADDRESS } from "@/lib/chain/batch-settlement";
import { nativeRecoveries } from "@/lib/chain/secp256k1";
import { paymentChain } from "@/lib/inference/paid";
import { batchServerFor, batchSettlementScheme, markBooked, pendingCharges, PostgresChannelStorage, setChargeFaultForTests } from "@/lib/payments/batch-settlement";
import { requestHashOf } from "@/lib/payments/request";
import { appFetchFor, BASE, batchPayer, exactPayer, exactPaymentHeader, NETWORK, offerFor, postInference, type Wire } from "./testing/paying-client";
import { account, ROLES, serveRoutesFrom, setupMarket, type Market } from "./testing/market";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Handler = (request: Request, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;

const VOUCHER_TYPES = { Voucher: [{ name: "channelId", type: "bytes32" }, { name: "maxClaimableAmount", type: "uint128" }] } as const;
const voucherDomain = { name: "x402 Batch Settlement", version: "1", chainId: 31337, verifyingContract: BATCH_SETTLEMENT_ADDRESS } as const;

let m: Market;

let unserve: (() => void) | undefined;
/** Every request the app was sent and what it answered, in order. */
const wire: Wire = [];
const appFetch = appFetchFor(wire);
const payer = (user: number, opts: Parameters<typeof batchPayer>[3] = {}) => batchPayer(m, appFetch, user, opts);
const post = postInference;

const price = async (modelId: number) => {
  const res = await (modelInference.GET as Handler)(new Request(`${BASE}/api/models/${modelId}/inference`), { params: Promise.resolve({ id: String(modelId) }) });
  return BigInt(((await res.json()) as Json).price);
};
const operatorNonce = () => m.client.getTransactionCount({ address: m.operator.account.address, blockTag: "pending" });
const blockNumber = () => m.client.getBlockNumber({ cacheTime: 0 });
const channelOnChain = async (id: Hex) => {
  const [balance, totalClaimed] = await m.client.readContract({ address: BATCH_SETTLEMENT_ADDRESS, abi: x402BatchSettlementAbi, functionName: "channels", args: [id] });
  return { balance, totalClaimed };
};
const chargesOf = (channelId: Hex) => m.ctx.db.select().from(t.batchCharges).where(eq(t.batchCharges.channelId, channelId.toLowerCase())).orderBy(t.batchCharges.id);
/** The channels as the app's batch server sees them (on PGlite its memory holds the reservations). */
const storage = () => ({ get: async (id: Hex) => (await batchServerFor(paymentChain(m.ctx)))!.storage.get(id) });
/** The channels as stored in the database. */
const stored = () => new PostgresChannelStorage(m.ctx.db);
const salt = (s: string) => keccak256(stringToBytes(s));

/** The PAYMENT-SIGNATURE of the last paid request, decoded: a template for hand-made vouchers on its channel. */
const lastPaidPayload = () => decodePaymentSignatureHeader(wire.filter((w) => w.signature && w.status === 200).at(-1)!.signature!) as Json;

/** A hand-made voucher `{ channelId, maxClaimableAmount }` with `signature`, sent as `template`'s channel pays model `modelId`. */
const postVoucher = (modelId: number, template: Json, voucher: { channelId: Hex; maxClaimableAmount: bigint }, signature: Hex) => {
  const payload = { ...template, payload: { type: "voucher", channelConfig: template.payload.channelConfig, voucher: { channelId: voucher.channelId, maxClaimableAmount: voucher.maxClaimableAmount.toString(), signature } } };
  return appFetch(`${BASE}/api/models/${modelId}/inference`, {
    method: "POST",
    headers: { "content-type": "application/json", "PAYMENT-SIGNATURE": Buffer.from(JSON.stringify(payload)).toString("base64") },
    body: JSON.stringify({ prompt: "dog", params: {} }),
  });
};

async function channelIdOf(p: ReturnType<typeof payer>, modelId: number): Promise<Hex> {
  const res = await appFetch(`${BASE}/api/models/${modelId}/inference`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "x" }) });
  const offer = decodePaymentRequiredHeader(res.headers.get("PAYMENT-REQUIRED")!);
  const batch = offer.accepts.find((a) => a.scheme === "batch-settlement")!;
  return computeChannelId(p.scheme.buildChannelConfig(batch), NETWORK) as Hex;
}

for (const { kind, available } of testDatabaseKinds) {
  describe.skipIf(!available)(`on ${kind}`, () => {
  beforeAll(async () => {
    m = await setupMarket(kind);
    unserve = serveRoutesFrom(m);
  }, 180_000);
  afterAll(async () => {
    unserve?.();
    await m?.close();
  });

  describe("x402 batch-settlement on the paid routes", () => {
    it("offers batch-settlement next to exact, deposits once, then serves on vouchers alone, each charge pending settlement to the wei", async () => {
      const model = m.models.gramA;
      const cost = await price(model);
      // The 402 offers both schemes, exact first (clients that take accepts[0] pay as before).
      const unpaid = await appFetch(`${BASE}/api/models/${model}/inference`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "x" }) });
      expect(unpaid.status).toBe(402);
      const offer = decodePaymentRequiredHeader(unpaid.headers.get("PAYMENT-REQUIRED")!);
      expect(offer.accepts.map((a) => a.scheme)).toEqual(["exact", "batch-settlement"]);
      const batch = offer.accepts[1];
      expect(batch).toMatchObject({ network: NETWORK, asset: m.d.token, amount: cost.toString(), payTo: m.d.inferenceMarket });
      expect(batch.extra).toMatchObject({ name: "Open", version: "1", receiverAuthorizer: m.operator.account.address, withdrawDelay: 86_400 });

      const who = payer(ROLES.users[0]);
      const id = await channelIdOf(who, model);
      const startBalance = await m.balance(ROLES.users[0]);
      const nonce0 = await operatorNonce();
      const block0 = await blockNumber();

      // First call: the deposit (one operator transaction).
      const first = await post(who.pay, model, "The domestic cat is", { maxTokens: 8 });
      const body = (await first.json()) as Json;
      expect(first.status, JSON.stringify(body)).toBe(200);
      expect(await operatorNonce()).toBe(nonce0 + 1);
      const deposit = (await channelOnChain(id)).balance;
      expect(deposit).toBeGreaterThanOrEqual(cost);
      expect(body).toMatchObject({ settlement: "pending", price: cost.toString(), settleTx: null, split: null, via: "x402", payer: who.account.address.toLowerCase() });
      expect(body.requestId).toBe(body.requestHash);
      const response = decodePaymentResponseHeader(first.headers.get("PAYMENT-RESPONSE")!);
      expect(response.success).toBe(true);
      expect((response.extra as Json).chargedAmount).toBe(cost.toString());

      // Then vouchers only: no transaction, no block.
      const nonce1 = await operatorNonce();
      const block1 = await blockNumber();
      const hashes = [body.requestHash as string];
      for (const prompt of ["A dog is", "The horse", "Birds can"]) {
        const res = await post(who.pay, model, prompt, { maxTokens: 8 });
        const j = (await res.json()) as Json;
        expect(res.status, JSON.stringify(j)).toBe(200);
        expect(j.settlement).toBe("pending");
        hashes.push(j.requestHash);
      }
      expect(await operatorNonce()).toBe(nonce1);
      expect(await blockNumber()).toBe(block1);
      expect(block1).toBe(block0 + 1n);

      // Exact charges, in order, each with its stored answer; the channel's state agrees.
      let rows = await chargesOf(id);
      expect(rows.map((r) => r.requestHash)).toEqual(hashes);
      expect(rows.map((r) => r.charged)).toEqual(hashes.map(() => cost));
      expect(rows.map((r) => r.cumulativeAfter)).toEqual(hashes.map((_, i) => cost * BigInt(i + 1)));
      expect(rows.every((r) => r.status === "pending" && r.payer === who.account.address.toLowerCase() && r.modelId === model)).toBe(true);
      for (const r of rows) {
        const [result] = await m.ctx.db.select().from(t.inferenceResults).where(eq(t.inferenceResults.requestHash, r.requestHash));
        expect(r.outputHash).toBe(keccak256(stringToBytes(result.output)));
      }
      const seen = await storage().get(id);
      expect(seen!.chargedCumulativeAmount).toBe((cost * 4n).toString());
      expect(seen!.pendingRequest).toBeUndefined();
      // The charges are in the database, not only in the process.
      expect((await stored().get(id))!.chargedCumulativeAmount).toBe((cost * 4n).toString());

      // A payer that lost its state (new client, same key) is resynced by one corrective 402, without a new deposit.
      const amnesiac = payer(ROLES.users[0]);
      const before = wire.length;
      const again = await post(amnesiac.pay, model, "The cow", { maxTokens: 8 });
      expect(again.status, await again.clone().text()).toBe(200);
      expect(wire.slice(before).map((w) => w.status)).toEqual([402, 402, 200]);
      expect(await operatorNonce()).toBe(nonce1);
      rows = await chargesOf(id);
      expect(rows.length).toBe(5);

      // Booking marks rows; pendingCharges lists the rest, oldest first.
      const txHash = keccak256(stringToBytes("a booking")) as Hex;
      expect(await markBooked(m.ctx.db, [rows[0].id, rows[1].id], txHash)).toBe(2);
      expect(await markBooked(m.ctx.db, [rows[0].id], txHash)).toBe(0);
      const pending = (await pendingCharges(m.ctx.db, 100)).filter((r) => r.channelId === id.toLowerCase());
      expect(pending.map((r) => r.id)).toEqual(rows.slice(2).map((r) => r.id));

      // Cooperative refund of the unused deposit: the charged vouchers are claimed, the rest goes back.
      const refunded = await amnesiac.scheme.refund(`${BASE}/api/payments/batch-settlement/refund`, { fetch: appFetch });
      expect(refunded.success).toBe(true);
      const charged = cost * 5n;
      expect(await channelOnChain(id)).toEqual({ balance: charged, totalClaimed: charged });
      expect(await m.balance(ROLES.users[0])).toBe(startBalance - charged);
    }, 120_000);

    it("a repeat caller sends its voucher with the request, reusing one 402's offer: one request per call, each charged once and in step; the offer reused for another model is refused unspent", async () => {
      const model = m.models.gramA;
      const cost = await price(model);
      const who = payer(ROLES.users[1], { salt: salt("offer reused") });
      const id = await channelIdOf(who, model);
      expect((await post(who.pay, model, "The domestic cat is", { maxTokens: 8 })).status).toBe(200); // the deposit
      const client = who.client;
      const url = `${BASE}/api/models/${model}/inference`;
      // A flat price: the offer is the same for every prompt, so one 402 serves every later call.
      const { http402, offer } = await offerFor(appFetch, client, url);
      const call = async (to: string, prompt: string) => {
        const payload = await client.createPaymentPayload(offer);
        const res = await appFetch(to, { method: "POST", headers: { "content-type": "application/json", ...http402.encodePaymentSignatureHeader(payload) }, body: JSON.stringify({ prompt, params: { maxTokens: 8 } }) });
        const body = (await res.json()) as Json;
        await http402.processPaymentResult(payload, (h) => res.headers.get(h), res.status);
        return { res, body };
      };
      const sent = wire.length;
      const recovered = nativeRecoveries();
      for (const prompt of ["A dog is", "The horse", "Birds can"]) {
        const { res, body } = await call(url, prompt);
        expect(res.status, JSON.stringify(body)).toBe(200);
        expect(body).toMatchObject({ settlement: "pending", price: cost.toString() });
      }
      // Each voucher's signer was recovered by libsecp256k1, not noble's JavaScript (lib/chain/secp256k1.ts).
      expect(nativeRecoveries() - recovered).toBeGreaterThanOrEqual(3);
      // One request each, no 402 before it.
      expect(wire.slice(sent).map((w) => [w.status, w.signature !== null])).toEqual([[200, true], [200, true], [200, true]]);
      let rows = await chargesOf(id);
      expect(rows.map((r) => r.cumulativeAfter)).toEqual([1n, 2n, 3n, 4n].map((k) => cost * k));

      // The same offer sent to another model (another price): refused before anything is served or charged.
      const other = m.models.gramB;
      expect(await price(other)).not.toBe(cost);
      const { res, body } = await call(`${BASE}/api/models/${other}/inference`, "A dog is");
      expect(res.status).toBe(402);
      expect(body.reason).toBe("price_changed");
      rows = await chargesOf(id);
      expect(rows).toHaveLength(4);
      // The client is still in step: its next call through the official fetch wrapper pays as usual.
      expect((await post(who.pay, model, "Fish swim", { maxTokens: 8 })).status).toBe(200);
      expect((await chargesOf(id)).map((r) => r.cumulativeAfter).at(-1)).toBe(cost * 5n);
    });

    it("lets the openai client pay through the batch-settlement client, plain and streaming", async () => {
      const model = m.models.gramA;
      const cost = await price(model);
      const who = payer(ROLES.users[1]);
      const id = await channelIdOf(who, model);
      const openai = new OpenAI({ baseURL: `${BASE}/v1`, apiKey: "unused", maxRetries: 0, fetch: who.pay });
      const completion = await openai.chat.completions.create({ model: `model-${model}`, messages: [{ role: "user", content: "The domestic cat is" }], max_tokens: 8 });
      expect(completion.choices[0].message.content).toBeTruthy();
      const ledgerline = (completion as unknown as { ledgerline: Json }).ledgerline;
      expect(ledgerline).toMatchObject({ settlement: "pending", cost: cost.toString(), settle_tx: null });
      expect(completion.id).toBe(`chatcmpl-${ledgerline.request_id}`);

      const stream = await openai.chat.completions.create({ model: `model-${model}`, messages: [{ role: "user", content: "A dog is" }], max_tokens: 8, stream: true });
      let text = "";
      let final: Json | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? "";
        if ((chunk as unknown as Json).ledgerline) final = (chunk as unknown as Json).ledgerline;
      }
      expect(text).toBeTruthy();
      expect(final).toMatchObject({ settlement: "pending", cost: cost.toString() });
      // A stream's headers leave before the charge, so it carries no PAYMENT-RESPONSE: the next call resyncs once.
      const next = await openai.chat.completions.create({ model: `model-${model}`, messages: [{ role: "user", content: "Birds can" }], max_tokens: 8 });
      expect(next.choices[0].message.content).toBeTruthy();
      const rows = await chargesOf(id);
      expect(rows.map((r) => r.charged)).toEqual([cost, cost, cost]);
      expect((await storage().get(id))!.chargedCumulativeAmount).toBe((cost * 3n).toString());
    }, 120_000);

    it("a price between the channel and the per-call minimum: only channels are offered, a per-call payment is refused unspent, a channel pays", async () => {
      const model = m.models.gramB;
      const cost = await price(model);
      const user = ROLES.users[2];
      // An exact payment made while the offer still had it (per call allowed).
      const offered = await appFetch(`${BASE}/api/models/${model}/inference`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "A dog is" }) });
      expect(offered.status, await offered.clone().text()).toBe(402);
      const exactHeader = await exactPaymentHeader(m, user, decodePaymentRequiredHeader(offered.headers.get("PAYMENT-REQUIRED")!));
      // Per call needs 1 OPEN (three transactions' gas on a dear chain); a channel's share of a batch costs far less.
      process.env.MIN_PRICE = String(10n ** 18n);
      process.env.MIN_CHANNEL_PRICE = String(cost);
      try {
        const unpaid = await appFetch(`${BASE}/api/models/${model}/inference`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "A dog is" }) });
        expect(unpaid.status).toBe(402);
        expect(decodePaymentRequiredHeader(unpaid.headers.get("PAYMENT-REQUIRED")!).accepts.map((a) => a.scheme)).toEqual(["batch-settlement"]);
        const quoted = (await (await (modelInference.GET as Handler)(new Request(`${BASE}/api/models/${model}/inference`), { params: Promise.resolve({ id: String(model) }) })).json()) as Json;
        expect((quoted.x402.accepts as Json[]).map((a) => a.scheme)).toEqual(["batch-settlement"]);

        // The exact client cannot pay (the offer has nothing it takes); a hand-made exact payment is refused before it is submitted.
        const before = await m.balance(user);
        const nonce = await operatorNonce();
        await expect(post(exactPayer(m, appFetch, user), model, "A dog is", { maxTokens: 8 })).rejects.toThrow();
        const refused = await appFetch(`${BASE}/api/models/${model}/inference`, {
          method: "POST",
          headers: { "content-type": "application/json", "PAYMENT-SIGNATURE": exactHeader },
          body: JSON.stringify({ prompt: "A dog is" }),
        });
        expect(refused.status).toBe(422);
        expect(((await refused.json()) as Json).error).toMatch(/below this server's minimum of 1 OPEN for a payment per call.*batch-settlement channel.*Nothing was charged/);
        expect(await m.balance(user)).toBe(before);
        expect(await operatorNonce()).toBe(nonce);

        // A channel pays it: a deposit, then vouchers.
        const who = payer(user);
        for (const prompt of ["A dog is", "The horse"]) {
          const res = await post(who.pay, model, prompt, { maxTokens: 8 });
          expect(res.status, await res.clone().text()).toBe(200);
          expect(((await res.json()) as Json).price).toBe(cost.toString());
        }

        // Below the channel minimum too: refused outright, before anything is signed.
        process.env.MIN_CHANNEL_PRICE = String(cost + 1n);
        const cheap = await appFetch(`${BASE}/api/models/${model}/inference`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "A dog is" }) });
        expect(cheap.status).toBe(422);
        expect(((await cheap.json()) as Json).error).toMatch(/below this server's minimum of .* OPEN \(the gas of booking one paid call\)\. Nothing was charged/);
      } finally {
        process.env.MIN_PRICE = "0";
        process.env.MIN_CHANNEL_PRICE = "0";
      }
    }, 120_000);
  });

  describe("x402 batch-settlement refusals", () => {
    it("refuses a replayed voucher, serves and charges it once", async () => {
      const model = m.models.knn;
      const cost = await price(model);
      const who = payer(ROLES.users[2], { salt: salt("replay") });
      const id = await channelIdOf(who, model);
      for (const prompt of ["cat", "dog"]) expect((await post(who.pay, model, prompt)).status).toBe(200);
      const sent = wire.filter((w) => w.signature && w.status === 200).at(-1)!.signature!;
      const results = await m.ctx.db.$count(t.inferenceResults);
      const replay = await appFetch(`${BASE}/api/models/${model}/inference`, { method: "POST", headers: { "content-type": "application/json", "PAYMENT-SIGNATURE": sent }, body: JSON.stringify({ prompt: "dog", params: {} }) });
      expect(replay.status).toBe(402);
      const refused = (await replay.json()) as Json;
      expect(refused.reason).toBe("voucher_out_of_sync");
      // The header names the package's code and carries the channel state the official client resyncs from.
      const corrective = decodePaymentRequiredHeader(replay.headers.get("PAYMENT-REQUIRED")!);
      expect(corrective.error).toBe("invalid_batch_settlement_evm_cumulative_amount_mismatch");
      expect((corrective.accepts.find((a) => a.scheme === "batch-settlement")!.extra as Json).channelState.chargedCumulativeAmount).toBe((cost * 2n).toString());
      expect(await m.ctx.db.$count(t.inferenceResults)).toBe(results);
      expect((await chargesOf(id)).length).toBe(2);
      expect((await storage().get(id))!.chargedCumulativeAmount).toBe((cost * 2n).toString());
    }, 60_000);

    it("refuses a voucher above the deposit; nothing is charged", async () => {
      const model = m.models.knn;
      const cost = await price(model);
      // A channel whose deposit is exactly one request's ceiling.
      const who = payer(ROLES.users[2], { salt: salt("small deposit"), depositStrategy: (c) => c.requestAmount });
      const id = await channelIdOf(who, model);
      expect((await post(who.pay, model, "cat")).status).toBe(200);
      expect(await channelOnChain(id)).toEqual({ balance: cost, totalClaimed: 0n });
      const template = lastPaidPayload();

      const forge = async (signer: { signTypedData: (a: never) => Promise<Hex> }, max: bigint) => {
        const voucher = { channelId: id, maxClaimableAmount: max };
        const signature = await signer.signTypedData({ domain: voucherDomain, types: VOUCHER_TYPES, primaryType: "Voucher", message: voucher } as never);
        return postVoucher(model, template, voucher, signature);
      };
      const over = await forge(who.account as never, cost * 2n);
      expect(over.status).toBe(402);
      expect(((await over.json()) as Json).reason).toBe("insufficient_funds");
      expect((await chargesOf(id)).length).toBe(1);
      expect((await storage().get(id))!.chargedCumulativeAmount).toBe(cost.toString());
      expect((await storage().get(id))!.pendingRequest).toBeUndefined();
    }, 60_000);

    it("refuses a voucher signed by another key on a funded channel", async () => {
      const model = m.models.knn;
      const cost = await price(model);
      const who = payer(ROLES.users[2], { salt: salt("stranger") });
      const id = await channelIdOf(who, model);
      expect((await post(who.pay, model, "cat")).status).toBe(200);
      const template = lastPaidPayload();
      const voucher = { channelId: id, maxClaimableAmount: cost * 2n };
      const signature = await privateKeyToAccount(generatePrivateKey()).signTypedData({ domain: voucherDomain, types: VOUCHER_TYPES, primaryType: "Voucher", message: voucher });
      const res = await postVoucher(model, template, voucher, signature);
      expect(res.status).toBe(402);
      expect(((await res.json()) as Json).reason).toBe("invalid_signature");
      expect((await chargesOf(id)).length).toBe(1);
      expect((await storage().get(id))!.chargedCumulativeAmount).toBe(cost.toString());
      // The channel still serves its payer.
      expect((await post(who.pay, model, "dog")).status).toBe(200);
    }, 60_000);

    it("refuses the payer's own voucher with its signature malleated (high s, or v as 0/1): the contract would not take it at claim", async () => {
      const model = m.models.knn;
      const cost = await price(model);
      const who = payer(ROLES.users[2], { salt: salt("malleated") });
      const id = await channelIdOf(who, model);
      expect((await post(who.pay, model, "cat")).status).toBe(200);
      const template = lastPaidPayload();
      const voucher = { channelId: id, maxClaimableAmount: cost * 2n };
      const signed = await who.account.signTypedData!({ domain: voucherDomain, types: VOUCHER_TYPES, primaryType: "Voucher", message: voucher });
      // The same key's signature as (r, n − s) with the other parity: it recovers the payer, and OpenZeppelin's ECDSA
      // (X402BatchSettlement's claim) refuses it, so serving on it would leave the operator a charge it cannot claim.
      const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
      const s = BigInt(`0x${signed.slice(66, 130)}`);
      const v = Number.parseInt(signed.slice(130), 16);
      const malleated = `${signed.slice(0, 66)}${(N - s).toString(16).padStart(64, "0")}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
      const send = (signature: Hex) => postVoucher(model, template, voucher, signature);
      // The premise, on the contract: the claim refuses the malleated signature and takes the canonical one.
      const c = template.payload.channelConfig as Json;
      const claimWith = (signature: Hex) =>
        m.client.simulateContract({
          account: m.operator.account,
          address: BATCH_SETTLEMENT_ADDRESS,
          abi: x402BatchSettlementAbi,
          functionName: "claim",
          args: [[{ voucher: { channel: { ...c, withdrawDelay: Number(c.withdrawDelay), salt: c.salt } as never, maxClaimableAmount: voucher.maxClaimableAmount }, signature, totalClaimed: voucher.maxClaimableAmount }]],
        });
      // So is v as 0/1 (viem recovers from it, ecrecover does not).
      const bareV = `${signed.slice(0, 130)}0${v - 27}` as Hex;
      for (const bad of [malleated, bareV]) await expect(claimWith(bad)).rejects.toThrow(/InvalidSignature/);
      await expect(claimWith(signed)).resolves.toBeDefined();
      for (const bad of [malleated, bareV]) {
        const res = await send(bad);
        expect(res.status).toBe(402);
        expect(((await res.json()) as Json).reason).toBe("invalid_signature");
      }
      expect((await chargesOf(id)).length).toBe(1);
      expect((await storage().get(id))!.chargedCumulativeAmount).toBe(cost.toString());
      // The canonical form of the same voucher pays.
      expect((await send(signed)).status).toBe(200);
      expect((await chargesOf(id)).length).toBe(2);
    }, 60_000);

    it("refuses a second request on a busy channel (409), and charges nothing for a failed inference", async () => {
      const who = payer(ROLES.users[2], { salt: salt("busy") });
      const id = await channelIdOf(who, m.models.knn);
      const knnCost = await price(m.models.knn);
      expect((await post(who.pay, m.models.knn, "cat")).status).toBe(200);
      // The slow model holds the channel until the endpoint times out (a handler failure).
      const slow = post(who.pay, m.models.externalSlow, "Tell me about cats");
      await new Promise((r) => setTimeout(r, 500));
      expect((await storage().get(id))!.pendingRequest).toBeDefined();
      const second = await post(who.pay, m.models.knn, "dog");
      expect(second.status).toBe(409);
      expect(((await second.json()) as Json).reason).toBe("channel_busy");
      const failed = await slow;
      expect(failed.status).toBeGreaterThanOrEqual(500);
      // Released, not charged: one charge only, and the channel serves again.
      const after = await storage().get(id);
      expect(after!.pendingRequest).toBeUndefined();
      expect(after!.chargedCumulativeAmount).toBe(knnCost.toString());
      expect((await chargesOf(id)).length).toBe(1);
      const third = await post(who.pay, m.models.knn, "bird");
      expect(third.status, await third.clone().text()).toBe(200);
      expect((await chargesOf(id)).map((r) => r.charged)).toEqual([knnCost, knnCost]);
    }, 60_000);

    it("never charges above the ceiling the payer signed", async () => {
      const verified = { payer: account(ROLES.users[2]).address, requestHash: `0x${"11".repeat(32)}` as Hex, ceiling: 5n, payment: {} as never };
      const served = { amount: 6n, requestHash: verified.requestHash, outputHash: verified.requestHash, attributionHash: verified.requestHash };
      await expect(batchSettlementScheme.charge(verified, {} as never, served)).rejects.toThrow(/above the ceiling/);
    });

    it("answers a forged or oversized payment header with a clear 4xx", async () => {
      const send = (header: string) =>
        appFetch(`${BASE}/api/models/${m.models.knn}/inference`, { method: "POST", headers: { "content-type": "application/json", "PAYMENT-SIGNATURE": header }, body: JSON.stringify({ prompt: "cat" }) });
      const huge = await send("A".repeat(20_000));
      expect(huge.status).toBe(400);
      expect(((await huge.json()) as Json).error).toMatch(/too long/);
      const forged = await send(Buffer.from(JSON.stringify({ x402Version: 2, accepted: { scheme: "batch-settlement" }, payload: { type: "voucher", voucher: { channelId: "0x12" } } })).toString("base64"));
      expect(forged.status).toBe(400);
      expect(((await forged.json()) as Json).error).toMatch(/channelId/);
      const refund = await send(Buffer.from(JSON.stringify({ x402Version: 2, accepted: { scheme: "batch-settlement" }, payload: { type: "refund" } })).toString("base64"));
      expect(refund.status).toBe(400);
      expect(((await refund.json()) as Json).error).toMatch(/batch-settlement\/refund/);
    });
  });

  describe("x402 batch-settlement crash consistency: a charge and its batch_charges row commit together", () => {
    it("a failure after the row is written, before commit, takes neither the charge nor the row; the channel serves on", async () => {
      const model = m.models.knn;
      const cost = await price(model);
      const who = payer(ROLES.users[1], { salt: salt("crash before commit") });
      const id = await channelIdOf(who, model);
      expect((await post(who.pay, model, "cat")).status).toBe(200);
      setChargeFaultForTests(() => {
        throw new Error("crash inside the charge transaction");
      });
      let refused: Response;
      try {
        refused = await post(who.pay, model, "dog");
      } finally {
        setChargeFaultForTests(undefined);
      }
      expect(refused.status).toBe(402);
      expect(((await refused.json()) as Json).reason).toBe("payment_failed");
      const channel = await storage().get(id);
      expect(channel!.chargedCumulativeAmount).toBe(cost.toString());
      expect(channel!.pendingRequest).toBeUndefined();
      expect((await chargesOf(id)).length).toBe(1);
      // Nothing was taken, so the payer's next voucher is the one the server expects.
      const next = await post(who.pay, model, "bird");
      expect(next.status, await next.clone().text()).toBe(200);
      expect((await chargesOf(id)).map((r) => r.cumulativeAfter)).toEqual([cost, cost * 2n]);
    }, 60_000);

    it("a response lost after commit leaves the charge and its row: the payer reads the answer by its request hash and resyncs", async () => {
      const model = m.models.knn;
      const cost = await price(model);
      const who = payer(ROLES.users[1], { salt: salt("crash after commit") });
      const id = await channelIdOf(who, model);
      expect((await post(who.pay, model, "cat")).status).toBe(200);
      // The connection drops after the server answered: the payer sees a 502 and no PAYMENT-RESPONSE.
      const lossy = wrapFetchWithPayment(async (input, init) => {
        const res = await appFetch(input, init);
        return res.status === 200 ? new Response("bad gateway", { status: 502 }) : res;
      }, new x402Client().register(NETWORK, who.scheme).setSpendControls({ allowedAssets: [{ network: NETWORK, asset: m.d.token }] }));
      expect((await post(lossy, model, "dog")).status).toBe(502);
      // Charged once, recorded once; the payer can derive the request hash (channel, charged before, request) and read it.
      const rows = await chargesOf(id);
      expect(rows.map((r) => r.cumulativeAfter)).toEqual([cost, cost * 2n]);
      const nonce = keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [id, cost]));
      const requestHash = requestHashOf({ modelId: model, prompt: "dog", params: {}, nonce });
      expect(rows[1].requestHash).toBe(requestHash);
      const read = await appFetch(`${BASE}/api/payments/batch-settlement/charges/${requestHash}`);
      expect(read.status).toBe(200);
      expect((await read.json()) as Json).toMatchObject({ requestHash, settlement: "pending", charged: cost.toString(), bookedTx: null, payer: who.account.address.toLowerCase() });
      // Its client never learnt of the charge: the next voucher is resynced by one corrective 402, not charged twice.
      const before = wire.length;
      expect((await post(who.pay, model, "bird")).status).toBe(200);
      expect(wire.slice(before).map((w) => w.status)).toEqual([402, 402, 200]);
      expect((await chargesOf(id)).map((r) => r.cumulativeAfter)).toEqual([cost, cost * 2n, cost * 3n]);
      expect((await appFetch(`${BASE}/api/payments/batch-settlement/charges/0x${"ab".repeat(32)}`)).status).toBe(404);
    }, 60_000);
  });
  });
}
