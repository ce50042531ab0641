"use client";

import { WalletProviders } from "@/components/wallet/wallet-providers";
import { ClaimCard } from "./claim-card";
import type { InFlightClaim } from "./claim-history";

/** The Claim card needs wagmi: on the public account page it brings its own wallet boundary. */
export function ClaimCardWithWallet(props: { address: string; onClaimSent?: (claim: InFlightClaim | null) => void }) {
  return (
    <WalletProviders>
      <ClaimCard {...props} />
    </WalletProviders>
  );
}
