"use client";

import type { QueryKey } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useContext, useId, useState } from "react";
import { useAccount, useWriteContract, WagmiContext } from "wagmi";
import { datanetRegistryAbi } from "@/contracts-abi";
import { AddressText, HashText } from "@/components/domain";
import { formatDateTime, formatRelativeTime } from "@/components/format";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { useChainInfo } from "@/components/wallet/chain-context";
import { useTransaction, type TransactionError, type TransactionState } from "@/components/wallet/use-transaction";
import { queryKeys } from "@/lib/live/query-keys";
import { cn } from "@/lib/utils";

/** DatanetRegistry.MAX_REASON_BYTES: the longest takedown reason the contract takes. */
export const MAX_REASON_BYTES = 280;

export interface Withdrawal {
  contributor: string;
  withdrawnBy: string | null;
  withdrawnReason: string | null;
  withdrawnAt: string | Date | null;
  withdrawnTx: string | null;
}

/** "Withdrawn" (by its contributor) or "Removed" (by the Datanet owner), with who, when and why. */
export function WithdrawalNote({ c, className }: { c: Withdrawal; className?: string }) {
  if (!c.withdrawnBy) return null;
  const byContributor = c.withdrawnBy.toLowerCase() === c.contributor.toLowerCase();
  const at = c.withdrawnAt ? new Date(c.withdrawnAt) : null;
  return (
    <div className={cn("space-y-1 text-xs text-muted-foreground", className)} data-testid="withdrawal" data-kind={byContributor ? "withdrawn" : "removed"}>
      <Badge variant="warning">{byContributor ? "Withdrawn" : "Removed"}</Badge>{" "}
      <span>
        {byContributor ? "by its contributor" : (
          <>
            by the Datanet owner <AddressText address={c.withdrawnBy} />
          </>
        )}
        {at ? (
          <>
            {" "}
            <time dateTime={at.toISOString()} title={formatDateTime(at)}>
              {formatRelativeTime(at)}
            </time>
          </>
        ) : null}
        {c.withdrawnTx ? (
          <>
            {" "}
            (<HashText hash={c.withdrawnTx} />)
          </>
        ) : null}
      </span>
      {!byContributor && c.withdrawnReason ? (
        <p className="break-words" data-testid="withdrawal-reason">
          Reason: “{c.withdrawnReason}”
        </p>
      ) : null}
    </div>
  );
}

/** Why a takedown transaction failed, in words the person can act on. */
export function explainTakedownFailure(error: TransactionError): string {
  if (error.kind === "wrong-network") return "Your wallet is on another network: switch to this app's chain and try again.";
  if (error.kind === "insufficient-funds") return "This wallet has too little of the chain's currency to pay for gas.";
  if (error.kind === "reverted" && error.onChain) return "The transaction reverted on-chain; nothing changed.";
  if (error.kind !== "reverted") return error.message;
  switch (error.errorName) {
    case "AlreadyWithdrawn":
      return "This contribution was already withdrawn; the page catches up in a moment.";
    case "NotContributor":
      return "Only the account that contributed it can withdraw a contribution.";
    case "NotDatanetOwner":
      return "Only the Datanet's owner can remove a contribution.";
    case "EmptyReason":
      return "State the reason for the removal.";
    case "ReasonTooLong":
      return `The reason may be at most ${MAX_REASON_BYTES} bytes.`;
    case "UnknownContribution":
      return "The registry does not know this contribution.";
    default:
      return `The contract refused: ${error.revert ?? error.message}.`;
  }
}

function TakedownStatus({ state, label, testId }: { state: TransactionState; label: string; testId: string }) {
  switch (state.status) {
    case "idle":
      return null;
    case "signing":
      return (
        <p role="status" data-testid={testId} data-state="signing" className="text-xs text-muted-foreground">
          Confirm {label} in your wallet…
        </p>
      );
    case "pending":
      return (
        <p role="status" data-testid={testId} data-state="pending" className="text-xs text-muted-foreground">
          Pending: {label} in <HashText hash={state.hash} />…
        </p>
      );
    case "confirmed":
      return (
        <p role="status" data-testid={testId} data-state="confirmed" data-tx={state.hash} className="text-xs text-success">
          Confirmed: {label} (<HashText hash={state.hash} />). Models skip it from the next inference on.
        </p>
      );
    case "failed":
      if (state.error.kind === "rejected") {
        return (
          <p role="status" data-testid={testId} data-state="cancelled" className="text-xs text-muted-foreground">
            Signature cancelled: nothing was sent.
          </p>
        );
      }
      return (
        <p role="alert" data-testid={testId} data-state="failed" className="text-xs text-destructive">
          {label.charAt(0).toUpperCase() + label.slice(1)} failed: {explainTakedownFailure(state.error)}
        </p>
      );
  }
}

function useTakedown(datanetId: number | undefined) {
  const chain = useChainInfo();
  const { writeContractAsync } = useWriteContract();
  const tx = useTransaction();
  const router = useRouter();
  const run = async (call: { functionName: "withdraw"; args: readonly [bigint] } | { functionName: "remove"; args: readonly [bigint, string] }, invalidate: QueryKey[]) => {
    const registry = chain.contracts?.datanetRegistry;
    if (!registry) return;
    try {
      await tx.send(() => writeContractAsync({ address: registry, abi: datanetRegistryAbi, ...call, chainId: chain.chainId } as never), {
        invalidate: [...invalidate, ...(datanetId !== undefined ? [queryKeys.datanet(datanetId)] : [])],
      });
      // Server-rendered lists (the Datanet page) read the indexed row: refresh once mined.
      router.refresh();
    } catch {
      // The state says why.
    }
  };
  return { ...tx, run, ready: !!chain.contracts };
}

