/**
 * The lowest prices this operator serves at: what a paid request can cost it in gas, valued 1:1 in OPEN as on
 * OpenLedger's chain, where OPEN is the gas token. Per call (x402 `exact`, a wallet's `pay`): the payment it submits,
 * the settle, and a refund if the model fails. From a batch-settlement channel: the call's share of one claim and one
 * `bookBatch`, no transaction of its own — an order of magnitude less, which is what makes sub-cent calls possible.
 * `MIN_PRICE` and `MIN_CHANNEL_PRICE` (wei) override them (the channel one is never above the per-call one unless set). A model priced below the channel minimum is refused before
 * anything is signed, so strangers cannot make the operator pay gas for free; one between the two is offered only
 * through channels.
 */
import type { PublicClient } from "viem";

/** Measured (README, `npm run bench -- inference`): payWithAuthorization 235,271 · settle 114,424; refund ≤ 70,000. */
export const GAS_PER_PAID_REQUEST = 235_271n + 114_424n + 70_000n;

/**
 * Measured (README, contracts/test/booking.test.ts and the inference bench): 14,725 gas per record when each of 100
 * records comes from its own channel (31,823 the first time a channel is booked), plus that channel's claim
 * (≈ 22,000 per channel in a 64-channel claim): the worst case, one call per channel per batch, rounded up.
 */
export const GAS_PER_BOOKED_INFERENCE = 55_000n;

export interface MinimumPrices {
  /** x402 `exact` and a wallet's own `pay` transaction. */
  perCall: bigint;
  /** x402 batch-settlement (a voucher from a channel). */
  channel: bigint;
}

let cached: { at: number; gasPrice: bigint } | null = null;

export async function minimumPrices(publicClient: PublicClient, configured: { perCall?: bigint; channel?: bigint }, now = Date.now()): Promise<MinimumPrices> {
  const gasPrice = async () => {
    if (cached && now - cached.at < 60_000) return cached.gasPrice;
    cached = { at: now, gasPrice: await publicClient.getGasPrice() };
    return cached.gasPrice;
  };
  const perCall = configured.perCall ?? GAS_PER_PAID_REQUEST * (await gasPrice());
  if (configured.channel !== undefined) return { perCall, channel: configured.channel };
  // A channel call never has a higher floor than a per-call payment (an operator lowering MIN_PRICE lowers both).
  const channel = GAS_PER_BOOKED_INFERENCE * (await gasPrice());
  return { perCall, channel: channel < perCall ? channel : perCall };
}
