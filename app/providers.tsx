"use client";

import "@rainbow-me/rainbowkit/styles.css";

import { connectorsForWallets, lightTheme, RainbowKitProvider, type WalletList } from "@rainbow-me/rainbowkit";
import {
  coinbaseWallet,
  injectedWallet,
  metaMaskWallet,
  rainbowWallet,
  walletConnectWallet,
} from "@rainbow-me/rainbowkit/wallets";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createContext, useContext, useState, type ReactNode } from "react";
import { defineChain, type Chain } from "viem";
import { createConfig, http, WagmiProvider, type Config } from "wagmi";
import type { PublicChainInfo } from "@/components/wallet/chain-info";
import { devWallet, DEV_WALLET_DEFAULT_ACCOUNTS } from "@/components/wallet/dev-wallet";

export interface ProvidersProps {
  /** Public chain configuration, read by the server layout at request time. */
  chain: PublicChainInfo;
  /** Mnemonic of the local chain's dev accounts; the server passes it only when the chain is local. */
  devMnemonic?: string;
  /** Enables WalletConnect-based wallets (MetaMask mobile, Rainbow, Coinbase, WalletConnect QR). */
  walletConnectProjectId?: string;
  children: ReactNode;
}

const ChainInfoContext = createContext<PublicChainInfo | null>(null);

/** The chain the app is configured for (id, RPC, contract addresses, whether it is local). */
export function useChainInfo(): PublicChainInfo {
  const info = useContext(ChainInfoContext);
  if (!info) throw new Error("useChainInfo must be used inside <Providers>");
  return info;
}

export function viemChainFor(info: PublicChainInfo): Chain {
  return defineChain({
    id: info.chainId,
    name: info.name,
    nativeCurrency: info.nativeCurrency,
    rpcUrls: { default: { http: [info.publicRpcUrl] } },
    testnet: info.isLocal,
  });
}

function makeWagmiConfig({ chain: info, devMnemonic, walletConnectProjectId }: Omit<ProvidersProps, "children">): Config {
  const chain = viemChainFor(info);
  const groups: WalletList = [];
  if (info.isLocal && info.configured && devMnemonic) {
    groups.push({
      groupName: "Local chain",
      wallets: [devWallet({ mnemonic: devMnemonic, accounts: DEV_WALLET_DEFAULT_ACCOUNTS })],
    });
  }
  // The generic injected wallet is listed only when there is one; EIP-6963 wallets (MetaMask, Rabby…)
  // announce themselves and appear under "Installed" on their own.
  const browserWallet = () => ({
    ...injectedWallet(),
    hidden: () => typeof window === "undefined" || !(window as { ethereum?: unknown }).ethereum,
  });
  groups.push(
    walletConnectProjectId
      ? { groupName: "Popular", wallets: [browserWallet, metaMaskWallet, rainbowWallet, coinbaseWallet, walletConnectWallet] }
      : { groupName: "Browser", wallets: [browserWallet] },
  );
  const connectors = connectorsForWallets(groups, {
    appName: "Ledgerline",
    appDescription: "Datanets, models and paid inference with Proof of Attribution",
    // Only WalletConnect-based wallets read it, and those are listed only when it is set.
    projectId: walletConnectProjectId ?? "unused",
  });
  return createConfig({
    chains: [chain],
    connectors,
    transports: { [chain.id]: http(info.publicRpcUrl) },
    // Server render shows "disconnected"; the client reconnects after hydration (no mismatch).
    ssr: true,
    multiInjectedProviderDiscovery: true,
  });
}

export function Providers({ children, ...props }: ProvidersProps) {
  // Created once per browser session (props come from the root layout, which does not remount).
  const [wagmiConfig] = useState(() => makeWagmiConfig(props));
  const [queryClient] = useState(
    () => new QueryClient({ defaultOptions: { queries: { staleTime: 10_000, refetchOnWindowFocus: false } } }),
  );
  return (
    <ChainInfoContext.Provider value={props.chain}>
      <WagmiProvider config={wagmiConfig}>
        <QueryClientProvider client={queryClient}>
          <RainbowKitProvider
            theme={lightTheme({ accentColor: "#4338ca", accentColorForeground: "white", borderRadius: "medium" })}
            appInfo={{ appName: "Ledgerline" }}
            modalSize="compact"
            showRecentTransactions
          >
            {children}
          </RainbowKitProvider>
        </QueryClientProvider>
      </WagmiProvider>
    </ChainInfoContext.Provider>
  );
}
