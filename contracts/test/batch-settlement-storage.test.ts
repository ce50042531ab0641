/**
 * x402 `batch-settlement` with the server's channel state in the database (issue 16, phase 2): the official
 * @x402/evm 2.27 client, server scheme and facilitator on anvil (as contracts/test/batch-settlement.test.ts, whose
 * harness this repeats in short) with PostgresChannelStorage as the scheme's storage, on PGlite and Postgres.
 * The server is restarted between payments of one channel: a new database connection (PGlite: the data
 * directory closed and reopened), a new storage, scheme and x402ResourceServer. The payer is not asked to deposit
 * again and is charged exactly what the server took; a payer that lost its own state resyncs from the stored
 * voucher (corrective 402); the channel manager of the restarted server claims all of it on-chain.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Address, Hex, LocalAccount } from "viem";
import { foundry } from "viem/chains";
import { x402ResourceServer, type FacilitatorClient } from "@x402/core/server";
import { decodePaymentSignatureHeader, encodePaymentRequiredHeader, encodePaymentResponseHeader } from "@x402/core/http";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { toClientEvmSigner } from "@x402/evm";
import { BatchSettlementEvmScheme as BatchClient, computeChannelId } from "@x402/evm/batch-settlement/client";
import { BatchSettlementEvmScheme as BatchServer } from "@x402/evm/batch-settlement/server";
import { openDatabase, type Database } from "../../db/client";
import { paymentChannels } from "../../db/schema";
import { openTestDatabase, testDatabaseKinds } from "../../db/testing";
import { x402BatchSettlementAbi } from "../../contracts-abi";
import { BATCH_SETTLEMENT_ADDRESS, MIN_WITHDRAW_DELAY } from "../../lib/chain/batch-settlement";
import { PostgresChannelStorage } from "../../lib/payments/batch-settlement/channel-storage";
import { localFacilitator } from "./batch-settlement-fixture";
import { OPEN, setupLedgerline, type Ledgerline, type Role } from "./fixture";

const NETWORK = `eip155:${foundry.id}` as const;
const CEILING = 1n * OPEN;
const DEPOSIT = 10n * CEILING;
const URL_BASE = "http://ledgerline.test/v1/inference";

let ctx: Ledgerline;
let token: Address;
let payee: Address;
let operator: LocalAccount;
let facilitatorClient: FacilitatorClient;
/** The running server: replaced on restart. */
let rs: x402ResourceServer;
let server: BatchServer;
const charges: bigint[] = [];
const txs: { kind: string; hash: Hex }[] = [];
const refusals: string[] = [];

/** Starts a server (scheme + resource server) over `storage`, as a web instance does at boot. */
async function startServer(storage: PostgresChannelStorage): Promise<void> {
  server = new BatchServer(payee, { receiverAuthorizerSigner: operator, withdrawDelay: MIN_WITHDRAW_DELAY, storage });
  rs = new x402ResourceServer(facilitatorClient).register(NETWORK, server);
  await rs.initialize();
}

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
  const charge = charges.shift();
  if (charge === undefined || charge > CEILING) throw new Error(`test server: no valid charge queued (${charge})`);
  const settled = await rs.settlePayment(payload, requirements, undefined, undefined, { amount: charge.toString() });
  return new Response(JSON.stringify({ answer: "ok", charged: charge.toString() }), {
    status: settled.success ? 200 : 402,
    headers: { "content-type": "application/json", "PAYMENT-RESPONSE": encodePaymentResponseHeader(settled) },
  });
};

function payer(role: Role) {
  const account = ctx.accounts[role];
  const scheme = new BatchClient(toClientEvmSigner(account, ctx.publicClient as never));
  const client = new x402Client().register(NETWORK, scheme);
  client.setSpendControls({ allowedAssets: [{ network: NETWORK, asset: token }] });
  return { account, scheme, pay: wrapFetchWithPayment(serverFetch, client) };
}

async function channelOnChain(id: Hex) {
  const [balance, totalClaimed] = await ctx.publicClient.readContract({ address: BATCH_SETTLEMENT_ADDRESS, abi: x402BatchSettlementAbi, functionName: "channels", args: [id] });
  return { balance, totalClaimed };
}

beforeAll(async () => {
  ctx = await setupLedgerline();
  token = ctx.deployment.token;
  payee = ctx.addr.builder;
  operator = ctx.accounts.operator;
  facilitatorClient = localFacilitator(ctx.publicClient, ctx.anvil.rpcUrl, operator, NETWORK, txs);
}, 120_000);

