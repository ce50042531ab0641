"use client";

import { useConnectModal } from "@rainbow-me/rainbowkit";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import { flushSync } from "react-dom";
import { BaseError, getAddress, toHex, type Address, type Hex } from "viem";
import { useAccount, usePublicClient, useSignTypedData } from "wagmi";
import { useChainInfo } from "@/app/providers";
import { formatOpen, shortHash } from "@/components/format";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { TRANSFER_WITH_AUTHORIZATION_TYPES } from "@/lib/chain/eip3009";
import type { DescribedSpan } from "@/lib/inference/spans";
import { TracedAnswer, TracedAttributionTable, TracedSpansProvider } from "./traced-answer";
import { cn } from "@/lib/utils";
import { isUserRejection } from "@/components/wallet/errors";

/** The x402 v2 requirements entry the quote carries (what the wallet signs against). */
interface Accepted {
  scheme: string;
  network: string;
  asset: Address;
  amount: string;
  payTo: Address;
  maxTimeoutSeconds: number;
  extra: { name: string; version: string };
}

interface Quote {
  modelId: number;
  price: string;
  priceOpen: string;
  active: boolean;
  kind: string;
  token: Address;
  market: Address;
  chainId: number;
  x402: { x402Version: number; resource: { url: string; description?: string; mimeType?: string }; accepts: Accepted[] };
}

interface AttributionEntry {
  contributionId: number;
  weightPpm: number;
  amount: string;
  contributor: string;
  datanetId: number;
}

export interface InferenceResult {
  requestId: string;
  output: string;
  price: string;
  split: { protocol: string; operator: string; builder: string; contributorPool: string };
  attribution: { method: string; attributionHash: string; entries: AttributionEntry[] };
  settleTx: string;
  paymentTx: string;
  payer: string;
}

type Phase = "idle" | "signing" | "paying" | "generating" | "settling" | "settled" | "error";

interface Failure {
  title: string;
  message: string;
  hint?: string;
  /** The refund transaction, when the payment went back. */
  refundTx?: string;
}

/** The answer as it streams in: text so far, then the stored answer with its traced spans. */
interface LiveAnswer {
  requestId: string;
  paymentTx: string;
  text: string;
  /** Tokens still arriving (the stored answer has not come yet). */
  busy: boolean;
  spans: DescribedSpan[] | null;
  method: string | null;
}

/** Settlement on-chain: pending until the receipt; delayed when recovery will settle it later. */
type Settlement = { status: "pending" } | { status: "confirmed"; tx: string } | { status: "delayed"; message: string };

type StreamEvent = { event: string; data: Record<string, unknown> };

/** Server-sent events of a fetch response, as they arrive. */
async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<StreamEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data.push(line.slice(6));
      }
      if (data.length) yield { event, data: JSON.parse(data.join("\n")) as Record<string, unknown> };
    }
    // Let the page render what has arrived before taking the next chunk off the network.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

const VALIDITY_SECONDS = 300n;

async function fetchQuote(modelId: number): Promise<Quote> {
  const res = await fetch(`/api/models/${modelId}/inference`, { cache: "no-store" });
  const body = (await res.json().catch(() => ({}))) as Partial<Quote> & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `The quote failed (HTTP ${res.status}).`);
  return body as Quote;
}

