/**
 * Cooperative refund of a batch-settlement channel's unused deposit, as the official client's `refundChannel(url)`
 * asks for it: `GET url` without a payment → 402 whose `batch-settlement` accept names the receiverAuthorizer; then
 * `GET url` with a refund payload (PAYMENT-SIGNATURE) → the facilitator claims the charged vouchers and refunds the
 * rest to the payer in one transaction (multicall), and the answer carries PAYMENT-RESPONSE.
 *
 * The accept is the same bytes for the probe and the retry (the resource server matches it field by field): its
 * amount is a constant, which a refund does not use (it refunds balance − charged).
 */
import type { PaymentRequired } from "@x402/core/types";
import { encodePaymentResponseHeader } from "@x402/core/http";
import { PaymentError } from "../errors";
import type { PaymentChain } from "../scheme";
import { paymentErrorResponse, paymentRequired, paymentRequiredResponse, PAYMENT_RESPONSE_HEADER, X402_CORS_HEADERS } from "../x402";
import { batchRequirements, batchServerFor, readBatchPayload, refusal } from "./scheme";

/** The refund offer's `amount`: unused by refunds, fixed so the probe's and the retry's accepts are identical. */
const REFUND_OFFER_AMOUNT = 1n;

/** Answers one request of the refund URL. */
export async function batchRefundResponse(request: Request, chain: PaymentChain): Promise<Response> {
  const server = await batchServerFor(chain);
  if (!server) return paymentErrorResponse(new PaymentError("unsupported_scheme", "This server does not take batch-settlement payments on this chain."));
  const offer: PaymentRequired = paymentRequired(
    { url: request.url, description: "Refund of the unused deposit of your batch-settlement channel with this server." },
    [await batchRequirements(server, chain, REFUND_OFFER_AMOUNT)],
  );
  try {
    const payload = readBatchPayload(request, "refund");
    if (!payload) return paymentRequiredResponse(offer);
    const requirements = server.rs.findMatchingRequirements(offer.accepts, payload);
    if (!requirements) throw new PaymentError("price_changed", "The refund's batch-settlement terms do not match this server's channel terms.");
    const verified = await server.rs.verifyPayment(payload, requirements);
    if (!verified.isValid) throw await refusal(server, offer, payload, verified.invalidReason ?? "invalid_payment", verified.invalidMessage);
    const settled = await server.rs.settlePayment(payload, requirements);
    if (!settled.success) throw new PaymentError("payment_failed", `The refund failed: ${settled.errorReason ?? "unknown"}${settled.errorMessage ? ` (${settled.errorMessage})` : ""}.`);
    return Response.json(
      { message: "Refund acknowledged", channelId: (payload.payload as { voucher: { channelId: string } }).voucher.channelId, transaction: settled.transaction, amount: settled.amount ?? null },
      { headers: { [PAYMENT_RESPONSE_HEADER]: encodePaymentResponseHeader(settled), "Cache-Control": "no-store", "Access-Control-Expose-Headers": X402_CORS_HEADERS["Access-Control-Expose-Headers"] } },
    );
  } catch (err) {
    if (err instanceof PaymentError) return paymentErrorResponse(err, offer);
    throw err;
  }
}
