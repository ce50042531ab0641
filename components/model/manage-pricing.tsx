"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, useSyncExternalStore } from "react";
import { useAccount, usePublicClient, useWriteContract } from "wagmi";
import { transactionFailure } from "@/components/datanet/create-datanet";
import { FailureBox } from "@/components/datanet/contribute";
import { PricingFields } from "@/components/factory/pricing-fields";
import { parsePricing, type PricingForm } from "@/components/factory/pricing";
import { shortHash } from "@/components/format";
import { TokenRatesText } from "@/components/inference/token-rates";
import { OpenAmount } from "@/components/domain";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { useChainInfo } from "@/components/wallet/chain-context";
import { useNetworkMismatch, WrongNetworkHint } from "@/components/wallet/network-guard";
import { classifyTransactionError, useTransaction, type TransactionError } from "@/components/wallet/use-transaction";
import { modelRegistryAbi } from "@/contracts-abi";
import { apiGet } from "@/lib/api/client";
import { isPerToken, ratesOf, type TokenRates } from "@/lib/inference/pricing";
import { applyChange, indexedMatches, pricingChanges, pricingFormOf, type PricingChange } from "./pricing-changes";

type Failure = Parameters<typeof FailureBox>[0]["failure"];

/** The model as the page has it from the index (wei as decimal strings: plain props from the server page). */
export interface ManagedModel {
  id: number;
  builder: string;
  price: string;
  inputRate: string;
  outputRate: string;
  active: boolean;
}

type Step = PricingChange["fn"] | "setActive" | "reading" | "indexing";

const noSubscribe = () => () => {};
const INDEX_TIMEOUT_MS = 60_000;

/** Polls the API until the indexer has what was sent (as the wizard's publish step waits for the rates). */
async function waitForIndexed(id: number, want: { rates: TokenRates; active: boolean }): Promise<void> {
  const until = Date.now() + INDEX_TIMEOUT_MS;
  for (;;) {
    const m = await apiGet("/api/models/{id}", { params: { id }, what: `Loading model #${id}` });
    if (indexedMatches(m, want)) return;
    if (Date.now() > until) throw new Error("The change is confirmed on-chain, but the indexer has not shown it yet. Reload the page in a moment.");
    await new Promise((r) => setTimeout(r, 500));
  }
}

const STEP_LABEL: Record<PricingChange["fn"], string> = { setPrice: "the fixed fee", setTokenRates: "the token rates" };

/**
 * The builder's "Pricing" card on the model page: the fixed fee (setPrice), the token rates (setTokenRates; flat ↔
 * per-token) with the wizard's fields and units, and pause/resume (setActive). Shown only to the connected builder;
 * the registry refuses anyone else (NotBuilder), so hiding it is convenience, not the protection.
 */
