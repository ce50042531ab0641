import { requireBearer } from "@/lib/api/bearer";
import { metrics } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { getChainConfig, isLocalChain } from "@/lib/chain/config";
import { serverConfig } from "@/lib/config";
import { metricsText } from "@/lib/ops/status";

export const dynamic = "force-dynamic";

/** Whether this node runs on the local dev chain (no deployment file: decide from the configured RPC and chain id). */
function onLocalChain(): boolean {
  try {
    return getChainConfig().isLocal;
  } catch {
    const c = serverConfig();
    return isLocalChain(c.chainId, c.rpcUrl);
  }
}

/** Prometheus scrape target: the token is checked before anything is read. */
export const GET = route(metrics, async ({ request }) => {
  requireBearer(request, { token: serverConfig().metricsToken, isLocal: onLocalChain(), variable: "METRICS_TOKEN", what: "Reading /metrics" });
  return new Response(await metricsText(), {
    headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" },
  });
});
