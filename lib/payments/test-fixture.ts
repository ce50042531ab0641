/**
 * Test fixture for lib/payments: a fresh anvil with Ledgerline deployed (operator = dev account 0),
 * an open Datanet with one published version, and one model priced in OPEN (builder = dev account 1).
 */
import { createPublicClient, createWalletClient, http, keccak256, parseUnits, toHex, zeroAddress, type Address, type Hex, type PublicClient } from "viem";
import { foundry } from "viem/chains";
import { datanetRegistryAbi, inferenceMarketAbi, modelRegistryAbi, openTokenAbi } from "@/contracts-abi";
import { devAccount, startAnvil, type Anvil } from "@/lib/chain/anvil";
import { deployLedgerline, type Deployment } from "@/lib/chain/deploy";
import { versionRoot } from "@/lib/chain/merkle";

export const BUILDER = 1;
export const INITIAL_PRICE = parseUnits("1.5", 18) + 7n;

export interface PaymentsFixture {
  anvil: Anvil;
  client: PublicClient;
  deployment: Deployment;
  chainId: number;
  modelId: bigint;
  wallet(i: number): ReturnType<typeof walletFor>;
  send(hash: Hex): Promise<void>;
  faucet(to: Address, amount: bigint): Promise<void>;
  price(): Promise<bigint>;
  setPrice(price: bigint): Promise<void>;
  balanceOf(who: Address): Promise<bigint>;
  requestCount(): Promise<bigint>;
  stop(): Promise<void>;
}

function walletFor(rpcUrl: string, i: number) {
  return createWalletClient({ account: devAccount(i), chain: foundry, transport: http(rpcUrl) });
}

export async function setupPayments(): Promise<PaymentsFixture> {
  const anvil = await startAnvil();
  const client = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl), pollingInterval: 50 }) as PublicClient;
  const wallets = new Map<number, ReturnType<typeof walletFor>>();
  const wallet = (i: number) => {
    let w = wallets.get(i);
    if (!w) wallets.set(i, (w = walletFor(anvil.rpcUrl, i)));
    return w;
  };
  const send = async (hash: Hex) => {
    const r = await client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    if (r.status !== "success") throw new Error(`tx ${hash} reverted`);
  };
  // Deploy from account 9 so account 0 (the operator) keeps a clean nonce for operatorWallet's nonce manager.
  const deployment = await deployLedgerline({
    publicClient: client,
    walletClient: wallet(9),
    admin: devAccount(9).address,
    operator: devAccount(0).address,
    protocolTreasury: devAccount(8).address,
  });
  const builder = wallet(BUILDER);
  const reg = { address: deployment.datanetRegistry, abi: datanetRegistryAbi } as const;
  await send(await builder.writeContract({ ...reg, functionName: "createDatanet", args: [keccak256(toHex("payments")), "payments", 0n, false, zeroAddress] }));
  const contentHash = keccak256(toHex("a contribution"));
  await send(await builder.writeContract({ ...reg, functionName: "contribute", args: [1n, contentHash, 100n, 1, 0n, 0n, "0x"] }));
  await send(await builder.writeContract({ ...reg, functionName: "publishVersion", args: [1n, versionRoot([{ id: 1n, contentHash }]), 1] }));
  await send(
    await builder.writeContract({
      address: deployment.modelRegistry,
      abi: modelRegistryAbi,
      functionName: "registerModel",
      args: ["ledgerline:model", keccak256(toHex("meta")), keccak256(toHex("artifact")), [1n], [1], INITIAL_PRICE, 2000, 0],
    }),
  );
  const modelId = 1n;

  return {
    anvil,
    client,
    deployment,
    chainId: deployment.chainId,
    modelId,
    wallet,
    send,
    faucet: async (to, amount) =>
      send(await wallet(BUILDER).writeContract({ address: deployment.token, abi: openTokenAbi, functionName: "faucet", args: [to, amount] })),
    price: async () =>
      (await client.readContract({ address: deployment.modelRegistry, abi: modelRegistryAbi, functionName: "pricing", args: [modelId] }))[1],
    setPrice: async (price) =>
      send(await wallet(BUILDER).writeContract({ address: deployment.modelRegistry, abi: modelRegistryAbi, functionName: "setPrice", args: [modelId, price] })),
    balanceOf: (who) => client.readContract({ address: deployment.token, abi: openTokenAbi, functionName: "balanceOf", args: [who] }),
    requestCount: () => client.readContract({ address: deployment.inferenceMarket, abi: inferenceMarketAbi, functionName: "requestCount" }),
    stop: () => anvil.stop(),
  };
}
