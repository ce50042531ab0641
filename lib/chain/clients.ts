import { createPublicClient, type PublicClient } from "viem";
import { ANVIL_CHAIN_ID } from "./anvil";
import { chainFor, type ChainConfig } from "./config";
import { rpcTransport } from "./rpc-transport";

/** Server-side reads. JSON-RPC batching keeps block look-ups during a backfill to few round trips. */
export function publicClientFor(cfg: Pick<ChainConfig, "chainId" | "rpcUrl">): PublicClient {
  return createPublicClient({
    chain: chainFor({ chainId: cfg.chainId, publicRpcUrl: cfg.rpcUrl }),
    // Receipt waits poll at this pace: anvil mines at once, a real chain every few seconds.
    pollingInterval: cfg.chainId === ANVIL_CHAIN_ID ? 50 : 1_000,
    transport: rpcTransport(cfg.rpcUrl, { batch: { batchSize: 200, wait: 0 }, retryCount: 3 }),
  }) as PublicClient;
}
