import type { Address } from "viem";

/**
 * The public part of the chain configuration, handed from the server layout to the browser as props
 * (nothing is baked in at build time, so one build serves any chain).
 */
export interface PublicChainInfo {
  /** False when the server has no (valid) deployment file: browsing works, wallet actions do not. */
  configured: boolean;
  /** Why `configured` is false. */
  problem?: string;
  chainId: number;
  name: string;
  nativeCurrency: { name: string; symbol: string; decimals: number };
  /** RPC the browser talks to. */
  publicRpcUrl: string;
  /** Local anvil chain: dev conveniences (dev wallet) are enabled. */
  isLocal: boolean;
  /** Contract addresses of the deployment (null when not configured). */
  contracts: {
    token: Address;
    datanetRegistry: Address;
    modelRegistry: Address;
    inferenceMarket: Address;
    /** Governance: vOPEN (wrapped OPEN with votes), the Governor, and the timelock that owns every parameter. */
    openVotes: Address;
    governor: Address;
    timelock: Address;
  } | null;
}
