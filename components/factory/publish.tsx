"use client";

import { useConnectModal } from "@rainbow-me/rainbowkit";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useState } from "react";
import { parseEventLogs, type TransactionReceipt } from "viem";
import { useAccount, usePublicClient, useWriteContract } from "wagmi";
import { useChainInfo } from "@/components/wallet/chain-context";
import { modelRegistryAbi } from "@/contracts-abi";
import { formatBps, formatOpen, shortHash } from "@/components/format";
import { Badge } from "@/components/ui/badge";
import { Button, buttonVariants } from "@/components/ui/button";
import { cn } from "@/lib/utils";
import { wireHex } from "@/lib/api/client";
import { isPerToken, type TokenRates } from "@/lib/inference/pricing";
import { fetchIndexedRates, type ModelBuild } from "./api";
import { Field, inputClass } from "./fields";
import { PricingFields } from "./pricing-fields";
import { parsePricing, type PricingForm } from "./pricing";
import { useTransaction, type TransactionError } from "@/components/wallet/use-transaction";

/** The failure as the step shows it: a revert names the contract's error (and its arguments). */
function failureMessage(error: TransactionError, what: string): string {
  if (error.kind === "reverted" && !error.onChain) return `${what} reverted: ${error.revert}.`;
  return error.message;
}

