"use client";

import { useConnectModal } from "@rainbow-me/rainbowkit";
import Link from "next/link";
import { useSyncExternalStore } from "react";
import { useAccount } from "wagmi";
import { useChainInfo } from "@/components/wallet/chain-context";
import { AddressText } from "@/components/domain";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { Skeleton } from "@/components/ui/skeleton";
import { AccountView } from "./account-view";

const subscribeNoop = () => () => {};

/** The connected wallet's account view, or a "connect your wallet" empty state. */
export function DashboardClient() {
  const chain = useChainInfo();
  const { address, status } = useAccount();
  const { openConnectModal } = useConnectModal();
  const hydrated = useSyncExternalStore(subscribeNoop, () => true, () => false);
  if (!hydrated || status === "reconnecting" || status === "connecting") {
    return <Skeleton className="h-72 w-full" data-testid="dashboard-loading" />;
  }
  if (status !== "connected" || !address) {
    return (
      <EmptyState
        title="Connect your wallet"
        description={
          chain.configured
            ? "Connect the wallet you contribute, build or operate with to see its earnings and claim your OPEN."
            : `Wallets are unavailable on this deployment${chain.problem ? ` (${chain.problem})` : ""}. Any account's public view is at /accounts/<address>.`
        }
        action={
          chain.configured && openConnectModal ? (
            <Button data-testid="dashboard-connect" onClick={openConnectModal}>Connect wallet</Button>
          ) : (
            <Link href="/datanets" className="text-sm font-medium text-primary hover:underline">
              Browse Datanets →
            </Link>
          )
        }
      />
    );
  }
  return (
    <div className="space-y-4">
      <p className="text-sm text-muted-foreground">
        Connected as <AddressText address={address} className="text-foreground" /> ·{" "}
        <Link href={`/accounts/${address.toLowerCase()}`} className="text-primary hover:underline">
          Public page
        </Link>
      </p>
      <AccountView key={address.toLowerCase()} address={address.toLowerCase()} />
    </div>
  );
}
