"use client";

import { useConnectModal } from "@rainbow-me/rainbowkit";
import Link from "next/link";
import { useId, useState, type FormEvent } from "react";
import { useAccount } from "wagmi";
import { useChainInfo } from "@/components/wallet/chain-context";
import { formatOpen, shortHash } from "@/components/format";
import { BookingStatus } from "./booking-status";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import type { InferenceResultWire } from "@/lib/inference/stream-events";
import { TracedAnswer, TracedAttributionTable, TracedSpansProvider } from "./traced-answer";
import { cn } from "@/lib/utils";
import { PriceEstimate, useRequestCeiling } from "./price-estimate";
import type { TokenizerName } from "@/lib/attribution/tokenizer-names";
import { isInFlight, type LiveAnswer, type PaidInferenceState, type Settlement } from "./paid-inference-machine";
import { noticeOf } from "./playground-notice";
import { usePaidInference } from "./use-paid-inference";
import { ChannelPanel } from "./channel-panel";
import { blockedBy, channelNotice, hasDeposit, isChannelBusy } from "./channel-machine";
import { useChannelPayment } from "./use-channel-payment";

type PaymentChoice = "per-call" | "channel";

/** The steps the progress shows; quoting (the server's 402) is part of getting the signature. */
type Step = "signing" | "paying" | "generating" | "settling" | "settled";

const STEPS: { key: Step; label: string }[] = [
  { key: "signing", label: "Signing" },
  { key: "paying", label: "Paying" },
  { key: "generating", label: "Generating" },
  { key: "settling", label: "Settling" },
  { key: "settled", label: "Settled" },
];

/** The step a state is at, or null when no request is under way (idle, refused, failed). */
function stepOf(state: PaidInferenceState): Step | null {
  switch (state.phase) {
    case "quoting":
    case "signing":
      return "signing";
    case "paying":
      return "paying";
    case "streaming":
      return "generating";
    case "answered":
    case "delayed":
      return "settling";
    case "settled":
      return "settled";
    default:
      return null;
  }
}

/** Prompts to try when the model card names none: what each kind answers well on the demo's glossary Datanets. */
const DEFAULT_EXAMPLES: Record<string, string[]> = {
  infinigram: ["zebra:", "tiger, Panthera tigris:"],
  rag: ["What is a tiger?", "What is honey?"],
  knn: ["large feline of forests in most of Asia having a tawny coat with black stripes"],
};

