/**
 * The lowest price this operator serves at: what one paid request can cost it in gas (the payment it
 * submits, the settle, and a refund if the model fails), valued 1:1 in OPEN as on OpenLedger's chain, where
 * OPEN is the gas token. `MIN_PRICE` (wei) overrides it. A model priced below it is refused before anything
 * is signed, so strangers cannot make the operator pay gas for free.
 */
import type { PublicClient } from "viem";

/** Measured (README, `npm run bench -- inference`): payWithAuthorization 235,271 · settle 114,424; refund ≤ 70,000. */
export const GAS_PER_PAID_REQUEST = 235_271n + 114_424n + 70_000n;

let cached: { at: number; price: bigint } | null = null;

export async function minimumPrice(publicClient: PublicClient, configured: bigint | undefined, now = Date.now()): Promise<bigint> {
  if (configured !== undefined) return configured;
  if (cached && now - cached.at < 60_000) return cached.price;
  const gasPrice = await publicClient.getGasPrice();
  cached = { at: now, price: GAS_PER_PAID_REQUEST * gasPrice };
  return cached.price;
}
