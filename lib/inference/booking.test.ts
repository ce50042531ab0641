/**
 * Batch-settlement charges booked on-chain and credited (issue 16): payers pay the real routes with the official
 * batch-settlement client, the booker (lib/payments/batch-settlement/booker.ts) claims their vouchers and books the
 * charges with one InferenceMarket.bookBatch, and the real indexer turns the transaction into settled inferences whose
 * split and contributor credits are what single settles give, to the wei. Real anvil, PGlite and (with
 * TEST_DATABASE_URL) Postgres.
 *
 * Attacks and failures: a run repeated (nothing booked twice), a run that crashed after its transaction was mined
 * (recovered from the cursor, never re-sent, even with new charges behind it), a payer's timed withdrawal racing the
 * operator (claimed at once, the payer gets back only what was not charged), an operator that books one answer and
 * stores another answer or record (nothing credited to contributors), a replay of the read model from stored events
 * and batches (same rows, no chain reads).
 */
import { and, eq, inArray, isNotNull, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEventLogs, type Hex } from "viem";
import { inferenceMarketAbi, x402BatchSettlementAbi } from "@/contracts-abi";
import * as t from "@/db/schema";
import { testDatabaseKinds } from "@/db/testing";
import { BATCH_SETTLEMENT_ADDRESS } from "@/lib/chain/batch-settlement";
import { attributionHash, decodeRecord, encodeRecord } from "@/lib/attribution/record";
import { outputHash } from "@/lib/attribution/run";
import { BOOKED_REQUEST_ID_BASE } from "@/lib/chain/bookings";
import { recentProblems } from "@/lib/ops/log";
import { Indexer } from "@/lib/indexer/indexer";
import { batchServerFor, pendingCharges, type BatchServer } from "@/lib/payments/batch-settlement";
import { BatchSettlementChannelManager } from "@x402/evm/batch-settlement/server";
import { bookingDue, bookPending } from "@/lib/payments/batch-settlement/booker";
import { startBookingJob } from "@/lib/payments/batch-settlement/booking-job";
import { paymentChain } from "./paid";
import { verifyInference } from "./verify";
import { appFetchFor, BASE, batchPayer, offerFor, postInference } from "./testing/paying-client";
import { ROLES, serveRoutesFrom, setupMarket, type Market } from "./testing/market";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const appFetch = appFetchFor();
let m: Market;
let server: BatchServer;
let unserve: (() => void) | undefined;

const book = () => bookPending({ db: m.ctx.db, publicClient: m.client, operator: m.operator, server, market: m.d.inferenceMarket, token: m.d.token });
const bound = { maxDelayMs: 60_000, minRecords: 100 };

async function pay(p: ReturnType<typeof batchPayer>, modelId: number, prompt: string): Promise<Json> {
  const res = await postInference(p.pay, modelId, prompt, { maxTokens: 6 });
  const body = (await res.json()) as Json;
  expect(res.status, JSON.stringify(body)).toBe(200);
  expect(body.settlement).toBe("pending");
  return body;
}

const chargesBy = (hashes: string[]) => m.ctx.db.select().from(t.batchCharges).where(inArray(t.batchCharges.requestHash, hashes));
const bookedInferences = () => m.ctx.db.select().from(t.inferences).where(isNotNull(t.inferences.bookingBatch)).orderBy(t.inferences.requestId);
/** Σ of the ledger rows of booked inferences, by role. */
async function bookedLedger(): Promise<Map<string, bigint>> {
  const rows = await m.ctx.db
    .select({ role: t.ledgerEntries.role, amount: t.ledgerEntries.amount })
    .from(t.ledgerEntries)
    .where(sql`${t.ledgerEntries.requestId} >= ${BOOKED_REQUEST_ID_BASE}`);
  const out = new Map<string, bigint>();
  for (const r of rows) out.set(r.role, (out.get(r.role) ?? 0n) + r.amount);
  return out;
}
const sum = (xs: Iterable<bigint>) => [...xs].reduce((a, b) => a + b, 0n);
const bookedOf = (channelId: string) => m.client.readContract({ address: m.d.inferenceMarket, abi: inferenceMarketAbi, functionName: "bookedOf", args: [channelId as Hex] });
/** The payer's own `initiateWithdraw` / `finalizeWithdraw`, sent from its wallet and mined. */
async function payerSends(user: number, functionName: "initiateWithdraw" | "finalizeWithdraw", args: readonly unknown[]) {
  const hash = await m.wallets.get(user)!.writeContract({ address: BATCH_SETTLEMENT_ADDRESS, abi: x402BatchSettlementAbi, functionName, args } as never);
  expect((await m.client.waitForTransactionReceipt({ hash })).status).toBe("success");
}
const channelOnChain = async (channelId: string) => {
  const [balance, totalClaimed] = await m.client.readContract({ address: BATCH_SETTLEMENT_ADDRESS, abi: x402BatchSettlementAbi, functionName: "channels", args: [channelId as Hex] });
  return { balance, totalClaimed };
};

