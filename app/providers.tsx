"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createContext, useContext, useState, useSyncExternalStore, type ReactNode } from "react";
import { ThemeProvider } from "@/components/theme/theme-provider";
import type { PublicChainInfo } from "@/components/wallet/chain-info";

/**
 * The providers every page needs, and nothing heavy: chain info, wallet settings, theme and TanStack Query.
 * The wallet stack (wagmi, viem clients, RainbowKit, WalletConnect) lives in app/wallet-providers.tsx and is
 * loaded only where it is needed: eagerly by pages with wallet actions (their layouts wrap them in
 * <WalletProviders>), and on demand by the header (components/header-wallet.tsx).
 */
export interface ProvidersProps {
  /** Public chain configuration, read by the server layout at request time. */
  chain: PublicChainInfo;
  /** Mnemonic of the local chain's dev accounts; the server passes it only when the chain is local. */
  devMnemonic?: string;
  /** Enables WalletConnect-based wallets (MetaMask mobile, Rainbow, Coinbase, WalletConnect QR). */
  walletConnectProjectId?: string;
  children: ReactNode;
}

export type WalletSettings = Omit<ProvidersProps, "children">;

const ChainInfoContext = createContext<PublicChainInfo | null>(null);
const WalletSettingsContext = createContext<WalletSettings | null>(null);

/** The chain the app is configured for (id, RPC, contract addresses, whether it is local). */
export function useChainInfo(): PublicChainInfo {
  const info = useContext(ChainInfoContext);
  if (!info) throw new Error("useChainInfo must be used inside <Providers>");
  return info;
}

/** What the wallet stack is configured from (read by app/wallet-providers.tsx). */
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

export function Providers({ children, chain, devMnemonic, walletConnectProjectId }: ProvidersProps) {
  // Created once per browser session (props come from the root layout, which does not remount).
  const [settings] = useState<WalletSettings>(() => ({ chain, devMnemonic, walletConnectProjectId }));
  const [queryClient] = useState(
    () => new QueryClient({ defaultOptions: { queries: { staleTime: 10_000, refetchOnWindowFocus: false } } }),
  );
  return (
    <ChainInfoContext.Provider value={chain}>
      <WalletSettingsContext.Provider value={settings}>
        <ThemeProvider>
          <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
        </ThemeProvider>
      </WalletSettingsContext.Provider>
    </ChainInfoContext.Provider>
  );
}