export function ManagePricing({ model }: { model: ManagedModel }) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const chain = useChainInfo();
  const { address, status } = useAccount();
  const publicClient = usePublicClient({ chainId: chain.chainId });
  const { writeContractAsync } = useWriteContract();
  const { wrong: wrongNetwork } = useNetworkMismatch();
  const tx = useTransaction();
  const hydrated = useSyncExternalStore(noSubscribe, () => true, () => false);

  const indexed: TokenRates = { fee: BigInt(model.price), inputRate: BigInt(model.inputRate), outputRate: BigInt(model.outputRate) };
  const [form, setForm] = useState<PricingForm>(() => pricingFormOf(indexed));
  const [step, setStep] = useState<Step | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const isBuilder = hydrated && status === "connected" && !!address && address.toLowerCase() === model.builder.toLowerCase();
  if (!isBuilder) return null;

  const registry = chain.contracts?.modelRegistry;
  const parsed = parsePricing(form);
  const next = "rates" in parsed ? parsed.rates : null;
  const changes = next ? pricingChanges(indexed, next) : [];
  const busy = step !== null;
  const blocked = busy || wrongNetwork || !registry || !publicClient;

  /** One registry setter: simulated first (a revert shows its reason before the wallet asks), then signed. */
  function send(simulate: () => Promise<{ request: Parameters<typeof writeContractAsync>[0] }>) {
    return tx.send(async () => writeContractAsync((await simulate()).request), {
      // The Playground's quote is read from the chain: it follows once the transaction is mined.
      invalidate: [["inference-quote", model.id]],
    });
  }
  const call = { address: registry!, abi: modelRegistryAbi, account: address } as const;

  function failureOf(err: unknown, what: string, done: string | null): Failure {
    const error: TransactionError = classifyTransactionError(err);
    const base: Failure =
      error.errorName === "NotBuilder"
        ? { title: "Not the builder", message: "The registry accepts pricing changes from the model's builder only; connect the builder's wallet." }
        : transactionFailure(error, what);
    // A two-transaction edit that stopped halfway: say what is live now, and that Save sends only the rest.
    return done ? { ...base, hint: `${base.hint ? `${base.hint} ` : ""}${done} Save again to send the rest.` } : base;
  }

  /** After the chain: wait for the index, then re-render the server page with it. */
  async function settle(want: { rates: TokenRates; active: boolean }, message: string) {
    setStep("indexing");
    try {
      await waitForIndexed(model.id, want);
      setSaved(message);
      void queryClient.invalidateQueries({ queryKey: ["inference-quote", model.id] });
      router.refresh();
    } catch (err) {
      setFailure({ title: "Saved on-chain", message: err instanceof Error ? err.message : String(err), soft: true });
    } finally {
      setStep(null);
    }
  }

  async function save() {
    if (!next || !publicClient || !registry) return;
    setFailure(null);
    setSaved(null);
    const id = BigInt(model.id);
    // From the chain, not the page: a retry after a half-done edit sends only what is still different.
    let live: TokenRates;
    let active: boolean;
    try {
      setStep("reading");
      const pricing = await publicClient.readContract({ address: registry, abi: modelRegistryAbi, functionName: "pricing", args: [id] });
      live = ratesOf(pricing);
      active = pricing[3];
    } catch (err) {
      setStep(null);
      return setFailure(failureOf(err, "reading the current prices", null));
    }
    let done: string | null = null;
    for (const change of pricingChanges(live, next)) {
      setStep(change.fn);
      try {
        if (change.fn === "setPrice") await send(() => publicClient.simulateContract({ ...call, functionName: "setPrice", args: [id, change.price] }));
        else await send(() => publicClient.simulateContract({ ...call, functionName: "setTokenRates", args: [id, change.inputRate, change.outputRate] }));
      } catch (err) {
        setStep(null);
        return setFailure(failureOf(err, `changing ${STEP_LABEL[change.fn]}`, done));
      }
      live = applyChange(live, change);
      done = `The new ${STEP_LABEL[change.fn].replace("the ", "")} ${change.fn === "setPrice" ? "is" : "are"} on-chain.`;
    }
    await settle({ rates: live, active }, isPerToken(live) ? "The new prices are live." : "The new price is live.");
  }

  async function toggleActive() {
    if (!publicClient || !registry) return;
    setFailure(null);
    setSaved(null);
    const want = !model.active;
    setStep("setActive");
    try {
      await send(() => publicClient.simulateContract({ ...call, functionName: "setActive", args: [BigInt(model.id), want] }));
    } catch (err) {
      setStep(null);
      return setFailure(failureOf(err, want ? "resuming the model" : "pausing the model", null));
    }
    await settle({ rates: indexed, active: want }, want ? "The model accepts inferences again." : "The model is paused: new inferences are refused until you resume it.");
  }

  const signing = tx.state.status === "signing";
  const label = (fn: Step, idle: string) =>
    step !== fn ? idle : signing ? "Waiting for signature…" : tx.state.status === "pending" ? "Confirming…" : idle;
  const saveLabel =
    step === "reading"
      ? "Reading the chain…"
      : step === "indexing"
        ? "Waiting for the indexer…"
        : step === "setPrice" || step === "setTokenRates"
          ? signing
            ? "Waiting for signature…"
            : `Setting ${STEP_LABEL[step]}…`
          : changes.length > 1
            ? "Save prices (2 transactions)"
            : "Save prices";
  const hash = tx.state.status === "pending" || tx.state.status === "confirmed" ? tx.state.hash : undefined;

  return (
    <section aria-labelledby="manage-pricing-heading">
      <Card data-testid="manage-pricing">
        <CardHeader>
          <CardTitle id="manage-pricing-heading">Pricing</CardTitle>
          <CardDescription>
            You built this model: change its fixed fee (setPrice), its token rates (setTokenRates) or pause it (setActive). Payments already authorized keep the
            price they were quoted; new requests pay the new one.
          </CardDescription>
        </CardHeader>
        <CardContent className="space-y-5">
          <p className="text-sm text-muted-foreground" data-testid="manage-pricing-current">
            Now:{" "}
            {isPerToken(indexed) ? (
              <TokenRatesText rates={indexed} maxDecimals={18} />
            ) : (
              <>
                <OpenAmount wei={indexed.fee} maxDecimals={18} className="font-medium text-foreground" /> per inference
              </>
            )}
            {model.active ? null : " · paused"}
          </p>
          <PricingFields
            value={form}
            onChange={(f) => (setForm(f), setSaved(null))}
            parsed={parsed}
            disabled={busy}
            transactionsNote="Changing the fee and the rates takes two transactions; either alone takes one."
          />
          {"error" in parsed ? <p className="text-sm text-destructive">{parsed.error}</p> : null}
          <div className="flex flex-wrap items-center gap-3">
            <Button onClick={() => void save()} disabled={blocked || changes.length === 0} aria-busy={busy && step !== "setActive"} data-testid="save-pricing">
              {saveLabel}
            </Button>
            <Button variant="outline" onClick={() => void toggleActive()} disabled={blocked} aria-busy={step === "setActive"} data-testid="toggle-active">
              {label("setActive", model.active ? "Pause inferences" : "Resume inferences")}
            </Button>
            {hash && busy ? (
              <span className="flex items-center gap-2 text-sm" data-testid="manage-pricing-tx">
                <Badge variant={tx.state.status === "confirmed" ? "success" : "info"}>{tx.state.status === "confirmed" ? "Confirmed" : "Pending"}</Badge>
                <span className="font-mono text-xs text-muted-foreground" title={hash}>
                  {shortHash(hash)}
                </span>
              </span>
            ) : null}
            {saved && !busy ? (
              <span role="status" className="text-sm text-muted-foreground" data-testid="manage-pricing-saved">
                <Badge variant="success">Saved</Badge> {saved}
              </span>
            ) : null}
          </div>
          <WrongNetworkHint action="change the pricing" />
          {failure ? <FailureBox failure={failure} /> : null}
        </CardContent>
      </Card>
    </section>
  );
}
