/**
 * Backfill speed: a chain with ≥ 200,000 Ledgerline events (contributions, reviews, payments and
 * settlements from real contracts), indexed from scratch into Postgres (and PGlite), events/s.
 */
import fs from "node:fs";
import path from "node:path";
import solc from "solc";
import { createPublicClient, createWalletClient, http, keccak256, parseUnits, toHex, zeroAddress, type Abi, type Hex, type PublicClient } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { datanetRegistryAbi, inferenceMarketAbi, modelRegistryAbi, openTokenAbi } from "../contracts-abi";
import { openTestDatabase } from "../db/testing";
import { ANVIL_MNEMONIC, startAnvil } from "../lib/chain/anvil";
import { deployLedgerline, OPERATOR_ROLE } from "../lib/chain/deploy";
import { Indexer } from "../lib/indexer/indexer";

const TARGET_EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);

function compileWorkload(): { abi: Abi; bytecode: Hex } {
  const source = fs.readFileSync(path.join(import.meta.dirname, "BenchWorkload.sol"), "utf8");
  const out = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: "Solidity",
        sources: { "BenchWorkload.sol": { content: source } },
        settings: { optimizer: { enabled: true, runs: 200 }, outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } } },
      }),
    ),
  );
  const c = out.contracts["BenchWorkload.sol"].BenchWorkload;
  return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
}

export async function benchBackfill(log = console.log) {
  const anvil = await startAnvil({ extraArgs: ["--gas-limit", "3000000000", "--code-size-limit", "100000"] });
  try {
    const client = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) }) as PublicClient;
    const admin = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 0 });
    const wallet = createWalletClient({ account: admin, chain: foundry, transport: http(anvil.rpcUrl) });
    const send = async (hash: Hex) => {
      const r = await client.waitForTransactionReceipt({ hash, timeout: 600_000 });
      if (r.status !== "success") throw new Error(`bench tx ${hash} reverted`);
    };
    const d = await deployLedgerline({ publicClient: client, walletClient: wallet, admin: admin.address, operator: admin.address, protocolTreasury: admin.address });
    const workload = compileWorkload();
    const deployHash = await wallet.deployContract({ abi: workload.abi, bytecode: workload.bytecode });
    const bench = (await client.waitForTransactionReceipt({ hash: deployHash })).contractAddress!;

    // An open Datanet with no bond, a model on its version, and the workload contract as operator.
    await send(await wallet.writeContract({ address: d.datanetRegistry, abi: datanetRegistryAbi, functionName: "createDatanet", args: [keccak256(toHex("bench")), "bench", 0n, false, zeroAddress] }));
    await send(await wallet.writeContract({ address: d.datanetRegistry, abi: datanetRegistryAbi, functionName: "contribute", args: [1n, keccak256(toHex("seed")), 10n, 1] }));
    await send(await wallet.writeContract({ address: d.datanetRegistry, abi: datanetRegistryAbi, functionName: "publishVersion", args: [1n, keccak256(toHex("root")), 1] }));
    await send(await wallet.writeContract({ address: d.modelRegistry, abi: modelRegistryAbi, functionName: "registerModel", args: ["bench", keccak256(toHex("m")), keccak256(toHex("a")), [1n], [1], 1000n, 2000, 0] }));
    await send(await wallet.writeContract({ address: d.inferenceMarket, abi: inferenceMarketAbi, functionName: "grantRole", args: [OPERATOR_ROLE, bench] }));
    await send(await wallet.writeContract({ address: d.token, abi: openTokenAbi, functionName: "faucet", args: [bench, parseUnits("100000", 18)] }));
    await send(await wallet.writeContract({ address: bench, abi: workload.abi, functionName: "approve", args: [d.token, d.inferenceMarket] }));

    // 60% contribution events (2 per contribute), 40% payment events (2 per inference).
    const contributes = Math.ceil((TARGET_EVENTS * 0.6) / 2);
    const inferences = Math.ceil((TARGET_EVENTS * 0.4) / 2);
    const perTx = 1_000;
    const started = Date.now();
    let salt = 0;
    for (let done = 0; done < contributes; done += perTx) {
      await send(await wallet.writeContract({ address: bench, abi: workload.abi, functionName: "contributeMany", args: [d.datanetRegistry, 1n, BigInt(++salt), BigInt(Math.min(perTx, contributes - done))], gas: 2_900_000_000n }));
    }
    for (let done = 0; done < inferences; done += perTx) {
      await send(await wallet.writeContract({ address: bench, abi: workload.abi, functionName: "payAndSettleMany", args: [d.inferenceMarket, 1n, 1000n, BigInt(++salt), BigInt(Math.min(perTx, inferences - done))], gas: 2_900_000_000n }));
    }
    const head = await client.getBlockNumber({ cacheTime: 0 });
    log(`chain: ${contributes * 2 + inferences * 2} workload events in ${head} blocks, made in ${((Date.now() - started) / 1000).toFixed(0)} s`);

    const results: Record<string, { events: number; seconds: number; perSecond: number }> = {};
    const kinds: ("postgres" | "pglite")[] = process.env.TEST_DATABASE_URL ? ["postgres", "pglite"] : ["pglite"];
    for (const kind of kinds) {
      const database = await openTestDatabase(kind);
      try {
        const indexer = new Indexer({ db: database.db, client, deployment: d, maxRange: 2 });
        const t0 = performance.now();
        const res = await indexer.syncOnce();
        const seconds = (performance.now() - t0) / 1000;
        results[kind] = { events: res.events, seconds, perSecond: res.events / seconds };
        log(`backfill into ${kind}: ${res.events} events in ${seconds.toFixed(1)} s = ${Math.round(res.events / seconds)} events/s`);
      } finally {
        await database.close();
      }
    }
    return results;
  } finally {
    await anvil.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchBackfill();
}
