/**
 * The e2e stack's chain for specs that act on it directly (fund, pay, post, read): one public client, wallets of
 * anvil's dev accounts (by index) or of any account, and a send that waits and fails on a revert.
 */
import { createPublicClient, createWalletClient, http, type Account, type Hex, type PublicClient, type TransactionReceipt } from "viem";
import { foundry } from "viem/chains";
import { devAccount } from "../lib/chain/anvil";
import { stackInfo } from "./stack-info";

export function stackChain() {
  const { rpcUrl, deployment } = stackInfo();
  const client = createPublicClient({ chain: foundry, transport: http(rpcUrl), pollingInterval: 50 }) as PublicClient;
  const wallet = (account: Account | number) =>
    createWalletClient({ account: typeof account === "number" ? devAccount(account) : account, chain: foundry, transport: http(rpcUrl) });
  const send = async (hash: Hex | Promise<Hex>): Promise<TransactionReceipt> => {
    const h = await hash;
    const r = await client.waitForTransactionReceipt({ hash: h });
    if (r.status !== "success") throw new Error(`transaction ${h} reverted`);
    return r;
  };
  // The chain mines on transactions only: an empty block lets time-based states (active, succeeded, final) show.
  const mine = () => client.request({ method: "evm_mine" as never, params: [] as never });
  return { client, wallet, send, mine, rpcUrl, deployment };
}
