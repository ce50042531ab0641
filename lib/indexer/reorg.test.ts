import { sql } from "drizzle-orm";
import type { Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inferenceMarketAbi } from "@/contracts-abi";
import type { Database } from "@/db/client";
import * as t from "@/db/schema";
import { openTestDatabase, testDatabaseKinds } from "@/db/testing";
import { startAnvil, type Anvil } from "@/lib/chain/anvil";
import { Indexer } from "./indexer";
import { dumpReadModel } from "./testing/dump";
import { acct, prng, setupScenario, type Scenario } from "./testing/scenario";

for (const { kind, available } of testDatabaseKinds) {
  describe.skipIf(!available)(`indexer under reorgs and random workloads (${kind})`, () => {
    let anvil: Anvil;
    let s: Scenario;
    let database: Database;
    const sync = () => new Indexer({ db: database.db, client: s.client, deployment: s.deployment, maxRange: 5 }).syncOnce();

    beforeAll(async () => {
      anvil = await startAnvil();
      s = await setupScenario(anvil.rpcUrl);
      database = await openTestDatabase(kind);
    }, 120_000);
    afterAll(async () => {
      await database?.close();
      await anvil?.stop();
    });

    it("after reorgs of random depths the database equals a fresh index of the final chain", async () => {
      const rand = prng(kind === "pglite" ? 11 : 29);
      await s.randomActions(25, rand);
      await sync();
      for (let round = 0; round < 4; round++) {
        const snapshot = (await s.client.request({ method: "evm_snapshot" as never })) as Hex;
        const depth = await s.randomActions(1 + rand.int(8), rand); // the blocks that will be dropped
        await sync();
        await s.client.request({ method: "evm_revert" as never, params: [snapshot] as never });
        await s.randomActions(depth + rand.int(4), rand); // a different (often longer) branch
        await sync();
        const fresh = await openTestDatabase(kind);
        try {
          await new Indexer({ db: fresh.db, client: s.client, deployment: s.deployment }).syncOnce();
          expect(await dumpReadModel(database.db), `round ${round}, depth ${depth}`).toEqual(await dumpReadModel(fresh.db));
        } finally {
          await fresh.close();
        }
      }
    }, 240_000); // bounded work (25 actions, 4 reorg rounds, 4 fresh databases): time for a loaded 2-core machine

    it("a reorg between reading the logs and reading their blocks is caught: no log of the dropped branch is written", async () => {
      const rand = prng(kind === "pglite" ? 41 : 43);
      await sync();
      const snapshot = (await s.client.request({ method: "evm_snapshot" as never })) as Hex;
      await s.randomActions(3, rand); // the branch whose logs the indexer reads, then loses
      let reorged = false;
      // The real chain reorganizes right after getLogs answers, before the indexer reads those logs' blocks; the
      // new branch is longer, so every block number the stale logs name exists, with another hash.
      const client = {
        ...s.client,
        getLogs: async (args: Parameters<typeof s.client.getLogs>[0]) => {
          const logs = await s.client.getLogs(args);
          if (!reorged && logs.length > 0) {
            reorged = true;
            await s.client.request({ method: "evm_revert" as never, params: [snapshot] as never });
            await s.randomActions(6, rand);
            // At least as long as the dropped branch (an action may send nothing), whatever the actions were.
            for (let i = 0; i < 4; i++) await s.client.request({ method: "evm_mine" as never, params: [] as never });
          }
          return logs;
        },
      } as typeof s.client;
      const logs: string[] = [];
      const watched = new Indexer({ db: database.db, client, deployment: s.deployment, maxRange: 1_000, log: (m) => logs.push(m) });
      await watched.syncOnce();
      expect(reorged).toBe(true);
      expect(logs.some((m) => /changed while it was read/.test(m))).toBe(true);
      await sync();
      const fresh = await openTestDatabase(kind);
      try {
        await new Indexer({ db: fresh.db, client: s.client, deployment: s.deployment }).syncOnce();
        expect(await dumpReadModel(database.db)).toEqual(await dumpReadModel(fresh.db));
      } finally {
        await fresh.close();
      }
    }, 120_000);

    it("conserves every wei: ledger credits per account and role equal the contract's credits, rollups equal their rows", async () => {
      await s.randomActions(40, prng(kind === "pglite" ? 5 : 6));
      await sync();
      const db = database.db;
      const market = { address: s.deployment.inferenceMarket, abi: inferenceMarketAbi } as const;
      // No withdrawals happened, so each account's credited balance on-chain is the sum of its credits.
      const perAccount = await db
        .select({ account: t.ledgerEntries.account, total: sql<string>`sum(${t.ledgerEntries.amount})::text` })
        .from(t.ledgerEntries)
        .where(sql`${t.ledgerEntries.role} in ('protocol', 'operator', 'builder')`)
        .groupBy(t.ledgerEntries.account);
      expect(perAccount.length).toBeGreaterThan(0);
      for (const { account, total } of perAccount) {
        const onChain = await s.client.readContract({ ...market, functionName: "credits", args: [account as Hex] });
        expect(BigInt(total), account).toBe(onChain);
      }
      for (const i of [0, 1, 9]) {
        const onChain = await s.client.readContract({ ...market, functionName: "credits", args: [acct(i).address] });
        const row = perAccount.find((r) => r.account === acct(i).address.toLowerCase());
        expect(BigInt(row?.total ?? 0)).toBe(onChain);
      }
      // Σ paid == Σ split + Σ refunds + Σ still in escrow.
      const infs = await db.select().from(t.inferences);
      const paid = infs.reduce((a, i) => a + i.price, 0n);
      const split = infs.reduce((a, i) => a + (i.protocolFee ?? 0n) + (i.operatorFee ?? 0n) + (i.builderFee ?? 0n) + (i.contributorPool ?? 0n), 0n);
      const refunded = infs.filter((i) => i.status === "refunded").reduce((a, i) => a + i.price, 0n);
      const escrow = infs.filter((i) => i.status === "paid").reduce((a, i) => a + i.price, 0n);
      expect(split + refunded + escrow).toBe(paid);
      expect(await s.client.readContract({ ...market, functionName: "totalContributorPool" })).toBe(
        infs.reduce((a, i) => a + (i.contributorPool ?? 0n), 0n),
      );
      // Rollups equal the sums of their rows.
      const rollups = await db
        .select({ key: sql<string>`${t.earningsHourly.account} || ':' || ${t.earningsHourly.role}`, total: sql<string>`sum(${t.earningsHourly.amount})::text` })
        .from(t.earningsHourly)
        .groupBy(t.earningsHourly.account, t.earningsHourly.role);
      const ledger = await db
        .select({ key: sql<string>`${t.ledgerEntries.account} || ':' || ${t.ledgerEntries.role}`, total: sql<string>`sum(${t.ledgerEntries.amount})::text` })
        .from(t.ledgerEntries)
        .where(sql`${t.ledgerEntries.role} in ('protocol', 'operator', 'builder')`)
        .groupBy(t.ledgerEntries.account, t.ledgerEntries.role);
      const asMap = (rows: { key: string; total: string }[]) => Object.fromEntries(rows.map((r) => [r.key, r.total]));
      expect(asMap(rollups)).toEqual(asMap(ledger));
      const usage = await db
        .select({ modelId: t.modelUsageHourly.modelId, revenue: sql<string>`sum(${t.modelUsageHourly.revenue})::text`, n: sql<number>`sum(${t.modelUsageHourly.inferences})`.mapWith(Number) })
        .from(t.modelUsageHourly)
        .groupBy(t.modelUsageHourly.modelId);
      for (const u of usage) {
        const settled = infs.filter((i) => i.modelId === u.modelId && i.status === "settled");
        expect(BigInt(u.revenue)).toBe(settled.reduce((a, i) => a + i.price, 0n));
        expect(u.n).toBe(settled.length);
      }
    });
  });
}
