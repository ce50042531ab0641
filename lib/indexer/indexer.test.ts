import { asc, sql } from "drizzle-orm";
import {
  createPublicClient,
  createWalletClient,
  http,
  keccak256,
  maxUint256,
  parseUnits,
  toHex,
  zeroAddress,
  type Hex,
  type PublicClient,
} from "viem";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datanetRegistryAbi, inferenceMarketAbi, modelRegistryAbi, openTokenAbi } from "@/contracts-abi";
import type { Database } from "@/db/client";
import * as t from "@/db/schema";
import { openTestDatabase, testDatabaseKinds } from "@/db/testing";
import { devAccount, startAnvil, type Anvil } from "@/lib/chain/anvil";
import { deployLedgerline, type Deployment } from "@/lib/chain/deploy";
import { buildClaimsTree, versionRoot } from "@/lib/chain/merkle";
import { storeContent } from "@/lib/content/store";
import { canonicalJson, contentUri } from "@/lib/metadata";
import { Indexer } from "./indexer";
import { dumpReadModel } from "./testing/dump";

const acct = devAccount;
const [operator, owner, alice, bob, user] = [0, 1, 2, 3, 4].map(acct);

for (const { kind, available } of testDatabaseKinds) {
  describe.skipIf(!available)(`indexer on ${kind}`, () => {
    let anvil: Anvil;
    let database: Database;
    let client: PublicClient;
    let d: Deployment;
    const wallet = (a: ReturnType<typeof acct>) => createWalletClient({ account: a, chain: foundry, transport: http(anvil.rpcUrl) });
    const send = async (hash: Hex) => {
      const r = await client.waitForTransactionReceipt({ hash });
      expect(r.status).toBe("success");
      return r;
    };
    const indexer = () => new Indexer({ db: database.db, client, deployment: d, maxRange: 7 });

    async function contribute(from: ReturnType<typeof acct>, datanetId: bigint, text: string) {
      const c = await storeContent(database.db, { body: new TextEncoder().encode(text), filename: "c.md" });
      await send(
        await wallet(from).writeContract({
          address: d.datanetRegistry,
          abi: datanetRegistryAbi,
          functionName: "contribute",
          // The Datanet's bond (2 OPEN) as the most it may take; no attester on this deployment.
          args: [datanetId, c.hash, BigInt(c.bytes), c.records, parseUnits("2", 18), 0n, "0x"],
        }),
      );
      const id = await client.readContract({ address: d.datanetRegistry, abi: datanetRegistryAbi, functionName: "contributionCount" });
      return { id, contentHash: c.hash };
    }

    beforeAll(async () => {
      anvil = await startAnvil();
      database = await openTestDatabase(kind);
      client = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) }) as PublicClient;
      d = await deployLedgerline({
        publicClient: client,
        walletClient: wallet(operator),
        admin: operator.address,
        operator: operator.address,
        protocolTreasury: operator.address,
      });
      for (const a of [owner, alice, bob, user]) {
        await send(await wallet(a).writeContract({ address: d.token, abi: openTokenAbi, functionName: "faucet", args: [a.address, parseUnits("1000", 18)] }));
        for (const spender of [d.datanetRegistry, d.inferenceMarket]) {
          await send(await wallet(a).writeContract({ address: d.token, abi: openTokenAbi, functionName: "approve", args: [spender, maxUint256] }));
        }
      }
    });

    afterAll(async () => {
      await database?.close();
      await anvil?.stop();
    });

    it("turns Datanet, contribution, model and payment events into rows, crediting every wei", async () => {
      const meta = await storeContent(database.db, {
        body: new TextEncoder().encode(canonicalJson({ name: "Test Glossary", summary: "s", description: "d", tags: ["x"], license: "MIT" })),
        filename: "datanet.json",
      });
      await send(
        await wallet(owner).writeContract({
          address: d.datanetRegistry,
          abi: datanetRegistryAbi,
          functionName: "createDatanet",
          args: [meta.hash, contentUri(meta.hash), parseUnits("2", 18), true, zeroAddress],
        }),
      );
      const c1 = await contribute(alice, 1n, "**cat**: a small domesticated feline\n\n**dog**: a domesticated canid\n");
      const c2 = await contribute(bob, 1n, "spam spam spam\n");
      const c3 = await contribute(bob, 1n, "**owl**: a nocturnal bird of prey\n");
      for (const [id, accept] of [[c3.id, true], [c2.id, false], [c1.id, true]] as const) {
        await send(await wallet(owner).writeContract({ address: d.datanetRegistry, abi: datanetRegistryAbi, functionName: "review", args: [id, accept] }));
      }
      // Acceptance order is c3 then c1: the version's leaves follow it.
      await send(
        await wallet(owner).writeContract({
          address: d.datanetRegistry,
          abi: datanetRegistryAbi,
          functionName: "publishVersion",
          args: [1n, versionRoot([c3, c1]), 2],
        }),
      );
      await send(
        await wallet(owner).writeContract({
          address: d.modelRegistry,
          abi: modelRegistryAbi,
          functionName: "registerModel",
          args: ["ledgerline:model", keccak256(toHex("meta")), keccak256(toHex("artifact")), [1n], [1], parseUnits("1.000000000000000003", 18), 2000, 0],
        }),
      );
      const price = parseUnits("1.000000000000000003", 18);
      for (let i = 0; i < 3; i++) {
        await send(
          await wallet(user).writeContract({
            address: d.inferenceMarket,
            abi: inferenceMarketAbi,
            functionName: "pay",
            args: [1n, keccak256(toHex(`request ${i}`)), price],
          }),
        );
      }
      for (const r of [1n, 2n]) {
        await send(
          await wallet(operator).writeContract({
            address: d.inferenceMarket,
            abi: inferenceMarketAbi,
            functionName: "settle",
            args: [r, keccak256(toHex(`request ${r - 1n}`)), keccak256(toHex("out")), keccak256(toHex("attr"))],
          }),
        );
      }
      await send(await wallet(operator).writeContract({ address: d.inferenceMarket, abi: inferenceMarketAbi, functionName: "refund", args: [3n, keccak256(toHex("request 2"))] }));
      const pool = await client.readContract({ address: d.inferenceMarket, abi: inferenceMarketAbi, functionName: "totalContributorPool" });
      const tree = buildClaimsTree([{ account: alice.address, cumulativeAmount: pool }]);
      const head = await client.getBlockNumber();
      await send(await wallet(operator).writeContract({ address: d.inferenceMarket, abi: inferenceMarketAbi, functionName: "postEpoch", args: [tree.root, pool, head, pool] }));
      // Pending for the challenge window; then anyone finalizes it and claims open.
      const window = await client.readContract({ address: d.inferenceMarket, abi: inferenceMarketAbi, functionName: "challengeWindow" });
      await client.request({ method: "evm_increaseTime", params: [Number(window)] } as never);
      await send(await wallet(bob).writeContract({ address: d.inferenceMarket, abi: inferenceMarketAbi, functionName: "finalizeEpoch", args: [1] }));
      await send(
        await wallet(bob).writeContract({
          address: d.inferenceMarket,
          abi: inferenceMarketAbi,
          functionName: "claim",
          args: [alice.address, pool, tree.proofFor(alice.address)],
        }),
      );

      const ix = indexer();
      const res = await ix.syncOnce();
      expect(res.events).toBeGreaterThan(15);

      const db = database.db;
      const [datanet] = await db.select().from(t.datanets);
      expect(datanet).toMatchObject({ id: 1, name: "Test Glossary", tags: ["x"], contributionCount: 3, acceptedCount: 2, versionCount: 1, curated: true });
      expect(datanet.bond).toBe(parseUnits("2", 18));
      const contribs = await db.select().from(t.contributions).orderBy(asc(t.contributions.id));
      expect(contribs.map((c) => [c.status, c.acceptedSeq])).toEqual([["accepted", 2], ["rejected", null], ["accepted", 1]]);
      const [version] = await db.select().from(t.datanetVersions);
      expect(version).toMatchObject({ version: 1, count: 2, rootVerified: true });
      const infs = await db.select().from(t.inferences).orderBy(asc(t.inferences.requestId));
      expect(infs.map((i) => i.status)).toEqual(["settled", "settled", "refunded"]);

      // Conservation: ledger credits per role equal what the contract credited, to the wei.
      for (const [role, account] of [["protocol", operator.address], ["operator", operator.address], ["builder", owner.address]] as const) {
        const [row] = await db
          .select({ total: sql<string>`coalesce(sum(${t.ledgerEntries.amount}), 0)::text` })
          .from(t.ledgerEntries)
          .where(sql`${t.ledgerEntries.role} = ${role} and ${t.ledgerEntries.account} = ${account.toLowerCase()}`);
        const settled = infs.filter((i) => i.status === "settled");
        const expected = settled.reduce((s, i) => s + (role === "protocol" ? i.protocolFee! : role === "operator" ? i.operatorFee! : i.builderFee!), 0n);
        expect(BigInt(row.total)).toBe(expected);
      }
      const onChainCredits = await client.readContract({ address: d.inferenceMarket, abi: inferenceMarketAbi, functionName: "credits", args: [operator.address] });
      const builderCredits = await client.readContract({ address: d.inferenceMarket, abi: inferenceMarketAbi, functionName: "credits", args: [owner.address] });
      const [ops] = await db
        .select({ total: sql<string>`sum(${t.ledgerEntries.amount})::text` })
        .from(t.ledgerEntries)
        .where(sql`${t.ledgerEntries.role} in ('protocol', 'operator')`);
      expect(BigInt(ops.total)).toBe(onChainCredits);
      const [b] = await db.select({ total: sql<string>`sum(${t.ledgerEntries.amount})::text` }).from(t.ledgerEntries).where(sql`${t.ledgerEntries.role} = 'builder'`);
      expect(BigInt(b.total)).toBe(builderCredits);
      // Σ paid == Σ fees + Σ pools + Σ refunds
      const paid = infs.reduce((s, i) => s + i.price, 0n);
      const split = infs.reduce((s, i) => s + (i.protocolFee ?? 0n) + (i.operatorFee ?? 0n) + (i.builderFee ?? 0n) + (i.contributorPool ?? 0n), 0n);
      const [refunds] = await db.select({ total: sql<string>`sum(${t.ledgerEntries.amount})::text` }).from(t.ledgerEntries).where(sql`${t.ledgerEntries.role} = 'refund'`);
      expect(split + BigInt(refunds.total)).toBe(paid);
      // Rollups equal the sums of their rows.
      const [roll] = await db.select({ total: sql<string>`sum(${t.earningsHourly.amount})::text` }).from(t.earningsHourly);
      const [credited] = await db
        .select({ total: sql<string>`sum(${t.ledgerEntries.amount})::text` })
        .from(t.ledgerEntries)
        .where(sql`${t.ledgerEntries.role} in ('protocol', 'operator', 'builder')`);
      expect(roll.total).toBe(credited.total);
      const [claim] = await db.select().from(t.claims);
      expect(claim.amount).toBe(pool);
      const [model] = await db.select().from(t.models);
      expect(model).toMatchObject({ inferenceCount: 2, kind: "infinigram", builderBps: 2000 });
      expect(model.revenue).toBe(price * 2n);
      const usage = await db.select().from(t.datanetUsageHourly);
      expect(usage.reduce((s, u) => s + u.inferences, 0)).toBe(2);
      const [mu] = await db.select({ revenue: sql<string>`sum(${t.modelUsageHourly.revenue})::text` }).from(t.modelUsageHourly);
      expect(BigInt(mu.revenue)).toBe(price * 2n);
    });

    it("is idempotent: a second pass and a replay from scratch change nothing", async () => {
      const before = await dumpReadModel(database.db);
      const again = await indexer().syncOnce();
      expect(again.events).toBe(0);
      // Forget the checkpoint: the same logs come again and the (chainId, txHash, logIndex) key skips them.
      await database.db.delete(t.indexerCheckpoints);
      const replay = await indexer().syncOnce();
      expect(replay.events).toBe(0);
      expect(await dumpReadModel(database.db)).toEqual(before);
    });

    it("rolls back a reorganised chain so the database equals a fresh index of the final chain", async () => {
      const snapshot = (await client.request({ method: "evm_snapshot" as never })) as Hex;
      // Branch A: two contributions and a review, indexed.
      const a1 = await contribute(alice, 1n, "branch A one\n");
      await contribute(bob, 1n, "branch A two\n");
      await send(await wallet(owner).writeContract({ address: d.datanetRegistry, abi: datanetRegistryAbi, functionName: "review", args: [a1.id, true] }));
      await indexer().syncOnce();
      expect((await database.db.select().from(t.contributions)).length).toBe(5);

      // The chain drops branch A and grows branch B (different transactions, more blocks).
      await client.request({ method: "evm_revert" as never, params: [snapshot] as never });
      const b1 = await contribute(bob, 1n, "branch B only\n");
      await send(await wallet(owner).writeContract({ address: d.datanetRegistry, abi: datanetRegistryAbi, functionName: "review", args: [b1.id, false] }));
      await send(await wallet(owner).writeContract({ address: d.datanetRegistry, abi: datanetRegistryAbi, functionName: "setBond", args: [1n, parseUnits("3", 18)] }));
      await indexer().syncOnce();

      const fresh = await openTestDatabase(kind);
      try {
        // Content is off-chain and shared: copy it so metadata resolves the same way.
        const blobs = await database.db.select().from(t.contents);
        await fresh.db.insert(t.contents).values(blobs);
        await new Indexer({ db: fresh.db, client, deployment: d }).syncOnce();
        expect(await dumpReadModel(database.db)).toEqual(await dumpReadModel(fresh.db));
      } finally {
        await fresh.close();
      }
      const statuses = (await database.db.select().from(t.contributions).orderBy(asc(t.contributions.id))).map((c) => c.status);
      expect(statuses).toEqual(["accepted", "rejected", "accepted", "rejected"]);
    });

    it("applies only the new logs of a range that also brings back recorded ones", async () => {
      // Forget the checkpoint and change the bond: one range (the whole chain) mixes recorded logs and a new one.
      await database.db.delete(t.indexerCheckpoints);
      await send(await wallet(owner).writeContract({ address: d.datanetRegistry, abi: datanetRegistryAbi, functionName: "setBond", args: [1n, parseUnits("4", 18)] }));
      const res = await new Indexer({ db: database.db, client, deployment: d, maxRange: 100_000 }).syncOnce();
      const recorded = await database.db.$count(t.chainEvents);
      const fresh = await openTestDatabase(kind);
      try {
        await fresh.db.insert(t.contents).values(await database.db.select().from(t.contents));
        const full = await new Indexer({ db: fresh.db, client, deployment: d }).syncOnce();
        expect(res.events).toBeGreaterThan(0);
        expect(res.events).toBeLessThan(full.events);
        expect(recorded).toBe(full.events);
        expect(await dumpReadModel(database.db)).toEqual(await dumpReadModel(fresh.db));
      } finally {
        await fresh.close();
      }
    });
  });
}
