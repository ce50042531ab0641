/**
 * x402 v2 over HTTP, shared by every x402 scheme (./exact today). Ledgerline is its own facilitator:
 * each scheme verifies and settles against InferenceMarket itself.
 *
 * Wire format (@x402/core 2.x, whose types and header codecs are used here):
 * - Unpaid request → `402` with header `PAYMENT-REQUIRED: base64(JSON PaymentRequired)`, where
 *   PaymentRequired = { x402Version: 2, error?, resource: { url, description, mimeType }, accepts: [
 *     one PaymentRequirements per scheme ] }.
 *   v2 clients read the header only; the JSON body repeats the object (plus `reason`) for people and
 *   v1-era tooling.
 * - The client retries with header `PAYMENT-SIGNATURE: base64(JSON PaymentPayload)`, where
 *   PaymentPayload = { x402Version: 2, resource, accepted: <the chosen accepts[i]>, payload: <the
 *   scheme's>, extensions? }.
 * - Paid response → header `PAYMENT-RESPONSE: base64(JSON SettleResponse)`, SettleResponse =
 *   { success: true, transaction: <tx hash>, network, payer, amount?, extra? }.
 *
 * @x402/core's encoders write the same bytes Ledgerline wrote before (standard base64 of JSON.stringify
 * of the same object). Its decoder accepts standard base64 only and reads invalid UTF-8 as U+FFFD, so a
 * base64url header (which Ledgerline always accepted) is rewritten to standard base64 first, and a header
 * that is not UTF-8 is refused as before.
 */
import {
  decodePaymentSignatureHeader,
  encodePaymentRequiredHeader,
  encodePaymentResponseHeader,
} from "@x402/core/http";
import type { PaymentPayload, PaymentRequired, PaymentRequirements, ResourceInfo, SettleResponse } from "@x402/core/types";
import type { Address, Hex } from "viem";
import { PaymentError } from "./errors";

export type { PaymentPayload, PaymentRequired, PaymentRequirements, ResourceInfo, SettleResponse };

export const X402_VERSION = 2;
/** Request header carrying the v2 payment payload. */
export const PAYMENT_SIGNATURE_HEADER = "PAYMENT-SIGNATURE";
/** Response header carrying the v2 payment requirements (402). */
export const PAYMENT_REQUIRED_HEADER = "PAYMENT-REQUIRED";
/** Response header carrying the v2 settlement result (paid response). */
export const PAYMENT_RESPONSE_HEADER = "PAYMENT-RESPONSE";
/** The v1 request header; read only to tell v1 clients that this API speaks v2. */
export const LEGACY_PAYMENT_HEADER = "X-PAYMENT";

/**
 * CORS for browser x402 clients: the preflight must allow these request headers (@x402/fetch also sets
 * `Access-Control-Expose-Headers` as a *request* header on its paid retry), and responses must expose
 * the payment headers so scripts can read them.
 */
export const X402_CORS_HEADERS = {
  "Access-Control-Allow-Headers": "Content-Type, Authorization, PAYMENT-SIGNATURE, X-PAYMENT, Access-Control-Expose-Headers",
  "Access-Control-Expose-Headers": "PAYMENT-REQUIRED, PAYMENT-RESPONSE",
} as const;

export type Eip155Network = `eip155:${number}`;

/** Cap on the header, far above any real payment payload. */
const MAX_HEADER_CHARS = 16_384;

