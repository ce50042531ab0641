"use client";

import { useState } from "react";
import { useChainInfo } from "@/components/wallet/chain-context";
import { HashText } from "@/components/domain";

// Public explorers of the chains a deployment may target; the local anvil chain has none.
const EXPLORERS: Record<number, string> = {
  1: "https://etherscan.io",
  10: "https://optimistic.etherscan.io",
  8453: "https://basescan.org",
  42161: "https://arbiscan.io",
  84532: "https://sepolia.basescan.org",
  11155111: "https://sepolia.etherscan.io",
};

export function explorerTxUrl(chainId: number, hash: string): string | null {
  const base = EXPLORERS[chainId];
  return base ? `${base}/tx/${hash}` : null;
}

/** A transaction hash: a link to the chain's explorer when it has one, else copyable. */
export function TxLink({ hash }: { hash: string }) {
  const chain = useChainInfo();
  const [copied, setCopied] = useState(false);
  const href = explorerTxUrl(chain.chainId, hash);
  if (href) {
    return (
      <a href={href} target="_blank" rel="noreferrer" className="text-primary hover:underline" data-testid="tx-link" data-tx={hash}>
        <HashText hash={hash} />
      </a>
    );
  }
  return (
    <button
      type="button"
      className="cursor-copy text-left hover:underline"
      title={`${hash} (click to copy)`}
      aria-label={`Copy transaction hash ${hash}`}
      data-testid="tx-link"
      data-tx={hash}
      onClick={() => void navigator.clipboard?.writeText(hash).then(() => setCopied(true), () => undefined)}
    >
      <HashText hash={hash} />
      {copied ? <span className="ml-1 text-xs text-muted-foreground">copied</span> : null}
    </button>
  );
}
