"use client";

import { useConnectModal } from "@rainbow-me/rainbowkit";
import { useEffect, useRef, useSyncExternalStore } from "react";
import { createPortal } from "react-dom";
import { WalletProviders } from "@/components/wallet/wallet-providers";
import { NetworkGuard } from "@/components/wallet/network-guard";
import { WalletButton } from "@/components/wallet/wallet-button";

/** Where the wrong-network banner goes (under the header, in the root layout). */
export const NETWORK_GUARD_SLOT = "network-guard-slot";

/** The header's wallet once the wallet stack is loaded (see header-wallet.tsx). */
export function HeaderWalletLoaded({ openOnMount }: { openOnMount: boolean }) {
  return (
    <WalletProviders header>
      <WalletButton />
      <NetworkGuardInSlot />
      {openOnMount ? <OpenConnectModal /> : null}
    </WalletProviders>
  );
}

/** The reader clicked "Connect wallet" before the stack was loaded: finish what they asked for. */
function OpenConnectModal() {
  const { openConnectModal } = useConnectModal();
  const opened = useRef(false);
  useEffect(() => {
    if (opened.current || !openConnectModal) return;
    opened.current = true;
    openConnectModal();
  }, [openConnectModal]);
  return null;
}

const subscribeNoop = () => () => {};

/**
 * The banner needs wagmi, which only this boundary (and wallet pages) load; a portal puts it under the
 * header while it lives here. The header's wallet is loaded whenever a wallet is connected or remembered.
 */
function NetworkGuardInSlot() {
  const slot = useSyncExternalStore(subscribeNoop, () => document.getElementById(NETWORK_GUARD_SLOT), () => null);
  return slot ? createPortal(<NetworkGuard />, slot) : null;
}
