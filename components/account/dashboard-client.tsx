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
import { CONNECT_WALLET_CLASS } from "@/components/wallet/connect-look";
import { AccountView } from "./account-view";

const subscribeNoop = () => () => {};

/** What the dashboard shows once a wallet is connected (said before, next to the demo). */
const WHAT_CONNECTING_SHOWS = [
  "what your contributions earned, hour by hour, and through which Datanets and models",
  "every inference that credited your data, with your share of its fee",
  "your claimable OPEN after each epoch, and a Claim button that sends it to your wallet",
  "your contributions, with their review status and a takedown for your own",
];

/** The connected wallet's account view; without one, what connecting shows and a demo account's public view. */
export function DashboardClient({ demo = null }: { demo?: string | null }) {
  const chain = useChainInfo();
  const { address, status } = useAccount();
  const { openConnectModal } = useConnectModal();
  const hydrated = useSyncExternalStore(subscribeNoop, () => true, () => false);
  if (!hydrated || status === "reconnecting" || status === "connecting") {
    return <Skeleton className="h-72 w-full" data-testid="dashboard-loading" />;
  }
  if (status !== "connected" || !address) {
    return (
      <div className="space-y-8">
        <EmptyState
          title="Connect your wallet"
          description={
            chain.configured
              ? "Connect the wallet you contribute, build or operate with to see its earnings and claim your OPEN."
              : `Wallets are unavailable on this deployment${chain.problem ? ` (${chain.problem})` : ""}. Any account's public view is at /accounts/<address>.`
          }
          action={
            chain.configured && openConnectModal ? (
              <Button data-testid="dashboard-connect" className={CONNECT_WALLET_CLASS} onClick={openConnectModal}>
                Connect wallet
              </Button>
            ) : (
              <Link href="/datanets" className="text-sm font-medium text-primary hover:underline">
                Browse Datanets →
              </Link>
            )
          }
        />
        {chain.configured ? (
          <div className="rounded-xl border border-border bg-card p-4 text-sm" data-testid="dashboard-what">
            <p className="font-medium">Once connected, this page shows</p>
            <ul className="mt-2 list-disc space-y-1 pl-5 text-muted-foreground">
              {WHAT_CONNECTING_SHOWS.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          </div>
        ) : null}
        {demo ? (
          <section aria-labelledby="demo-heading" className="space-y-4" data-testid="dashboard-demo">
            <div className="flex flex-wrap items-baseline justify-between gap-2 rounded-xl border border-info/30 bg-info/5 px-4 py-3">
              <h2 id="demo-heading" className="text-sm font-semibold">
                Demo: the public view of <AddressText address={demo} className="text-foreground" />, the top-earning contributor
              </h2>
              <Link href={`/accounts/${demo}`} className="text-sm text-primary hover:underline">
                Open its public page →
              </Link>
            </div>
            <AccountView address={demo} />
          </section>
        ) : null}
      </div>
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
