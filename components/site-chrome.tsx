import Link from "next/link";
import { AlertIcon, LogoMark, PlusIcon } from "@/components/icons";
import { buttonVariants } from "@/components/ui/button";
import { HeaderWallet } from "@/components/header-wallet";
import { MobileNav, NavLinks } from "@/components/nav-links";
import { ThemeToggle } from "@/components/theme/theme-toggle";
import type { PublicChainInfo } from "@/components/wallet/chain-info";
import { cn } from "@/lib/utils";

export function SiteHeader({ chain }: { chain: PublicChainInfo }) {
  return (
    <header className="sticky top-0 z-40 border-b border-border bg-card/85 backdrop-blur supports-[backdrop-filter]:bg-card/70">
      <a
        href="#main"
        className="sr-only rounded-md bg-primary px-3 py-2 text-sm font-medium text-primary-foreground focus:not-sr-only focus:absolute focus:left-4 focus:top-3 focus:z-50"
      >
        Skip to content
      </a>
      <div className="container-page relative flex h-16 items-center gap-2 sm:gap-4">
        <Link
          href="/"
          aria-label="Ledgerline home"
          className="flex shrink-0 items-center gap-2 rounded-md pr-1 font-semibold tracking-tight focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring sm:pr-2"
        >
          <LogoMark className="size-7 text-primary" />
          <span className="hidden text-[15px] sm:inline">Ledgerline</span>
        </Link>
        <NavLinks />
        <div className="ml-auto flex min-w-0 items-center gap-1.5 sm:gap-2">
          {/* From 1536 px: at 1280 the six main links and a connected wallet take the row (the footer names the chain). */}
          <ChainPill chain={chain} className="mr-1 hidden 2xl:inline-flex" />
          {/* Icon only up to 1280 px (the phone menu has it below 640); between 1280 and 1536 the six main links and a
              connected wallet fill the row, so there it is on the Datanet list only; from 1536 with its label. */}
          <Link href="/datanets/new" aria-label="New Datanet" title="New Datanet" className={buttonVariants({ variant: "outline", size: "sm", className: "hidden px-2 sm:inline-flex xl:hidden 2xl:inline-flex 2xl:px-3" })} data-testid="header-new-datanet">
            <PlusIcon />
            <span className="hidden 2xl:inline">New Datanet</span>
          </Link>
          <ThemeToggle />
          <HeaderWallet />
          <MobileNav />
        </div>
      </div>
    </header>
  );
}

export function ChainPill({ chain, className }: { chain: PublicChainInfo; className?: string }) {
  return (
    <span
      className={cn(
        "items-center gap-1.5 rounded-full border border-border bg-card px-2.5 py-1 text-xs font-medium text-muted-foreground",
        className,
      )}
      title={chain.configured ? `Chain id ${chain.chainId} · RPC ${chain.publicRpcUrl}` : chain.problem}
    >
      <span
        aria-hidden="true"
        className={cn("size-1.5 rounded-full", chain.configured ? "bg-success" : "bg-warning")}
      />
      {chain.name}
      <span className="font-mono text-[11px]">{chain.chainId}</span>
    </span>
  );
}

export function DeploymentNotice({ chain }: { chain: PublicChainInfo }) {
  if (chain.configured) return null;
  return (
    <div role="status" className="border-b border-warning/30 bg-warning/10">
      <div className="container-page flex items-start gap-3 py-3 text-sm">
        <AlertIcon className="mt-0.5 size-4 shrink-0 text-warning" />
        <div className="space-y-0.5">
          <p className="font-medium text-foreground">No contract deployment is configured.</p>
          <p className="text-muted-foreground">
            You can browse everything already indexed, but wallet actions are disabled. Start the local stack with{" "}
            <code className="rounded bg-card px-1 py-0.5 font-mono text-xs">npm start</code>, or point{" "}
            <code className="rounded bg-card px-1 py-0.5 font-mono text-xs">DEPLOYMENT_FILE</code> and{" "}
            <code className="rounded bg-card px-1 py-0.5 font-mono text-xs">RPC_URL</code> at a deployment.
          </p>
          {chain.problem ? <p className="break-all font-mono text-xs text-muted-foreground">{chain.problem}</p> : null}
        </div>
      </div>
    </div>
  );
}

export function SiteFooter({ chain }: { chain: PublicChainInfo }) {
  return (
    <footer className="mt-16 border-t border-border bg-card">
      <div className="container-page flex flex-col gap-6 py-8 text-sm text-muted-foreground md:flex-row md:items-start md:justify-between">
        <div className="max-w-md space-y-2">
          <div className="flex items-center gap-2 font-semibold text-foreground">
            <LogoMark className="size-5 text-primary" />
            Ledgerline
          </div>
          <p>
            The accounting layer for AI supply chains. Every inference fee is split on-chain, and the contributor share is
            routed to the data that produced the answer.
          </p>
        </div>
        <div className="flex gap-12">
          <div className="space-y-2">
            <p className="text-xs font-medium uppercase tracking-wide text-foreground">Explore</p>
            <ul className="space-y-1.5">
              <li>
                <Link className="rounded-sm hover:text-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring" href="/datanets">
                  Datanets
                </Link>
              </li>
              <li>
                <Link className="rounded-sm hover:text-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring" href="/models">
                  Models
                </Link>
              </li>
            </ul>
          </div>
          <div className="space-y-2">
            <p className="text-xs font-medium uppercase tracking-wide text-foreground">Network</p>
            <ChainPill chain={chain} className="inline-flex" />
            <p>
              <Link className="rounded-sm hover:text-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring" href="/operator">
                Operator console
              </Link>
            </p>
          </div>
        </div>
      </div>
    </footer>
  );
}
