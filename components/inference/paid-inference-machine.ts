/**
 * One paid inference as a state machine (pure: no effects). usePaidInference dispatches what happens
 * (the wallet, the server's answer, each stream event) and the Playground renders the state.
 */
import type { ErrorCode } from "@/lib/errors";
import type { DescribedSpan } from "@/lib/inference/spans";
import type { InferenceResultWire, InferenceStreamEvent } from "@/lib/inference/stream-events";

/**
 * Settlement on-chain: pending until the receipt; delayed when recovery will settle it later; batched when it was
 * charged from a batch-settlement channel (off-chain, pending settlement until the operator claims and books it).
 */
export type Settlement =
  | { status: "pending" }
  | { status: "confirmed"; tx: string }
  | { status: "delayed"; message: string }
  /** Wei: what this call was charged, and the ceiling its voucher allowed (the rest stays in the channel). */
  | { status: "batched"; charged: string; ceiling: string };

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

/** The x402 client could not sign or reach the server: nothing was charged. */
export type ClientFailure = { kind: "sign_failed"; message: string } | { kind: "network_error"; message: string };

/** Went wrong once the person pressed Pay (other than a refusal). */
export type Failure =
  | ClientFailure
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
  /** Paid from a channel: answered and charged, pending settlement. */
  | { phase: "charged"; answer: LiveAnswer }
  | { phase: "refused"; refusal: Refusal }
  | { phase: "failed"; answer: LiveAnswer | null; failure: Failure };

export type PaidInferenceAction =
  | { type: "started" }
  | { type: "signature-requested" }
  | { type: "signed" }
  | { type: "cancelled" }
  | { type: "refused"; refusal: Refusal }
  | { type: "failed"; failure: Failure }
  | { type: "event"; event: InferenceStreamEvent }
  | { type: "stream-ended" }
  /** A request paid from a channel was answered (plain JSON) and charged (the response's `cost`, wei). */
  | { type: "channel-answered"; requestId: string; output: string; method: string | null; cost: { charged: string; ceiling: string } };

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
    case "channel-answered":
      return {
        phase: "charged",
        answer: { requestId: action.requestId, paymentTx: "", text: action.output, busy: false, spans: null, method: action.method, settlement: { status: "batched", ...action.cost } },
      };
    case "stream-ended":
      if (state.phase === "settled" || state.phase === "delayed" || state.phase === "charged" || state.phase === "failed") return state;
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
