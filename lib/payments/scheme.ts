/**
 * A payment scheme: one way a paid request's money reaches InferenceMarket's escrow. The paid pipeline
 * (lib/inference/paid.ts) runs every scheme the same way:
 *
 *   requirements (x402 schemes: the offer at the quoted price, sent with a 402)
 *   → verify (read the request's payment, check it against the offer and the chain; sends nothing)
 *   → settle (take the money into escrow: submit the authorization, or accept the mined `pay`)
 *   → responseHeaders (what the paid response adds, e.g. PAYMENT-RESPONSE)
 *
 * Refusals are PaymentErrors. Adding a scheme is a folder with one of these, registered in ./schemes.ts.
 *
 * x402 batch-settlement does not fit "escrow per request": the payer's money is already in a channel, the request
 * carries a voucher for a ceiling, and the charge is taken after serving, off-chain, for what was served. It is a
 * {@link DeferredPaymentScheme}: verify (reserves the channel) → serve → charge (or cancel on failure); the charges
 * are booked on-chain later, in batches.
 */
import type { Address, Hex, PublicClient, WalletClient } from "viem";
import type { Db } from "@/db/client";
import type { PaymentRequired, PaymentRequirements } from "@x402/core/types";
import type { InferenceParams } from "./request";

/** How the request was paid, as reported in answers and events. */
export type PaymentVia = "x402" | "transaction";

/** The chain and contracts payments are taken on. */
export interface PaymentChain {
  publicClient: PublicClient;
  /** The operator's wallet (OPERATOR_ROLE on the market): submits authorizations. */
  operator: WalletClient;
  chainId: number;
  /** The OPEN token. */
  token: Address;
  /** InferenceMarket. */
  market: Address;
  /** Set when this server takes x402 batch-settlement (its channel state and charges live in this database). */
  batchSettlement?: { db: Db };
}

/** What is for sale, at the quoted (current on-chain) price. */
export interface PaymentQuote {
  modelId: number;
  price: bigint;
  /** Absolute URL of the paid resource (x402 `resource`). */
  resource: string;
  description: string;
  /** Priced below the per-call minimum (lib/payments/minimum-price.ts): only deferred (channel) schemes are offered. */
  channelOnly?: boolean;
}

/** One paid request: the quote and the request its payment commits to (its request hash). */
export interface PaymentOrder extends PaymentQuote {
  prompt: string;
  params: InferenceParams;
  /** The wallet paid with its own `pay` transaction (sent in the body); its request hash used this nonce. */
  transaction?: { txHash: Hex; nonce: Hex };
}

/** One request's payment attempt, as a scheme sees it. */
export interface PaymentAttempt {
  request: Request;
  order: PaymentOrder;
  chain: PaymentChain;
  /** The x402 offer answered for this request (x402 schemes); refusals with status 402 repeat it. */
  requirements?: PaymentRequired;
}

/** A payment checked before anything is sent: who pays, and what the scheme needs to settle it. */
export interface CheckedPayment<P> {
  payer: Address;
  payment: P;
}

/** The payment is in escrow on-chain and opened this request. */
export interface Settlement {
  requestId: bigint;
  requestHash: Hex;
  payer: Address;
  txHash: Hex;
  via: PaymentVia;
}

export interface PaymentScheme<P = unknown> {
  /** The x402 scheme name ("exact"), or "transaction" for the wallet's own `pay`. */
  readonly name: string;
  readonly via: PaymentVia;
  /** Whether this scheme takes the request's payment (schemes are asked in registry order). */
  handles(request: Request, order: PaymentOrder): boolean;
  /** x402 schemes: this scheme's `accepts` entry of the offer. */
  requirements?(quote: PaymentQuote, chain: PaymentChain): Promise<PaymentRequirements>;
  /** Reads and checks the payment without sending anything; null when the request carries none (answer 402). */
  verify(attempt: PaymentAttempt): Promise<CheckedPayment<P> | null>;
  /** Takes the money into escrow (or accepts that it is there). */
  settle(verified: CheckedPayment<P>, attempt: PaymentAttempt): Promise<Settlement>;
  /** Headers the paid response adds for this scheme. `amount`: the price taken, in wei. */
  responseHeaders(settlement: Settlement, attempt: PaymentAttempt, amount: bigint): Record<string, string>;
}

/** What a deferred scheme charges for a served inference. */
export interface ServedCharge {
  /** Wei actually charged; never above the ceiling the payment signed (the scheme refuses it). */
  amount: bigint;
  requestHash: Hex;
  outputHash: Hex;
  attributionHash: Hex;
}

/** A deferred payment verified (and reserved): who pays, its request hash, the most it may be charged. */
export interface CheckedDeferredPayment<P> extends CheckedPayment<P> {
  /** The inference's stable id until it is booked on-chain. */
  requestHash: Hex;
  /** The most this request may be charged (the x402 `amount` the voucher signed on top of the channel's charges). */
  ceiling: bigint;
}

/**
 * A scheme that charges after serving (x402 batch-settlement): verify reserves the payment (sends nothing for a
 * voucher), the inference is served, then `charge` takes the price actually served (recorded as pending
 * settlement), or `cancel` releases the reservation when serving failed (nothing charged).
 */
export interface DeferredPaymentScheme<P = unknown> {
  readonly name: string;
  readonly via: "x402";
  readonly deferred: true;
  handles(request: Request, order: PaymentOrder): boolean;
  /** This scheme's `accepts` entry; null when this server does not take it (e.g. no channel contracts on the chain). */
  requirements(quote: PaymentQuote, chain: PaymentChain): Promise<PaymentRequirements | null>;
  /** Reads, checks and reserves the payment; null when the request carries none. */
  verify(attempt: PaymentAttempt): Promise<CheckedDeferredPayment<P> | null>;
  /** Charges the served inference; returns the paid response's headers (PAYMENT-RESPONSE). */
  charge(verified: CheckedDeferredPayment<P>, attempt: PaymentAttempt, served: ServedCharge): Promise<Record<string, string>>;
  /** Serving failed: release the reservation, charge nothing. Never throws. */
  cancel(verified: CheckedDeferredPayment<P>, attempt: PaymentAttempt, reason: string): Promise<void>;
}

export type AnyPaymentScheme = PaymentScheme | DeferredPaymentScheme;

export const isDeferredScheme = (s: AnyPaymentScheme): s is DeferredPaymentScheme => (s as DeferredPaymentScheme).deferred === true;
