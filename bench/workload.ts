/**
 * A chain full of real Ledgerline events, made fast: a helper contract calls the real contracts many
 * times per transaction (contributions to an open Datanet; payments settled by itself as operator).
 * Used by the backfill benchmark and the indexer's crash and reorg tests.
 */
import fs from "node:fs";
import path from "node:path";
import solc from "solc";
import { createPublicClient, createWalletClient, http, keccak256, parseUnits, toHex, zeroAddress, type Abi, type Address, type Hex, type PublicClient } from "viem";
import { foundry } from "viem/chains";
import { datanetRegistryAbi, inferenceMarketAbi, modelRegistryAbi, openTokenAbi } from "../contracts-abi";
import { devAccount } from "../lib/chain/anvil";
import { deployLedgerline, type Deployment } from "../lib/chain/deploy";

let compiled: { abi: Abi; bytecode: Hex } | undefined;

function compileWorkload(): { abi: Abi; bytecode: Hex } {
  if (compiled) return compiled;
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
  compiled = { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
  return compiled;
}

export interface Workload {
  client: PublicClient;
  deployment: Deployment;
  /** Adds `contributes` contributions (2 events each) and `inferences` paid+settled requests (2 events each). */
  add(opts: { contributes?: number; inferences?: number; perTx?: number }): Promise<void>;
}

export async function setupWorkload(rpcUrl: string): Promise<Workload> {
  const client = createPublicClient({ chain: foundry, transport: http(rpcUrl), pollingInterval: 50 }) as PublicClient;
  const admin = devAccount(0);
  const wallet = createWalletClient({ account: admin, chain: foundry, transport: http(rpcUrl) });
  const send = async (hash: Hex) => {
    const r = await client.waitForTransactionReceipt({ hash, timeout: 600_000 });
    if (r.status !== "success") throw new Error(`workload tx ${hash} reverted`);
  };
  const d = await deployLedgerline({ publicClient: client, walletClient: wallet, admin: admin.address, operator: admin.address, protocolTreasury: admin.address });
  const w = compileWorkload();
  const bench = (await client.waitForTransactionReceipt({ hash: await wallet.deployContract({ abi: w.abi, bytecode: w.bytecode }) })).contractAddress as Address;

  // An open Datanet with no bond, a model on its first version, and the helper contract as operator.
  await send(await wallet.writeContract({ address: d.datanetRegistry, abi: datanetRegistryAbi, functionName: "createDatanet", args: [keccak256(toHex("workload")), "workload", 0n, false, zeroAddress] }));
  await send(await wallet.writeContract({ address: d.datanetRegistry, abi: datanetRegistryAbi, functionName: "contribute", args: [1n, keccak256(toHex("seed")), 10n, 1, 0n, 0n, "0x"] }));
  await send(await wallet.writeContract({ address: d.datanetRegistry, abi: datanetRegistryAbi, functionName: "publishVersion", args: [1n, keccak256(toHex("root")), 1] }));
  await send(await wallet.writeContract({ address: d.modelRegistry, abi: modelRegistryAbi, functionName: "registerModel", args: ["workload", keccak256(toHex("m")), keccak256(toHex("a")), [1n], [1], 1_000_000_007n, 2000, 0] }));
  // The helper contract settles as an operator: stake the minimum for it.
  const minStake = await client.readContract({ address: d.inferenceMarket, abi: inferenceMarketAbi, functionName: "minStake" });
  await send(await wallet.writeContract({ address: d.token, abi: openTokenAbi, functionName: "approve", args: [d.inferenceMarket, minStake] }));
  await send(await wallet.writeContract({ address: d.inferenceMarket, abi: inferenceMarketAbi, functionName: "stake", args: [bench, minStake] }));
  await send(await wallet.writeContract({ address: d.token, abi: openTokenAbi, functionName: "faucet", args: [bench, parseUnits("100000", 18)] }));
  await send(await wallet.writeContract({ address: bench, abi: w.abi, functionName: "approve", args: [d.token, d.inferenceMarket] }));

  let salt = 0;
  return {
    client,
    deployment: d,
    async add({ contributes = 0, inferences = 0, perTx = 1_000 }) {
      const gas = 2_900_000_000n;
      for (let done = 0; done < contributes; done += perTx) {
        const n = BigInt(Math.min(perTx, contributes - done));
        await send(await wallet.writeContract({ address: bench, abi: w.abi, functionName: "contributeMany", args: [d.datanetRegistry, 1n, BigInt(++salt), n], gas }));
      }
      for (let done = 0; done < inferences; done += perTx) {
        const n = BigInt(Math.min(perTx, inferences - done));
        await send(await wallet.writeContract({ address: bench, abi: w.abi, functionName: "payAndSettleMany", args: [d.inferenceMarket, 1n, 1_000_000_007n, BigInt(++salt), n], gas }));
      }
    },
  };
}

/** anvil flags for workloads: blocks big enough for a thousand calls per transaction. */
export const WORKLOAD_ANVIL_ARGS = ["--gas-limit", "3000000000"];
