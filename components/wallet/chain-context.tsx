"use client";

import { createContext, useContext, useSyncExternalStore, type ReactNode } from "react";
import type { PublicChainInfo } from "./chain-info";

/**
 * The chain the app is configured for and what the wallet stack is built from. The root layout's <Providers>
 * (app/providers.tsx) provides both; components read them here, never from app/.
 */
export interface WalletSettings {
  /** Public chain configuration, read by the server layout at request time. */
  chain: PublicChainInfo;
  /** Mnemonic of the local chain's dev accounts; the server passes it only when the chain is local. */
  devMnemonic?: string;
  /** Enables WalletConnect-based wallets (MetaMask mobile, Rainbow, Coinbase, WalletConnect QR). */
  walletConnectProjectId?: string;
}

const ChainInfoContext = createContext<PublicChainInfo | null>(null);
const WalletSettingsContext = createContext<WalletSettings | null>(null);

export function ChainContextProvider({ settings, children }: { settings: WalletSettings; children: ReactNode }) {
  return (
    <ChainInfoContext.Provider value={settings.chain}>
      <WalletSettingsContext.Provider value={settings}>{children}</WalletSettingsContext.Provider>
    </ChainInfoContext.Provider>
  );
}

/** The chain the app is configured for (id, RPC, contract addresses, whether it is local). */
export function useChainInfo(): PublicChainInfo {
  const info = useContext(ChainInfoContext);
  if (!info) throw new Error("useChainInfo must be used inside <Providers>");
  return info;
}

/** What the wallet stack is configured from (read by components/wallet/wallet-providers.tsx). */
export function useWalletSettings(): WalletSettings {
  const settings = useContext(WalletSettingsContext);
  if (!settings) throw new Error("useWalletSettings must be used inside <Providers>");
  return settings;
}

// How many page-level wallet boundaries are mounted: the header loads its wallet button at once when there is one
// (the page has already loaded the wallet code, and a connection made on the page should show in the header).
let walletPages = 0;
const walletPageListeners = new Set<() => void>();
const subscribeWalletPages = (l: () => void) => {
  walletPageListeners.add(l);
  return () => void walletPageListeners.delete(l);
};

export function announceWalletPage(): () => void {
  walletPages++;
  walletPageListeners.forEach((l) => l());
  return () => {
    walletPages--;
    walletPageListeners.forEach((l) => l());
  };
}

export function useWalletPageMounted(): boolean {
  return useSyncExternalStore(subscribeWalletPages, () => walletPages > 0, () => false);
}
