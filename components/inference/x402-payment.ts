/**
 * Paying one request with the official x402 client in the browser (`@x402/fetch` + `@x402/evm`), signing
 * with the connected wallet. Loaded on demand when a person presses Pay (the hook imports this module
 * dynamically), so pages without a Pay button never download the x402 client.
 */
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { registerExactEvmScheme } from "@x402/evm/exact/client";
import type { Address, Hex } from "viem";
import { isUserRejection } from "@/components/wallet/errors";

/** What the official client's EVM scheme asks a signer for (EIP-712 typed data). */
export interface TypedDataRequest {
  domain: Record<string, unknown>;
  types: Record<string, unknown>;
  primaryType: string;
  message: Record<string, unknown>;
}

/** The connected wallet, as the x402 client signs with it. */
export interface BrowserSigner {
  readonly address: Address;
  signTypedData(request: TypedDataRequest): Promise<Hex>;
}

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
  /** The person rejected the signature: nothing was signed or sent. */
  | { kind: "cancelled" }
  /** The server asks a different amount than the quote: nothing was signed. */
  | { kind: "price_changed"; asked: string }
  | { kind: "network_error"; error: unknown }
  | { kind: "sign_failed"; error: unknown };

/**
 * POST once unpaid (the server answers 402 with its requirements), sign the EIP-3009 authorization for
 * the quoted amount of OPEN on this chain, and POST again with PAYMENT-SIGNATURE: what `wrapFetchWithPayment`
 * does.
 */
export async function payWithX402(input: X402PaymentInput): Promise<X402PaymentOutcome> {
  const network = `eip155:${input.chainId}` as const;
  // What happened, recorded as it happens: the client wraps its own errors in new messages.
  const seen: { rejected: boolean; asked: string | null; networkError?: { error: unknown } } = { rejected: false, asked: null };

  const signer: BrowserSigner = {
    address: input.signer.address,
    async signTypedData(request) {
      input.onSignatureRequested();
      try {
        const signature = await input.signer.signTypedData(request);
        input.onSigned();
        return signature;
      } catch (err) {
        seen.rejected = isUserRejection(err);
        throw err;
      }
    },
  };

  const client = new x402Client();
  registerExactEvmScheme(client, { signer, networks: [network] });
  // OPEN is not one of x402's default assets: allow it on this chain, and nothing else.
  client.setSpendControls({ allowedAssets: [{ network, asset: input.token }] });
  client.registerPolicy((_version, requirements) => requirements.filter((r) => r.network === network && r.asset.toLowerCase() === input.token.toLowerCase()));
  // The person reviewed the quote: a different amount is not signed (they review the new price first).
  client.onBeforePaymentCreation(async ({ selectedRequirements }) => {
    if (selectedRequirements.amount === input.quotedAmount) return;
    seen.asked = selectedRequirements.amount;
    return { abort: true, reason: "price_changed" };
  });

  const fetchOrRecord: typeof fetch = async (request, init) => {
    try {
      return await fetch(request, init);
    } catch (err) {
      seen.networkError = { error: err };
      throw err;
    }
  };

  try {
    const response = await wrapFetchWithPayment(fetchOrRecord, client)(input.url, input.init);
    return { kind: "response", response };
  } catch (err) {
    if (seen.rejected) return { kind: "cancelled" };
    if (seen.asked !== null) return { kind: "price_changed", asked: seen.asked };
    if (seen.networkError) return { kind: "network_error", error: seen.networkError.error };
    return { kind: "sign_failed", error: err };
  }
}
