"use client";

import { useQuery } from "@tanstack/react-query";
import type { PaymentRequired } from "@x402/core/types";
import { useRouter } from "next/navigation";
import { useReducer, useRef } from "react";
import { flushSync } from "react-dom";
import { BaseError, type Address } from "viem";
import { useAccount, useSignTypedData } from "wagmi";
import type { z } from "zod";
import { formatOpen } from "@/components/format";
import type { modelInferenceQuote } from "@/lib/api/endpoints";
import { errorCodeOf, type ErrorCode } from "@/lib/errors";
import type { DescribedSpan } from "@/lib/inference/spans";
import { decodeEvents, type InferenceResultWire, type InferenceStreamEvent } from "@/lib/inference/stream-events";
import type { BrowserSigner } from "./x402-payment";

/** The price before anything is signed, with the x402 requirements the wallet signs against. */
export type Quote = Omit<z.output<(typeof modelInferenceQuote)["response"]>, "x402" | "token"> & { token: Address; x402: PaymentRequired };

/** Settlement on-chain: pending until the receipt; delayed when recovery will settle it later. */
export type Settlement = { status: "pending" } | { status: "confirmed"; tx: string } | { status: "delayed"; message: string };

/** The answer as it streams in: text so far, then the stored answer with its traced spans. */
export interface LiveAnswer {
  requestId: string;
  paymentTx: string;
  text: string;
  /** Tokens still arriving (the stored answer has not come yet). */
  busy: boolean;
  spans: DescribedSpan[] | null;
  method: string | null;
  /** Null until the answer is stored and its settlement is sent. */
  settlement: Settlement | null;
}

/** Refused before the payment was taken: nothing was charged. */
export interface Refusal {
  status: number;
  code: ErrorCode | undefined;
  message: string;
  /** For price_changed: the price now quoted (wei), or null when the quote could not be read again. */
  currentPrice?: string | null;
}

/** Went wrong once the person pressed Pay (other than a refusal). */
export type Failure =
  | { kind: "sign_failed"; message: string }
  | { kind: "network_error"; message: string }
  /** The model failed after payment: refunded (with its transaction), or the refund is pending. */
  | { kind: "model_failed"; message: string; refunded: boolean; refundTx: string | null }
  /** The stream ended before the settlement (the server serves and settles regardless). */
  | { kind: "stream_closed"; requestId: string | null };

/**
 * One paid request, as a state machine:
 * idle → quoting (the server's 402 for this request) → signing → paying → streaming (tokens) → answered
 * (stored, settling) → settled | delayed; or refused (nothing charged) | failed. A rejected signature
 * goes back to idle with `cancelled`.
 */
export type PaidInferenceState =
  | { phase: "idle"; cancelled: boolean }
  | { phase: "quoting" }
  | { phase: "signing" }
  | { phase: "paying" }
  | { phase: "streaming"; answer: LiveAnswer }
  | { phase: "answered"; answer: LiveAnswer }
  | { phase: "settled"; answer: LiveAnswer; result: InferenceResultWire }
  | { phase: "delayed"; answer: LiveAnswer }
  | { phase: "refused"; refusal: Refusal }
  | { phase: "failed"; answer: LiveAnswer | null; failure: Failure };

export type PaidInferencePhase = PaidInferenceState["phase"];

export type PaidInferenceAction =
  | { type: "started" }
  | { type: "signature-requested" }
  | { type: "signed" }
  | { type: "cancelled" }
  | { type: "refused"; refusal: Refusal }
  | { type: "failed"; failure: Failure }
  | { type: "event"; event: InferenceStreamEvent }
  | { type: "stream-ended" };

export const initialPaidInference: PaidInferenceState = { phase: "idle", cancelled: false };

/** A request is under way: the form and the Pay button wait. */
export function isInFlight(state: PaidInferenceState): boolean {
  return state.phase === "quoting" || state.phase === "signing" || state.phase === "paying" || state.phase === "streaming" || state.phase === "answered";
}

function answerOf(state: PaidInferenceState): LiveAnswer | null {
  return "answer" in state ? state.answer : null;
}

/** The next state of a paid request (pure: every transition of the Playground is here). */
export function paidInferenceReducer(state: PaidInferenceState, action: PaidInferenceAction): PaidInferenceState {
  switch (action.type) {
    case "started":
      return { phase: "quoting" };
    case "signature-requested":
      return { phase: "signing" };
    case "signed":
      return { phase: "paying" };
    case "cancelled":
      return { phase: "idle", cancelled: true };
    case "refused":
      return { phase: "refused", refusal: action.refusal };
    case "failed": {
      const answer = answerOf(state);
      return { phase: "failed", answer: answer && { ...answer, busy: false }, failure: action.failure };
    }
    case "stream-ended":
      if (state.phase === "settled" || state.phase === "delayed" || state.phase === "failed") return state;
      return paidInferenceReducer(state, { type: "failed", failure: { kind: "stream_closed", requestId: answerOf(state)?.requestId ?? null } });
    case "event":
      return onEvent(state, action.event);
  }
}

