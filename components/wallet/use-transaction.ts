"use client";

import { useQueryClient, type QueryKey } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  type ContractErrorName,
  type Hash,
  type Hex,
  type TransactionReceipt,
} from "viem";
import { useConfig } from "wagmi";
import { getPublicClient } from "wagmi/actions";
import { shortHash } from "@/components/format";
import { ledgerlineErrorsAbi } from "@/contracts-abi/errors";
import { useChainInfo } from "./chain-context";
import { isUserRejection } from "./errors";

/**
 * One way to send a transaction from the browser (Scaffold-ETH 2's useTransactor is the model):
 * sign/send → wait for the receipt → invalidate the queries it changes → a classified error, with a state
 * machine the component renders (idle → signing → pending → confirmed | failed, with the hash once there is one).
 */

/** A custom error of the Ledgerline contracts (the generated ABIs carry them all). */
export type LedgerlineErrorName = ContractErrorName<typeof ledgerlineErrorsAbi>;

/**
 * rejected: the wallet's user said no (nothing was sent). wrong-network: the wallet is on another chain.
 * insufficient-funds: not enough native currency for gas and value. reverted: the contract refused (see errorName),
 * in simulation or on-chain (`onChain`). rpc: the node or the wallet failed. other: the caller's own step failed.
 */
export type TransactionErrorKind = "rejected" | "wrong-network" | "insufficient-funds" | "reverted" | "rpc" | "other";

export class TransactionError extends Error {
  override readonly name = "TransactionError";
  readonly kind: TransactionErrorKind;
  /** The contract's custom error, decoded with the Ledgerline ABIs. */
  readonly errorName?: LedgerlineErrorName;
  readonly errorArgs?: readonly unknown[];
  /** The revert as a person reads it: `Name(arg, …)`, or the require message. */
  readonly revert?: string;
  /** The transaction, when it was sent. */
  readonly hash?: Hash;
  /** Mined and reverted (rather than refused in simulation or by the wallet). */
  readonly onChain: boolean;

  constructor(
    kind: TransactionErrorKind,
    /** What the wallet or node said, short (viem's shortMessage): what the components show. */
    message: string,
    details: { errorName?: LedgerlineErrorName; errorArgs?: readonly unknown[]; revert?: string; hash?: Hash; onChain?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
    this.kind = kind;
    this.errorName = details.errorName;
    this.errorArgs = details.errorArgs;
    this.revert = details.revert;
    this.hash = details.hash;
    this.onChain = details.onChain ?? false;
  }
}

const WRONG_NETWORK = new Set(["ChainMismatchError", "ConnectorChainMismatchError", "ChainNotConfiguredError", "SwitchChainError"]);

/** The custom error of a revert: as the call's ABI decoded it, else decoded with every Ledgerline error. */
function decodeRevert(reverted: ContractFunctionRevertedError): { errorName?: LedgerlineErrorName; errorArgs?: readonly unknown[] } {
  if (reverted.data?.errorName) return { errorName: reverted.data.errorName as LedgerlineErrorName, errorArgs: reverted.data.args };
  if (!reverted.raw) return {};
  try {
    const decoded = decodeErrorResult({ abi: ledgerlineErrorsAbi, data: reverted.raw as Hex });
    return { errorName: decoded.errorName, errorArgs: decoded.args };
  } catch {
    return {};
  }
}

/** Sorts whatever a wallet, viem or the caller threw into one of the kinds above. */
export function classifyTransactionError(err: unknown, hash?: Hash): TransactionError {
  if (err instanceof TransactionError) return err;
  const message = err instanceof BaseError ? err.shortMessage : String((err as Error)?.message ?? err);
  if (isUserRejection(err)) return new TransactionError("rejected", message, { hash, cause: err });
  if (!(err instanceof BaseError)) return new TransactionError("other", message, { hash, cause: err });
  const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError);
  if (reverted instanceof ContractFunctionRevertedError) {
    const { errorName, errorArgs } = decodeRevert(reverted);
    const args = errorArgs?.length ? `(${errorArgs.map(String).join(", ")})` : "";
    const revert = errorName ? `${errorName}${args}` : (reverted.reason ?? reverted.shortMessage);
    return new TransactionError("reverted", message, { errorName, errorArgs, revert, hash, cause: err });
  }
  if (err.walk((e) => WRONG_NETWORK.has((e as Error).name))) return new TransactionError("wrong-network", message, { hash, cause: err });
  if (err.walk((e) => (e as Error).name === "InsufficientFundsError")) return new TransactionError("insufficient-funds", message, { hash, cause: err });
  // Anything else viem raised: the node or the wallet failed (HTTP, RPC error, timeout, receipt not found).
  return new TransactionError("rpc", message, { hash, cause: err });
}

export type TransactionState =
  | { status: "idle" }
  | { status: "signing" }
  | { status: "pending"; hash: Hash }
  | { status: "confirmed"; hash: Hash; receipt: TransactionReceipt }
  | { status: "failed"; error: TransactionError; hash?: Hash };

export interface SendOptions {
  /** Called once the wallet has sent it (the hash is known, the receipt is not). */
  onSent?: (hash: Hash) => void;
  /** Queries the transaction changes: invalidated once it is mined (either way). */
  invalidate?: readonly QueryKey[];
}

/**
 * `send(write)` runs `write` (simulate and ask the wallet, answering the hash), waits for the receipt on the app's
 * chain and resolves with it; a reverted receipt, a refusal or any failure rejects with a {@link TransactionError}.
 * Success comes from the mined receipt only, never from the signature.
 */
export function useTransaction() {
  const chain = useChainInfo();
  const config = useConfig();
  const queryClient = useQueryClient();
  const [state, setState] = useState<TransactionState>({ status: "idle" });

  const send = useCallback(
    async (write: () => Promise<Hash>, options: SendOptions = {}): Promise<TransactionReceipt> => {
      setState({ status: "signing" });
      let hash: Hash | undefined;
      try {
        hash = await write();
        setState({ status: "pending", hash });
        options.onSent?.(hash);
        const client = getPublicClient(config, { chainId: chain.chainId });
        if (!client) throw new Error("No connection to the chain.");
        const receipt = await client.waitForTransactionReceipt({ hash });
        if (receipt.status !== "success") throw new TransactionError("reverted", `Transaction ${shortHash(hash)} reverted.`, { hash, onChain: true });
        setState({ status: "confirmed", hash, receipt });
        return receipt;
      } catch (err) {
        const error = classifyTransactionError(err, hash);
        setState({ status: "failed", error, hash });
        throw error;
      } finally {
        if (hash) for (const queryKey of options.invalidate ?? []) void queryClient.invalidateQueries({ queryKey });
      }
    },
    [chain.chainId, config, queryClient],
  );

  const reset = useCallback(() => setState({ status: "idle" }), []);
  const busy = state.status === "signing" || state.status === "pending";
  return { state, send, reset, busy };
}
