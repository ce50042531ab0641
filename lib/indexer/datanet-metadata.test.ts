/**
 * Owners edit a Datanet after creation (setMetadata, setBond): the indexer re-reads the new metadata JSON from the
 * content store, keeps the last good fields when the new metadata is missing, not JSON, oversized or of the wrong
 * shape, and a non-owner's attempt reverts with NotDatanetOwner and changes nothing in the index.
 * Real anvil, real contracts, real PGlite (and Postgres when TEST_DATABASE_URL is set).
 */
import { eq } from "drizzle-orm";
import { BaseError, ContractFunctionRevertedError, createPublicClient, createWalletClient, http, parseUnits, zeroAddress, type Hex, type PublicClient } from "viem";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datanetRegistryAbi } from "@/contracts-abi";
import type { Database } from "@/db/client";
import * as t from "@/db/schema";
import { openTestDatabase, testDatabaseKinds } from "@/db/testing";
import { devAccount, startAnvil, type Anvil } from "@/lib/chain/anvil";
import { deployLedgerline, type Deployment } from "@/lib/chain/deploy";
import { storeContent } from "@/lib/content/store";
import { canonicalJson, contentUri, METADATA_MAX_BYTES } from "@/lib/metadata";
import { Indexer } from "./indexer";

const [operator, owner, eve] = [0, 1, 2].map(devAccount);

