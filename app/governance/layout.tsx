import type { ReactNode } from "react";
import { WalletProviders } from "@/components/wallet/wallet-providers";

/** A page with wallet actions (wrap, delegate, propose, vote, queue, execute): it loads the wallet stack with itself. */
export default function GovernanceLayout({ children }: { children: ReactNode }) {
  return <WalletProviders>{children}</WalletProviders>;
}
