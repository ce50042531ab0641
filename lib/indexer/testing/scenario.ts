/**
 * A small Ledgerline economy on a real anvil for indexer tests: a curated Datanet, a model on it, and
 * random actions (contributions, reviews, payments, settlements, refunds) from a seeded generator.
 */
import { createPublicClient, createWalletClient, http, keccak256, maxUint256, parseUnits, toHex, zeroAddress, type Hex, type PublicClient } from "viem";
import { foundry } from "viem/chains";
import { datanetRegistryAbi, inferenceMarketAbi, modelRegistryAbi, openTokenAbi } from "@/contracts-abi";
import { devAccount } from "@/lib/chain/anvil";
import { deployLedgerline, type Deployment } from "@/lib/chain/deploy";
import { versionRoot } from "@/lib/chain/merkle";

export const acct = devAccount;

export function prng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
    return s / 2 ** 32;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)] };
}

export interface Scenario {
  client: PublicClient;
  deployment: Deployment;
  send(hash: Hex): Promise<void>;
  /** Performs `n` random valid actions; returns how many transactions it sent. */
  randomActions(n: number, rand: ReturnType<typeof prng>): Promise<number>;
}

export async function setupScenario(rpcUrl: string): Promise<Scenario> {
  const client = createPublicClient({ chain: foundry, transport: http(rpcUrl), pollingInterval: 20 }) as PublicClient;
  const wallet = (i: number) => createWalletClient({ account: acct(i), chain: foundry, transport: http(rpcUrl) });
  const send = async (hash: Hex) => {
    const r = await client.waitForTransactionReceipt({ hash });
    if (r.status !== "success") throw new Error(`tx ${hash} reverted`);
  };
  const [operator, owner] = [0, 1];
  const contributors = [2, 3, 4];
  const users = [5, 6];
  const d = await deployLedgerline({
    publicClient: client,
    walletClient: wallet(operator),
    admin: acct(operator).address,
    operator: acct(operator).address,
    protocolTreasury: acct(9).address,
  });
  for (const i of [owner, ...contributors, ...users]) {
    await send(await wallet(i).writeContract({ address: d.token, abi: openTokenAbi, functionName: "faucet", args: [acct(i).address, parseUnits("10000", 18)] }));
    for (const spender of [d.datanetRegistry, d.inferenceMarket]) {
      await send(await wallet(i).writeContract({ address: d.token, abi: openTokenAbi, functionName: "approve", args: [spender, maxUint256] }));
    }
  }
  const reg = { address: d.datanetRegistry, abi: datanetRegistryAbi } as const;
  const market = { address: d.inferenceMarket, abi: inferenceMarketAbi } as const;
  await send(await wallet(owner).writeContract({ ...reg, functionName: "createDatanet", args: [keccak256(toHex("scenario")), "scenario", parseUnits("1", 18), true, zeroAddress] }));
  await send(await wallet(contributors[0]).writeContract({ ...reg, functionName: "contribute", args: [1n, keccak256(toHex("first")), 100n, 3, parseUnits("1", 18), 0n, "0x"] }));
  await send(await wallet(owner).writeContract({ ...reg, functionName: "review", args: [1n, true] }));
  await send(await wallet(owner).writeContract({ ...reg, functionName: "publishVersion", args: [1n, versionRoot([{ id: 1n, contentHash: keccak256(toHex("first")) }]), 1] }));
  for (const [i, price, bps] of [[0, parseUnits("0.000000000000001234", 18), 1500], [1, parseUnits("2.5", 18) + 7n, 3333]] as const) {
    await send(
      await wallet(owner).writeContract({
        address: d.modelRegistry,
        abi: modelRegistryAbi,
        functionName: "registerModel",
        args: [`m${i}`, keccak256(toHex(`meta${i}`)), keccak256(toHex(`art${i}`)), [1n], [1], price, bps, 0],
      }),
    );
  }

  let nonce = 0;
  const randomActions = async (n: number, rand: ReturnType<typeof prng>) => {
    let sent = 0;
    for (let k = 0; k < n; k++) {
      const roll = rand.next();
      if (roll < 0.3) {
        await send(await wallet(rand.pick(contributors)).writeContract({ ...reg, functionName: "contribute", args: [1n, keccak256(toHex(`c ${Date.now()} ${nonce++}`)), BigInt(1 + rand.int(5000)), 1 + rand.int(40), parseUnits("1", 18), 0n, "0x"] }));
      } else if (roll < 0.45) {
        const count = await client.readContract({ ...reg, functionName: "contributionCount" });
        const id = BigInt(1 + rand.int(Number(count)));
        const c = await client.readContract({ ...reg, functionName: "getContribution", args: [id] });
        if (c.status !== 0) continue;
        await send(await wallet(owner).writeContract({ ...reg, functionName: "review", args: [id, rand.next() < 0.7] }));
      } else if (roll < 0.75) {
        const modelId = BigInt(1 + rand.int(2));
        await send(await wallet(rand.pick(users)).writeContract({ ...market, functionName: "pay", args: [modelId, keccak256(toHex(`r ${Date.now()} ${nonce++}`)), maxUint256] }));
      } else {
        const count = Number(await client.readContract({ ...market, functionName: "requestCount" }));
        if (count === 0) continue;
        const id = BigInt(1 + rand.int(count));
        const r = await client.readContract({ ...market, functionName: "getRequest", args: [id] });
        if (r.status !== 1) continue;
        const refund = rand.next() < 0.15;
        await send(
          await wallet(operator).writeContract(
            refund
              ? { ...market, functionName: "refund", args: [id, r.requestHash] }
              : { ...market, functionName: "settle", args: [id, r.requestHash, keccak256(toHex(`o${id}`)), keccak256(toHex(`a${id}`))] },
          ),
        );
      }
      sent++;
    }
    return sent;
  };
  return { client, deployment: d, send, randomActions };
}
