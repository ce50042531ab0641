"use client";

import { WalletProviders } from "@/app/wallet-providers";
import { ClaimCard } from "./claim-card";

/** The Claim card needs wagmi: on the public account page it brings its own wallet boundary. */
export function ClaimCardWithWallet({ address }: { address: string }) {
  return (
    <WalletProviders>
      <ClaimCard address={address} />
    </WalletProviders>
  );
}
