import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { registerExactEvmScheme } from "@x402/evm/exact/client";
import { demoAccount } from "../lib/seed/seed";
import { stackInfo } from "./stack-info";

/** `fetch` that pays 402s with the official x402 client, signing as dev account `index`. */
export function payingFetch(index: number): typeof fetch {
  const { deployment } = stackInfo();
  const client = new x402Client();
  registerExactEvmScheme(client, { signer: demoAccount(index), networks: [`eip155:${deployment.chainId}`] });
  // The client pays only assets it is told to: OPEN on this chain.
  client.setSpendControls({ allowedAssets: [{ network: `eip155:${deployment.chainId}`, asset: deployment.token }] });
  return wrapFetchWithPayment(fetch, client);
}
