/**
 * What the Playground says when a per-call payment is refused: a model priced below the per-call minimum is paid
 * through a channel only, said plainly with the channel offered (not a generic failure).
 */
import { describe, expect, it } from "vitest";
import { noticeOf } from "./playground-notice";

const refused = (status: number, code: string | undefined, message: string) => ({ phase: "refused" as const, refusal: { status, code: code as never, message } });

describe("noticeOf", () => {
  it("a channel-only model says so and offers the channel", () => {
    const notice = noticeOf(refused(422, "price_below_minimum", "Model 3 is paid through a channel only: its price is below this server's minimum for a payment per call."), false);
    expect(notice).toMatchObject({ title: "This model is paid through a channel only", channelOnly: true });
    expect(notice?.hint).toMatch(/Pay with a channel/);
  });

  it("the server's own 422 for a per-call payment at a channel-only price reads the same", () => {
    const message = "Model 3 costs 0.0001 OPEN, below this server's minimum of 0.001 OPEN for a payment per call (the gas of taking, settling and refunding it). Pay from an x402 batch-settlement channel instead (its minimum is 0.00001 OPEN). Nothing was charged.";
    expect(noticeOf(refused(422, "price_below_minimum", message), false)).toMatchObject({ channelOnly: true });
  });

  it("a price below even the channel minimum offers no channel", () => {
    const notice = noticeOf(refused(422, "price_below_minimum", "Model 3 costs 0 OPEN, below this server's minimum of 0.00001 OPEN (the gas of booking one paid call). Nothing was charged."), false);
    expect(notice?.channelOnly).toBeUndefined();
    expect(notice?.title).toBe("The inference failed");
  });
});