/** The id the registry gave the model, from the registration's receipt (the indexer links it to the build later). */
function registeredModelId(receipt: TransactionReceipt): bigint | null {
  const [registered] = parseEventLogs({ abi: modelRegistryAbi, eventName: "ModelRegistered", logs: receipt.logs });
  return registered?.args.modelId ?? null;
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
  const [pricing, setPricing] = useState<PricingForm>({ mode: "flat", fee: "0.01", inputPer1k: "0.002", outputPer1k: "0.004" });
  const [share, setShare] = useState("10");
  const tx = useTransaction();
  // A per-token model is registered with its fee, then its rates are set: a second transaction, by the builder.
  const ratesTx = useTransaction();
  const [modelId, setModelId] = useState<bigint | null>(null);

  const hash = tx.state.status === "pending" || tx.state.status === "confirmed" || tx.state.status === "failed" ? tx.state.hash : undefined;
  const confirmed = tx.state.status === "confirmed";
  const failed = tx.state.status === "failed" ? tx.state.error : null;
  const revertedOnChain = !!failed?.onChain;
  // Sent, then the receipt could not be read: whether it was mined is unknown.
  const unknownOutcome = !!failed && !!failed.hash && !failed.onChain;

  useEffect(() => {
    if (confirmed) onConfirmed();
  }, [confirmed, onConfirmed]);

  const parsedPricing = parsePricing(pricing);
  const parsedShare = parseShare(share);
  const inputError = "error" in parsedPricing ? parsedPricing.error : "error" in parsedShare ? parsedShare.error : null;
  const perToken = "rates" in parsedPricing && isPerToken(parsedPricing.rates);
  const busy = tx.busy || ratesTx.busy;
  const ratesDone = ratesTx.state.status === "confirmed";
  const ratesFailed = ratesTx.state.status === "failed" ? ratesTx.state.error : null;
  const done = confirmed && (!perToken || ratesDone);
  // The model page reads the rates from the index: its link waits until the indexer has the ones just set.
  const sent = "rates" in parsedPricing ? parsedPricing.rates : null;
  const isSent = (r: { inputRate: string; outputRate: string } | undefined) => !!r && !!sent && r.inputRate === sent.inputRate.toString() && r.outputRate === sent.outputRate.toString();
  const indexed = useQuery({
    queryKey: ["factory-indexed-rates", build.modelId],
    queryFn: () => fetchIndexedRates(build.modelId!),
    enabled: done && perToken && build.modelId !== null,
    refetchInterval: (q) => (isSent(q.state.data) ? false : 500),
  });
  const listed = build.modelId !== null && (!perToken || isSent(indexed.data));

  async function setTokenRates(id: bigint, rates: TokenRates) {
    if (!chain.contracts || !address) return;
    const request = {
      address: chain.contracts.modelRegistry,
      abi: modelRegistryAbi,
      functionName: "setTokenRates",
      args: [id, rates.inputRate, rates.outputRate],
      chainId: chain.chainId,
    } as const;
    await ratesTx
      .send(async () => {
        if (publicClient) await publicClient.simulateContract({ ...request, account: address });
        return writeContractAsync(request);
      })
      .catch(() => undefined); // the state shows the failure
  }

  async function publish() {
    if (status !== "connected" || !address) {
      openConnectModal?.();
      return;
    }
    const r = build.registration;
    if (!r || !chain.contracts || "error" in parsedPricing || "error" in parsedShare) return;
    const rates = parsedPricing.rates;
    const request = {
      address: chain.contracts.modelRegistry,
      abi: modelRegistryAbi,
      functionName: "registerModel",
      args: [r.metadataURI, wireHex(r.metadataHash), wireHex(r.artifactHash), r.datanetIds.map(BigInt), r.versions, rates.fee, parsedShare.bps, r.kind],
      chainId: chain.chainId,
    } as const;
    // Simulate first: a revert shows its reason before the wallet is asked for anything.
    const receipt = await tx
      .send(async () => {
        if (publicClient) await publicClient.simulateContract({ ...request, account: address });
        return writeContractAsync(request);
      })
      .catch(() => null); // the state shows the failure
    if (!receipt || !isPerToken(rates)) return;
    const id = registeredModelId(receipt);
    setModelId(id);
    if (id !== null) await setTokenRates(id, rates);
  }

  const buttonLabel =
    tx.state.status === "signing" || ratesTx.state.status === "signing"
      ? "Waiting for signature…"
      : tx.state.status === "pending"
        ? "Registering…"
        : ratesTx.state.status === "pending"
          ? "Setting token rates…"
          : done
            ? "Published"
            : "Publish";

  return (
    <div className="space-y-4" data-testid="publish">
      <PricingFields value={pricing} onChange={setPricing} parsed={parsedPricing} disabled={busy || confirmed} />
      <div className="grid gap-4 sm:grid-cols-2 sm:max-w-lg">
        <Field label="Builder share (%)" htmlFor="f-share" hint={"bps" in parsedShare ? `${formatBps(parsedShare.bps)} of each fee, at most 50 %` : "At most 50 %"}>
          <input id="f-share" inputMode="decimal" value={share} disabled={busy || confirmed} onChange={(e) => setShare(e.target.value)} className={inputClass} />
        </Field>
      </div>
      {inputError ? <p className="text-sm text-destructive">{inputError}</p> : null}

      <div className="flex flex-wrap items-center gap-3">
        {status === "connected" ? (
          <Button onClick={publish} disabled={busy || confirmed || !!inputError || !chain.configured} aria-busy={busy}>
            {buttonLabel}
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
        <TxBadge state={ratesTx.state} label="Token rates" testId="rates-tx" />
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
            {revertedOnChain ? "The transaction reverted on-chain; the model was not registered." : failureMessage(failed, "The registration")}
          </p>
        </div>
      ) : null}
      {confirmed && perToken && modelId === null ? (
        <div role="alert" className="rounded-md border border-destructive/40 bg-destructive/5 px-4 py-3 text-sm">
          <p className="font-medium">The token rates were not set</p>
          <p className="mt-1 text-muted-foreground">The registration&apos;s receipt names no model, so its rates could not be set here. Set them from the model&apos;s builder account with setTokenRates.</p>
        </div>
      ) : null}
      {ratesFailed && modelId !== null && "rates" in parsedPricing ? (
        <div role="alert" className="rounded-md border border-destructive/40 bg-destructive/5 px-4 py-3 text-sm" data-testid="rates-failed">
          <p className="font-medium">{ratesFailed.kind === "rejected" ? "Token rates not signed" : "Setting the token rates failed"}</p>
          <p className="mt-1 break-words text-muted-foreground">
            {ratesFailed.kind === "rejected" ? "You rejected the second transaction." : ratesFailed.onChain ? "The transaction reverted on-chain." : failureMessage(ratesFailed, "Setting the rates")}{" "}
            Model #{modelId.toString()} is registered, and until its rates are set it is priced flat: {formatOpen(parsedPricing.rates.fee)} per inference.
          </p>
          <Button size="sm" className="mt-2" onClick={() => void setTokenRates(modelId, parsedPricing.rates)} disabled={busy}>
            Set the token rates
          </Button>
        </div>
      ) : null}

      {done ? (
        listed ? (
          <div className="rounded-md border border-success/30 bg-success/5 px-4 py-3 text-sm" data-testid="publish-done">
            <p className="font-medium">Model #{build.modelId} is registered{perToken ? " with its token rates" : ""}.</p>
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

/** A second transaction's state beside the first's: pending, confirmed or failed, with its hash. */
function TxBadge({ state, label, testId }: { state: ReturnType<typeof useTransaction>["state"]; label: string; testId: string }) {
  if (state.status === "idle" || state.status === "signing" || !state.hash) return null;
  const variant = state.status === "confirmed" ? "success" : state.status === "failed" ? "destructive" : "info";
  return (
    <span className="flex items-center gap-2 text-sm" data-testid={testId}>
      <span className="text-muted-foreground">{label}</span>
      <Badge variant={variant}>{state.status === "confirmed" ? "Confirmed" : state.status === "failed" ? (state.error.onChain ? "Reverted" : "Unknown") : "Pending"}</Badge>
      <span className="font-mono text-xs text-muted-foreground" title={state.hash}>
        {shortHash(state.hash)}
      </span>
    </span>
  );
}