function onEvent(state: PaidInferenceState, e: InferenceStreamEvent): PaidInferenceState {
  const answer = answerOf(state);
  switch (e.event) {
    case "payment":
      return {
        phase: "streaming",
        answer: { requestId: e.data.requestId, paymentTx: e.data.txHash, text: "", busy: true, spans: null, method: null, settlement: null },
      };
    case "token":
      return state.phase === "streaming" ? { ...state, answer: { ...state.answer, text: state.answer.text + e.data.text } } : state;
    case "answer":
      if (!answer) return state;
      return { phase: "answered", answer: { ...answer, text: e.data.output, busy: false, spans: e.data.spans, method: e.data.method } };
    case "settlement": {
      if (!answer) return state;
      const data = e.data;
      if (data.status === "confirmed") return { phase: "settled", answer: { ...answer, settlement: { status: "confirmed", tx: data.tx } }, result: data.result };
      if ("reason" in data) return { phase: "delayed", answer: { ...answer, settlement: { status: "delayed", message: data.message } } };
      return { phase: "answered", answer: { ...answer, settlement: { status: "pending" } } };
    }
    case "error":
      return paidInferenceReducer(state, {
        type: "failed",
        failure: { kind: "model_failed", message: e.data.error, refunded: e.data.refunded, refundTx: e.data.refundTx },
      });
  }
}

async function fetchQuote(modelId: number): Promise<Quote> {
  const res = await fetch(`/api/models/${modelId}/inference`, { cache: "no-store" });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) throw new Error(errorMessageOf(body) ?? `The quote failed (HTTP ${res.status}).`);
  return body as Quote;
}

/** The `error` of one of our error bodies. */
function errorMessageOf(body: unknown): string | undefined {
  return body !== null && typeof body === "object" && "error" in body && typeof body.error === "string" ? body.error : undefined;
}

function messageOf(err: unknown): string {
  if (err instanceof BaseError) return err.shortMessage;
  return err instanceof Error ? err.message : String(err);
}

/** Lets the page paint between network chunks, so tokens show as they arrive rather than in bursts. */
function paced(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, controller) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        controller.enqueue(chunk);
      },
    }),
  );
}

export interface PaidInferenceRequest {
  prompt: string;
  params: Record<string, unknown>;
}

/**
 * The quote of a model and one paid inference of it through the official x402 client: the wallet is
 * asked to sign only after `pay`, for exactly the quoted price; the answer streams in, then its settlement.
 */
export function usePaidInference(modelId: number) {
  const router = useRouter();
  const { address } = useAccount();
  const { signTypedDataAsync } = useSignTypedData();
  const [state, dispatch] = useReducer(paidInferenceReducer, initialPaidInference);
  // A press while a request is in flight (the phase in a render may lag a dispatch) is ignored.
  const running = useRef(false);

  const quote = useQuery({ queryKey: ["inference-quote", modelId], queryFn: () => fetchQuote(modelId), staleTime: 0 });

  async function refuse(status: number, code: ErrorCode | undefined, message: string) {
    // The new price, so the person can review it before paying again.
    const currentPrice = code === "price_changed" ? ((await quote.refetch()).data?.price ?? null) : undefined;
    dispatch({ type: "refused", refusal: { status, code, message, ...(currentPrice !== undefined ? { currentPrice } : {}) } });
  }

  async function follow(body: ReadableStream<Uint8Array>) {
    for await (const event of decodeEvents(paced(body))) {
      // The payment and each token are drawn as they are read (not batched with the rest of their chunk).
      if (event.event === "payment" || event.event === "token") flushSync(() => dispatch({ type: "event", event }));
      else dispatch({ type: "event", event });
      if (event.event === "settlement" && event.data.status === "confirmed") router.refresh();
    }
    dispatch({ type: "stream-ended" });
  }

  async function run(request: PaidInferenceRequest, q: Quote, signer: BrowserSigner) {
    dispatch({ type: "started" });
    const { payWithX402 } = await import("./x402-payment");
    const outcome = await payWithX402({
      url: `/api/models/${modelId}/inference`,
      init: {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify(request),
      },
      signer,
      chainId: q.chainId,
      token: q.token,
      quotedAmount: q.price,
      onSignatureRequested: () => dispatch({ type: "signature-requested" }),
      onSigned: () => dispatch({ type: "signed" }),
    });
    switch (outcome.kind) {
      case "cancelled":
        return dispatch({ type: "cancelled" });
      case "price_changed":
        return refuse(402, "price_changed", `The price changed: this request now costs ${formatOpen(BigInt(outcome.asked))}, and the quote you reviewed was ${formatOpen(BigInt(q.price))}.`);
      case "sign_failed":
        return dispatch({ type: "failed", failure: { kind: "sign_failed", message: messageOf(outcome.error) } });
      case "network_error":
        return dispatch({ type: "failed", failure: { kind: "network_error", message: `Could not reach the server: ${messageOf(outcome.error)}` } });
      case "response": {
        const res = outcome.response;
        if (!res.ok || !res.body) {
          const body: unknown = await res.json().catch(() => null);
          return refuse(res.status, errorCodeOf(body), errorMessageOf(body) ?? `The request failed (HTTP ${res.status}).`);
        }
        try {
          await follow(res.body);
        } catch (err) {
          dispatch({ type: "failed", failure: { kind: "network_error", message: `Could not reach the server: ${messageOf(err)}` } });
        }
      }
    }
  }

  /** Pay the quoted price and run the request (the caller has checked that a wallet is connected). */
  async function pay(request: PaidInferenceRequest) {
    const q = quote.data;
    if (running.current || !q || !address) return;
    running.current = true;
    const signer: BrowserSigner = {
      address,
      signTypedData: ({ domain, types, primaryType, message }) => signTypedDataAsync({ domain, types, primaryType, message }),
    };
    try {
      await run(request, q, signer);
    } finally {
      running.current = false;
    }
  }

  return { quote, state, pay };
}
