import { batchSettlementRefund } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { paymentChain } from "@/lib/inference/paid";
import { serveContext } from "@/lib/inference/runtime";
import { X402_CORS_HEADERS } from "@/lib/payments";
import { batchRefundResponse } from "@/lib/payments/batch-settlement/refund";

/**
 * Cooperative refund of a batch-settlement channel's unused deposit: the URL the official client's
 * `refundChannel` is given (GET without a payment: 402 with the channel terms; GET with a refund payload: refunded).
 */
export const GET = route(batchSettlementRefund, async ({ request }) => batchRefundResponse(request, paymentChain(await serveContext())));

export function OPTIONS() {
  return new Response(null, { status: 204, headers: { ...X402_CORS_HEADERS, "Access-Control-Allow-Methods": "GET, OPTIONS" } });
}
