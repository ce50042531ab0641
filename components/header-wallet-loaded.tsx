"use client";

import { useConnectModal } from "@rainbow-me/rainbowkit";
import { useEffect, useRef } from "react";
import { WalletProviders } from "@/app/wallet-providers";
import { WalletButton } from "@/components/wallet/wallet-button";

/** The header's wallet once the wallet stack is loaded (see header-wallet.tsx). */
export function HeaderWalletLoaded({ openOnMount }: { openOnMount: boolean }) {
  return (
    <WalletProviders header>
      <WalletButton />
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
