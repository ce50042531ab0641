"use client";

import "@rainbow-me/rainbowkit/styles.css";

import {
  connectorsForWallets,
  darkTheme,
  lightTheme,
  RainbowKitProvider,
  type Theme,
  type WalletList,
} from "@rainbow-me/rainbowkit";
import {
  coinbaseWallet,
  injectedWallet,
  metaMaskWallet,
  rainbowWallet,
  walletConnectWallet,
} from "@rainbow-me/rainbowkit/wallets";
import { useEffect, useMemo, useState, type ReactNode } from "react";
import { defineChain, type Chain } from "viem";
import { createConfig, Hydrate, http, WagmiContext, type Config } from "wagmi";
import { useTheme } from "@/components/theme/theme-provider";
import { announceWalletPage, useWalletSettings, type WalletSettings } from "./chain-context";
import type { PublicChainInfo } from "./chain-info";
import { devWallet, DEV_WALLET_DEFAULT_ACCOUNTS } from "./dev-wallet";

/**
 * The wallet stack: wagmi + RainbowKit. Imported statically by the layouts of pages with wallet actions (so they
 * load it with the page) and lazily by the header's wallet button. Several boundaries may be mounted at once
 * (header + page); they share one wagmi config, so the connection is one and the same everywhere.
 */
export function viemChainFor(info: PublicChainInfo): Chain {
  return defineChain({
    id: info.chainId,
    name: info.name,
    nativeCurrency: info.nativeCurrency,
    rpcUrls: { default: { http: [info.publicRpcUrl] } },
    testnet: info.isLocal,
  });
}

function makeWagmiConfig({ chain: info, devMnemonic, walletConnectProjectId }: WalletSettings): Config {
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

// One config per browser session, shared by every boundary; on the server, one per render (no shared state).
let browserConfig: Config | undefined;
function wagmiConfigFor(settings: WalletSettings): Config {
  if (typeof window === "undefined") return makeWagmiConfig(settings);
  return (browserConfig ??= makeWagmiConfig(settings));
}

// wagmi's hydration (restore the persisted connection, then reconnect) must run once per config: a second run
// would swap the live connection for its stored copy while it reconnects. The first boundary on the client does it.
const hydratedConfigs = new WeakSet<Config>();
function claimHydration(config: Config): boolean {
  if (hydratedConfigs.has(config)) return false;
  hydratedConfigs.add(config);
  return true;
}

const themeOptions = { accentColorForeground: "white", borderRadius: "medium", overlayBlur: "small" } as const;
const rainbowThemes: Record<"light" | "dark", Theme> = {
  light: lightTheme({ ...themeOptions, accentColor: "#4338ca" }),
  dark: darkTheme({ ...themeOptions, accentColor: "#4f46e5" }),
};

export interface WalletProvidersProps {
  children: ReactNode;
  /** The header's own boundary; every other one marks its page as a page with wallet actions. */
  header?: boolean;
}

export function WalletProviders({ children, header = false }: WalletProvidersProps) {
  const settings = useWalletSettings();
  const [config] = useState(() => wagmiConfigFor(settings));
  const [hydrates] = useState(() => typeof window === "undefined" || claimHydration(config));
  const { resolvedTheme } = useTheme();
  useEffect(() => (header ? undefined : announceWalletPage()), [header]);
  const theme = useMemo(() => rainbowThemes[resolvedTheme], [resolvedTheme]);
  // What <WagmiProvider> renders, with its <Hydrate> only in the first boundary.
  const providers = (
    <WagmiContext.Provider value={config}>
      <RainbowKitProvider theme={theme} appInfo={{ appName: "Ledgerline" }} modalSize="compact" showRecentTransactions>
        {children}
      </RainbowKitProvider>
    </WagmiContext.Provider>
  );
  return hydrates ? <Hydrate config={config}>{providers}</Hydrate> : providers;
}
