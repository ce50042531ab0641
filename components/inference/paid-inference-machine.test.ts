import { describe, expect, it } from "vitest";
import type { InferenceStreamEvent } from "@/lib/inference/stream-events";
import { initialPaidInference, isInFlight, paidInferenceReducer, type PaidInferenceAction, type PaidInferenceState } from "./paid-inference-machine";

const run = (...actions: PaidInferenceAction[]): PaidInferenceState => actions.reduce(paidInferenceReducer, initialPaidInference);
const event = (e: InferenceStreamEvent): PaidInferenceAction => ({ type: "event", event: e });
const payment = event({ event: "payment", data: { status: "accepted", requestId: "7", payer: "0xabc", txHash: "0xpay", via: "x402" } });
const answer = event({ event: "answer", data: { requestId: "7", output: "The tiger is big", method: "infinigram", spans: [] } });
const pending = event({ event: "settlement", data: { status: "pending" } });

describe("the paid inference state machine", () => {
  it("goes quoting → signing → paying → streaming (tokens appended) → answered → settled", () => {
    expect(run({ type: "started" }).phase).toBe("quoting");
    expect(run({ type: "started" }, { type: "signature-requested" }).phase).toBe("signing");
    expect(run({ type: "started" }, { type: "signature-requested" }, { type: "signed" }).phase).toBe("paying");
    const streaming = run({ type: "started" }, { type: "signed" }, payment, event({ event: "token", data: { text: "The" } }), event({ event: "token", data: { text: " tiger" } }));
    expect(streaming).toMatchObject({ phase: "streaming", answer: { requestId: "7", paymentTx: "0xpay", text: "The tiger", busy: true, settlement: null } });
    expect(isInFlight(streaming)).toBe(true);
    const answered = paidInferenceReducer(paidInferenceReducer(streaming, answer), pending);
    expect(answered).toMatchObject({ phase: "answered", answer: { text: "The tiger is big", busy: false, spans: [], method: "infinigram", settlement: { status: "pending" } } });
    const result = { requestId: "7" } as unknown as Extract<InferenceStreamEvent, { data: { status: "confirmed" } }>["data"]["result"];
    const settled = paidInferenceReducer(answered, event({ event: "settlement", data: { status: "confirmed", tx: "0xsettle", result } }));
    expect(settled).toMatchObject({ phase: "settled", answer: { settlement: { status: "confirmed", tx: "0xsettle" } }, result });
    expect(isInFlight(settled)).toBe(false);
    // The stream closing after the settlement changes nothing.
    expect(paidInferenceReducer(settled, { type: "stream-ended" })).toBe(settled);
  });

  it("is delayed when recovery will settle later, and the form is usable again", () => {
    const delayed = run({ type: "started" }, payment, answer, pending, event({ event: "settlement", data: { status: "pending", reason: "settlement_pending", message: "Later." } }));
    expect(delayed).toMatchObject({ phase: "delayed", answer: { settlement: { status: "delayed", message: "Later." } } });
    expect(isInFlight(delayed)).toBe(false);
  });

  it("a rejected signature goes back to idle, cancelled, with nothing pending", () => {
    const s = run({ type: "started" }, { type: "signature-requested" }, { type: "cancelled" });
    expect(s).toEqual({ phase: "idle", cancelled: true });
    expect(isInFlight(s)).toBe(false);
    expect(paidInferenceReducer(s, { type: "started" })).toEqual({ phase: "quoting" });
  });

  it("a refusal keeps its code; a model failure keeps the answer so far, no longer busy", () => {
    expect(run({ type: "started" }, { type: "refused", refusal: { status: 402, code: "insufficient_funds", message: "No OPEN." } })).toEqual({
      phase: "refused",
      refusal: { status: 402, code: "insufficient_funds", message: "No OPEN." },
    });
    const failed = run({ type: "started" }, payment, event({ event: "token", data: { text: "The" } }), event({ event: "error", data: { error: "Boom.", reason: "refunded", refunded: true, refundTx: "0xrefund" } }));
    expect(failed).toMatchObject({ phase: "failed", answer: { text: "The", busy: false }, failure: { kind: "model_failed", refunded: true, refundTx: "0xrefund" } });
  });

  it("a stream that ends before the settlement fails, naming the request the server still serves", () => {
    expect(run({ type: "started" }, payment, answer, { type: "stream-ended" })).toMatchObject({ phase: "failed", failure: { kind: "stream_closed", requestId: "7" } });
    expect(run({ type: "started" }, { type: "signed" }, { type: "stream-ended" })).toMatchObject({ phase: "failed", answer: null, failure: { kind: "stream_closed", requestId: null } });
  });

  it("a prompt paid from a channel ends charged, pending settlement, and the form is usable again", () => {
    const charged = run({ type: "started" }, { type: "channel-answered", requestId: "0xhash", output: "A cat", method: "infinigram", cost: { charged: "90", ceiling: "250" } });
    expect(charged).toMatchObject({ phase: "charged", answer: { requestId: "0xhash", text: "A cat", busy: false, settlement: { status: "batched", charged: "90", ceiling: "250" } } });
    expect(isInFlight(charged)).toBe(false);
    expect(paidInferenceReducer(charged, { type: "stream-ended" })).toBe(charged);
  });
});
