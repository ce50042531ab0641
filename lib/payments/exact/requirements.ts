/**
 * The x402 "exact" offer: pay the model's current price in OPEN with an EIP-3009
 * TransferWithAuthorization to InferenceMarket, which `payWithAuthorization` moves into escrow.
 *
 * accepts entry = { scheme: "exact", network: "eip155:<chainId>", asset: <OPEN>, amount: "<wei>",
 *   payTo: <market>, maxTimeoutSeconds, extra: { name: "Open", version: "1" } } (the token's EIP-712 domain).
 */
import { getAddress, type Address, type PublicClient } from "viem";
import { openTokenAbi } from "@/contracts-abi";
import { paymentRequired, type Eip155Network, type PaymentRequired, type PaymentRequirements } from "../x402";

export const EXACT_SCHEME = "exact";
export const DEFAULT_MAX_TIMEOUT_SECONDS = 300;

/** One x402 v2 PaymentRequirements entry of the "exact" scheme (EIP-3009). */
export interface ExactPaymentRequirements extends PaymentRequirements {
  scheme: "exact";
  network: Eip155Network;
  /** The OPEN token. */
  asset: Address;
  /** The price in wei, as a decimal string. */
  amount: string;
  /** InferenceMarket: the EIP-3009 `to`. */
  payTo: Address;
  maxTimeoutSeconds: number;
  /** EIP-712 domain of the token. */
  extra: { name: string; version: string };
}

export interface ExactRequirementsOptions {
  chainId: number;
  token: Address;
  /** EIP-712 domain name of the token (OpenToken: "Open"). */
  tokenName: string;
  /** EIP-712 domain version of the token (OpenToken: "1"). */
  tokenVersion: string;
  market: Address;
  price: bigint;
  maxTimeoutSeconds?: number;
}

export interface PaymentRequirementsOptions extends ExactRequirementsOptions {
  /** Absolute URL of the paid endpoint. */
  resource: string;
  description: string;
  mimeType?: string;
}

/** The "exact" `accepts` entry at a price. */
export function exactRequirements(opts: ExactRequirementsOptions): ExactPaymentRequirements {
  if (!Number.isSafeInteger(opts.chainId) || opts.chainId <= 0) throw new RangeError(`chainId must be a positive integer, got ${opts.chainId}`);
  if (opts.price < 0n) throw new RangeError("price must not be negative");
  const maxTimeoutSeconds = opts.maxTimeoutSeconds ?? DEFAULT_MAX_TIMEOUT_SECONDS;
  if (!Number.isSafeInteger(maxTimeoutSeconds) || maxTimeoutSeconds <= 0) {
    throw new RangeError(`maxTimeoutSeconds must be a positive integer, got ${maxTimeoutSeconds}`);
  }
  return {
    scheme: EXACT_SCHEME,
    network: `eip155:${opts.chainId}`,
    asset: getAddress(opts.token),
    amount: opts.price.toString(),
    payTo: getAddress(opts.market),
    maxTimeoutSeconds,
    extra: { name: opts.tokenName, version: opts.tokenVersion },
  };
}

/**
 * The offer for one paid request with the "exact" scheme only: the whole v2 PaymentRequired object
 * (resource + a single `accepts` entry). Pass it as-is to paymentRequiredResponse and verifyAuthorization.
 */
export function paymentRequirements(opts: PaymentRequirementsOptions): PaymentRequired {
  const accepts = exactRequirements(opts);
  return paymentRequired({ url: opts.resource, description: opts.description, mimeType: opts.mimeType }, [accepts]);
}

/** The "exact" entry of an offer (or the entry itself). */
export function exactRequirementOf(requirements: PaymentRequired | ExactPaymentRequirements): ExactPaymentRequirements {
  const entry = "accepts" in requirements ? requirements.accepts.find((a) => a.scheme === EXACT_SCHEME) : requirements;
  if (!entry) throw new Error(`the offer has no "${EXACT_SCHEME}" requirements`);
  return entry as ExactPaymentRequirements;
}

const domainCache = new Map<string, Promise<{ name: string; version: string }>>();

/**
 * The token's EIP-712 domain name and version (ERC-5267 `eip712Domain()`; OpenToken: "Open", "1"),
 * for `tokenName` / `tokenVersion`. Cached per chain and token.
 */
export function tokenDomain(publicClient: PublicClient, token: Address, chainId: number): Promise<{ name: string; version: string }> {
  const key = `${chainId}:${token.toLowerCase()}`;
  let p = domainCache.get(key);
  if (!p) {
    p = publicClient
      .readContract({ address: token, abi: openTokenAbi, functionName: "eip712Domain" })
      .then(([, name, version]) => ({ name, version }));
    p.catch(() => domainCache.delete(key));
    domainCache.set(key, p);
  }
  return p;
}
