"use client";

import type { QueryKey } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { BaseError, ContractFunctionRevertedError, type Abi, type Address, type PublicClient } from "viem";
import { useAccount, usePublicClient, useWriteContract } from "wagmi";
import { HashText } from "@/components/domain";
import { formatOpen } from "@/components/format";
import { useChainInfo } from "@/components/wallet/chain-context";
import { useTransaction, type TransactionError, type TransactionState } from "@/components/wallet/use-transaction";
import { withGasHeadroom } from "@/lib/governance/gas";
import { cn } from "@/lib/utils";

/** OZ Governor's ProposalState enum, for GovernorUnexpectedProposalState(id, current, expected). */
const GOVERNOR_STATES = ["pending", "active", "canceled", "defeated", "succeeded", "queued", "expired", "executed"];

/**
 * Simulates against the pending block: it carries the chain's current time, while the latest block of a chain that
 * mines only on transactions (anvil) can be minutes old, and a vote or an execution that became possible since
 * would be refused there. A node that does not serve the pending tag gets the latest block.
 */
async function simulate(publicClient: PublicClient, call: ContractCall, account: Address): Promise<bigint | undefined> {
  try {
    await publicClient.simulateContract({ ...call, account, blockTag: "pending" } as never);
  } catch (err) {
    if (err instanceof BaseError && err.walk((e) => e instanceof ContractFunctionRevertedError)) throw err;
    await publicClient.simulateContract({ ...call, account } as never);
  }
  // Headroom (withGasHeadroom): a vote checkpoint written a second later than estimated costs a new slot. A node
  // that cannot estimate leaves it to the wallet.
  return publicClient
    .estimateContractGas({ ...call, account } as never)
    .then(withGasHeadroom)
    .catch(() => undefined);
}

export interface ContractCall {
  address: Address;
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
}

/**
 * A contract call from the connected wallet through useTransaction (sign → pending → confirmed | failed), simulated
 * first so a revert is explained before the wallet asks for anything. `label` names what is being done (a noun:
 * "your vote", "the execution"), for the status line.
 */
export function useContractTx() {
  const chain = useChainInfo();
  const { address } = useAccount();
  const publicClient = usePublicClient({ chainId: chain.chainId });
  const { writeContractAsync } = useWriteContract();
  const tx = useTransaction();
  const { send, reset: resetTx } = tx;
  const [label, setLabel] = useState("");

  const run = useCallback(
    async (what: string, call: ContractCall, invalidate: readonly QueryKey[] = []): Promise<boolean> => {
      setLabel(what);
      try {
        await send(
          async () => {
            const gas = publicClient && address ? await simulate(publicClient as PublicClient, call, address) : undefined;
            return writeContractAsync({ ...call, chainId: chain.chainId, ...(gas ? { gas } : {}) } as never);
          },
          { invalidate },
        );
        return true;
      } catch {
        return false; // the state says why
      }
    },
    [address, chain.chainId, publicClient, send, writeContractAsync],
  );
  const reset = useCallback(() => {
    setLabel("");
    resetTx();
  }, [resetTx]);
  return { state: tx.state, busy: tx.busy, run, reset, label };
}

/** Why a governance transaction failed, in words a voter can act on. */
export function explainFailure(error: TransactionError): string {
  if (error.kind === "wrong-network") return "Your wallet is on another network: switch to this app's chain and try again.";
  if (error.kind === "insufficient-funds") return "This wallet has too little of the chain's currency to pay for gas.";
  if (error.kind === "reverted" && error.onChain) return "The transaction reverted on-chain; nothing changed.";
  if (error.kind !== "reverted") return error.message;
  const a = error.errorArgs ?? [];
  switch (error.errorName) {
    case "GovernorAlreadyCastVote":
      return "This account has already voted on this proposal.";
    case "GovernorUnexpectedProposalState":
      return `The proposal is ${GOVERNOR_STATES[Number(a[1])] ?? "in another state"} now, so this step is not possible. The page catches up in a moment.`;
    case "GovernorInsufficientProposerVotes":
      return `Proposing needs ${formatOpen(BigInt(String(a[2] ?? 0))).replace("OPEN", "votes")}; this account has ${formatOpen(BigInt(String(a[1] ?? 0))).replace("OPEN", "votes")}. Wrap OPEN and delegate first (votes count from the next second).`;
    case "GovernorNonexistentProposal":
      return "The Governor does not know this proposal.";
    case "TimelockUnexpectedOperationState":
      return "The timelock is not ready: its delay has not passed yet.";
    case "ERC20InsufficientBalance":
      return "This wallet does not hold enough OPEN.";
    case "ERC20InsufficientAllowance":
      return "The vOPEN contract may not take this much OPEN yet: approve it first.";
    case "FeesTooHigh":
      return "Protocol and operator fees together may be at most 50 %.";
    default:
      return `The contract refused: ${error.revert ?? error.message}.`;
  }
}

/** The status line of a transaction: pending → confirmed, or a clear failure. */
export function TxStatus({ state, label, testId, className }: { state: TransactionState; label: string; testId: string; className?: string }) {
  const base = cn("text-sm", className);
  switch (state.status) {
    case "idle":
      return null;
    case "signing":
      return (
        <p role="status" data-testid={testId} data-state="signing" className={cn(base, "text-muted-foreground")}>
          Confirm {label} in your wallet…
        </p>
      );
    case "pending":
      return (
        <p role="status" data-testid={testId} data-state="pending" className={cn(base, "text-muted-foreground")}>
          Pending: {label} in <HashText hash={state.hash} />…
        </p>
      );
    case "confirmed":
      return (
        <p role="status" data-testid={testId} data-state="confirmed" data-tx={state.hash} className={cn(base, "text-success")}>
          Confirmed: {label} (<HashText hash={state.hash} />).
        </p>
      );
    case "failed":
      if (state.error.kind === "rejected") {
        return (
          <p role="status" data-testid={testId} data-state="cancelled" className={cn(base, "text-muted-foreground")}>
            Signature cancelled: nothing was sent.
          </p>
        );
      }
      return (
        <p role="alert" data-testid={testId} data-state="failed" className={cn(base, "text-destructive")}>
          {label.charAt(0).toUpperCase() + label.slice(1)} failed: {explainFailure(state.error)}
          {state.hash ? (
            <>
              {" "}
              (<HashText hash={state.hash} />)
            </>
          ) : null}
        </p>
      );
  }
}
