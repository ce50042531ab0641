"use client";

import { useContext, useState } from "react";
import { BaseError } from "viem";
import { useAccount, useSwitchChain, WagmiContext } from "wagmi";
import { useChainInfo } from "@/components/wallet/chain-context";
import { Button } from "@/components/ui/button";
import { isUserRejection } from "@/components/wallet/errors";

/** Names for the chains a wallet is most often left on (any other shows its id). */
const KNOWN_CHAINS: Record<number, string> = {
  1: "Ethereum",
  10: "OP Mainnet",
  56: "BNB Smart Chain",
  137: "Polygon",
  8453: "Base",
  42161: "Arbitrum One",
  11155111: "Sepolia",
  84532: "Base Sepolia",
  31337: "Anvil",
};

export function chainLabel(chainId: number): string {
  return KNOWN_CHAINS[chainId] ? `${KNOWN_CHAINS[chainId]} (chain ${chainId})` : `chain ${chainId}`;
}

/** The connected wallet is on another chain than the one Ledgerline is configured for. */
export function useNetworkMismatch() {
  const chain = useChainInfo();
  const { chainId, status } = useAccount();
  const wrong = chain.configured && status === "connected" && chainId !== undefined && chainId !== chain.chainId;
  return { wrong, walletChainId: chainId, expected: chain };
}

/** One line for a disabled wallet action while the network is wrong. */
export function WrongNetworkHint({ action }: { action: string }) {
  const { wrong, expected } = useNetworkMismatch();
  if (!wrong) return null;
  return (
    <p className="text-xs text-muted-foreground" data-testid="wrong-network-hint">
      Switch your wallet to {expected.name} to {action} (see the banner at the top).
    </p>
  );
}

/**
 * Banner shown while the wallet is on the wrong network: what happened, and a button that asks the
 * wallet to switch (wagmi adds the chain to the wallet first when it does not know it). Mounted once in
 * the root layout; renders nothing where the wallet code is not loaded (no wagmi provider above it).
 */
export function NetworkGuard() {
  return useContext(WagmiContext) ? <NetworkBanner /> : null;
}

function NetworkBanner() {
  const { wrong, walletChainId, expected } = useNetworkMismatch();
  const { switchChainAsync, isPending } = useSwitchChain();
  const [failure, setFailure] = useState<string | null>(null);
  if (!wrong || walletChainId === undefined) return null;

  async function switchNetwork() {
    setFailure(null);
    try {
      await switchChainAsync({ chainId: expected.chainId });
    } catch (err) {
      setFailure(
        isUserRejection(err)
          ? "You declined the switch; your wallet is still on the other network."
          : `Your wallet could not switch (${err instanceof BaseError ? err.shortMessage : String((err as Error)?.message ?? err)}). ` +
              `Add the network by hand: chain id ${expected.chainId}, RPC ${expected.publicRpcUrl}.`,
      );
    }
  }

  return (
    <div role="alert" aria-label="Wrong network" data-testid="network-guard" className="border-b border-warning/40 bg-warning/10">
      <div className="container-page flex flex-wrap items-center gap-x-4 gap-y-2 py-2.5 text-sm">
        <p className="flex-1">
          <span className="font-medium">Wrong network.</span> Your wallet is on {chainLabel(walletChainId)}; Ledgerline runs on{" "}
          {expected.name} (chain {expected.chainId}). Switch networks to pay, contribute or review. Nothing was sent.
        </p>
        <Button size="sm" onClick={() => void switchNetwork()} disabled={isPending} aria-busy={isPending}>
          {isPending ? "Switching…" : `Switch to ${expected.name}`}
        </Button>
        {failure ? <p className="w-full text-xs text-destructive">{failure}</p> : null}
      </div>
    </div>
  );
}
