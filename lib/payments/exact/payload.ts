/**
 * Reading an "exact" payment: the PAYMENT-SIGNATURE header's PaymentPayload whose `payload` is
 *   { authorization: { from, to, value, validAfter, validBefore, nonce } (decimal strings, 0x nonce),
 *     signature: "0x…" (65-byte r‖s‖v for an EOA) },
 * the EIP-712 TransferWithAuthorization(from, to = payTo, value = amount, validAfter = 0,
 * validBefore = now + maxTimeoutSeconds, nonce = 32 random bytes) over the domain
 * { name: extra.name, version: extra.version, chainId, verifyingContract: asset }.
 */
import { isAddress } from "viem";
import { z } from "zod";
import { decodeX402Header, malformedPayment, paymentHeaderOf } from "../x402";

const addressString = z.string().refine((v) => isAddress(v, { strict: false }), "not an EVM address");
const uintString = z.union([z.string().regex(/^[0-9]{1,78}$/, "not a decimal integer"), z.number().int().min(0)]);
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "not a 32-byte hex value");
const signatureSchema = z.union([
  z.string().regex(/^0x([0-9a-fA-F]{2})+$/, "not a hex signature"),
  z.object({ r: bytes32, s: bytes32, v: z.union([z.number().int(), z.string()]).optional(), yParity: z.union([z.number().int(), z.string()]).optional() }),
]);

const requirementsSchema = z.object({
  scheme: z.string().min(1),
  network: z.string().min(3),
  amount: z.string().min(1),
  asset: z.string().min(1),
  payTo: z.string().min(1),
  maxTimeoutSeconds: z.number().positive(),
  extra: z.record(z.string(), z.unknown()).nullish(),
});

const exactPayloadSchema = z.object({
  x402Version: z.literal(2),
  resource: z.object({ url: z.string().min(1) }).loose().nullish(),
  accepted: requirementsSchema,
  payload: z.object({
    authorization: z.object({
      from: addressString,
      to: addressString,
      value: uintString,
      validAfter: uintString,
      validBefore: uintString,
      nonce: bytes32,
    }),
    signature: signatureSchema,
  }),
  extensions: z.record(z.string(), z.unknown()).nullish(),
});

/** A decoded, well-formed x402 v2 PaymentPayload of the "exact" EIP-3009 scheme (values as sent). */
export type ExactPaymentPayload = z.output<typeof exactPayloadSchema>;

/** Decodes a `PAYMENT-SIGNATURE` header value. Throws PaymentError malformed_payment (400) / unsupported_x402_version (402). */
export function decodePaymentHeader(value: string): ExactPaymentPayload {
  const parsed = exactPayloadSchema.safeParse(decodeX402Header(value));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? issue.path.join(".") : "payload";
    throw malformedPayment(`${where}: ${issue.message} (expected an x402 v2 "exact" EIP-3009 payment)`);
  }
  return parsed.data;
}

/**
 * The decoded payment of a request: null when it carries none, PaymentError malformed_payment (400)
 * when the header cannot be decoded, unsupported_x402_version (402) for a v1 payment.
 */
export function readPaymentHeader(request: Request): ExactPaymentPayload | null {
  const header = paymentHeaderOf(request);
  if (header === null) return null;
  return decodePaymentHeader(header);
}
