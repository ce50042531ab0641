/**
 * Paying one request with the official x402 client in the browser (`@x402/fetch` + `@x402/evm`), signing
 * with the connected wallet. Loaded on demand when a person presses Pay (the hook imports this module
 * dynamically), so pages without a Pay button never download the x402 client.
 */
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { registerExactEvmScheme } from "@x402/evm/exact/client";
import type { Address } from "viem";
import { acceptOnlyQuoted, failureOf, newWatch, promptingSigner, watchedFetch, type BrowserSigner, type PaymentFailure } from "./x402-client";

export interface X402PaymentInput {
  url: string;
  init: RequestInit;
  signer: BrowserSigner;
  chainId: number;
  /** OPEN: the one asset this client may pay. */
  token: Address;
  /** The amount (wei) of the quote the person reviewed: the client signs exactly this or nothing. */
  quotedAmount: string;
  /** The wallet is about to prompt; then it has signed. */
  onSignatureRequested(): void;
  onSigned(): void;
}

/** How a paid request ended on the client's side; the server's answer (stream or refusal) is in `response`. */
export type X402PaymentOutcome =
  | { kind: "response"; response: Response }
  | PaymentFailure
  /** The server takes this price from a channel only (below its per-call minimum): its 402 offered no per-call scheme. */
  | { kind: "channel_only" };

/**
 * POST once unpaid (the server answers 402 with its requirements), sign the EIP-3009 authorization for
 * the quoted amount of OPEN on this chain, and POST again with PAYMENT-SIGNATURE: what `wrapFetchWithPayment`
 * does.
 */
export async function payWithX402(input: X402PaymentInput): Promise<X402PaymentOutcome> {
  const watch = newWatch();
  const signer = promptingSigner(input.signer, watch, { requested: input.onSignatureRequested, signed: input.onSigned });
  const client = new x402Client();
  registerExactEvmScheme(client, { signer, networks: [`eip155:${input.chainId}`] });
  acceptOnlyQuoted(client, watch, { chainId: input.chainId, token: input.token, quotedAmount: input.quotedAmount });
  try {
    const response = await wrapFetchWithPayment(watchedFetch(watch), client)(input.url, input.init);
    return { kind: "response", response };
  } catch (err) {
    const failure = failureOf(watch, err);
    if (failure.kind === "sign_failed" && watch.offered && !watch.offered.includes("exact") && watch.offered.includes("batch-settlement")) return { kind: "channel_only" };
    return failure;
  }
}
