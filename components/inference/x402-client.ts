/**
 * What both browser payments (per call: x402-payment.ts; from a channel: channel-payment.ts) put around the
 * official x402 client: pay only OPEN on this chain, for exactly the amount the person reviewed, and record what
 * went wrong as it happens (the client wraps its own errors in new messages, so they cannot be told apart after).
 */
import { decodePaymentRequiredHeader } from "@x402/core/http";
import type { x402Client } from "@x402/fetch";
import type { Address, Hex } from "viem";
import { isUserRejection } from "@/components/wallet/errors";

/** What the official client's EVM schemes ask a signer for (EIP-712 typed data). */
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

/** Recorded while the client runs. */
export interface PaymentWatch {
  rejected: boolean;
  /** The amount the server asked instead of the reviewed one. */
  asked: string | null;
  networkError?: { error: unknown };
  /** The schemes the server's 402 offered (the client drops the ones it cannot pay before any policy sees them). */
  offered?: string[];
}

export const newWatch = (): PaymentWatch => ({ rejected: false, asked: null });

/** The client failed before the server answered: nothing was signed, sent or charged. */
export type PaymentFailure =
  /** The person rejected the signature. */
  | { kind: "cancelled" }
  /** The server asks another amount than the one reviewed. */
  | { kind: "price_changed"; asked: string }
  | { kind: "network_error"; error: unknown }
  | { kind: "sign_failed"; error: unknown };

/** The wallet, telling the page when it prompts and when it has signed; a rejection is recorded. */
export function promptingSigner(signer: BrowserSigner, watch: PaymentWatch, on: { requested(): void; signed(): void }): BrowserSigner {
  return {
    address: signer.address,
    async signTypedData(request) {
      on.requested();
      try {
        const signature = await signer.signTypedData(request);
        on.signed();
        return signature;
      } catch (err) {
        watch.rejected = isUserRejection(err);
        throw err;
      }
    },
  };
}

/**
 * The requirements the client may pay: `token` on `chainId` (OPEN is not one of x402's default assets, so it is
 * allowed here and nothing else), of `scheme` when given, for exactly `quotedAmount` (another amount is not signed:
 * the person reviews the new price first).
 */
export function acceptOnlyQuoted(client: x402Client, watch: PaymentWatch, opts: { chainId: number; token: Address; quotedAmount: string; scheme?: string }): void {
  const network = `eip155:${opts.chainId}` as const;
  client.setSpendControls({ allowedAssets: [{ network, asset: opts.token }] });
  client.registerPolicy((_version, requirements) =>
    requirements.filter((r) => (opts.scheme === undefined || r.scheme === opts.scheme) && r.network === network && r.asset.toLowerCase() === opts.token.toLowerCase()),
  );
  client.onBeforePaymentCreation(async ({ selectedRequirements }) => {
    if (selectedRequirements.amount === opts.quotedAmount) return;
    watch.asked = selectedRequirements.amount;
    return { abort: true, reason: "price_changed" };
  });
}

/** fetch, recording a failure to reach the server and what a 402 offered. */
export function watchedFetch(watch: PaymentWatch): typeof fetch {
  return async (request, init) => {
    let response: Response;
    try {
      response = await fetch(request, init);
    } catch (err) {
      watch.networkError = { error: err };
      throw err;
    }
    const header = response.status === 402 ? response.headers.get("PAYMENT-REQUIRED") : null;
    if (header) {
      try {
        watch.offered = decodePaymentRequiredHeader(header).accepts.map((a) => a.scheme);
      } catch {
        /* an unreadable offer is the client's to report */
      }
    }
    return response;
  };
}

/** Why the client threw, from what was recorded. */
export function failureOf(watch: PaymentWatch, err: unknown): PaymentFailure {
  if (watch.rejected) return { kind: "cancelled" };
  if (watch.asked !== null) return { kind: "price_changed", asked: watch.asked };
  if (watch.networkError) return { kind: "network_error", error: watch.networkError.error };
  return { kind: "sign_failed", error: err };
}
