/**
 * A builder prices a model per token (setTokenRates): the indexer keeps R_in / R_out on the model's row next to its
 * fixed fee, so pages read them from the database; a model registers flat (0, 0), a later change overwrites the
 * rates, setting (0, 0) makes it flat again, and a setPrice leaves the rates alone.
 * Real anvil, real contracts, real PGlite (and Postgres when TEST_DATABASE_URL is set).
 */
import { eq } from "drizzle-orm";
import { createPublicClient, createWalletClient, http, keccak256, parseUnits, toHex, zeroAddress, type Hex, type PublicClient } from "viem";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datanetRegistryAbi, modelRegistryAbi } from "@/contracts-abi";
import type { Database } from "@/db/client";
import * as t from "@/db/schema";
import { openTestDatabase, testDatabaseKinds } from "@/db/testing";
import { devAccount, startAnvil, type Anvil } from "@/lib/chain/anvil";
import { versionRoot } from "@/lib/chain/merkle";
import { deployLedgerline, type Deployment } from "@/lib/chain/deploy";
import { Indexer } from "./indexer";

const [operator, builder, contributor] = [0, 1, 2].map(devAccount);
const FEE = parseUnits("0.001", 18);
// Rates that do not fit in 64 bits, and one that is a single wei: numeric(78, 0) keeps both exactly.
const INPUT_RATE = 2n ** 70n + 3n;
const OUTPUT_RATE = 1n;

for (const { kind, available } of testDatabaseKinds) {
  describe.skipIf(!available)(`ModelTokenRatesChanged on ${kind}`, () => {
    let anvil: Anvil;
    let database: Database;
    let client: PublicClient;
    let d: Deployment;
    const wallet = (a: ReturnType<typeof devAccount>) => createWalletClient({ account: a, chain: foundry, transport: http(anvil.rpcUrl) });
    const models = () => ({ address: d.modelRegistry, abi: modelRegistryAbi }) as const;
    const send = async (hash: Hex) => {
      const r = await client.waitForTransactionReceipt({ hash });
      expect(r.status).toBe("success");
    };
    const sync = async () => {
      const indexer = new Indexer({ db: database.db, client, deployment: d });
      for (;;) {
        const r = await indexer.syncOnce();
        if (r.block >= r.head) return;
      }
    };
    const row = async () => (await database.db.select().from(t.models).where(eq(t.models.id, 1)))[0];
    const setRates = async (input: bigint, output: bigint) => send(await wallet(builder).writeContract({ ...models(), functionName: "setTokenRates", args: [1n, input, output] }));

    beforeAll(async () => {
      anvil = await startAnvil();
      database = await openTestDatabase(kind);
      client = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) }) as PublicClient;
      d = await deployLedgerline({ publicClient: client, walletClient: wallet(operator), admin: operator.address, operator: operator.address, protocolTreasury: operator.address });
      const reg = { address: d.datanetRegistry, abi: datanetRegistryAbi } as const;
      const content = keccak256(toHex("record"));
      await send(await wallet(builder).writeContract({ ...reg, functionName: "createDatanet", args: [keccak256(toHex("datanet")), "datanet", 0n, true, zeroAddress] }));
      await send(await wallet(contributor).writeContract({ ...reg, functionName: "contribute", args: [1n, content, 10n, 1, 0n, 0n, "0x"] }));
      await send(await wallet(builder).writeContract({ ...reg, functionName: "review", args: [1n, true] }));
      await send(await wallet(builder).writeContract({ ...reg, functionName: "publishVersion", args: [1n, versionRoot([{ id: 1n, contentHash: content }]), 1] }));
      await send(
        await wallet(builder).writeContract({
          ...models(),
          functionName: "registerModel",
          args: ["model", keccak256(toHex("meta")), keccak256(toHex("artifact")), [1n], [1], FEE, 1000, 0],
        }),
      );
      await sync();
    });

    afterAll(async () => {
      await database?.close();
      await anvil?.stop();
    });

    it("registers a model flat-priced: its fee, rates 0 and 0", async () => {
      expect(await row()).toMatchObject({ price: FEE, inputRate: 0n, outputRate: 0n });
    });

    it("records the builder's rates exactly, beside the unchanged fee", async () => {
      await setRates(INPUT_RATE, OUTPUT_RATE);
      await sync();
      expect(await row()).toMatchObject({ price: FEE, inputRate: INPUT_RATE, outputRate: OUTPUT_RATE });
      const onChain = await client.readContract({ ...models(), functionName: "pricing", args: [1n] });
      expect([onChain[1], onChain[4], onChain[5]]).toEqual([FEE, INPUT_RATE, OUTPUT_RATE]);
    });

    it("keeps the rates when the fee changes, and the last of several changes in one range", async () => {
      await send(await wallet(builder).writeContract({ ...models(), functionName: "setPrice", args: [1n, FEE * 2n] }));
      await setRates(5n, 7n);
      await setRates(11n, 13n);
      await sync();
      expect(await row()).toMatchObject({ price: FEE * 2n, inputRate: 11n, outputRate: 13n });
    });

    it("makes the model flat again when both rates are set to 0", async () => {
      await setRates(0n, 0n);
      await sync();
      expect(await row()).toMatchObject({ price: FEE * 2n, inputRate: 0n, outputRate: 0n });
    });
  });
}