export function Playground({
  modelId,
  kind,
  active,
  examples,
  card = {},
  tokenizer,
}: {
  modelId: number;
  kind: string;
  active: boolean;
  examples?: string[];
  card?: Record<string, unknown>;
  /** The model's tokenizer (the page's, from the API): the estimate counts the prompt in it, as the server will. */
  tokenizer?: TokenizerName;
}) {
  const chain = useChainInfo();
  const { status } = useAccount();
  const { openConnectModal } = useConnectModal();
  const ids = useId();
  const { quote, state, pay, dispatch } = usePaidInference(modelId);
  const channel = useChannelPayment(modelId, quote.data, dispatch);
  const [choice, setChoice] = useState<PaymentChoice>("per-call");
  const withChannel = choice === "channel";

  // The request being written (the paid request itself lives in usePaidInference).
  const [prompt, setPrompt] = useState("");
  const [maxTokens, setMaxTokens] = useState(32);
  const [temperature, setTemperature] = useState(0.8);

  const isInfinigram = kind === "infinigram";
  const tryThese = examples?.length ? examples : (DEFAULT_EXAMPLES[kind] ?? []);
  const busy = isInFlight(state) || (withChannel && isChannelBusy(channel.state) && channel.state.phase !== "loading");
  // A channel payment shows its own steps and failures in the channel panel.
  const step = withChannel ? null : stepOf(state);
  const failed = state.phase === "refused" || state.phase === "failed";
  const notice = withChannel ? null : noticeOf(state, chain.isLocal);
  const channelOpen = channel.state.record !== null && hasDeposit(channel.state.record);
  const answer = "answer" in state ? state.answer : null;
  const params = isInfinigram ? { maxTokens, temperature } : {};
  // A per-token model's price for this request is its ceiling (null while the tokenizer loads); a flat one's, the quote.
  const ceiling = useRequestCeiling({ quote: quote.data, kind, card, prompt, params, tokenizer });
  const price = ceiling ?? (quote.data ? BigInt(quote.data.price) : null);

  function payAndRun(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    if (status !== "connected") {
      openConnectModal?.();
      return;
    }
    const request = { prompt, params };
    const reviewed = ceiling ?? undefined;
    void (withChannel ? channel.pay(request, reviewed) : pay(request, reviewed));
  }

  const disabled =
    !chain.configured || !active || busy || !quote.data || prompt.trim().length === 0 || ceiling === null || (withChannel && (channel.ceiling === null || channel.state.phase === "loading"));
  const buttonLabel = withChannel
    ? channel.state.phase === "depositing"
      ? state.phase === "signing"
        ? "Waiting for deposit signature…"
        : "Depositing & running…"
      : channel.state.phase === "paying"
        ? "Running (paid from channel)…"
        : channelOpen
          ? "Run, paid from channel"
          : "Deposit and run"
    : step === "signing"
      ? "Waiting for signature…"
      : busy
        ? "Paying & running…"
        : "Pay and run";
  const channelCeiling = channel.ceiling === null ? null : (ceiling ?? channel.ceiling);
  const blocked = withChannel && channelCeiling !== null ? blockedBy(channel.state, channelCeiling) : null;

  return (
    <div className="space-y-4" data-testid="playground">
      <Card>
        <CardContent className="pt-5">
          <form className="space-y-4" onSubmit={payAndRun}>
            <div className="space-y-1.5">
              <label htmlFor={`${ids}-prompt`} className="text-sm font-medium">
                Prompt
              </label>
              <textarea
                id={`${ids}-prompt`}
                value={prompt}
                onChange={(e) => setPrompt(e.target.value)}
                rows={4}
                maxLength={4000}
                placeholder={isInfinigram ? "zebra:" : kind === "rag" ? "What is a tiger?" : kind === "knn" ? "Describe the thing to classify" : "Ask anything"}
                className="w-full resize-y rounded-md border border-border bg-card px-3 py-2 text-sm shadow-xs focus:outline-none focus:ring-2 focus:ring-ring"
                disabled={busy}
              />
              {tryThese.length ? (
                <div className="flex flex-wrap items-center gap-1.5 text-xs" data-testid="playground-examples">
                  <span className="text-muted-foreground">Try</span>
                  {tryThese.map((ex) => (
                    <button
                      key={ex}
                      type="button"
                      onClick={() => setPrompt(ex)}
                      disabled={busy}
                      className="rounded-full border border-border px-2 py-0.5 font-mono hover:bg-muted focus:outline-none focus:ring-2 focus:ring-ring"
                    >
                      {ex}
                    </button>
                  ))}
                </div>
              ) : null}
            </div>

            {isInfinigram ? (
              <div className="grid gap-4 sm:grid-cols-2">
                <div className="space-y-1.5">
                  <label htmlFor={`${ids}-max`} className="text-sm font-medium">
                    Max tokens
                  </label>
                  <input
                    id={`${ids}-max`}
                    type="number"
                    min={1}
                    max={256}
                    step={1}
                    value={maxTokens}
                    onChange={(e) => setMaxTokens(Math.min(256, Math.max(1, Math.trunc(Number(e.target.value) || 1))))}
                    className="h-9 w-full rounded-md border border-border bg-card px-3 text-sm shadow-xs focus:outline-none focus:ring-2 focus:ring-ring"
                    disabled={busy}
                  />
                </div>
                <div className="space-y-1.5">
                  <label htmlFor={`${ids}-temp`} className="text-sm font-medium">
                    Temperature <span className="font-mono text-xs text-muted-foreground">{temperature.toFixed(1)}</span>
                  </label>
                  <input
                    id={`${ids}-temp`}
                    type="range"
                    min={0}
                    max={2}
                    step={0.1}
                    value={temperature}
                    onChange={(e) => setTemperature(Number(e.target.value))}
                    className="h-9 w-full accent-primary"
                    disabled={busy}
                  />
                </div>
              </div>
            ) : null}

            <PriceEstimate quote={quote.data} kind={kind} card={card} prompt={prompt} params={params} tokenizer={tokenizer} />

            <fieldset className="space-y-2 border-t border-border pt-4" data-testid="payment-choice">
              <legend className="sr-only">How to pay</legend>
              <div className="flex flex-wrap gap-4 text-sm">
                <label className="flex items-center gap-2">
                  <input type="radio" name={`${ids}-pay`} value="per-call" checked={!withChannel} onChange={() => setChoice("per-call")} disabled={busy} className="accent-primary" />
                  Pay per call <span className="text-xs text-muted-foreground">(one wallet signature each)</span>
                </label>
                <label className="flex items-center gap-2">
                  <input
                    type="radio"
                    name={`${ids}-pay`}
                    value="channel"
                    checked={withChannel}
                    onChange={() => setChoice("channel")}
                    disabled={busy || (quote.data !== undefined && channel.ceiling === null)}
                    className="accent-primary"
                  />
                  Pay with a channel <span className="text-xs text-muted-foreground">(deposit once, then no wallet signature per call)</span>
                </label>
              </div>
              {quote.data && channel.ceiling === null ? (
                <p className="text-xs text-muted-foreground">This server does not take channel (x402 batch-settlement) payments on this chain.</p>
              ) : null}
              {withChannel ? (
                <ChannelPanel
                  state={channel.state}
                  ceiling={channelCeiling}
                  connected={status === "connected"}
                  localChain={chain.isLocal}
                  onCalls={channel.setCalls}
                  onRefund={() => void channel.refund()}
                  onDismiss={channel.dismiss}
                />
              ) : null}
            </fieldset>

            <div className="flex flex-wrap items-center justify-between gap-3 border-t border-border pt-4">
              <div className="text-sm" data-testid="playground-price">
                {quote.isPending ? (
                  <Skeleton className="h-5 w-40" />
                ) : quote.isError ? (
                  <span className="text-destructive">Price unavailable: {quote.error.message}</span>
                ) : price !== null ? (
                  <span>
                    <span className="text-muted-foreground">{ceiling !== undefined ? "Up to " : "Price "}</span>
                    <span className="font-medium tabular-nums" title={`${price} wei`}>
                      {formatOpen(price)}
                    </span>
                    <span className="text-muted-foreground">
                      {withChannel ? " per call at most · paid from the channel" : " · signed gaslessly (EIP-3009)"}
                      {ceiling !== undefined ? " · charged for the tokens used" : ""}
                    </span>
                  </span>
                ) : null}
              </div>
              <Button
                type="submit"
                disabled={status === "connected" ? disabled || blocked !== null : !chain.configured || !active || busy}
                title={blocked ? "The channel cannot cover another call: refund it, then open a new one." : undefined}
                aria-busy={busy}
              >
                {status === "connected" ? buttonLabel : "Connect wallet to pay"}
              </Button>
            </div>
            <p className="text-xs text-muted-foreground" data-testid="public-notice">
              Public by design: your prompt, its parameters and the answer are published with the attribution record, so anyone can
              recompute who gets paid. Do not send anything private.
            </p>
            {blocked ? (
              <p className="text-sm text-muted-foreground" data-testid="channel-blocked">
                {channelNotice(blocked, { localChain: chain.isLocal }).message} {channelNotice(blocked, { localChain: chain.isLocal }).hint}
              </p>
            ) : null}
            {!active ? <p className="text-sm text-muted-foreground">This model is inactive: its builder has paused inferences.</p> : null}
            {!chain.configured ? <p className="text-sm text-muted-foreground">Payments are unavailable: {chain.problem}</p> : null}
          </form>
        </CardContent>
      </Card>

      {step ? <Progress step={step} /> : null}

      {notice ? (
        <div role="alert" className={cn("rounded-md border px-4 py-3 text-sm", failed ? "border-destructive/40 bg-destructive/5" : "border-border bg-muted/40")}>
          <p className="font-medium">{notice.title}</p>
          <p className="mt-1 break-words text-muted-foreground">{notice.message}</p>
          {notice.hint ? <p className="mt-1">{notice.hint}</p> : null}
          {notice.channelOnly && channel.ceiling !== null ? (
            <Button type="button" size="sm" variant="outline" className="mt-2" onClick={() => setChoice("channel")} data-testid="use-channel">
              Pay with a channel
            </Button>
          ) : null}
          {notice.refundTx ? (
            <p className="mt-1 text-muted-foreground" data-testid="refund-tx">
              Refund tx <span className="select-all break-all font-mono text-xs">{notice.refundTx}</span>
            </p>
          ) : null}
        </div>
      ) : null}

      {answer ? <ResultView live={answer} result={state.phase === "settled" ? state.result : null} failed={state.phase === "failed"} /> : null}
    </div>
  );
}

