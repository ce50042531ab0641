/**
 * Next bundles lib/payments/batch-settlement/charges.ts into every route and into instrumentation.ts: the batch
 * server's write hook may come from one module instance and a request's announced charge from another. The charge
 * must be seen across instances, or every deposit's charge is refused as "outside a served request".
 */
import { describe, expect, it, vi } from "vitest";
import type { Channel } from "@x402/evm/batch-settlement/server";

const channel = (charged: string, pending: boolean): Channel =>
  ({
    channelId: `0x${"ab".repeat(32)}`,
    chargedCumulativeAmount: charged,
    ...(pending ? { pendingRequest: { pendingId: "p", signedMaxClaimable: "100", expiresAt: Date.now() + 60_000 } } : {}),
  }) as unknown as Channel;

describe("batch charge intents", () => {
  it("a charge announced through one module instance is recorded by the write hook of another", async () => {
    const a = await import("./charges");
    vi.resetModules();
    const b = await import("./charges");
    expect(b).not.toBe(a);
    const inserted: unknown[] = [];
    const tx = { insert: () => ({ values: async (v: unknown) => void inserted.push(v) }) } as never;
    const intent: import("./charges").ChargeIntent = {
      channelId: `0x${"ab".repeat(32)}` as const,
      payer: `0x${"11".repeat(20)}` as const,
      modelId: 1,
      requestHash: `0x${"cd".repeat(32)}` as const,
      charged: 7n,
      outputHash: `0x${"00".repeat(32)}` as const,
      attributionHash: `0x${"00".repeat(32)}` as const,
    };
    await a.withCharge(intent, () => b.recordChargeOnWrite(tx, channel("10", true), channel("17", false)));
    expect(intent.recorded).toBe(true);
    expect(inserted).toHaveLength(1);
    // Without an announced charge, a raise is refused whichever instance asks.
    await expect(b.recordChargeOnWrite(tx, channel("17", true), channel("20", false))).rejects.toThrow(/outside a served request/);
  });
});
