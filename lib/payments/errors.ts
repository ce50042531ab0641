/**
 * Why a payment was refused, in a form a route can answer with directly: an HTTP status, a stable
 * machine-readable `reason` (snake_case, documented below) and a message a person understands.
 *
 * Statuses:
 * - 400: the request or payment header cannot be read at all (malformed_payment, invalid_request…).
 * - 402: pay (again): the payment is missing, invalid, expired, used, underfunded or for another price.
 *        For x402, answer with `paymentRequiredResponse(requirements, error)` so the client gets fresh
 *        requirements in the `PAYMENT-REQUIRED` header.
 * - 409: a conflict worth retrying or explaining: the request hash was already paid (request_replayed),
 *        the payment transaction is not mined yet (transaction_pending / transaction_not_found), the
 *        paid request was already served (request_not_paid).
 * - 422: the payment is valid but does not fit this request (wrong model, wrong request hash, model
 *        inactive or unknown, transaction reverted or not a payment).
 */
export type PaymentErrorStatus = 400 | 402 | 409 | 422;

export class PaymentError extends Error {
  override readonly name = "PaymentError";

  constructor(
    message: string,
    readonly status: PaymentErrorStatus,
    /** Machine code, e.g. "authorization_expired". */
    readonly reason: string,
  ) {
    super(message);
  }

  /** The JSON body routes send for this error: `{ error, reason }`. */
  toJSON(): { error: string; reason: string } {
    return { error: this.message, reason: this.reason };
  }
}

export function isPaymentError(e: unknown): e is PaymentError {
  return e instanceof PaymentError;
}
