"use client";

import { useState } from "react";
import type { Address, Hash } from "viem";
import { useAccount, useWriteContract } from "wagmi";
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
import { useTransaction, type TransactionError, type TransactionState } from "@/components/wallet/use-transaction";

/** What the card shows of the claim transaction. */
type ClaimStatusData = NonNullable<ReturnType<typeof useClaimStatus>["data"]>;

type ClaimState =
  | { step: "idle" }
  | { step: "signing"; amount: bigint }
  | { step: "pending"; amount: bigint; hash: Hash }
  | { step: "confirmed"; amount: bigint; hash: Hash }
  | { step: "cancelled" }
  | { step: "failed"; message: string; hash?: Hash };

function claimState(tx: TransactionState, amount: bigint): ClaimState {
  switch (tx.status) {
    case "idle":
      return { step: "idle" };
    case "signing":
      return { step: "signing", amount };
    case "pending":
      return { step: "pending", amount, hash: tx.hash };
    case "confirmed":
      return { step: "confirmed", amount, hash: tx.hash };
    case "failed":
      if (tx.error.kind === "rejected") return { step: "cancelled" };
      // A mined claim that reverted paid nothing.
      return { step: "failed", message: tx.error.onChain ? "The transaction reverted; nothing was paid." : tx.error.message, hash: tx.hash };
  }
}

/** Claimable balance against the latest epoch and, for the connected owner, the Claim transaction. */
export function ClaimCard({ address, onClaimSent }: { address: string; onClaimSent?: (claim: InFlightClaim | null) => void }) {
  const chain = useChainInfo();
  const status = useClaimStatus(address);
  const { address: connected } = useAccount();
  const { writeContractAsync } = useWriteContract();
  const tx = useTransaction();
  // The amount being claimed: the status refetches to 0 once the claim is indexed, the messages keep it.
  const [claiming, setClaiming] = useState(0n);
  const state = claimState(tx.state, claiming);

  const isOwner = !!connected && connected.toLowerCase() === address.toLowerCase();
  const busy = tx.busy;

  async function claim() {
    const s = status.data;
    if (!s || !chain.contracts) return;
    const market = chain.contracts.inferenceMarket;
    const amount = BigInt(s.claimable);
    setClaiming(amount);
    try {
      await tx.send(
        () =>
          writeContractAsync({
            address: market,
            abi: inferenceMarketAbi,
            functionName: "claim",
            args: [s.account as Address, BigInt(s.cumulativeAmount), s.proof.map(wireHex)],
            chainId: chain.chainId,
          }),
        { onSent: (hash) => onClaimSent?.({ hash, amount }), invalidate: [queryKeys.account(address)] },
      );
    } catch (err) {
      if ((err as TransactionError).hash) onClaimSent?.(null);
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
                  ? "No epoch is final yet: earnings become claimable once a posted root has passed its challenge window."
                  : `Against final epoch #${status.data.epoch}${status.data.postedAt ? `, posted ${formatDateTime(status.data.postedAt)}` : ""}.`}
              </p>
            </div>
            {status.data.pending ? <PendingEpoch pending={status.data.pending} /> : null}
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

/** The newest root not final yet: what it will add, and when it can be claimed (a disputed one waits for governance). */
function PendingEpoch({ pending }: { pending: NonNullable<ClaimStatusData["pending"]> }) {
  return (
    <div
      className="rounded-md border border-dashed p-3 text-sm"
      data-testid="pending-epoch"
      data-epoch={pending.epoch}
      data-status={pending.status}
      data-wei={pending.cumulativeAmount}
    >
      <p className="font-medium">
        Epoch #{pending.epoch} is {pending.status === "disputed" ? "under dispute" : "pending"}
      </p>
      <p className="text-muted-foreground">
        Your cumulative amount in it: <OpenAmount wei={BigInt(pending.cumulativeAmount)} maxDecimals={6} />.{" "}
        {pending.status === "disputed"
          ? "Someone disputed this root; it becomes claimable only if governance rejects the dispute."
          : `Anyone can check and dispute it until ${formatDateTime(pending.finalizesAt)}; then it is final and claimable.`}
      </p>
    </div>
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
