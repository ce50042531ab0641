/**
 * The operator's signing account: it submits x402 authorizations, settles, refunds and posts epochs.
 * OPERATOR_PRIVATE_KEY on a real chain; anvil's account 0 (the deployer) on the local chain. One nonce
 * manager per process, so concurrent requests never race for the same nonce.
 */
import { createWalletClient, nonceManager, type Account, type Chain, type Transport, type WalletClient } from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { serverConfig } from "@/lib/config";
import { ANVIL_CHAIN_ID, ANVIL_MNEMONIC } from "./anvil";
import { chainFor } from "./config";
import { rpcTransport } from "./rpc-transport";

let cached: { key: string; account: Account } | null = null;

export function operatorAccount(chainId: number): Account {
  const key = serverConfig().operatorPrivateKey;
  const id = key ? `key:${key}` : `anvil:${chainId}`;
  if (cached?.key === id) return cached.account;
  let account: Account;
  if (key) {
    account = privateKeyToAccount(key, { nonceManager });
  } else if (chainId === ANVIL_CHAIN_ID) {
    account = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 0, nonceManager });
  } else {
    throw new Error("Set OPERATOR_PRIVATE_KEY: the operator signs settlements on this chain.");
  }
  cached = { key: id, account };
  return account;
}

export function operatorWallet(cfg: { chainId: number; rpcUrl: string }): WalletClient<Transport, Chain, Account> {
  return createWalletClient({
    account: operatorAccount(cfg.chainId),
    chain: chainFor({ chainId: cfg.chainId, publicRpcUrl: cfg.rpcUrl }),
    transport: rpcTransport(cfg.rpcUrl),
  });
}