/** The v2 PaymentRequired object for a resource: what a 402 carries (header and body). */
export function paymentRequired(
  resource: { url: string; description: string; mimeType?: string },
  accepts: PaymentRequirements[],
): PaymentRequired {
  if (!/^https?:\/\//.test(resource.url)) throw new RangeError(`resource must be an absolute http(s) URL, got ${resource.url}`);
  return {
    x402Version: X402_VERSION,
    resource: { url: resource.url, description: resource.description, mimeType: resource.mimeType ?? "application/json" },
    accepts,
  };
}

/**
 * `402 Payment Required` that the x402 client understands: the v2 `PAYMENT-REQUIRED` header (base64
 * JSON) plus the same object as the JSON body, with `error` (a message for people) and, when given,
 * `reason` (the machine code of a refused payment).
 */
export function paymentRequiredResponse(requirements: PaymentRequired, error?: string | PaymentError): Response {
  const message = error instanceof PaymentError ? error.message : (error ?? "Payment required");
  const reason = error instanceof PaymentError ? error.code : error ? undefined : "payment_required";
  // An offer that already names its error (an x402 scheme's machine code, e.g. batch-settlement's corrective 402) keeps
  // it in the header, where the client reads it; the body still says it in words.
  const offer: PaymentRequired = { ...requirements, error: requirements.error ?? message };
  return new Response(JSON.stringify({ ...offer, error: message, ...(reason ? { reason } : {}) }), {
    status: 402,
    headers: {
      "Content-Type": "application/json",
      "Cache-Control": "no-store",
      [PAYMENT_REQUIRED_HEADER]: encodePaymentRequiredHeader(offer),
      "Access-Control-Expose-Headers": X402_CORS_HEADERS["Access-Control-Expose-Headers"],
    },
  });
}

/**
 * The response for any PaymentError: a 402 carries fresh requirements (when given) so the x402 client
 * can pay again; other statuses answer `{ error, reason }`.
 */
export function paymentErrorResponse(err: PaymentError, requirements?: PaymentRequired): Response {
  const offer = err.offer ?? requirements;
  if (err.status === 402 && offer) return paymentRequiredResponse(offer, err);
  return Response.json(err.toJSON(), { status: err.status, headers: { "Cache-Control": "no-store" } });
}

// ---------------------------------------------------------------------------------------------------
// Reading the payment header
// ---------------------------------------------------------------------------------------------------

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

export const malformedPayment = (why: string) =>
  new PaymentError("malformed_payment", `The ${PAYMENT_SIGNATURE_HEADER} header is malformed: ${why}.`);

/**
 * Decodes a `PAYMENT-SIGNATURE` header value to the JSON object it carries, for any scheme (the scheme
 * checks its `payload`). Throws PaymentError malformed_payment (400) when it is not base64 JSON, and
 * unsupported_x402_version (402) for another x402 version.
 */
export function decodeX402Header(value: string): Record<string, unknown> {
  const text = value.trim();
  if (!text) throw malformedPayment("it is empty");
  if (text.length > MAX_HEADER_CHARS) throw malformedPayment("it is too long");
  if (!BASE64.test(text) && !BASE64URL.test(text)) throw malformedPayment("it is not base64");
  const std = standardBase64(text);
  let json: unknown;
  try {
    if (!isUtf8Base64(std)) throw new Error("not UTF-8");
    json = decodePaymentSignatureHeader(std);
  } catch {
    throw malformedPayment("it is not base64-encoded JSON");
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw malformedPayment("it is not a JSON object");
  const version = (json as { x402Version?: unknown }).x402Version;
  if (typeof version === "number" && version !== X402_VERSION) {
    throw new PaymentError(
      "unsupported_x402_version",
      `This API speaks x402 version ${X402_VERSION} (header ${PAYMENT_SIGNATURE_HEADER}); the payment is for version ${version}.`,
    );
  }
  return json as Record<string, unknown>;
}

/** base64url (unpadded or not) → padded standard base64, which @x402/core's decoder requires. */
function standardBase64(b64: string): string {
  let std = b64.replace(/-/g, "+").replace(/_/g, "/");
  if (std.length % 4) std += "=".repeat(4 - (std.length % 4));
  return std;
}

/** @x402/core decodes invalid UTF-8 leniently (as U+FFFD); Ledgerline has always refused such a header. */
function isUtf8Base64(std: string): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(atob(std), (c) => c.charCodeAt(0)));
    return true;
  } catch {
    return false;
  }
}

/** The raw payment header of a request (v2, or v1 to refuse it), or null. */
export function paymentHeaderOf(request: Request): string | null {
  return request.headers.get(PAYMENT_SIGNATURE_HEADER) ?? request.headers.get(LEGACY_PAYMENT_HEADER);
}

/** The x402 scheme the request's payment names (`accepted.scheme`), without checking anything else; never throws. */
export function x402SchemeOf(request: Request): string | undefined {
  const header = paymentHeaderOf(request);
  if (header === null) return undefined;
  try {
    const scheme = (decodeX402Header(header).accepted as { scheme?: unknown } | undefined)?.scheme;
    return typeof scheme === "string" ? scheme : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------
// The paid response
// ---------------------------------------------------------------------------------------------------

export interface PaymentResponseInput {
  txHash: Hex;
  payer: Address;
  chainId: number;
  /** Extra Ledgerline details in SettleResponse.extra. */
  requestId?: bigint;
  amount?: bigint;
}

/** The v2 settlement header for the paid response: ["PAYMENT-RESPONSE", base64(JSON SettleResponse)]. */
export function paymentResponseHeader(result: PaymentResponseInput): [name: string, value: string] {
  const settle: SettleResponse = {
    success: true,
    transaction: result.txHash,
    network: `eip155:${result.chainId}`,
    payer: result.payer,
    ...(result.amount !== undefined ? { amount: result.amount.toString() } : {}),
    ...(result.requestId !== undefined ? { extra: { requestId: result.requestId.toString() } } : {}),
  };
  return [PAYMENT_RESPONSE_HEADER, encodePaymentResponseHeader(settle)];
}