/** Standard base64 of UTF-8 JSON (the PAYMENT-SIGNATURE header). */
function base64Json(value: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function wallClockSeconds(): bigint {
  return BigInt(Math.floor(Date.now() / 1000));
}

function randomNonce(): Hex {
  return toHex(crypto.getRandomValues(new Uint8Array(32)));
}

const PHASES: { key: Exclude<Phase, "idle" | "error">; label: string }[] = [
  { key: "signing", label: "Signing" },
  { key: "paying", label: "Paying" },
  { key: "generating", label: "Generating" },
  { key: "settling", label: "Settling" },
  { key: "settled", label: "Settled" },
];

export function Playground({ modelId, kind, active }: { modelId: number; kind: string; active: boolean }) {
  const chain = useChainInfo();
  const router = useRouter();
  const { address, status } = useAccount();
  const { openConnectModal } = useConnectModal();
  const { signTypedDataAsync } = useSignTypedData();
  const publicClient = usePublicClient();
  const ids = useId();

  const [prompt, setPrompt] = useState("");
  const [maxTokens, setMaxTokens] = useState(32);
  const [temperature, setTemperature] = useState(0.8);
  const [phase, setPhase] = useState<Phase>("idle");
  const [result, setResult] = useState<InferenceResult | null>(null);
  const [live, setLive] = useState<LiveAnswer | null>(null);
  const [settlement, setSettlement] = useState<Settlement | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);

  const quote = useQuery({ queryKey: ["inference-quote", modelId], queryFn: () => fetchQuote(modelId), staleTime: 0 });
  const isInfinigram = kind === "infinigram";
  const busy = phase === "signing" || phase === "paying" || phase === "generating" || phase === "settling";
  const price = quote.data ? BigInt(quote.data.price) : null;
  const accepted = quote.data?.x402.accepts[0];

  async function payAndRun(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    if (status !== "connected" || !address) {
      openConnectModal?.();
      return;
    }
    const q = quote.data;
    if (!q || !accepted) return;
    setFailure(null);
    setResult(null);
    setLive(null);
    setSettlement(null);

    // 1. Sign the EIP-3009 authorization for exactly the quoted price.
    setPhase("signing");
    let header: string;
    try {
      const chainNow = publicClient ? await publicClient.getBlock({ blockTag: "latest" }).then((b) => b.timestamp).catch(() => 0n) : 0n;
      const wallNow = wallClockSeconds();
      const validBefore = (chainNow > wallNow ? chainNow : wallNow) + VALIDITY_SECONDS;
      const message = {
        from: getAddress(address),
        to: getAddress(accepted.payTo),
        value: BigInt(accepted.amount),
        validAfter: 0n,
        validBefore,
        nonce: randomNonce(),
      };
      const signature = await signTypedDataAsync({
        domain: { name: accepted.extra.name, version: accepted.extra.version, chainId: q.chainId, verifyingContract: getAddress(accepted.asset) },
        types: TRANSFER_WITH_AUTHORIZATION_TYPES,
        primaryType: "TransferWithAuthorization",
        message,
      });
      header = base64Json({
        x402Version: 2,
        resource: q.x402.resource,
        accepted,
        payload: {
          authorization: {
            from: message.from,
            to: message.to,
            value: message.value.toString(),
            validAfter: message.validAfter.toString(),
            validBefore: message.validBefore.toString(),
            nonce: message.nonce,
          },
          signature,
        },
      });
    } catch (err) {
      if (isUserRejection(err)) {
        setPhase("idle");
        setFailure({ title: "Signature cancelled", message: "You cancelled the signature; nothing was charged." });
      } else {
        setPhase("error");
        setFailure({ title: "Could not sign", message: err instanceof BaseError ? err.shortMessage : String((err as Error)?.message ?? err) });
      }
      return;
    }

    // 2. Pay (the operator submits the authorization), then the answer streams in, then the settlement.
    setPhase("paying");
    try {
      const params = isInfinigram ? { maxTokens, temperature } : {};
      const res = await fetch(`/api/models/${modelId}/inference`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream", "PAYMENT-SIGNATURE": header },
        body: JSON.stringify({ prompt, params }),
      });
      if (!res.ok || !res.body) {
        await refused(res);
        return;
      }
      await follow(res.body);
    } catch (err) {
      setPhase("error");
      setFailure({ title: "Network error", message: `Could not reach the server: ${String((err as Error)?.message ?? err)}` });
    }
  }

  /** A refusal before the payment was taken: nothing was charged. */
  async function refused(res: Response) {
    const body = (await res.json().catch(() => ({}))) as { error?: string; reason?: string };
    setPhase("error");
    const serverMessage = body.error ?? `The request failed (HTTP ${res.status}).`;
    if (res.status === 402 && body.reason === "insufficient_funds") {
      setFailure({
        title: "Not enough OPEN",
        message: serverMessage,
        hint: chain.isLocal
          ? "On the local chain, mint test OPEN with the token's faucet (or pick a funded dev account in the header), then pay again."
          : "Transfer OPEN to this address, then pay again. Nothing was charged.",
      });
    } else if (res.status === 402 && body.reason === "price_changed") {
      const fresh = await quote.refetch();
      setFailure({
        title: "The price changed",
        message: serverMessage,
        hint: fresh.data
          ? `The new price is ${formatOpen(BigInt(fresh.data.price))}. Nothing was charged; review it and pay again.`
          : "Nothing was charged; reload the quote and pay again.",
      });
    } else {
      setFailure({ title: res.status === 402 ? "Payment refused" : "The inference failed", message: serverMessage });
    }
  }

  /** The event stream of a paid inference: payment, tokens, answer, settlement (or error). */
  async function follow(body: ReadableStream<Uint8Array>) {
    let requestId: string | null = null;
    let finished = false;
    for await (const { event, data } of readEvents(body)) {
      if (event === "payment") {
        requestId = String(data.requestId);
        const paymentTx = String(data.txHash ?? "");
        // Each event is drawn as it is read (not batched with the rest of its network chunk).
        flushSync(() => {
          setLive({ requestId: requestId!, paymentTx, text: "", busy: true, spans: null, method: null });
          setPhase("generating");
        });
      } else if (event === "token") {
        const text = String(data.text ?? "");
        flushSync(() => setLive((l) => (l ? { ...l, text: l.text + text } : l)));
      } else if (event === "answer") {
        setLive((l) => (l ? { ...l, text: String(data.output), busy: false, spans: (data.spans as DescribedSpan[]) ?? [], method: String(data.method) } : l));
        setPhase("settling");
      } else if (event === "settlement") {
        if (data.status === "confirmed") {
          setResult(data.result as InferenceResult);
          setSettlement({ status: "confirmed", tx: String(data.tx) });
          setPhase("settled");
          finished = true;
          router.refresh();
        } else if (data.reason === "settlement_pending") {
          setSettlement({ status: "delayed", message: String(data.message) });
          setPhase("settling");
          finished = true;
        } else setSettlement({ status: "pending" });
      } else if (event === "error") {
        finished = true;
        setPhase("error");
        setLive((l) => (l ? { ...l, busy: false } : l));
        const refunded = data.refunded === true;
        setFailure({
          title: refunded ? "The model failed; your payment was refunded" : "The model failed",
          message: String(data.error ?? "The inference failed."),
          hint: refunded ? "Nothing was charged in the end. You can try again, or pick another model." : "Your payment stays in escrow and is refunded automatically; nothing is lost.",
          refundTx: typeof data.refundTx === "string" ? data.refundTx : undefined,
        });
      }
    }
    if (!finished) {
      // The server serves and settles a paid request whether or not we are still listening.
      setPhase("error");
      setLive((l) => (l ? { ...l, busy: false } : l));
      setFailure({
        title: "The connection closed early",
        message: "The answer stream ended before the settlement arrived.",
        hint: requestId ? `The server still serves and settles inference #${requestId}; open its page to see the result.` : "If you were charged, the server serves or refunds the request anyway.",
      });
    }
  }

  const disabled = !chain.configured || !active || busy || !quote.data || prompt.trim().length === 0;
  const buttonLabel = phase === "signing" ? "Waiting for signature…" : busy ? "Paying & running…" : "Pay and run";

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
                placeholder={isInfinigram ? "The tiger is" : "Describe the thing to classify"}
                className="w-full resize-y rounded-md border border-border bg-card px-3 py-2 text-sm shadow-xs focus:outline-none focus:ring-2 focus:ring-ring"
                disabled={busy}
              />
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

            <div className="flex flex-wrap items-center justify-between gap-3 border-t border-border pt-4">
              <div className="text-sm" data-testid="playground-price">
                {quote.isPending ? (
                  <Skeleton className="h-5 w-40" />
                ) : quote.isError ? (
                  <span className="text-destructive">Price unavailable: {quote.error.message}</span>
                ) : price !== null ? (
                  <span>
                    <span className="text-muted-foreground">Price </span>
                    <span className="font-medium tabular-nums" title={`${price} wei`}>
                      {formatOpen(price)}
                    </span>
                    <span className="text-muted-foreground"> · signed gaslessly (EIP-3009)</span>
                  </span>
                ) : null}
              </div>
              <Button
                type="submit"
                disabled={status === "connected" ? disabled : !chain.configured || !active || busy}
                aria-busy={busy}
              >
                {status === "connected" ? buttonLabel : "Connect wallet to pay"}
              </Button>
            </div>
            {!active ? <p className="text-sm text-muted-foreground">This model is inactive: its builder has paused inferences.</p> : null}
            {!chain.configured ? <p className="text-sm text-muted-foreground">Payments are unavailable: {chain.problem}</p> : null}
          </form>
        </CardContent>
      </Card>

      {phase !== "idle" && phase !== "error" ? <Progress phase={phase} /> : null}

      {failure ? (
        <div role="alert" className={cn("rounded-md border px-4 py-3 text-sm", phase === "error" ? "border-destructive/40 bg-destructive/5" : "border-border bg-muted/40")}>
          <p className="font-medium">{failure.title}</p>
          <p className="mt-1 break-words text-muted-foreground">{failure.message}</p>
          {failure.hint ? <p className="mt-1">{failure.hint}</p> : null}
          {failure.refundTx ? (
            <p className="mt-1 text-muted-foreground" data-testid="refund-tx">
              Refund tx <span className="select-all break-all font-mono text-xs">{failure.refundTx}</span>
            </p>
          ) : null}
        </div>
      ) : null}

      {live ? <ResultView live={live} settlement={settlement} result={result} failed={phase === "error"} /> : null}
    </div>
  );
}

