import { createPublicClient, http, type PublicClient } from "viem";
import { chainFor, type ChainConfig } from "./config";

/** Server-side reads. JSON-RPC batching keeps block look-ups during a backfill to few round trips. */
export function publicClientFor(cfg: Pick<ChainConfig, "chainId" | "rpcUrl">): PublicClient {
  return createPublicClient({
    chain: chainFor({ chainId: cfg.chainId, publicRpcUrl: cfg.rpcUrl }),
    transport: http(cfg.rpcUrl, { batch: { batchSize: 200, wait: 0 }, retryCount: 3 }),
  }) as PublicClient;
}
