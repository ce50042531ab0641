"use client";

import { useConnectModal } from "@rainbow-me/rainbowkit";
import Link from "next/link";
import { useEffect, useState } from "react";
import { BaseError, ContractFunctionRevertedError, parseUnits, type Hash } from "viem";
import { useAccount, usePublicClient, useWaitForTransactionReceipt, useWriteContract } from "wagmi";
import { useChainInfo } from "@/components/wallet/chain-context";
import { modelRegistryAbi } from "@/contracts-abi";
import { formatBps, formatOpen, shortHash } from "@/components/format";
import { Badge } from "@/components/ui/badge";
import { Button, buttonVariants } from "@/components/ui/button";
import { cn } from "@/lib/utils";
import { wireHex } from "@/lib/api/client";
import type { ModelBuild } from "./api";
import { Field, inputClass } from "./fields";
import { isUserRejection } from "@/components/wallet/errors";

type TxState =
  | { step: "idle" }
  | { step: "signing" }
  | { step: "pending"; hash: Hash }
  | { step: "cancelled" }
  | { step: "failed"; message: string; hash?: Hash };

/** The revert reason (custom error name and args, or the require string) when there is one. */
function revertMessage(err: unknown): string {
  if (err instanceof BaseError) {
    const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      const name = reverted.data?.errorName;
      const args = reverted.data?.args?.length ? `(${reverted.data.args.map(String).join(", ")})` : "";
      return `The registration reverted: ${name ? `${name}${args}` : (reverted.reason ?? reverted.shortMessage)}.`;
    }
    return err.shortMessage;
  }
  return err instanceof Error ? err.message : String(err);
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
  const [tx, setTx] = useState<TxState>({ step: "idle" });

  const hash = tx.step === "pending" ? tx.hash : undefined;
  const receipt = useWaitForTransactionReceipt({ hash, chainId: chain.chainId, query: { enabled: hash !== undefined } });
  const confirmed = hash !== undefined && receipt.data?.status === "success";
  const revertedOnChain = hash !== undefined && receipt.data?.status === "reverted";

  useEffect(() => {
    if (confirmed) onConfirmed();
  }, [confirmed, onConfirmed]);

  const parsedPrice = parsePrice(price);
  const parsedShare = parseShare(share);
  const inputError = "error" in parsedPrice ? parsedPrice.error : "error" in parsedShare ? parsedShare.error : null;
  const busy = tx.step === "signing" || (tx.step === "pending" && !receipt.data && !receipt.isError);
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
    setTx({ step: "signing" });
    try {
      // Simulate first: a revert shows its reason before the wallet is asked for anything.
      if (publicClient) await publicClient.simulateContract({ ...request, account: address });
      const h = await writeContractAsync(request);
      setTx({ step: "pending", hash: h });
    } catch (err) {
      setTx(isUserRejection(err) ? { step: "cancelled" } : { step: "failed", message: revertMessage(err) });
    }
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
            {tx.step === "signing" ? "Waiting for signature…" : busy ? "Confirming…" : done ? "Published" : "Publish"}
          </Button>
        ) : (
          <Button onClick={publish} disabled={!chain.configured}>
            Connect wallet to publish
          </Button>
        )}
        {hash ? (
          <span className="flex items-center gap-2 text-sm" data-testid="publish-tx">
            <Badge variant={confirmed ? "success" : revertedOnChain || receipt.isError ? "destructive" : "info"}>
              {confirmed ? "Confirmed" : revertedOnChain ? "Reverted" : receipt.isError ? "Unknown" : "Pending"}
            </Badge>
            <span className="font-mono text-xs text-muted-foreground" title={hash}>
              {shortHash(hash)}
            </span>
          </span>
        ) : null}
      </div>
      {!chain.configured ? <p className="text-sm text-muted-foreground">Publishing is unavailable: {chain.problem}</p> : null}

      {tx.step === "cancelled" ? (
        <div role="alert" className="rounded-md border border-border bg-muted/40 px-4 py-3 text-sm">
          <p className="font-medium">Signature rejected</p>
          <p className="mt-1 text-muted-foreground">You rejected the transaction: nothing was sent and nothing happened. Publish again when ready.</p>
        </div>
      ) : null}
      {tx.step === "failed" || revertedOnChain || receipt.isError ? (
        <div role="alert" className="rounded-md border border-destructive/40 bg-destructive/5 px-4 py-3 text-sm">
          <p className="font-medium">Publishing failed</p>
          <p className="mt-1 break-words text-muted-foreground">
            {tx.step === "failed" ? tx.message : revertedOnChain ? "The transaction reverted on-chain; the model was not registered." : revertMessage(receipt.error)}
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
