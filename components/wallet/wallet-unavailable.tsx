import type { PublicChainInfo } from "@/components/wallet/chain-info";

/** Shown instead of a wallet button when no deployment is configured (light: no wallet code). */
export function WalletUnavailable({ chain }: { chain: PublicChainInfo }) {
  return (
    <span
      className="inline-flex h-9 items-center rounded-md border border-dashed border-border px-3 text-xs font-medium text-muted-foreground"
      title={chain.problem}
    >
      Wallet unavailable
    </span>
  );
}