for (const { kind, available } of testDatabaseKinds) {
  describe.skipIf(!available)(`Datanet metadata and bond changes on ${kind}`, () => {
    let anvil: Anvil;
    let database: Database;
    let client: PublicClient;
    let d: Deployment;
    let datanetId: bigint;
    const wallet = (a: ReturnType<typeof devAccount>) => createWalletClient({ account: a, chain: foundry, transport: http(anvil.rpcUrl) });
    const reg = () => ({ address: d.datanetRegistry, abi: datanetRegistryAbi }) as const;
    const send = async (hash: Hex) => {
      const r = await client.waitForTransactionReceipt({ hash });
      expect(r.status).toBe("success");
      return r;
    };
    const sync = async () => {
      const indexer = new Indexer({ db: database.db, client, deployment: d });
      for (;;) {
        const r = await indexer.syncOnce();
        if (r.block >= r.head) return;
      }
    };
    const row = async () => (await database.db.select().from(t.datanets).where(eq(t.datanets.id, Number(datanetId))))[0];
    const store = async (body: string, filename = "datanet.json") => storeContent(database.db, { body: new TextEncoder().encode(body), filename });
    const setMetadata = async (hash: Hex) => send(await wallet(owner).writeContract({ ...reg(), functionName: "setMetadata", args: [datanetId, hash, contentUri(hash)] }));

    /** The custom error a call reverts with (simulated, so nothing is mined). */
    async function revertName(call: () => Promise<unknown>): Promise<string | undefined> {
      try {
        await call();
      } catch (err) {
        const reverted = err instanceof BaseError ? err.walk((e) => e instanceof ContractFunctionRevertedError) : null;
        return reverted instanceof ContractFunctionRevertedError ? reverted.data?.errorName : undefined;
      }
      return "no revert";
    }

    beforeAll(async () => {
      anvil = await startAnvil();
      database = await openTestDatabase(kind);
      client = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) }) as PublicClient;
      d = await deployLedgerline({ publicClient: client, walletClient: wallet(operator), admin: operator.address, operator: operator.address, protocolTreasury: operator.address });
      const meta = await store(canonicalJson({ name: "Bird calls", summary: "First summary", description: "# Birds", tags: ["birds"], license: "CC-BY-4.0" }));
      await send(await wallet(owner).writeContract({ ...reg(), functionName: "createDatanet", args: [meta.hash, contentUri(meta.hash), parseUnits("2", 18), true, zeroAddress] }));
      datanetId = await client.readContract({ ...reg(), functionName: "datanetCount" });
      await sync();
    });

    afterAll(async () => {
      await database?.close();
      await anvil?.stop();
    });

    it("applies the owner's new summary, description and tags, and the new bond", async () => {
      expect(await row()).toMatchObject({ name: "Bird calls", summary: "First summary", tags: ["birds"], bond: parseUnits("2", 18) });
      const next = await store(
        canonicalJson({ name: "Bird calls", summary: "Songs and calls of European birds", description: "## Sources\n\nField recordings.", tags: ["birds", "audio"], license: "CC-BY-4.0" }),
      );
      await setMetadata(next.hash);
      await send(await wallet(owner).writeContract({ ...reg(), functionName: "setBond", args: [datanetId, parseUnits("0.5", 18)] }));
      await sync();
      expect(await row()).toMatchObject({
        name: "Bird calls",
        summary: "Songs and calls of European birds",
        description: "## Sources\n\nField recordings.",
        tags: ["birds", "audio"],
        metadataHash: next.hash.toLowerCase(),
        metadataUri: contentUri(next.hash),
        bond: parseUnits("0.5", 18),
      });
    });

    it("refuses a non-owner's setMetadata and setBond with NotDatanetOwner, and the index does not change", async () => {
      const before = await row();
      const evil = await store(canonicalJson({ name: "Hijacked", summary: "scam", description: "", tags: ["scam"], license: "MIT" }));
      expect(await revertName(() => client.simulateContract({ ...reg(), account: eve, functionName: "setMetadata", args: [datanetId, evil.hash, contentUri(evil.hash)] }))).toBe(
        "NotDatanetOwner",
      );
      expect(await revertName(() => client.simulateContract({ ...reg(), account: eve, functionName: "setBond", args: [datanetId, 0n] }))).toBe("NotDatanetOwner");
      // Sent anyway (no simulation): mined and reverted, no event.
      for (const write of [
        () => wallet(eve).writeContract({ ...reg(), functionName: "setMetadata", args: [datanetId, evil.hash, contentUri(evil.hash)], gas: 200_000n }),
        () => wallet(eve).writeContract({ ...reg(), functionName: "setBond", args: [datanetId, 0n], gas: 200_000n }),
      ]) {
        const r = await client.waitForTransactionReceipt({ hash: await write() });
        expect(r.status).toBe("reverted");
      }
      await sync();
      expect(await row()).toEqual(before);
      const onChain = await client.readContract({ ...reg(), functionName: "getDatanet", args: [datanetId] });
      expect(onChain.metadataHash).toBe(before.metadataHash);
      expect(onChain.bond).toBe(before.bond);
    });

    it("keeps the last good fields when new metadata is not JSON, oversized, of the wrong shape, too big to read or not stored", async () => {
      const good = await row();
      const notJson = await store("this is not JSON {", "notes.md");
      const oversized = await store(canonicalJson({ name: "Bird calls", summary: "x", description: "a".repeat(25_000), tags: [], license: "MIT" }));
      const wrongShape = await store(canonicalJson({ name: 42, tags: "birds" }));
      const tooManyTags = await store(canonicalJson({ name: "Bird calls", tags: Array.from({ length: 50 }, (_, i) => `t${i}`) }));
      // Valid fields, but a blob past METADATA_MAX_BYTES: the indexer never reads it (a hash can name any stored upload).
      const huge = await store(canonicalJson({ name: "Bird calls", summary: "Huge", description: "", tags: [], license: "MIT", padding: "x".repeat(METADATA_MAX_BYTES) }));
      const unknown = `0x${"ab".repeat(32)}` as Hex;
      for (const hash of [notJson.hash, oversized.hash, wrongShape.hash, tooManyTags.hash, huge.hash, unknown]) {
        await setMetadata(hash);
        await sync();
        const r = await row();
        // The chain's hash and URI are recorded; what people read stays the last valid metadata.
        expect(r.metadataHash).toBe(hash.toLowerCase());
        expect(r.metadataUri).toBe(contentUri(hash));
        expect({ name: r.name, summary: r.summary, description: r.description, tags: r.tags, license: r.license }).toEqual({
          name: good.name,
          summary: good.summary,
          description: good.description,
          tags: good.tags,
          license: good.license,
        });
      }
      // And a valid edit after the bad ones applies again.
      const fixed = await store(canonicalJson({ name: "Bird calls", summary: "Fixed", description: "", tags: ["birds"], license: "CC-BY-4.0" }));
      await setMetadata(fixed.hash);
      await sync();
      expect(await row()).toMatchObject({ summary: "Fixed", description: "", tags: ["birds"], metadataHash: fixed.hash.toLowerCase() });
    });
  });
}
