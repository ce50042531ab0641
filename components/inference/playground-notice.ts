/** What the Playground tells the person about a per-call request that did not go through (kept apart from the component so it can be tested). */
import { formatOpen } from "@/components/format";
import type { PaidInferenceState } from "./paid-inference-machine";

/** What the person reads about a request that did not go through (or was cancelled). */
export interface Notice {
  title: string;
  message: string;
  hint?: string;
  /** The refund transaction, when the payment went back. */
  refundTx?: string;
  /** The model is paid through a channel only: offer to switch. */
  channelOnly?: boolean;
}

export function noticeOf(state: PaidInferenceState, localChain: boolean): Notice | null {
  if (state.phase === "idle") return state.cancelled ? { title: "Signature cancelled", message: "You cancelled the signature; nothing was charged." } : null;
  if (state.phase === "refused") {
    const { status, code, message, currentPrice } = state.refusal;
    if (status === 402 && code === "insufficient_funds") {
      return {
        title: "Not enough OPEN",
        message,
        hint: localChain
          ? "On the local chain, mint test OPEN with the token's faucet (or pick a funded dev account in the header), then pay again."
          : "Transfer OPEN to this address, then pay again. Nothing was charged.",
      };
    }
    if (status === 402 && code === "price_changed") {
      return {
        title: "The price changed",
        message,
        hint: currentPrice ? `The new price is ${formatOpen(BigInt(currentPrice))}. Nothing was charged; review it and pay again.` : "Nothing was charged; reload the quote and pay again.",
      };
    }
    if (code === "price_below_minimum" && /channel/i.test(message)) {
      return {
        title: "This model is paid through a channel only",
        message,
        hint: "Its price is below the per-call minimum, so choose Pay with a channel: deposit once, then each call is charged from the channel.",
        channelOnly: true,
      };
    }
    return { title: status === 402 ? "Payment refused" : "The inference failed", message };
  }
  if (state.phase !== "failed") return null;
  const failure = state.failure;
  switch (failure.kind) {
    case "sign_failed":
      return { title: "Could not sign", message: failure.message };
    case "network_error":
      return { title: "Network error", message: failure.message };
    case "model_failed":
      return {
        title: failure.refunded ? "The model failed; your payment was refunded" : "The model failed",
        message: failure.message,
        hint: failure.refunded ? "Nothing was charged in the end. You can try again, or pick another model." : "Your payment stays in escrow and is refunded automatically; nothing is lost.",
        refundTx: failure.refundTx ?? undefined,
      };
    case "stream_closed":
      // The server serves and settles a paid request whether or not we are still listening.
      return {
        title: "The connection closed early",
        message: "The answer stream ended before the settlement arrived.",
        hint: failure.requestId
          ? `The server still serves and settles inference #${failure.requestId}; open its page to see the result.`
          : "If you were charged, the server serves or refunds the request anyway.",
      };
  }
}
