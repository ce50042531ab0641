"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { ThemeProvider } from "@/components/theme/theme-provider";
import { ChainContextProvider, type WalletSettings } from "@/components/wallet/chain-context";

// The Playground still reads the chain from here; new code imports components/wallet/chain-context.

/**
 * The providers every page needs, and nothing heavy: chain info, wallet settings, theme and TanStack Query.
 * The wallet stack (wagmi, viem clients, RainbowKit, WalletConnect) lives in components/wallet/wallet-providers.tsx
 * and is loaded only where it is needed: eagerly by pages with wallet actions (their layouts wrap them in
 * <WalletProviders>), and on demand by the header (components/header-wallet.tsx).
 */
export interface ProvidersProps extends WalletSettings {
  children: ReactNode;
}

export function Providers({ children, chain, devMnemonic, walletConnectProjectId }: ProvidersProps) {
  // Created once per browser session (props come from the root layout, which does not remount).
  const [settings] = useState<WalletSettings>(() => ({ chain, devMnemonic, walletConnectProjectId }));
  const [queryClient] = useState(
    () => new QueryClient({ defaultOptions: { queries: { staleTime: 10_000, refetchOnWindowFocus: false } } }),
  );
  return (
    <ChainContextProvider settings={settings}>
      <ThemeProvider>
        <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
      </ThemeProvider>
    </ChainContextProvider>
  );
}
