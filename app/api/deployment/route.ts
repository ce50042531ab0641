import { deployment } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { getChainConfig } from "@/lib/chain/config";
import { AppError } from "@/lib/errors";

export const dynamic = "force-dynamic";

/** Which chain and contracts this node serves; a watcher checks them against the chain before trusting anything. */
export const GET = route(deployment, async () => {
  let cfg;
  try {
    cfg = getChainConfig();
  } catch (err) {
    throw new AppError("service_unavailable", `This node has no deployment: ${(err as Error).message}`);
  }
  const d = cfg.deployment;
  return {
    chainId: d.chainId,
    contractsVersion: d.contractsVersion,
    token: d.token,
    datanetRegistry: d.datanetRegistry,
    modelRegistry: d.modelRegistry,
    inferenceMarket: d.inferenceMarket,
    openVotes: d.openVotes,
    timelock: d.timelock,
    governor: d.governor,
    startBlock: d.startBlock,
    publicRpcUrl: cfg.publicRpcUrl,
  };
});
