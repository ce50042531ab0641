"use client";

import { useConnectModal } from "@rainbow-me/rainbowkit";
import Link from "next/link";
import { useEffect, useState } from "react";
import { parseUnits } from "viem";
import { useAccount, usePublicClient, useWriteContract } from "wagmi";
import { useChainInfo } from "@/components/wallet/chain-context";
import { modelRegistryAbi } from "@/contracts-abi";
import { formatBps, formatOpen, shortHash } from "@/components/format";
import { Badge } from "@/components/ui/badge";
import { Button, buttonVariants } from "@/components/ui/button";
import { cn } from "@/lib/utils";
import { wireHex } from "@/lib/api/client";
import type { ModelBuild } from "./api";
import { Field, inputClass } from "./fields";
import { useTransaction, type TransactionError } from "@/components/wallet/use-transaction";

/** The failure as the step shows it: a revert names the contract's error (and its arguments). */
function failureMessage(error: TransactionError): string {
  if (error.kind === "reverted" && !error.onChain) return `The registration reverted: ${error.revert}.`;
  return error.message;
}

/** Price (decimal OPEN) → wei, or an error for a person to read. */
export function parsePrice(text: string): { wei: bigint } | { error: string } {
  const t = text.trim();
  if (!/^\d+(\.\d{1,18})?$/.test(t)) return { error: "Enter a price in OPEN, e.g. 0.01 (at most 18 decimals)." };
  return { wei: parseUnits(t, 18) };
}

/** Builder share in percent (0–50, two decimals at most) → basis points. */
export function parseShare(text: string): { bps: number } | { error: string } {
  const t = text.trim();
  if (!/^\d+(\.\d{1,2})?$/.test(t)) return { error: "Enter a share in percent, e.g. 10." };
  const bps = Math.round(Number(t) * 100);
  if (bps > 5_000) return { error: "The builder share is at most 50 %." };
  return { bps };
}

export function PublishStep({ build, onConfirmed }: { build: ModelBuild; onConfirmed: () => void }) {
  const chain = useChainInfo();
  const { address, status } = useAccount();
  const { openConnectModal } = useConnectModal();
  const publicClient = usePublicClient({ chainId: chain.chainId });
  const { writeContractAsync } = useWriteContract();
  const [price, setPrice] = useState("0.01");
  const [share, setShare] = useState("10");
  const tx = useTransaction();

  const hash = tx.state.status === "pending" || tx.state.status === "confirmed" || tx.state.status === "failed" ? tx.state.hash : undefined;
  const confirmed = tx.state.status === "confirmed";
  const failed = tx.state.status === "failed" ? tx.state.error : null;
  const revertedOnChain = !!failed?.onChain;
  // Sent, then the receipt could not be read: whether it was mined is unknown.
  const unknownOutcome = !!failed && !!failed.hash && !failed.onChain;

  useEffect(() => {
    if (confirmed) onConfirmed();
  }, [confirmed, onConfirmed]);

  const parsedPrice = parsePrice(price);
  const parsedShare = parseShare(share);
  const inputError = "error" in parsedPrice ? parsedPrice.error : "error" in parsedShare ? parsedShare.error : null;
  const busy = tx.busy;
  const done = confirmed;

  async function publish() {
    if (status !== "connected" || !address) {
      openConnectModal?.();
      return;
    }
    const r = build.registration;
    if (!r || !chain.contracts || "error" in parsedPrice || "error" in parsedShare) return;
    const request = {
      address: chain.contracts.modelRegistry,
      abi: modelRegistryAbi,
      functionName: "registerModel",
      args: [r.metadataURI, wireHex(r.metadataHash), wireHex(r.artifactHash), r.datanetIds.map(BigInt), r.versions, parsedPrice.wei, parsedShare.bps, r.kind],
      chainId: chain.chainId,
    } as const;
    // Simulate first: a revert shows its reason before the wallet is asked for anything.
    await tx
      .send(async () => {
        if (publicClient) await publicClient.simulateContract({ ...request, account: address });
        return writeContractAsync(request);
      })
      .catch(() => undefined); // the state shows the failure
  }

  return (
    <div className="space-y-4" data-testid="publish">
      <div className="grid gap-4 sm:grid-cols-2 sm:max-w-lg">
        <Field label="Price per inference (OPEN)" htmlFor="f-price" hint={"wei" in parsedPrice ? formatOpen(parsedPrice.wei) : undefined}>
          <input id="f-price" inputMode="decimal" value={price} disabled={busy || done} onChange={(e) => setPrice(e.target.value)} className={inputClass} />
        </Field>
        <Field label="Builder share (%)" htmlFor="f-share" hint={"bps" in parsedShare ? `${formatBps(parsedShare.bps)} of each fee, at most 50 %` : "At most 50 %"}>
          <input id="f-share" inputMode="decimal" value={share} disabled={busy || done} onChange={(e) => setShare(e.target.value)} className={inputClass} />
        </Field>
      </div>
      {inputError ? <p className="text-sm text-destructive">{inputError}</p> : null}

      <div className="flex flex-wrap items-center gap-3">
        {status === "connected" ? (
          <Button onClick={publish} disabled={busy || done || !!inputError || !chain.configured} aria-busy={busy}>
            {tx.state.status === "signing" ? "Waiting for signature…" : busy ? "Confirming…" : done ? "Published" : "Publish"}
          </Button>
        ) : (
          <Button onClick={publish} disabled={!chain.configured}>
            Connect wallet to publish
          </Button>
        )}
        {hash ? (
          <span className="flex items-center gap-2 text-sm" data-testid="publish-tx">
            <Badge variant={confirmed ? "success" : revertedOnChain || unknownOutcome ? "destructive" : "info"}>
              {confirmed ? "Confirmed" : revertedOnChain ? "Reverted" : unknownOutcome ? "Unknown" : "Pending"}
            </Badge>
            <span className="font-mono text-xs text-muted-foreground" title={hash}>
              {shortHash(hash)}
            </span>
          </span>
        ) : null}
      </div>
      {!chain.configured ? <p className="text-sm text-muted-foreground">Publishing is unavailable: {chain.problem}</p> : null}

      {failed?.kind === "rejected" ? (
        <div role="alert" className="rounded-md border border-border bg-muted/40 px-4 py-3 text-sm">
          <p className="font-medium">Signature rejected</p>
          <p className="mt-1 text-muted-foreground">You rejected the transaction: nothing was sent and nothing happened. Publish again when ready.</p>
        </div>
      ) : null}
      {failed && failed.kind !== "rejected" ? (
        <div role="alert" className="rounded-md border border-destructive/40 bg-destructive/5 px-4 py-3 text-sm">
          <p className="font-medium">Publishing failed</p>
          <p className="mt-1 break-words text-muted-foreground">
            {revertedOnChain ? "The transaction reverted on-chain; the model was not registered." : failureMessage(failed)}
          </p>
        </div>
      ) : null}

      {confirmed ? (
        build.modelId !== null ? (
          <div className="rounded-md border border-success/30 bg-success/5 px-4 py-3 text-sm" data-testid="publish-done">
            <p className="font-medium">Model #{build.modelId} is registered.</p>
            <Link href={`/models/${build.modelId}`} className={cn(buttonVariants({ size: "sm" }), "mt-2")}>
              View your model
            </Link>
          </div>
        ) : (
          <p role="status" className="text-sm text-muted-foreground">
            Confirmed on-chain; waiting for the indexer to list the model…
          </p>
        )
      ) : null}
    </div>
  );
}
