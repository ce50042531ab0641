import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { WalletProviders } from "@/components/wallet/wallet-providers";
import { datanetExists } from "@/lib/queries";
import { parseIdParam } from "@/lib/search-params";

/**
 * Answers unknown or malformed ids with a real 404 status: this check runs outside the page's
 * loading.tsx boundary, i.e. before the response starts streaming (a notFound() thrown after the
 * skeleton has been sent can only render the 404 UI under a 200 status).
 */
export default async function DatanetLayout({ children, params }: { children: ReactNode; params: Promise<{ id: string }> }) {
  const id = parseIdParam((await params).id);
  if (id === null || !(await datanetExists(id))) notFound();
  // The page has wallet actions: it loads the wallet stack with itself.
  return <WalletProviders>{children}</WalletProviders>;
}
