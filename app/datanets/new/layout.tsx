import type { ReactNode } from "react";
import { WalletProviders } from "@/components/wallet/wallet-providers";

/** The wizard has wallet actions: it loads the wallet stack with itself. */
export default function NewDatanetLayout({ children }: { children: ReactNode }) {
  return <WalletProviders>{children}</WalletProviders>;
}
