import type { ReactNode } from "react";
import { WalletProviders } from "@/components/wallet/wallet-providers";

/** A page with wallet actions: it loads the wallet stack with itself (other pages load it on demand). */
export default function WalletPageLayout({ children }: { children: ReactNode }) {
  return <WalletProviders>{children}</WalletProviders>;
}