for (const { kind, available } of testDatabaseKinds) {
  describe.skipIf(!available)(`booking batch-settlement charges on ${kind}`, () => {
    beforeAll(async () => {
      m = await setupMarket(kind);
      unserve = serveRoutesFrom(m);
      server = (await batchServerFor(paymentChain(m.ctx)))!;
    }, 180_000);
    afterAll(async () => {
      unserve?.();
      await m?.close();
    });

    it("claims and books charges of several channels and models in one transaction; the indexer credits them as single settles would", async () => {
      const alice = batchPayer(m, appFetch, ROLES.users[0]);
      const bob = batchPayer(m, appFetch, ROLES.users[1]);
      const bodies = [
        ...[await pay(alice, m.models.gramA, "The domestic cat is"), await pay(alice, m.models.gramA, "A dog is"), await pay(alice, m.models.gramB, "The horse")],
        ...[await pay(bob, m.models.gramB, "Birds can"), await pay(bob, m.models.gramA, "The cow"), await pay(bob, m.models.knn, "a tall tree with needles")],
      ];
      const hashes = bodies.map((b) => b.requestHash as string);
      const charges = await chargesBy(hashes);
      const total = sum(charges.map((c) => c.charged));
      expect(total).toBeGreaterThan(0n);

      // Three charges in each of two channels, a minute to go: not due, nor with a bound of four a channel; due at once
      // with three, and both once their oldest charge has waited the minute.
      const channelsOf = new Set(charges.map((c) => c.channelId));
      expect(channelsOf.size).toBe(2);
      expect((await bookingDue({ db: m.ctx.db, publicClient: m.client }, bound)).due).toBe(false);
      expect((await bookingDue({ db: m.ctx.db, publicClient: m.client }, { maxDelayMs: 60_000, minRecords: 4 })).due).toBe(false);
      const byCount = await bookingDue({ db: m.ctx.db, publicClient: m.client }, { maxDelayMs: 60_000, minRecords: 3 });
      expect(byCount).toMatchObject({ due: true, pending: 6 });
      expect(new Set(byCount.channels)).toEqual(channelsOf);
      const byAge = await bookingDue({ db: m.ctx.db, publicClient: m.client }, bound, Date.now() + 61_000);
      expect(byAge.due).toBe(true);
      expect(new Set(byAge.channels)).toEqual(channelsOf);

      const run = await book();
      expect(run).toMatchObject({ booked: 6, recovered: 0, pending: 0, total });
      expect(run.claimTxs.length).toBe(1);
      const receipt = await m.client.getTransactionReceipt({ hash: run.tx! });
      const [booked] = parseEventLogs({ abi: inferenceMarketAbi, logs: receipt.logs, eventName: "InferencesBooked" });
      expect(booked.args.total).toBe(total);
      // Each channel's cursor is exactly what its vouchers were claimed for.
      for (const channelId of new Set(charges.map((c) => c.channelId))) {
        expect(await bookedOf(channelId)).toBe((await channelOnChain(channelId)).totalClaimed);
      }
      expect((await chargesBy(hashes)).every((c) => c.status === "booked" && c.bookedTx === run.tx)).toBe(true);

      await m.index();
      const rows = await bookedInferences();
      expect(rows.map((r) => r.requestHash).sort()).toEqual([...hashes].sort());
      for (const r of rows) {
        const c = charges.find((x) => x.requestHash === r.requestHash)!;
        expect(r).toMatchObject({ status: "settled", price: c.charged, payer: c.payer, modelId: c.modelId, bookingBatch: Number(booked.args.batchId), settledTx: run.tx });
        expect(r.protocolFee! + r.operatorFee! + r.builderFee! + r.contributorPool!).toBe(r.price);
      }
      // The ledger holds every booked wei, contributors' shares included, nothing unattributed.
      const ledger = await bookedLedger();
      expect(sum(ledger.values())).toBe(total);
      expect(ledger.get("contributor") ?? 0n).toBeGreaterThan(0n);
      expect(ledger.get("unattributed") ?? 0n).toBe(0n);
      expect(ledger.get("protocol")).toBe(booked.args.protocolFee);
      const entries = await m.ctx.db.select().from(t.attributionEntries).where(inArray(t.attributionEntries.requestId, rows.map((r) => r.requestId)));
      expect(entries.length).toBeGreaterThan(0);

      // Anyone can verify a booked inference: the hashes come from the bookBatch calldata.
      const first = rows.find((r) => r.requestHash === hashes[0])!;
      const report = await verifyInference(m.ctx.db, first.requestId, { publicClient: m.client, market: m.d.inferenceMarket, artifactDir: m.artifactDir });
      expect(report?.checks.filter((c) => !c.ok)).toEqual([]);
      expect(report?.ok).toBe(true);

      // The charge's page says booked, by which transaction.
      const charge = (await (await appFetch(`${BASE}/api/payments/batch-settlement/charges/${hashes[0]}`)).json()) as Json;
      expect(charge).toMatchObject({ settlement: "booked", bookedTx: run.tx, bookedRequestId: first.requestId });
    }, 240_000);

    it("never books a charge twice: a repeated run sends nothing, a run that crashed after its transaction is recovered from the cursor, one that crashed after its claim books next time", async () => {
      expect(await book()).toMatchObject({ booked: 0, recovered: 0, pending: 0, tx: null, claimTxs: [] });

      const alice = batchPayer(m, appFetch, ROLES.users[0]);
      const two = [await pay(alice, m.models.gramA, "The cat sat"), await pay(alice, m.models.gramA, "The dog ran")].map((b) => b.requestHash as string);
      const crashed = await book();
      expect(crashed.booked).toBe(2);
      // The crash: the transaction was mined but its rows were never marked.
      await m.ctx.db.update(t.batchCharges).set({ status: "pending", bookedTx: null, bookedAt: null }).where(inArray(t.batchCharges.requestHash, two));
      const later = (await pay(alice, m.models.gramB, "Birds fly")).requestHash as string;
      const [laterRow] = await chargesBy([later]);

      // Not indexed yet: the two are recognised as booked by the cursor and left alone; only the new one is booked.
      const next = await book();
      expect(next).toMatchObject({ booked: 1, recovered: 0, pending: 2 });
      expect(await bookedOf(laterRow.channelId)).toBe(laterRow.cumulativeAfter);
      await m.index();
      const recovery = await book();
      expect(recovery).toMatchObject({ booked: 0, recovered: 2, pending: 0, tx: null });
      expect((await chargesBy(two)).map((c) => c.bookedTx)).toEqual([crashed.tx, crashed.tx]);

      // A crash between the claim and the booking: the vouchers are claimed on-chain, nothing booked; the next run
      // books them without claiming again.
      const claimedOnly = (await pay(alice, m.models.gramA, "The fox")).requestHash as string;
      const manager = new BatchSettlementChannelManager({ scheme: server.scheme, facilitator: server.facilitator, receiver: m.d.inferenceMarket, token: m.d.token, network: server.network });
      expect((await manager.claim()).length).toBe(1);
      const [claimedRow] = await chargesBy([claimedOnly]);
      expect((await channelOnChain(claimedRow.channelId)).totalClaimed).toBe(claimedRow.cumulativeAfter);
      expect(await book()).toMatchObject({ booked: 1, claimTxs: [] });
      await m.index();

      // Every booked wei is in the ledger once.
      const all = await m.ctx.db.select().from(t.batchCharges);
      expect(all.every((c) => c.status === "booked")).toBe(true);
      expect(sum((await bookedLedger()).values())).toBe(sum(all.map((c) => c.charged)));
      expect((await bookedInferences()).length).toBe(all.length);
    }, 240_000);

    it("books only the channels that are due: another channel's charges wait, its vouchers unclaimed (one claim each per booking)", async () => {
      const alice = batchPayer(m, appFetch, ROLES.users[0]);
      const bob = batchPayer(m, appFetch, ROLES.users[1]);
      const busy = [await pay(alice, m.models.gramA, "The red fox"), await pay(alice, m.models.gramA, "The grey wolf"), await pay(alice, m.models.gramB, "The brown bear")];
      const quiet = await pay(bob, m.models.gramA, "The white owl");
      const [busyRow] = await chargesBy([busy[0].requestHash]);
      const [quietRow] = await chargesBy([quiet.requestHash]);
      const quietClaimed = (await channelOnChain(quietRow.channelId)).totalClaimed;
      expect(quietRow.cumulativeAfter).toBeGreaterThan(quietClaimed);

      const due = await bookingDue({ db: m.ctx.db, publicClient: m.client }, { maxDelayMs: 60_000, minRecords: 3 });
      expect(due).toMatchObject({ due: true, pending: 4, channels: [busyRow.channelId] });
      const run = await bookPending({ db: m.ctx.db, publicClient: m.client, operator: m.operator, server, market: m.d.inferenceMarket, token: m.d.token, channels: due.channels });
      expect(run).toMatchObject({ booked: 3, pending: 0 });
      expect(run.claimTxs.length).toBe(1);
      // The quiet channel was neither claimed nor booked: its one charge waits for its own bound.
      expect((await channelOnChain(quietRow.channelId)).totalClaimed).toBe(quietClaimed);
      expect((await chargesBy([quiet.requestHash]))[0].status).toBe("pending");
      expect(await bookingDue({ db: m.ctx.db, publicClient: m.client }, { maxDelayMs: 60_000, minRecords: 3 })).toMatchObject({ due: false, pending: 1 });
      // Its minute passes: due alone.
      expect(await bookingDue({ db: m.ctx.db, publicClient: m.client }, bound, Date.now() + 61_000)).toMatchObject({ due: true, channels: [quietRow.channelId] });
      expect(await book()).toMatchObject({ booked: 1, pending: 0 });
      await m.index();
    }, 240_000);

    it("claims at once when a payer starts a timed withdrawal: the payer gets back only what was not charged", async () => {
      const user = ROLES.users[2];
      const carol = batchPayer(m, appFetch, user);
      const start = await m.balance(user);
      const body = await pay(carol, m.models.gramA, "The small bird");
      const [row] = await chargesBy([body.requestHash]);
      expect((await bookingDue({ db: m.ctx.db, publicClient: m.client }, bound)).due).toBe(false);

      const config = (await server.storage.get(row.channelId))!.channelConfig;
      const onchain = await channelOnChain(row.channelId);
      const send = (functionName: "initiateWithdraw" | "finalizeWithdraw", args: readonly unknown[]) => payerSends(user, functionName, args);
      // The payer asks for everything not claimed on-chain, which includes the charge not yet claimed.
      await send("initiateWithdraw", [config, onchain.balance - onchain.totalClaimed]);
      const due = await bookingDue({ db: m.ctx.db, publicClient: m.client }, bound);
      expect(due.due).toBe(true);
      expect(due.reason).toMatch(/withdrawal/);
      expect(await book()).toMatchObject({ booked: 1 });

      await m.client.request({ method: "evm_increaseTime" as never, params: [Number(config.withdrawDelay) + 1] as never });
      await m.client.request({ method: "evm_mine" as never, params: [] as never });
      await send("finalizeWithdraw", [config]);
      expect(start - (await m.balance(user))).toBe(row.charged);
    }, 240_000);

    it("the booking job books on its own within the latency bound", async () => {
      const job = startBookingJob({
        db: m.ctx.db,
        publicClient: m.client,
        operator: m.operator,
        server,
        market: m.d.inferenceMarket,
        token: m.d.token,
        bound: { maxDelayMs: 1_500, minRecords: 100 },
        checkMs: 250,
      });
      try {
        const body = await pay(batchPayer(m, appFetch, ROLES.users[0]), m.models.gramB, "The old horse");
        const paidAt = Date.now();
        while (!job.last?.ran) {
          // The bound plus a few checks; a booking that never comes fails here, not by the test timeout.
          expect(Date.now() - paidAt, `last run: ${job.last?.reason}`).toBeLessThan(30_000);
          await new Promise((r) => setTimeout(r, 100));
        }
        const [row] = await chargesBy([body.requestHash]);
        expect(row.bookedAt!.getTime() - row.createdAt.getTime()).toBeGreaterThanOrEqual(1_500);
        expect(job.last).toMatchObject({ ran: true, booked: 1 });
      } finally {
        await job.stop();
      }
    }, 120_000);

    it("credits no contributor when the stored answer or record is not the one booked: its pool is unattributed, its hashes unknown", async () => {
      // Bob's channel has room for three more (a new deposit's authorization would be dated before the chain's clock,
      // which the withdrawal test moved a day on).
      const bob = batchPayer(m, appFetch, ROLES.users[1]);
      const [otherAnswer, otherRecord, honest] = [
        await pay(bob, m.models.gramA, "The domestic cat is"),
        await pay(bob, m.models.gramA, "A dog is"),
        await pay(bob, m.models.gramA, "The cow"),
      ].map((b) => b.requestHash as string);
      expect(await book()).toMatchObject({ booked: 3, pending: 0 });
      // Booked, the operator stores another answer for one request and, for another, a record for the same request and
      // model that gives the whole pool to one contribution: the booked resultHash commits to neither.
      const results = await m.ctx.db.select().from(t.inferenceResults).where(inArray(t.inferenceResults.requestHash, [otherAnswer, otherRecord, honest]));
      const resultOf = (h: string) => results.find((r) => r.requestHash === h)!;
      await m.ctx.db.update(t.inferenceResults).set({ output: `${resultOf(otherAnswer).output} (edited)` }).where(eq(t.inferenceResults.requestHash, otherAnswer));
      const record = decodeRecord(resultOf(otherRecord).attributionRecord);
      const [favourite] = await m.ctx.db.select({ id: t.contributions.id }).from(t.contributions).orderBy(t.contributions.id).limit(1);
      const forged = encodeRecord({ ...record, entries: [{ contributionId: favourite.id, weightPpm: 1_000_000 }], ...(record.version === 2 ? { datanets: [] } : {}) });
      expect(forged).not.toBe(resultOf(otherRecord).attributionRecord);
      await m.ctx.db.update(t.inferenceResults).set({ attributionRecord: forged }).where(eq(t.inferenceResults.requestHash, otherRecord));
      await m.index();

      const rows = await m.ctx.db.select().from(t.inferences).where(inArray(t.inferences.requestHash, [otherAnswer, otherRecord, honest]));
      const rowOf = (h: string) => rows.find((r) => r.requestHash === h)!;
      const ledgerOf = (requestId: number) => m.ctx.db.select().from(t.ledgerEntries).where(eq(t.ledgerEntries.requestId, requestId));
      for (const h of [otherAnswer, otherRecord]) {
        const row = rowOf(h);
        expect(row).toMatchObject({ status: "settled", outputHash: null, attributionHash: null });
        const ledger = await ledgerOf(row.requestId);
        expect(ledger.filter((e) => e.role === "contributor" || e.role === "datanet-treasury")).toEqual([]);
        expect(ledger.filter((e) => e.role === "unattributed").map((e) => e.amount)).toEqual([row.contributorPool]);
        expect(await m.ctx.db.select().from(t.attributionEntries).where(eq(t.attributionEntries.requestId, row.requestId))).toEqual([]);
      }
      // The honest one is credited, with the stored answer's and record's hashes.
      const ok = rowOf(honest);
      expect(ok).toMatchObject({ outputHash: outputHash(resultOf(honest).output), attributionHash: attributionHash(decodeRecord(resultOf(honest).attributionRecord)) });
      expect((await ledgerOf(ok.requestId)).some((e) => e.role === "unattributed")).toBe(false);

      // Verify tells which: the edited answer is not the recomputed one, and the pair booked is not (edited answer, record);
      // the forged record is not the recomputed one, while the pair booked is the honest one.
      const verify = async (h: string, chain = true) =>
        (await verifyInference(m.ctx.db, rowOf(h).requestId, { ...(chain ? { publicClient: m.client, market: m.d.inferenceMarket } : {}), artifactDir: m.artifactDir }))!;
      const failed = async (h: string) => (await verify(h)).checks.filter((c) => !c.ok).map((c) => c.name);
      expect(await failed(otherAnswer)).toEqual(["output", "result on-chain"]);
      expect(await failed(otherRecord)).toEqual(["record"]);
      const honestReport = await verify(honest);
      expect(honestReport).toMatchObject({ ok: true, onchainHash: null, onchainOutputHash: null });
      expect(honestReport.checks.find((c) => c.name === "result on-chain")?.detail).toMatch(/^resultHash 0x[0-9a-f]{64} from its bookBatch calldata .* matches keccak-256\(outputHash/);
      // Without a chain client, the resultHash comes from the batch the indexer stored.
      const offline = await verify(honest, false);
      expect(offline.ok).toBe(true);
      expect(offline.onchainResultHash).toBe(honestReport.onchainResultHash);
    }, 240_000);

    it("rebuilds booked inferences from stored events and batches on a rollback replay, to the row", async () => {
      await m.index();
      const snapshot = async () => ({
        inferences: await bookedInferences(),
        ledger: await m.ctx.db.select().from(t.ledgerEntries).where(sql`${t.ledgerEntries.requestId} >= ${BOOKED_REQUEST_ID_BASE}`).orderBy(t.ledgerEntries.id),
        attribution: await m.ctx.db
          .select()
          .from(t.attributionEntries)
          .where(and(sql`${t.attributionEntries.requestId} >= ${BOOKED_REQUEST_ID_BASE}`, eq(t.attributionEntries.datanetId, t.attributionEntries.datanetId)))
          .orderBy(t.attributionEntries.requestId, t.attributionEntries.contributionId),
      });
      const before = await snapshot();
      expect(before.inferences.length).toBeGreaterThan(0);
      // A client whose transaction reads fail: the replay must not need them.
      const noTx = { ...m.client, getTransaction: () => Promise.reject(new Error("no transaction reads in a replay")) } as typeof m.client;
      // Blocks are remembered for a rollback above the finality depth: index one more block with a deep one.
      await m.client.request({ method: "evm_mine" as never, params: [] as never });
      await new Indexer({ db: m.ctx.db, client: m.client, deployment: m.d, finalityDepth: 64 }).syncOnce();
      // journalBlocks 0: the full replay from stored events (the undo journal would find nothing above the ancestor to undo).
      const ancestor = await new Indexer({ db: m.ctx.db, client: noTx, deployment: m.d, finalityDepth: 64, journalBlocks: 0 }).rollbackToAncestor();
      expect(ancestor).toBe(Number(await m.client.getBlockNumber({ cacheTime: 0 })));
      expect(await snapshot()).toEqual(before);
      expect((await pendingCharges(m.ctx.db, 10)).length).toBe(0);
    }, 240_000);

    it("a channel whose claim the contract refuses (its payer withdrew before the booker claimed) is left out: the other channels are claimed and booked", async () => {
      // Both channels deposit before this test moves chain time a day on (a later deposit's authorization, timed by the clock, would be expired).
      const user = ROLES.users[1];
      const mallory = batchPayer(m, appFetch, user);
      const honest = batchPayer(m, appFetch, ROLES.users[0]);
      const first = await pay(mallory, m.models.gramA, "The quick fox");
      await pay(honest, m.models.gramB, "The still pond");
      await book();
      const [row] = await chargesBy([first.requestHash]);
      expect(row.status).toBe("booked");
      const config = (await server.storage.get(row.channelId))!.channelConfig;
      const onchain = await channelOnChain(row.channelId);
      const send = (functionName: "initiateWithdraw" | "finalizeWithdraw", args: readonly unknown[]) => payerSends(user, functionName, args);
      // Mallory asks for all that is not claimed, waits the delay out, is served once more on the balance the server
      // last read, and finalizes before the booker claims that charge: the contract now refuses it (ClaimExceedsBalance).
      await send("initiateWithdraw", [config, onchain.balance - onchain.totalClaimed]);
      await m.client.request({ method: "evm_increaseTime" as never, params: [Number(config.withdrawDelay) + 1] as never });
      await m.client.request({ method: "evm_mine" as never, params: [] as never });
      const late = await pay(mallory, m.models.gramA, "The lazy dog");
      await send("finalizeWithdraw", [config]);
      const fair = await pay(honest, m.models.gramB, "The calm lake");

      // The honest channel is claimed and booked all the same; Mallory's charge stays pending, named in a warning.
      const run = await book();
      expect(run.booked).toBe(1);
      expect((await chargesBy([fair.requestHash]))[0].status).toBe("booked");
      expect((await chargesBy([late.requestHash]))[0].status).toBe("pending");
      expect(recentProblems().some((p) => p.component === "booking" && p.msg.includes(row.channelId.toLowerCase()) && p.msg.includes("ClaimExceedsBalance"))).toBe(true);
      // Later runs try it alone, send nothing for it, and do not fail.
      const again = await book();
      expect(again).toMatchObject({ booked: 0, claimTxs: [], tx: null });
      await m.index();
    }, 240_000);

    it("serves a channel with a withdrawal pending only up to what the withdrawal leaves: a voucher beyond it is refused, nothing charged, the channel free", async () => {
      const user = ROLES.users[0];
      const payer = batchPayer(m, appFetch, user);
      const model = m.models.gramB;
      const first = await pay(payer, model, "The tall tree");
      const [row] = await chargesBy([first.requestHash]);
      const id = row.channelId as Hex;
      const cost = row.charged;
      const config = (await server.storage.get(id))!.channelConfig;
      const { balance } = await channelOnChain(id);
      const charged = BigInt((await server.storage.get(id))!.chargedCumulativeAmount);
      // Withdraw all but room for exactly one more call.
      await payerSends(user, "initiateWithdraw", [config, balance - charged - cost]);
      // The server learns of it at its next read of the channel's state (at most a third of the delay later; forced here).
      await server.storage.updateChannel(id, (c) => (c ? { ...c, onchainSyncedAt: 0 } : c));
      await pay(payer, model, "The old oak");

      const url = `${BASE}/api/models/${model}/inference`;
      const { http402, offer } = await offerFor(appFetch, payer.client, url);
      const payload = await payer.client.createPaymentPayload(offer);
      const res = await appFetch(url, { method: "POST", headers: { "content-type": "application/json", ...http402.encodePaymentSignatureHeader(payload) }, body: JSON.stringify({ prompt: "The young pine", params: { maxTokens: 6 } }) });
      const body = (await res.json()) as Json;
      expect(res.status, JSON.stringify(body)).toBe(402);
      expect(body.reason).toBe("insufficient_funds");
      expect(body.error).toMatch(/started a withdrawal/);
      const stored = (await server.storage.get(id))!;
      expect(BigInt(stored.chargedCumulativeAmount)).toBe(charged + cost);
      expect(stored.pendingRequest).toBeUndefined();
      // What was charged within the room is claimed and booked as ever.
      expect((await book()).booked).toBeGreaterThanOrEqual(1);
      expect((await channelOnChain(id)).totalClaimed).toBe(charged + cost);
    }, 240_000);
  });
}
