"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { BaseError, type Address, type Hash } from "viem";
import { useAccount, useConfig, useWriteContract } from "wagmi";
import { waitForTransactionReceipt } from "wagmi/actions";
import { useChainInfo } from "@/components/wallet/chain-context";
import { inferenceMarketAbi } from "@/contracts-abi/InferenceMarket";
import { HashText, OpenAmount } from "@/components/domain";
import { formatDateTime, formatOpen } from "@/components/format";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { queryKeys } from "@/lib/live/query-keys";
import { wireHex } from "@/lib/api/client";
import { useClaimStatus } from "./api";
import type { InFlightClaim } from "./claim-history";
import { isUserRejection } from "@/components/wallet/errors";

type ClaimState =
  | { step: "idle" }
  | { step: "signing"; amount: bigint }
  | { step: "pending"; amount: bigint; hash: Hash }
  | { step: "confirmed"; amount: bigint; hash: Hash }
  | { step: "cancelled" }
  | { step: "failed"; message: string; hash?: Hash };

function errorMessage(err: unknown): string {
  if (err instanceof BaseError) return err.shortMessage;
  return err instanceof Error ? err.message : String(err);
}

/** Claimable balance against the latest epoch and, for the connected owner, the Claim transaction. */
export function ClaimCard({ address, onClaimSent }: { address: string; onClaimSent?: (claim: InFlightClaim | null) => void }) {
  const chain = useChainInfo();
  const queryClient = useQueryClient();
  const status = useClaimStatus(address);
  const { address: connected } = useAccount();
  const config = useConfig();
  const { writeContractAsync } = useWriteContract();
  const [state, setState] = useState<ClaimState>({ step: "idle" });

  const isOwner = !!connected && connected.toLowerCase() === address.toLowerCase();
  const busy = state.step === "signing" || state.step === "pending";

  async function claim() {
    const s = status.data;
    if (!s || !chain.contracts) return;
    const amount = BigInt(s.claimable);
    setState({ step: "signing", amount });
    try {
      const hash = await writeContractAsync({
        address: chain.contracts.inferenceMarket,
        abi: inferenceMarketAbi,
        functionName: "claim",
        args: [s.account as Address, BigInt(s.cumulativeAmount), s.proof.map(wireHex)],
        chainId: chain.chainId,
      });
      setState({ step: "pending", amount, hash });
      onClaimSent?.({ hash, amount });
      // Success only from the mined receipt, never from the signature.
      try {
        const receipt = await waitForTransactionReceipt(config, { hash, chainId: chain.chainId });
        if (receipt.status !== "success") onClaimSent?.(null);
        setState(
          receipt.status === "success"
            ? { step: "confirmed", amount, hash }
            : { step: "failed", message: "The transaction reverted; nothing was paid.", hash },
        );
      } catch (err) {
        onClaimSent?.(null);
        setState({ step: "failed", message: errorMessage(err), hash });
      }
      void queryClient.invalidateQueries({ queryKey: [...queryKeys.account(address)] });
    } catch (err) {
      setState(isUserRejection(err) ? { step: "cancelled" } : { step: "failed", message: errorMessage(err) });
    }
  }

  return (
    <Card data-testid="claim-card">
      <CardHeader>
        <CardTitle>Claimable balance</CardTitle>
      </CardHeader>
      <CardContent className="space-y-4">
        {status.isPending ? (
          <div className="space-y-2">
            <Skeleton className="h-8 w-40" />
            <Skeleton className="h-4 w-56" />
          </div>
        ) : status.isError ? (
          <p className="text-sm text-destructive">Could not load the claim status: {status.error.message}</p>
        ) : (
          <>
            <div>
              <p className="text-3xl font-semibold tracking-tight" data-testid="claimable-amount" data-wei={status.data.claimable}>
                <OpenAmount wei={BigInt(status.data.claimable)} maxDecimals={6} />
              </p>
              <p className="mt-1 text-xs text-muted-foreground">
                {status.data.epoch === null
                  ? "No epoch has been posted yet: earnings become claimable once the operator posts one."
                  : `Against epoch #${status.data.epoch}${status.data.postedAt ? `, posted ${formatDateTime(status.data.postedAt)}` : ""}.`}
              </p>
            </div>
            <dl className="grid grid-cols-2 gap-2 text-sm">
              <dt className="text-muted-foreground">Earned in epochs</dt>
              <dd className="text-right"><OpenAmount wei={BigInt(status.data.cumulativeAmount)} maxDecimals={6} /></dd>
              <dt className="text-muted-foreground">Claimed so far</dt>
              <dd className="text-right" data-testid="claimed-total"><OpenAmount wei={BigInt(status.data.claimed)} maxDecimals={6} /></dd>
            </dl>
            {isOwner ? (
              <Button
                onClick={() => void claim()}
                disabled={busy || BigInt(status.data.claimable) === 0n || !chain.contracts}
                className="w-full"
              >
                {state.step === "signing" ? "Confirm in your wallet…" : state.step === "pending" ? "Claiming…" : "Claim"}
              </Button>
            ) : (
              <p className="text-xs text-muted-foreground">
                {connected ? "Connect this account's wallet to claim." : "Connect the wallet of this account to claim."}
              </p>
            )}
          </>
        )}
        <ClaimMessage state={state} />
      </CardContent>
    </Card>
  );
}

function ClaimMessage({ state }: { state: ClaimState }) {
  switch (state.step) {
    case "idle":
    case "signing":
      return null;
    case "pending":
      return (
        <p role="status" data-testid="claim-status" data-state="pending" className="text-sm text-muted-foreground">
          Pending: claiming {formatOpen(state.amount)} in <HashText hash={state.hash} />…
        </p>
      );
    case "confirmed":
      return (
        <p role="status" data-testid="claim-status" data-state="confirmed" data-tx={state.hash} className="text-sm text-emerald-700">
          Confirmed: {formatOpen(state.amount)} claimed in <HashText hash={state.hash} />.
        </p>
      );
    case "cancelled":
      return (
        <p role="status" data-testid="claim-status" data-state="cancelled" className="text-sm text-muted-foreground">
          Signature cancelled, nothing changed.
        </p>
      );
    case "failed":
      return (
        <p role="alert" data-testid="claim-status" data-state="failed" className="text-sm text-destructive">
          Claim failed: {state.message}
          {state.hash ? <> (<HashText hash={state.hash} />)</> : null}
        </p>
      );
  }
}
