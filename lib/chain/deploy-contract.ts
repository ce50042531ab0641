import { getAddress, type Abi, type Address, type Hex, type PublicClient, type TransactionReceipt, type WalletClient } from "viem";

/** Sends a contract's deployment from the wallet's account and waits for it; throws (naming `what`) if it reverted. */
export async function deployContract(
  publicClient: PublicClient,
  walletClient: WalletClient,
  what: string,
  abi: Abi,
  bytecode: Hex,
  args: readonly unknown[],
): Promise<{ address: Address; blockNumber: number }> {
  const account = walletClient.account;
  if (!account) throw new Error(`deploying ${what}: the wallet client has no account`);
  const hash = await walletClient.deployContract({ abi, bytecode, args, account, chain: walletClient.chain ?? null });
  const receipt: TransactionReceipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`deploying ${what} reverted (tx ${hash})`);
  if (!receipt.contractAddress) throw new Error(`no contract address for ${what} (tx ${hash})`);
  return { address: getAddress(receipt.contractAddress), blockNumber: Number(receipt.blockNumber) };
}
