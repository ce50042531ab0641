"use client";

import { useCallback, useEffect, useState, type ComponentType } from "react";
import { useChainInfo, useWalletPageMounted } from "@/components/wallet/chain-context";
import { CONNECT_WALLET_CLASS } from "@/components/wallet/connect-look";
import { WalletUnavailable } from "@/components/wallet/wallet-unavailable";

type Loaded = ComponentType<{ openOnMount: boolean }>;

const loadWallet = () => import("./header-wallet-loaded").then((m) => m.HeaderWalletLoaded);

/** A wallet is remembered from an earlier visit (wagmi persists its current connection): reconnect without a click. */
function rememberedConnection(): boolean {
  try {
    const stored = localStorage.getItem("wagmi.store");
    return !!stored && /"current":"[^"]+"/.test(stored);
  } catch {
    return false;
  }
}

/**
 * The header's wallet button without the wallet stack in the page's first load: a light "Connect wallet" button
 * that loads wagmi + RainbowKit on demand (click, with a prefetch on hover/focus), when idle if a connection is
 * remembered, and at once on pages that load the wallet stack themselves. Then it is RainbowKit's button.
 */
export function HeaderWallet() {
  const chain = useChainInfo();
  const walletPage = useWalletPageMounted();
  const [Wallet, setWallet] = useState<Loaded | null>(null);
  const [openOnMount, setOpenOnMount] = useState(false);
  const load = useCallback(() => {
    loadWallet().then(
      (component) => setWallet(() => component),
      () => setOpenOnMount(false),
    );
  }, []);

  useEffect(() => {
    if (Wallet || !chain.configured) return;
    if (walletPage) return load();
    if (!rememberedConnection()) return;
    if (typeof window.requestIdleCallback !== "function") return load();
    const id = window.requestIdleCallback(load, { timeout: 2000 });
    return () => window.cancelIdleCallback(id);
  }, [Wallet, chain.configured, walletPage, load]);

  if (!chain.configured) return <WalletUnavailable chain={chain} />;
  if (Wallet) return <Wallet openOnMount={openOnMount} />;
  return (
    <button
      type="button"
      className={CONNECT_WALLET_CLASS}
      data-testid="wallet-connect"
      aria-busy={openOnMount || undefined}
      onPointerEnter={() => void loadWallet()}
      onFocus={() => void loadWallet()}
      onClick={() => {
        setOpenOnMount(true);
        load();
      }}
    >
      Connect wallet
    </button>
  );
}