function Progress({ step }: { step: Step }) {
  const current = STEPS.findIndex((p) => p.key === step);
  return (
    <ol className="flex flex-wrap items-center gap-2 text-xs" aria-label="Progress" data-testid="playground-progress">
      {STEPS.map((p, i) => (
        <li key={p.key} className="flex items-center gap-2" aria-current={i === current ? "step" : undefined}>
          <Badge variant={i < current || step === "settled" ? "success" : i === current ? "info" : "outline"}>
            {i === current && step !== "settled" ? "… " : null}
            {p.label}
          </Badge>
          {i < STEPS.length - 1 ? <span className="text-muted-foreground">→</span> : null}
        </li>
      ))}
    </ol>
  );
}

function SettlementStatus({ requestId, settlement, failed }: { requestId: string; settlement: Settlement | null; failed: boolean }) {
  return (
    <p role="status" className="text-xs text-muted-foreground" data-testid="settlement-status" data-status={settlement?.status ?? (failed ? "failed" : "waiting")}>
      {settlement === null ? (
        failed ? (
          "Not settled: see the message above."
        ) : (
          "Settlement: after the answer is stored."
        )
      ) : settlement.status === "pending" ? (
        <>Settling on-chain… waiting for the transaction&apos;s receipt.</>
      ) : settlement.status === "delayed" ? (
        settlement.message
      ) : settlement.status === "batched" ? (
        <>
          Paid from your channel:{" "}
          <span className="font-medium tabular-nums" data-testid="call-charge" data-wei={settlement.charged} title={`${settlement.charged} wei`}>
            {formatOpen(BigInt(settlement.charged))}
          </span>{" "}
          charged of a{" "}
          <span className="tabular-nums" data-testid="call-ceiling" data-wei={settlement.ceiling} title={`${settlement.ceiling} wei`}>
            {formatOpen(BigInt(settlement.ceiling))}
          </span>{" "}
          ceiling (the rest stays in the channel) · pending settlement (the operator claims it on-chain in a batch; no transaction per call)
        </>
      ) : (
        <>
          Settled on-chain ·{" "}
          <Link href={`/inferences/${requestId}#transactions`} className="font-mono text-primary hover:underline" title={settlement.tx} data-testid="settlement-tx">
            Settlement tx {shortHash(settlement.tx)}
          </Link>
        </>
      )}
    </p>
  );
}

