import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { WalletProviders } from "@/components/wallet/wallet-providers";
import { modelExists } from "@/lib/queries";
import { parseIdParam } from "@/lib/search-params";

/** Real 404 status for unknown or malformed ids: checked before the page's loading.tsx starts streaming. */
export default async function ModelLayout({ children, params }: { children: ReactNode; params: Promise<{ id: string }> }) {
  const id = parseIdParam((await params).id);
  if (id === null || !(await modelExists(id))) notFound();
  // The page has wallet actions: it loads the wallet stack with itself.
  return <WalletProviders>{children}</WalletProviders>;
}
