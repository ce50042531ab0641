import { chainFor, getChainConfig, isLocalChain } from "@/lib/chain/config";
import { serverConfig } from "@/lib/config";
import type { PublicChainInfo } from "@/components/wallet/chain-info";

/**
 * Server-only: what the browser may know about the chain, read at request time from the deployment
 * file and RPC env. Never throws: a missing or invalid deployment yields `configured: false` + the reason.
 */
export function loadPublicChainInfo(): PublicChainInfo {
  try {
    const cfg = getChainConfig();
    const chain = chainFor(cfg);
    const { token, datanetRegistry, modelRegistry, inferenceMarket, openVotes, governor, timelock } = cfg.deployment;
    return {
      configured: true,
      chainId: cfg.chainId,
      name: chain.name,
      nativeCurrency: { ...chain.nativeCurrency },
      publicRpcUrl: cfg.publicRpcUrl,
      isLocal: cfg.isLocal,
      contracts: { token, datanetRegistry, modelRegistry, inferenceMarket, openVotes, governor, timelock },
    };
  } catch (err) {
    const { chainId, publicRpcUrl, rpcUrl } = serverConfig();
    const chain = chainFor({ chainId, publicRpcUrl });
    return {
      configured: false,
      problem: err instanceof Error ? err.message : String(err),
      chainId,
      name: chain.name,
      nativeCurrency: { ...chain.nativeCurrency },
      publicRpcUrl,
      isLocal: isLocalChain(chainId, rpcUrl),
      contracts: null,
    };
  }
}

/** WalletConnect-based wallets are offered only when a project id is configured (read at request time). */
export function walletConnectProjectId(): string | undefined {
  return serverConfig().walletConnectProjectId;
}