/**
 * Takedown actions need a wallet: where the page has no wallet boundary (the public account view loads wagmi only
 * for its claim card), they are not offered rather than failing the page.
 */
function useHasWallet(): boolean {
  return useContext(WagmiContext) !== undefined;
}

/** The contributor's "Withdraw" on their own contribution (dashboard). */
export function WithdrawButton(props: { contributionId: number; contributor: string; datanetId: number }) {
  return useHasWallet() ? <WithdrawButtonInWallet {...props} /> : null;
}

function WithdrawButtonInWallet({ contributionId, contributor, datanetId }: { contributionId: number; contributor: string; datanetId: number }) {
  const { address } = useAccount();
  const t = useTakedown(datanetId);
  const [confirming, setConfirming] = useState(false);
  if (!address || address.toLowerCase() !== contributor.toLowerCase()) return null;
  const label = `the withdrawal of #${contributionId}`;
  if (t.state.status === "confirmed") return <TakedownStatus state={t.state} label={label} testId="withdraw-status" />;
  return (
    <div className="space-y-1">
      {confirming ? (
        <div className="flex flex-wrap items-center gap-2">
          <span className="text-xs text-muted-foreground">Models stop using it; earnings so far stay yours.</span>
          <Button
            size="sm"
            variant="destructive"
            disabled={t.busy || !t.ready}
            data-testid="withdraw-confirm"
            onClick={() => void t.run({ functionName: "withdraw", args: [BigInt(contributionId)] }, [queryKeys.account(contributor)])}
          >
            {t.busy ? "Withdrawing…" : "Withdraw"}
          </Button>
          <Button size="sm" variant="ghost" disabled={t.busy} onClick={() => setConfirming(false)}>
            Keep
          </Button>
        </div>
      ) : (
        <Button size="sm" variant="outline" data-testid="withdraw-button" onClick={() => setConfirming(true)}>
          Withdraw…
        </Button>
      )}
      <TakedownStatus state={t.state} label={label} testId="withdraw-status" />
    </div>
  );
}

/** The Datanet owner's "Remove…" with a required reason (a third party's takedown request). */
export function RemoveContribution(props: { contributionId: number; datanetId: number; owner: string; contributor: string }) {
  return useHasWallet() ? <RemoveContributionInWallet {...props} /> : null;
}

function RemoveContributionInWallet({ contributionId, datanetId, owner, contributor }: { contributionId: number; datanetId: number; owner: string; contributor: string }) {
  const { address } = useAccount();
  const t = useTakedown(datanetId);
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const id = useId();
  if (!address || address.toLowerCase() !== owner.toLowerCase()) return null;
  const label = `the removal of #${contributionId}`;
  if (t.state.status === "confirmed") return <TakedownStatus state={t.state} label={label} testId="remove-status" />;
  const bytes = new TextEncoder().encode(reason.trim()).length;
  const problem = bytes === 0 ? "State the reason (it is public)." : bytes > MAX_REASON_BYTES ? `At most ${MAX_REASON_BYTES} bytes (${bytes} now).` : null;
  if (!open) {
    return (
      <Button size="sm" variant="outline" data-testid="remove-button" onClick={() => setOpen(true)}>
        Remove…
      </Button>
    );
  }
  return (
    <form
      className="min-w-56 space-y-2"
      onSubmit={(e) => {
        e.preventDefault();
        if (problem) return;
        void t.run({ functionName: "remove", args: [BigInt(contributionId), reason.trim()] }, [queryKeys.account(contributor), ["accounts"]]);
      }}
    >
      <label htmlFor={id} className="block text-xs font-medium">
        Reason for removing #{contributionId} (public, on-chain)
      </label>
      <textarea
        id={id}
        data-testid="remove-reason"
        className="w-full rounded-md border bg-background px-2 py-1 text-sm"
        rows={2}
        value={reason}
        maxLength={MAX_REASON_BYTES}
        aria-invalid={!!problem && reason.length > 0}
        aria-describedby={`${id}-hint`}
        onChange={(e) => setReason(e.target.value)}
        placeholder="e.g. Takedown request from the rights holder, 2026-12-01"
      />
      <p id={`${id}-hint`} className="text-xs text-muted-foreground">
        {problem ?? "Models skip it from the next inference on; nothing is transferred and its earnings stay with the contributor."}
      </p>
      <div className="flex gap-2">
        <Button size="sm" variant="destructive" type="submit" disabled={!!problem || t.busy || !t.ready} data-testid="remove-confirm">
          {t.busy ? "Removing…" : "Remove"}
        </Button>
        <Button size="sm" variant="ghost" type="button" disabled={t.busy} onClick={() => setOpen(false)}>
          Cancel
        </Button>
      </div>
      <TakedownStatus state={t.state} label={label} testId="remove-status" />
    </form>
  );
}