function ResultView({ live, result, failed }: { live: LiveAnswer; result: InferenceResultWire | null; failed: boolean }) {
  const settlement = live.settlement;
  // A result pending batch settlement has no split yet (the contract splits it when the batch is booked).
  const split: [string, string][] | null = result?.split
    ? [
        ["Protocol", result.split.protocol],
        ["Operator", result.split.operator],
        ["Builder", result.split.builder],
        ["Contributors", result.split.contributorPool],
      ]
    : null;
  return (
    <Card data-testid="playground-result">
      <CardHeader>
        <CardTitle className="flex flex-wrap items-center justify-between gap-2">
          <span>Answer</span>
          <span className="flex flex-wrap items-center gap-3 text-xs font-normal">
            {settlement?.status === "batched" ? (
              <span className="font-mono text-muted-foreground" title={live.requestId}>
                Request {shortHash(live.requestId)}
              </span>
            ) : (
              <Link href={`/inferences/${live.requestId}`} className="text-primary hover:underline">
                Inference #{live.requestId}
              </Link>
            )}
            {live.paymentTx ? (
              <span className="text-muted-foreground">
                Paid in tx <span className="font-mono" title={live.paymentTx}>{shortHash(live.paymentTx)}</span>
              </span>
            ) : null}
          </span>
        </CardTitle>
      </CardHeader>
      <CardContent className="space-y-5">
        <TracedSpansProvider>
          <div className="space-y-2">
            <TracedAnswer text={live.text} spans={live.spans} busy={live.busy} testId="playground-output" />
            <SettlementStatus requestId={live.requestId} settlement={settlement} failed={failed} />
            {settlement?.status === "batched" ? <BookingStatus requestHash={live.requestId} /> : null}
          </div>

          {result && split ? (
            <>
              <div>
                <h4 className="mb-2 text-sm font-medium">Split of {formatOpen(BigInt(result.price))}</h4>
                <dl className="grid grid-cols-2 gap-2 text-sm sm:grid-cols-4">
                  {split.map(([label, wei]) => (
                    <div key={label} className="rounded-md border border-border px-3 py-2">
                      <dt className="text-xs text-muted-foreground">{label}</dt>
                      <dd className="font-medium tabular-nums" title={formatOpen(BigInt(wei))}>
                        {formatOpen(BigInt(wei), { maxDecimals: 6 })}
                      </dd>
                    </div>
                  ))}
                </dl>
              </div>

              <div>
                <h4 className="mb-2 text-sm font-medium">
                  Attribution <span className="font-normal text-muted-foreground">({result.attribution.method})</span>
                </h4>
                <TracedAttributionTable
                  entries={result.attribution.entries.map((e) => ({ ...e, datanetName: null }))}
                  emptyDescription="No contribution was attributed to this answer."
                />
              </div>
            </>
          ) : settlement?.status === "pending" ? (
            // The split and the amounts exist once the settlement is mined.
            <div className="space-y-2" aria-hidden data-testid="settlement-skeleton">
              <Skeleton className="h-16 w-full" />
              <Skeleton className="h-24 w-full" />
            </div>
          ) : settlement?.status === "delayed" ? (
            <p className="text-sm text-muted-foreground">
              The split and the attribution amounts appear on the{" "}
              <Link href={`/inferences/${live.requestId}`} className="text-primary hover:underline">
                inference page
              </Link>{" "}
              once the settlement is mined.
            </p>
          ) : null}
        </TracedSpansProvider>
      </CardContent>
    </Card>
  );
}
