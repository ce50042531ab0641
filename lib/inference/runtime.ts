/**
 * The web server's serving context, one per process: database, chain clients, the operator's wallet and
 * the model catalog (one shared index for overlapping models).
 */
import { createPublicClient, type PublicClient } from "viem";
import { getDb } from "@/db/client";
import { chainFor, finalityDepth, getChainConfig } from "@/lib/chain/config";
import { operatorWallet } from "@/lib/chain/operator";
import { rpcTransport } from "@/lib/chain/rpc-transport";
import { serverConfig } from "@/lib/config";
import { log } from "@/lib/ops/log";
import { singletonPromise } from "@/lib/singleton";
import { ModelCatalog } from "./models";
import type { ServeContext } from "./types";

export function serveContext(): Promise<ServeContext> {
  return singletonPromise("serveContext", async () => {
    const config = getChainConfig();
    const db = await getDb();
    // Receipts are polled while a request waits: poll often (anvil mines at once).
    const publicClient = createPublicClient({
      chain: chainFor(config),
      transport: rpcTransport(config.rpcUrl, { retryCount: 2 }),
      pollingInterval: config.isLocal ? 50 : 1_000,
    }) as PublicClient;
    return {
      db,
      publicClient,
      operator: operatorWallet(config),
      deployment: config.deployment,
      finalityDepth: finalityDepth(config),
      models: new ModelCatalog({ db, log: (m) => log("models").info(m), finalityDepth: finalityDepth(config), chainId: config.deployment.chainId }),
      allowHosts: serverConfig().externalModelAllowHosts,
      // Lines that report a failure are warnings: they reach recent problems on /operator.
      log: (m: string) => (/fail|error|could not|refused/i.test(m) ? log("serve").warn(m) : log("serve").info(m)),
    };
  });
}
