/**
 * Takedown in the indexer: ContributionWithdrawn stores who, why and where (block, its hash, tx, time) on the
 * contribution row, and a reorg that drops the withdrawal restores the contribution as it was.
 */
import { eq } from "drizzle-orm";
import { createWalletClient, http, type Hex } from "viem";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datanetRegistryAbi } from "@/contracts-abi";
import type { Database } from "@/db/client";
import * as t from "@/db/schema";
import { openTestDatabase, testDatabaseKinds } from "@/db/testing";
import { startAnvil, type Anvil } from "@/lib/chain/anvil";
import { Indexer } from "./indexer";
import { dumpReadModel } from "./testing/dump";
import { acct, setupScenario, type Scenario } from "./testing/scenario";

for (const { kind, available } of testDatabaseKinds) {
  describe.skipIf(!available)(`indexer: contribution withdrawals (${kind})`, () => {
    let anvil: Anvil;
    let s: Scenario;
    let database: Database;
    const sync = () => new Indexer({ db: database.db, client: s.client, deployment: s.deployment, maxRange: 5 }).syncOnce();
    const wallet = (i: number) => createWalletClient({ account: acct(i), chain: foundry, transport: http(anvil.rpcUrl) });
    const row = async (id: number) => (await database.db.select().from(t.contributions).where(eq(t.contributions.id, id)))[0];
    const expectFreshIndexEqual = async () => {
      const fresh = await openTestDatabase(kind);
      try {
        await new Indexer({ db: fresh.db, client: s.client, deployment: s.deployment }).syncOnce();
        expect(await dumpReadModel(database.db)).toEqual(await dumpReadModel(fresh.db));
      } finally {
        await fresh.close();
      }
    };

    beforeAll(async () => {
      anvil = await startAnvil();
      s = await setupScenario(anvil.rpcUrl);
      database = await openTestDatabase(kind);
    }, 120_000);
    afterAll(async () => {
      await database?.close();
      await anvil?.stop();
    });

    it("stores who, when and why; a reorg that drops the withdrawal restores the contribution; the owner's removal names its reason", async () => {
      const reg = { address: s.deployment.datanetRegistry, abi: datanetRegistryAbi } as const;
      await sync();
      const before = await row(1);
      expect(before).toMatchObject({ status: "accepted", withdrawnBy: null, withdrawnReason: null, withdrawnBlock: null, withdrawnBlockHash: null, withdrawnTx: null, withdrawnAt: null });

      // The contributor (scenario account 2) withdraws contribution 1 on a branch that will be dropped.
      const snapshot = (await s.client.request({ method: "evm_snapshot" as never })) as Hex;
      const hash = await wallet(2).writeContract({ ...reg, functionName: "withdraw", args: [1n] });
      await s.send(hash);
      const receipt = await s.client.getTransactionReceipt({ hash });
      const block = await s.client.getBlock({ blockNumber: receipt.blockNumber });
      await sync();
      expect(await row(1)).toEqual({
        ...before,
        withdrawnBy: acct(2).address.toLowerCase(),
        withdrawnReason: "",
        withdrawnBlock: Number(receipt.blockNumber),
        withdrawnBlockHash: block.hash,
        withdrawnTx: hash,
        withdrawnAt: new Date(Number(block.timestamp) * 1000),
      });

      // The chain reorganizes onto a longer branch without the withdrawal: the row is what it was before.
      await s.client.request({ method: "evm_revert" as never, params: [snapshot] as never });
      for (let i = 0; i < 3; i++) await s.client.request({ method: "evm_mine" as never, params: [] as never });
      await sync();
      expect(await row(1)).toEqual(before);
      await expectFreshIndexEqual();

      // On the new branch the Datanet owner (account 1) removes it on a takedown request.
      const removal = await wallet(1).writeContract({ ...reg, functionName: "remove", args: [1n, "DMCA notice #7"] });
      await s.send(removal);
      await sync();
      expect(await row(1)).toMatchObject({ status: "accepted", withdrawnBy: acct(1).address.toLowerCase(), withdrawnReason: "DMCA notice #7", withdrawnTx: removal });
      await expectFreshIndexEqual();
    }, 120_000);
  });
}
