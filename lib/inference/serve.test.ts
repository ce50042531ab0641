/**
 * Serving paid inferences end to end on a real anvil and a real database (PGlite, and Postgres when
 * TEST_DATABASE_URL is set): models built by the Model Factory, paid by users, served, settled on-chain,
 * credited to contributors by the indexer and verified; exactly once under concurrency and replays;
 * refunds when the model fails; recovery after a crash in every state.
 */
import { and, eq, sql } from "drizzle-orm";
import { keccak256, maxUint256, parseUnits, toHex, type Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inferenceMarketAbi, modelRegistryAbi } from "@/contracts-abi";
import * as t from "@/db/schema";
import { testDatabaseKinds } from "@/db/testing";
import { attributionHash, decodeRecord } from "@/lib/attribution/record";
import { outputHash } from "@/lib/attribution/run";
import { storeContent } from "@/lib/content/store";
import { storeEndpointKey } from "@/lib/factory/endpoint-keys";
import { subscribeLive } from "@/lib/live/bus";
import type { LiveEvent } from "@/lib/live/events";
import { canonicalJson, contentUri } from "@/lib/metadata";
import { ModelCatalog } from "./models";
import { recoverPendingInferences, startRecovery } from "./recovery";
import { readRequest, settleOnChain } from "./onchain";
import { seedFromRequestHash } from "./params";
import { AlreadyServed, InferenceFailed, PaymentMismatch, serveInference, SettlementPending, type PaidRequest, type ServeContext } from "./serve";
import { ROLES, setupMarket, type Market, type Wallet } from "./testing/market";
import { verifyInference } from "./verify";

const [user1, user2, user3] = ROLES.users;

/** The operator wallet with its writeContract intercepted (to look at the database first, or to fail). */
function spyOperator(base: Wallet, before: (functionName: string) => Promise<void>): Wallet {
  return {
    ...base,
    writeContract: async (args: Parameters<Wallet["writeContract"]>[0]) => {
      await before(args.functionName);
      return base.writeContract(args);
    },
  } as Wallet;
}

