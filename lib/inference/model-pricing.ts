/**
 * A model's on-chain pricing as of the chain's head, read once per block and model: under load many quotes
 * (the 402 probe, the paid request, GET …/inference) fall in one block, and each used to cost two calls
 * (`modelCount`, then `pricing`). What remains per quote is the head itself (`eth_blockNumber`, never taken from a
 * cache, so a price change is quoted from its block on; concurrent quotes share one call in flight).
 */
import type { Address, PublicClient } from "viem";
import { modelRegistryAbi } from "@/contracts-abi";
import { AppError } from "@/lib/errors";
import { decodeRevert } from "@/lib/payments/revert";
import { singleton } from "@/lib/singleton";
import { ratesOf, type TokenRates } from "./pricing";

export interface ModelPricing {
  builder: Address;
  builderBps: number;
  active: boolean;
  /** The fixed fee and the per-token rates (both 0: a flat-price model, fee = its price). */
  rates: TokenRates;
  /** The chain head it was read at. */
  block: bigint;
}

type Entry = { block: bigint; pricing: Promise<ModelPricing> };

/**
 * Per chain client, registry and model: the read at the block last seen (an unknown model is not cached: it may be
 * registered next block). Keyed by the client, not the address: two chains (a restarted anvil) share addresses.
 */
const caches = singleton("inference.modelPricing", () => new WeakMap<PublicClient, Map<string, Entry>>());

async function read(client: PublicClient, registry: Address, modelId: number, blockNumber: bigint): Promise<ModelPricing> {
  try {
    const p = await client.readContract({ address: registry, abi: modelRegistryAbi, functionName: "pricing", args: [BigInt(modelId)], blockNumber });
    return { builder: p[0], builderBps: p[2], active: p[3], rates: ratesOf(p), block: blockNumber };
  } catch (err) {
    if (decodeRevert(err)?.name === "UnknownModel") throw new AppError("not_found", `Model ${modelId} was not found.`);
    throw err;
  }
}

/** The model's pricing at the chain's head; `not_found` (404) for an id the registry does not have. */
export async function modelPricing(client: PublicClient, registry: Address, modelId: number): Promise<ModelPricing> {
  const block = await client.getBlockNumber({ cacheTime: 0 });
  let cache = caches.get(client);
  if (!cache) caches.set(client, (cache = new Map()));
  const key = `${registry.toLowerCase()}:${modelId}`;
  const hit = cache.get(key);
  // Only the same block: a head that went back (a reorg, a reset chain) is read again.
  if (hit && hit.block === block) return hit.pricing;
  const pricing = read(client, registry, modelId, block);
  const entry = { block, pricing };
  cache.set(key, entry);
  pricing.catch(() => {
    if (cache.get(key) === entry) cache.delete(key);
  });
  return pricing;
}