afterAll(async () => {
  await ctx?.stop();
});

const payers: Record<"pglite" | "postgres", Role> = { pglite: "alice", postgres: "bob" };

for (const { kind, available } of testDatabaseKinds) {
  describe.skipIf(!available)(`x402 batch-settlement with the channel state in ${kind}, across a server restart`, () => {
    const dir = kind === "pglite" ? fs.mkdtempSync(path.join(os.tmpdir(), "ledgerline-channels-")) : undefined;
    let first: Database & { url?: string };
    let second: Database | undefined;
    const open = () => (dir ? openDatabase({ dataDir: dir }) : openDatabase({ url: first.url }));

    afterAll(async () => {
      await second?.close();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
      else await first?.close(); // drops the test database
    });

    it("deposits once, pays on after the restart without a new deposit, is charged exactly, and the restarted server claims it", async () => {
      if (dir) {
        first = await openDatabase({ dataDir: dir });
        await first.migrate();
      } else first = await openTestDatabase("postgres");
      await startServer(new PostgresChannelStorage(first.db));
      const who = payer(payers[kind]);
      const startBalance = await ctx.balanceOf(who.account.address);
      const [requirements] = await offer();
      const id = computeChannelId(who.scheme.buildChannelConfig(requirements), NETWORK);
      const txsBefore = txs.length;
      refusals.length = 0;

      const before = [250n * 10n ** 15n, CEILING];
      for (const [i, c] of before.entries()) {
        charges.push(c);
        const res = await who.pay(`${URL_BASE}?${kind}=${i}`);
        expect(res.status, await res.clone().text()).toBe(200);
      }
      expect(txs.slice(txsBefore).map((t) => t.kind)).toEqual(["deposit"]);
      const stored = await new PostgresChannelStorage(first.db).get(id);
      expect(stored).toMatchObject({ channelId: id, chargedCumulativeAmount: (before[0] + before[1]).toString(), balance: DEPOSIT.toString() });
      expect(stored!.pendingRequest).toBeUndefined();

      // Restart: the old server and its connection are gone; a new one boots over the same database.
      if (dir) await first.close();
      second = await open();
      if (dir) await second.migrate();
      await startServer(new PostgresChannelStorage(second.db));

      const after = [1n, 0n, 700n * 10n ** 15n];
      for (const [i, c] of after.entries()) {
        charges.push(c);
        const res = await who.pay(`${URL_BASE}?${kind}=after-${i}`);
        expect(res.status, await res.clone().text()).toBe(200);
        expect(((await res.json()) as { charged: string }).charged).toBe(c.toString());
      }
      // Same channel, no second deposit, no resync needed, nothing refused.
      expect(txs.slice(txsBefore).map((t) => t.kind)).toEqual(["deposit"]);
      expect(refusals).toEqual([]);
      let charged = [...before, ...after].reduce((a, b) => a + b, 0n);
      const storage = new PostgresChannelStorage(second.db);
      expect((await storage.get(id))!.chargedCumulativeAmount).toBe(charged.toString());

      // A payer that lost its own state (new client, same key) is resynced from the stored voucher, not re-deposited.
      const amnesiac = payer(payers[kind]);
      charges.push(3n);
      const res = await amnesiac.pay(`${URL_BASE}?${kind}=amnesiac`);
      expect(res.status, await res.clone().text()).toBe(200);
      expect(refusals).toEqual(["invalid_batch_settlement_evm_cumulative_amount_mismatch"]);
      expect(txs.slice(txsBefore).map((t) => t.kind)).toEqual(["deposit"]);
      charged += 3n;
      expect((await storage.get(id))!.chargedCumulativeAmount).toBe(charged.toString());
      expect(await second.db.$count(paymentChannels)).toBe(1);

      // The restarted server's channel manager claims exactly what was charged, before and after the restart.
      const payeeStart = await ctx.balanceOf(payee);
      const { claims } = await server.createChannelManager(facilitatorClient, NETWORK, token).claimAndSettle();
      expect(claims.length).toBe(1);
      expect(await channelOnChain(id)).toEqual({ balance: DEPOSIT, totalClaimed: charged });
      expect((await storage.get(id))!.totalClaimed).toBe(charged.toString());
      expect(await ctx.balanceOf(payee)).toBe(payeeStart + charged);
      expect(await ctx.balanceOf(who.account.address)).toBe(startBalance - DEPOSIT);
    });
  });
}
