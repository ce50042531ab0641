import fs from "node:fs";
import path from "node:path";
import { defineChain, type Chain } from "viem";
import { anvil } from "viem/chains";
import { serverConfig } from "@/lib/config";
import { ANVIL_CHAIN_ID } from "./anvil";
import { deploymentSchema, type Deployment } from "./deploy";

/**
 * One place for "which chain and which contracts": RPC_URL + a deployment file.
 * Local default: anvil on 127.0.0.1:8545 and .data/deployments/31337.json written by `npm start`.
 */
export interface ChainConfig {
  chainId: number;
  /** RPC the server uses. */
  rpcUrl: string;
  /** RPC the browser uses (PUBLIC_RPC_URL; defaults to rpcUrl). */
  publicRpcUrl: string;
  /** Dev conveniences (dev wallet, faucet) exist only on the local chain. */
  isLocal: boolean;
  deployment: Deployment;
}

export { DEFAULT_RPC_URL } from "@/lib/config";

export function deploymentPath(chainId = serverConfig().chainId): string {
  return serverConfig().deploymentFile ?? path.join(process.cwd(), ".data", "deployments", `${chainId}.json`);
}

export function readDeployment(file = deploymentPath()): Deployment {
  let raw: string;
  try {
    raw = fs.readFileSync(/*turbopackIgnore: true*/ file, "utf8");
  } catch {
    throw new Error(`No deployment file at ${file}: run \`npm start\` (local chain) or set DEPLOYMENT_FILE.`);
  }
  const parsed = deploymentSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new Error(`Deployment file ${file} is invalid: ${parsed.error.message}`);
  return parsed.data;
}

export function writeDeployment(deployment: Deployment, file = deploymentPath(deployment.chainId)): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(deployment, null, 2) + "\n");
}

export function getChainConfig(): ChainConfig {
  const deployment = readDeployment();
  const { rpcUrl, publicRpcUrl } = serverConfig();
  return {
    chainId: deployment.chainId,
    rpcUrl,
    publicRpcUrl,
    isLocal: isLocalChain(deployment.chainId, rpcUrl),
    deployment,
  };
}

/**
 * The local development chain: anvil's chain id served on this machine (a loopback RPC). A chain id alone is
 * not enough: any remote node can claim 31337, and "local" hands the browser the dev mnemonic, opens the
 * epoch trigger and lets sign-in trust the Host header.
 */
/** Blocks below the head before a block counts as final: FINALITY_DEPTH, else 0 on the local chain and 64 elsewhere. */
export function finalityDepth(cfg: Pick<ChainConfig, "isLocal">): number {
  return serverConfig().finalityDepth ?? (cfg.isLocal ? 0 : 64);
}

export function isLocalChain(chainId: number, rpcUrl: string): boolean {
  if (chainId !== ANVIL_CHAIN_ID) return false;
  try {
    const host = new URL(rpcUrl).hostname.replace(/^\[|\]$/g, "");
    return host === "127.0.0.1" || host === "localhost" || host === "::1";
  } catch {
    return false;
  }
}

/** A viem chain object for a config (anvil's own when local). */
export function chainFor(cfg: Pick<ChainConfig, "chainId" | "publicRpcUrl">): Chain {
  if (cfg.chainId === ANVIL_CHAIN_ID) {
    return { ...anvil, rpcUrls: { default: { http: [cfg.publicRpcUrl] } } };
  }
  return defineChain({
    id: cfg.chainId,
    name: `Chain ${cfg.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [cfg.publicRpcUrl] } },
  });
}
