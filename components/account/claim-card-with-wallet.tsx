"use client";

import { WalletProviders } from "@/components/wallet/wallet-providers";
import { ClaimCard } from "./claim-card";
import type { InFlightClaim } from "./claim-history";
import { ShareCheck } from "./share-check";

/** The Claim card and the share check need wagmi: on the public account page they bring their own wallet boundary. */
export function ClaimCardWithWallet(props: { address: string; onClaimSent?: (claim: InFlightClaim | null) => void }) {
  return (
    <WalletProviders>
      <div className="space-y-6">
        <ClaimCard {...props} />
        <ShareCheck address={props.address} />
      </div>
    </WalletProviders>
  );
}