function Progress({ phase }: { phase: Phase }) {
  const current = PHASES.findIndex((p) => p.key === phase);
  return (
    <ol className="flex flex-wrap items-center gap-2 text-xs" aria-label="Progress" data-testid="playground-progress">
      {PHASES.map((p, i) => (
        <li key={p.key} className="flex items-center gap-2" aria-current={i === current ? "step" : undefined}>
          <Badge variant={i < current || phase === "settled" ? "success" : i === current ? "info" : "outline"}>
            {i === current && phase !== "settled" ? "… " : null}
            {p.label}
          </Badge>
          {i < PHASES.length - 1 ? <span className="text-muted-foreground">→</span> : null}
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

function ResultView({ live, settlement, result, failed }: { live: LiveAnswer; settlement: Settlement | null; result: InferenceResult | null; failed: boolean }) {
  const split: [string, string][] | null = result
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
            <Link href={`/inferences/${live.requestId}`} className="text-primary hover:underline">
              Inference #{live.requestId}
            </Link>
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
          </div>

          {result && split ? (
            <>
              <div>
                <h4 className="mb-2 text-sm font-medium">Split of {formatOpen(BigInt(result.price))}</h4>
                <dl className="grid grid-cols-2 gap-2 text-sm sm:grid-cols-4">
                  {split.map(([label, wei]) => (
                    <div key={label} className="rounded-md border border-border px-3 py-2">
                      <dt className="text-xs text-muted-foreground">{label}</dt>
                      <dd className="font-medium tabular-nums" title={`${wei} wei`}>
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