for (const { kind, available } of testDatabaseKinds) {
  describe.skipIf(!available)(`serving paid inferences on ${kind}`, () => {
    let m: Market;
    const db = () => m.database.db;
    const job = async (p: PaidRequest) => (await db().select().from(t.inferenceJobs).where(eq(t.inferenceJobs.requestHash, p.requestHash.toLowerCase())))[0];
    const settleEvents = (requestId: bigint) =>
      m.client.getContractEvents({ address: m.d.inferenceMarket, abi: inferenceMarketAbi, eventName: "InferenceSettled", args: { requestId }, fromBlock: 0n });
    const verify = (requestId: bigint) => verifyInference(db(), Number(requestId), { publicClient: m.client, market: m.d.inferenceMarket, artifactDir: m.artifactDir });

    beforeAll(async () => {
      m = await setupMarket(kind);
    }, 120_000);
    afterAll(async () => {
      await m?.close();
    });

    it("serves ∞-gram and kNN models: answer stored before settling, settled on-chain, contributors credited to the wei, verifiable", async () => {
      const stages: string[] = [];
      const ctx: ServeContext = {
        ...m.ctx,
        operator: spyOperator(m.operator, async (fn) => {
          // At settlement the answer and its record must already be where the indexer and verifier look.
          const rows = await db().select().from(t.inferenceResults);
          stages.push(`${fn}:${rows.length}`);
        }),
      };
      const live: LiveEvent[] = [];
      const unsubscribe = subscribeLive((events) => live.push(...events));
      const cases: { paid: PaidRequest; expectParams: Record<string, unknown> }[] = [
        { paid: await m.pay(user1, m.models.gramA, "The domestic cat is"), expectParams: { maxTokens: 16, temperature: 0.8, topK: 20, maxSupport: 500 } },
        { paid: await m.pay(user2, m.models.gramB, "a large", { seed: "18446744073709551615", maxTokens: 9, k: 3 }), expectParams: { seed: "18446744073709551615", maxTokens: 9, temperature: 0.5, topK: 10, maxSupport: 300 } },
        { paid: await m.pay(user1, m.models.knn, "a sweet yellow fruit eaten raw or cooked"), expectParams: { k: 5 } },
        { paid: await m.pay(user3, m.models.knn, "a small bird that sings", { k: 3, temperature: 1 }), expectParams: { k: 3 } },
      ];
      const served = [];
      for (const { paid, expectParams } of cases) {
        const chunks: string[] = [];
        const s = await serveInference(ctx, paid, { onText: (c) => chunks.push(c) });
        served.push(s);
        expect(chunks.join("")).toBe(s.output);
        expect(s.output.length).toBeGreaterThan(0);
        expect(s.params).toMatchObject(expectParams);
        if (paid.modelId === m.models.gramA) {
          expect(s.params.seed).toBe(seedFromRequestHash(paid.requestHash));
          expect(chunks.length).toBeGreaterThan(1);
        }
        expect(s.usage.promptTokens).toBeGreaterThan(0);
        expect(s.usage.completionTokens).toBeGreaterThan(0);
        // On-chain: settled with the hashes of what was served.
        const r = await readRequest(m.ctx, paid.requestId);
        expect(r.status).toBe(2);
        const [settled] = await m.client.getContractEvents({ address: m.d.inferenceMarket, abi: inferenceMarketAbi, eventName: "InferenceSettled", args: { requestId: paid.requestId }, fromBlock: 0n });
        expect(settled.args.outputHash).toBe(s.outputHash);
        expect(settled.args.attributionHash).toBe(s.attributionHash);
        expect(s.split.protocol + s.split.operator + s.split.builder + s.split.contributorPool).toBe(s.price);
        expect(s.price).toBe(r.price);
        expect(s.entries.reduce((a, e) => a + e.amount, 0n)).toBe(s.split.contributorPool);
        expect(s.entries.every((e) => /^0x[0-9a-f]{40}$/.test(e.contributor) && e.datanetId > 0)).toBe(true);
        expect((await job(paid)).status).toBe("settled");
      }
      expect(stages).toEqual(["settle:1", "settle:2", "settle:3", "settle:4"]);

      await m.index();
      unsubscribe();
      for (const [i, s] of served.entries()) {
        const requestId = Number(cases[i].paid.requestId);
        const [inf] = await db().select().from(t.inferences).where(eq(t.inferences.requestId, requestId));
        expect(inf.status).toBe("settled");
        expect(inf.contributorPool).toBe(s.split.contributorPool);
        // The indexer's credits are exactly the operator's split of the record.
        const entries = await db().select().from(t.attributionEntries).where(eq(t.attributionEntries.requestId, requestId)).orderBy(t.attributionEntries.contributionId);
        expect(entries.map((e) => [e.contributionId, e.weightPpm, e.amount, e.contributor, e.datanetId])).toEqual(
          s.entries.map((e) => [e.contributionId, e.weightPpm, e.amount, e.contributor, e.datanetId]),
        );
        expect(entries.reduce((a, e) => a + e.amount, 0n)).toBe(inf.contributorPool);
        const ledger = await db()
          .select()
          .from(t.ledgerEntries)
          .where(and(eq(t.ledgerEntries.requestId, requestId), eq(t.ledgerEntries.role, "contributor")));
        expect(ledger.reduce((a, l) => a + l.amount, 0n)).toBe(inf.contributorPool);
        expect(ledger.map((l) => l.id).sort()).toEqual(s.entries.filter((e) => e.amount > 0n).map((e) => `settle:${requestId}:contribution:${e.contributionId}`).sort());
        const report = (await verify(cases[i].paid.requestId))!;
        expect(report.checks.filter((c) => !c.ok)).toEqual([]);
        expect(report.ok).toBe(true);
        expect(live.some((e) => e.type === "inference.settled" && e.requestId === requestId)).toBe(true);
      }
      // gramB's Datanets (animals + food) include bob's food contribution: usage per Datanet carries the earnings.
      const [usage] = await db()
        .select({ total: sql<string>`coalesce(sum(${t.datanetUsageHourly.contributorEarnings}), 0)::text` })
        .from(t.datanetUsageHourly);
      const [credited] = await db().select({ total: sql<string>`coalesce(sum(${t.attributionEntries.amount}), 0)::text` }).from(t.attributionEntries);
      expect(usage.total).toBe(credited.total);
      expect(m.catalog.stats.sharedContributions).toBe(5); // animals (3) + food (2): one index for both ∞-gram models
    });

    it("serves an external model through its OpenAI-compatible endpoint and traces its answer to the corpus", async () => {
      const paid = await m.pay(user2, m.models.externalOk, "Tell me about a cat", { maxTokens: 32, temperature: 0.2, seed: 4 });
      const s = await serveInference(m.ctx, paid);
      expect(s.output).toMatch(/^Here is what I know: /);
      expect(s.record.method).toBe("span-trace");
      expect(s.params).toEqual({ maxTokens: 32, temperature: 0.2, minSpanTokens: 4, maxSupport: 500 });
      await m.index();
      const report = (await verify(paid.requestId))!;
      expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    });

    it("sends the builder's stored API key to its endpoint, and only for the model its builder registered", async () => {
      const [model] = await m.database.db.select().from(t.models).where(eq(t.models.id, m.models.externalOk));
      process.env.ENDPOINT_KEY_SECRET = "a-test-secret-of-at-least-32-characters!";
      try {
        // The build the model was registered from, started by the account that registered it, kept a key.
        const buildId = `build-${m.models.externalOk}`;
        await m.database.db.insert(t.modelBuilds).values({ id: buildId, kind: "external", builder: model.builder, request: {}, status: "succeeded", phase: "done", metadataHash: model.metadataHash });
        await storeEndpointKey(m.database.db, buildId, "sk-test-key");
        await serveInference(m.ctx, await m.pay(user2, m.models.externalOk, "Tell me about a dog"));
        expect(m.endpoint.authorization).toBe("Bearer sk-test-key");
        // Another account's build of the same card does not lend its key.
        await m.database.db.update(t.modelBuilds).set({ builder: "0x000000000000000000000000000000000000dead" }).where(eq(t.modelBuilds.id, buildId));
        await serveInference(m.ctx, await m.pay(user2, m.models.externalOk, "Tell me about a bird"));
        expect(m.endpoint.authorization).toBeUndefined();
      } finally {
        delete process.env.ENDPOINT_KEY_SECRET;
      }
    });

    it("serves a payment once: concurrent duplicates get AlreadyServed, a replay gets the stored result, a mismatch is refused", async () => {
      const paid = await m.pay(user3, m.models.gramA, "A dog is");
      const results = await Promise.allSettled([serveInference(m.ctx, paid), serveInference(m.ctx, { ...paid }), serveInference(m.ctx, { ...paid })]);
      const ok = results.filter((r) => r.status === "fulfilled");
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(ok).toHaveLength(1);
      expect(refused).toHaveLength(2);
      for (const r of refused) expect(r.reason).toBeInstanceOf(AlreadyServed);
      expect(await settleEvents(paid.requestId)).toHaveLength(1);
      const first = (ok[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof serveInference>>>).value;

      const replay = await serveInference(m.ctx, paid).catch((e: unknown) => e);
      expect(replay).toBeInstanceOf(AlreadyServed);
      const again = replay as AlreadyServed;
      expect(again.jobStatus).toBe("settled");
      expect(again.result?.output).toBe(first.output);
      expect(again.result?.settleTx).toBe(first.settleTx);
      expect(again.result?.entries).toEqual(first.entries);
      expect(again.result?.split).toEqual(first.split);
      expect(await settleEvents(paid.requestId)).toHaveLength(1);

      // A payment for another model, hash or payer is refused before anything is claimed.
      const other = await m.pay(user1, m.models.gramA, "A horse is");
      const attempts: [PaidRequest, string][] = [
        [{ ...other, modelId: m.models.gramB }, "wrong_model"],
        [{ ...other, requestHash: keccak256(toHex("something else")) }, "wrong_request_hash"],
        [{ ...other, payer: m.wallets.get(user2)!.account.address }, "wrong_payer"],
        [{ ...other, requestId: 10_000n }, "unknown_request"],
        [{ ...paid, requestHash: keccak256(toHex("fresh")) }, "wrong_request_hash"],
      ];
      for (const [p, reason] of attempts) {
        const err = await serveInference(m.ctx, p).catch((e: unknown) => e);
        expect(err, reason).toBeInstanceOf(PaymentMismatch);
        expect((err as PaymentMismatch).reason).toBe(reason);
      }
      expect(await job(other)).toBeUndefined();
      const served = await serveInference(m.ctx, other);
      expect(served.output.length).toBeGreaterThan(0);
    });

    it("refunds on-chain when the model fails (endpoint 500, down, timeout, bad parameters, missing artifact): the payer is whole again", async () => {
      // A registered model whose artifact this server does not have.
      const meta = await storeContent(db(), { body: new TextEncoder().encode(canonicalJson({ name: "Ghost model", description: "", parameters: { kind: "infinigram" } })), filename: "m.json" });
      const owner = m.wallets.get(ROLES.owner)!;
      const reg = await owner.writeContract({
        address: m.d.modelRegistry,
        abi: modelRegistryAbi,
        functionName: "registerModel",
        args: [contentUri(meta.hash), meta.hash, keccak256(toHex("no such artifact")), [1n], [1], parseUnits("0.001", 18), 1000, 0],
      });
      await m.client.waitForTransactionReceipt({ hash: reg });
      const ghost = Number(await m.client.readContract({ address: m.d.modelRegistry, abi: modelRegistryAbi, functionName: "modelCount" }));
      await m.index();

      const cases: [number, Record<string, unknown>, RegExp, Partial<ServeContext>?][] = [
        [m.models.externalFail, {}, /HTTP 500/],
        [m.models.externalDown, {}, /could not be reached/],
        [m.models.externalSlow, {}, /did not answer within 0\.3 s/, { timeoutMs: 300 }],
        [m.models.gramA, { maxTokens: 5000 }, /maxTokens must be a whole number between 1 and 1024/],
        [m.models.gramA, { top_k: 3 }, /Unknown parameter "top_k"/],
        [ghost, {}, /not in this server's artifact store/],
      ];
      for (const [modelId, params, message, extra] of cases) {
        const before = await m.balance(user2);
        const paid = await m.pay(user2, modelId, "What is a cat?", params);
        expect(await m.balance(user2)).toBeLessThan(before);
        const err = await serveInference({ ...m.ctx, ...extra }, paid).catch((e: unknown) => e);
        expect(err, String(message)).toBeInstanceOf(InferenceFailed);
        const failed = err as InferenceFailed;
        expect(failed.message).toMatch(message);
        expect(failed.message).toMatch(/refunded/);
        expect(failed.refunded).toBe(true);
        expect(failed.refundTx).toMatch(/^0x[0-9a-f]{64}$/);
        expect(await m.balance(user2)).toBe(before);
        expect((await readRequest(m.ctx, paid.requestId)).status).toBe(3);
        const row = await job(paid);
        expect(row.status).toBe("refunded");
        expect(row.refundTx).toBe(failed.refundTx);
        // A retry of a refunded payment is not served.
        const retry = await serveInference(m.ctx, paid).catch((e: unknown) => e);
        expect(retry).toBeInstanceOf(AlreadyServed);
        expect((retry as AlreadyServed).jobStatus).toBe("refunded");
      }
      await m.index();
      const refunds = await db().select().from(t.ledgerEntries).where(eq(t.ledgerEntries.role, "refund"));
      expect(refunds.length).toBeGreaterThanOrEqual(cases.length);
    });

    it("griefing with a copied request hash: the attacker's payment with the victim's hash does not block the victim, who is served; the attacker only pays for its own escrow", async () => {
      const [victim, attacker] = [user1, user2];
      const attackerBefore = await m.balance(attacker);
      // The attacker sees the victim's hash (e.g. in a pending pay transaction) and pays with it first.
      const victimHash = keccak256(toHex(`victim ${kind} ${Math.random()}`));
      const aw = m.wallets.get(attacker)!;
      await m.client.waitForTransactionReceipt({
        hash: await aw.writeContract({ address: m.d.inferenceMarket, abi: inferenceMarketAbi, functionName: "pay", args: [BigInt(m.models.gramA), victimHash, maxUint256], gas: 400_000n }),
      });
      const attackerId = await m.client.readContract({ address: m.d.inferenceMarket, abi: inferenceMarketAbi, functionName: "requestIdOf", args: [aw.account.address, victimHash] });
      expect(attackerId).toBeGreaterThan(0n);
      // The victim's own payment with the same hash goes through: requests are keyed by (payer, hash).
      const vw = m.wallets.get(victim)!;
      const receipt = await m.client.waitForTransactionReceipt({
        hash: await vw.writeContract({ address: m.d.inferenceMarket, abi: inferenceMarketAbi, functionName: "pay", args: [BigInt(m.models.gramA), victimHash, maxUint256], gas: 400_000n }),
      });
      expect(receipt.status).toBe("success");
      const victimId = await m.client.readContract({ address: m.d.inferenceMarket, abi: inferenceMarketAbi, functionName: "requestIdOf", args: [vw.account.address, victimHash] });
      const served = await serveInference(m.ctx, { requestId: victimId, requestHash: victimHash, modelId: m.models.gramA, payer: vw.account.address, prompt: "The domestic cat is", params: {}, via: "transaction", paidTx: receipt.transactionHash });
      expect(served.settleTx).toMatch(/^0x/);
      // The attacker's escrow is its own: refunded to it (here by the operator), so it lost nothing either.
      const r = await m.client.readContract({ address: m.d.inferenceMarket, abi: inferenceMarketAbi, functionName: "getRequest", args: [attackerId] });
      await m.client.waitForTransactionReceipt({
        hash: await m.operator.writeContract({ address: m.d.inferenceMarket, abi: inferenceMarketAbi, functionName: "refund", args: [attackerId, r.requestHash] }),
      });
      expect(await m.balance(attacker)).toBe(attackerBefore);
    });

    it("reorg-unsafe ids: after a reorg renumbers requests, the operator's settle names the hash and cannot settle another payer's request", async () => {
      const snapshot = (await m.client.request({ method: "evm_snapshot", params: [] } as never)) as Hex;
      const a = await m.pay(user1, m.models.gramA, "The bear");
      // The chain reorganizes: A's payment is gone and B's takes the same request id.
      await m.client.request({ method: "evm_revert", params: [snapshot] } as never);
      // A's wallet counted the dropped transaction's nonce: start again from the chain's.
      const aAccount = m.wallets.get(user1)!.account;
      aAccount.nonceManager?.reset({ address: aAccount.address, chainId: m.client.chain!.id });
      const b = await m.pay(user2, m.models.gramA, "The horse");
      expect(b.requestId).toBe(a.requestId);
      // Serving A's request finds the id paid for another hash: nothing is served or settled.
      await expect(serveInference(m.ctx, a)).rejects.toBeInstanceOf(PaymentMismatch);
      // And a settle sent for A (e.g. by a process that served it before the reorg) reverts on the hash.
      const outcome = await settleOnChain(m.ctx, a.requestId, a.requestHash, keccak256(toHex("out")), keccak256(toHex("attr")));
      expect(outcome.kind).toBe("pending");
      expect((await readRequest(m.ctx, b.requestId)).status).toBe(1); // B's request is still in escrow, B's to be served
      const servedB = await serveInference(m.ctx, b);
      expect(servedB.settleTx).toMatch(/^0x/);
    });

    it("after a crash, recovery finishes every pending job (serving again, settling the stored answer, or refunding) and refunds abandoned payments", async () => {
      const insertJob = async (p: PaidRequest, status: "queued" | "serving", lease: string) =>
        db().insert(t.inferenceJobs).values({
          requestHash: p.requestHash.toLowerCase(),
          requestId: Number(p.requestId),
          modelId: p.modelId,
          payer: p.payer.toLowerCase(),
          via: p.via,
          paidTx: p.paidTx,
          status,
          prompt: p.prompt,
          params: p.params,
          lease,
          attempts: status === "serving" ? 1 : 0,
        });
      // a) claimed, then the process died (queued); b) died while the model ran (serving).
      const queued = await m.pay(user1, m.models.gramB, "The wolf");
      await insertJob(queued, "queued", "dead-a");
      const serving = await m.pay(user2, m.models.knn, "a large wild cat with a mane");
      await insertJob(serving, "serving", "dead-b");
      // c) answer stored, the settle transaction never went out.
      const noSettle: ServeContext = {
        ...m.ctx,
        operator: spyOperator(m.operator, async (fn) => {
          if (fn === "settle") throw new Error("process killed");
        }),
      };
      const served = await m.pay(user3, m.models.gramA, "A fox is");
      const pending = await serveInference(noSettle, served).catch((e: unknown) => e);
      expect(pending).toBeInstanceOf(SettlementPending);
      expect((await job(served)).status).toBe("served");
      expect((await readRequest(m.ctx, served.requestId)).status).toBe(1);
      // d) the model failed and the refund did not go out.
      const noRefund: ServeContext = {
        ...m.ctx,
        operator: spyOperator(m.operator, async (fn) => {
          if (fn === "refund") throw new Error("process killed");
        }),
      };
      const failed = await m.pay(user1, m.models.externalFail, "hello");
      const notRefunded = await serveInference(noRefund, failed).catch((e: unknown) => e);
      expect(notRefunded).toBeInstanceOf(InferenceFailed);
      expect((notRefunded as InferenceFailed).refunded).toBe(false);
      expect((await job(failed)).status).toBe("failed");
      // e) an external model's call was interrupted: not repeated, refunded.
      const external = await m.pay(user2, m.models.externalOk, "What is an owl?");
      await insertJob(external, "serving", "dead-e");
      // f) settled on-chain, but the receipt was lost before the job was marked settled.
      const lost = await m.pay(user3, m.models.gramA, "The bear");
      await serveInference(noSettle, lost).catch(() => {});
      const lostJob = await job(lost);
      const tx = await m.operator.writeContract({
        address: m.d.inferenceMarket,
        abi: inferenceMarketAbi,
        functionName: "settle",
        args: [lost.requestId, lost.requestHash, outputHash(lostJob.output!), attributionHash(decodeRecord(lostJob.record!))],
      });
      await m.client.waitForTransactionReceipt({ hash: tx });
      // g) paid on-chain, the prompt never arrived.
      const abandoned = await m.pay(user1, m.models.gramA, "(never sent)");
      // h) an abandoned payment that a previous recovery claimed and died before refunding: refunded, never served.
      const claimed = await m.pay(user2, m.models.gramA, "");
      await db().insert(t.inferenceJobs).values({
        requestHash: claimed.requestHash.toLowerCase(),
        requestId: Number(claimed.requestId),
        modelId: claimed.modelId,
        payer: claimed.payer.toLowerCase(),
        via: "recovery",
        status: "queued",
        prompt: "",
        params: {},
        lease: "dead-h",
      });
      const abandonedBefore = await m.balance(user1);
      await m.index();

      // Restart: a fresh model catalog, as a new process would have.
      const restarted: ServeContext = { ...m.ctx, models: new ModelCatalog({ db: db(), artifactDir: m.artifactDir }) };
      const report = await recoverPendingInferences(restarted, { staleAfterMs: 0, abandonedAfterMs: 0 });
      expect(report).toEqual({ examined: 7, settled: 3, reserved: 2, refunded: 3, reconciled: 1, pending: 0, abandonedRefunded: 1 });
      const statuses = async (ps: PaidRequest[]) => Promise.all(ps.map(async (p) => (await job(p)).status));
      expect(await statuses([queued, serving, served, failed, external, lost, abandoned, claimed])).toEqual([
        "settled",
        "settled",
        "settled",
        "refunded",
        "refunded",
        "settled",
        "refunded",
        "refunded",
      ]);
      for (const p of [queued, serving, served, lost]) {
        expect((await readRequest(m.ctx, p.requestId)).status).toBe(2);
        expect(await settleEvents(p.requestId)).toHaveLength(1);
      }
      for (const p of [failed, external, abandoned, claimed]) expect((await readRequest(m.ctx, p.requestId)).status).toBe(3);
      expect(await db().select().from(t.inferenceResults).where(eq(t.inferenceResults.requestHash, claimed.requestHash.toLowerCase()))).toEqual([]);
      // user1 paid for the abandoned request and the failed one: both came back.
      const price = async (p: PaidRequest) => (await readRequest(m.ctx, p.requestId)).price;
      expect(await m.balance(user1)).toBe(abandonedBefore + (await price(abandoned)) + (await price(failed)));
      expect((await job(lost)).settleTx).toBe(tx);
      // Nothing left to do; a late prompt for the abandoned payment is not served.
      expect(await recoverPendingInferences(restarted, { staleAfterMs: 0, abandonedAfterMs: 0 })).toMatchObject({ examined: 0, abandonedRefunded: 0 });
      const loop = startRecovery(restarted, { staleAfterMs: 0, abandonedAfterMs: 0, intervalMs: 5 });
      while (loop.runs() < 3) await new Promise((r) => setTimeout(r, 5));
      await loop.stop();
      expect(await serveInference(m.ctx, abandoned).catch((e: unknown) => e)).toBeInstanceOf(AlreadyServed);

      await m.index();
      for (const p of [queued, serving, served, lost]) {
        const report = (await verify(p.requestId))!;
        expect(report.checks.filter((c) => !c.ok), String(p.requestId)).toEqual([]);
        const [inf] = await db().select().from(t.inferences).where(eq(t.inferences.requestId, Number(p.requestId)));
        const [credited] = await db()
          .select({ total: sql<string>`coalesce(sum(${t.attributionEntries.amount}), 0)::text` })
          .from(t.attributionEntries)
          .where(eq(t.attributionEntries.requestId, Number(p.requestId)));
        expect(BigInt(credited.total)).toBe(inf.contributorPool);
      }
      // Every payment of this market is settled or refunded: nothing is left in escrow.
      expect(await m.client.readContract({ address: m.d.inferenceMarket, abi: inferenceMarketAbi, functionName: "totalEscrow" })).toBe(0n);
      const open = await db().select().from(t.inferenceJobs).where(sql`${t.inferenceJobs.status} not in ('settled', 'refunded')`);
      expect(open).toEqual([]);
    });
  });
}
