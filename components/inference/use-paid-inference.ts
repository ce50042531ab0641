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
import { decodeEvents } from "@/lib/inference/stream-events";
import { initialPaidInference, paidInferenceReducer } from "./paid-inference-machine";
import type { BrowserSigner } from "./x402-client";

/** The price before anything is signed, with the x402 requirements the wallet signs against. */
export type Quote = Omit<z.output<(typeof modelInferenceQuote)["response"]>, "x402" | "token"> & { token: Address; x402: PaymentRequired };

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

  async function run(request: PaidInferenceRequest, q: Quote, signer: BrowserSigner, reviewed: string) {
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
      quotedAmount: reviewed,
      onSignatureRequested: () => dispatch({ type: "signature-requested" }),
      onSigned: () => dispatch({ type: "signed" }),
    });
    switch (outcome.kind) {
      case "cancelled":
        return dispatch({ type: "cancelled" });
      case "price_changed":
        return refuse(402, "price_changed", `The price changed: this request now costs ${formatOpen(BigInt(outcome.asked))}, and the quote you reviewed was ${formatOpen(BigInt(reviewed))}.`);
      case "channel_only":
        // What the server answers a per-call payment at this price (422), said before anything is signed.
        return refuse(422, "price_below_minimum", `Model ${modelId} is paid through a channel only: its price is below this server's minimum for a payment per call. Nothing was signed or charged.`);
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

  /**
   * Pay the quoted price and run the request (the caller has checked that a wallet is connected). `ceiling`: what a
   * per-token model asks for this request (its quote's price is only the fixed fee), as the person reviewed it.
   */
  async function pay(request: PaidInferenceRequest, ceiling?: bigint) {
    const q = quote.data;
    if (running.current || !q || !address) return;
    running.current = true;
    const signer: BrowserSigner = {
      address,
      signTypedData: ({ domain, types, primaryType, message }) => signTypedDataAsync({ domain, types, primaryType, message }),
    };
    try {
      await run(request, q, signer, (ceiling ?? BigInt(q.price)).toString());
    } catch (err) {
      // E.g. the x402 client's chunk did not load: nothing was signed.
      dispatch({ type: "failed", failure: { kind: "network_error", message: `Could not reach the server: ${messageOf(err)}` } });
    } finally {
      running.current = false;
    }
  }

  // The channel payment (useChannelPayment) reports its prompts' answers into the same machine.
  return { quote, state, pay, dispatch };
}
