/**
 * Why a payment was refused: an {@link AppError} whose code is the machine-readable `reason` and whose
 * status comes from lib/errors.ts's one table, e.g.
 * - 400: the request or payment header cannot be read at all (malformed_payment, invalid_transaction_hash…).
 * - 402: pay (again): the payment is missing, invalid, expired, used, underfunded or for another price.
 *        x402 answers carry fresh requirements in the `PAYMENT-REQUIRED` header (paymentErrorResponse).
 * - 409: a conflict worth retrying or explaining: the request hash was already paid (request_replayed),
 *        the payment transaction is not mined yet (transaction_pending / transaction_not_found), the
 *        paid request was already served (request_already_served).
 * - 422: the payment is valid but does not fit this request (wrong model, request hash mismatch, model
 *        inactive or unknown, transaction reverted or not a payment).
 */
import type { PaymentRequired } from "@x402/core/types";
import { AppError, type ERROR_STATUS, type ErrorCode } from "@/lib/errors";

/** The codes a payment is refused with (a subset of the app's vocabulary). */
export type PaymentErrorCode = Extract<
  ErrorCode,
  | "malformed_payment"
  | "invalid_request_hash"
  | "invalid_transaction_hash"
  | "payment_required"
  | "unsupported_x402_version"
  | "unsupported_scheme"
  | "wrong_network"
  | "wrong_asset"
  | "wrong_recipient"
  | "price_changed"
  | "authorization_expired"
  | "authorization_not_yet_valid"
  | "authorization_used"
  | "invalid_signature"
  | "insufficient_funds"
  | "insufficient_allowance"
  | "payment_failed"
  | "payment_in_progress"
  | "voucher_out_of_sync"
  | "channel_busy"
  | "request_replayed"
  | "request_already_served"
  | "request_refunded"
  | "request_not_paid"
  | "transaction_pending"
  | "transaction_not_found"
  | "unknown_model"
  | "model_inactive"
  | "wrong_model"
  | "transaction_reverted"
  | "not_a_payment"
  | "request_hash_mismatch"
>;

/** 400, 402, 409 or 422: read from the table, so a code's status is never restated here. */
export type PaymentErrorStatus = (typeof ERROR_STATUS)[PaymentErrorCode];

export class PaymentError extends AppError {
  static override readonly brand: string = "PaymentError";
  declare readonly code: PaymentErrorCode;
  declare readonly status: PaymentErrorStatus;
  /** Same as `code`: the `reason` of the `{ error, reason }` body. */
  readonly reason: PaymentErrorCode;

  /**
   * The 402's PaymentRequired when it is not the request's plain offer: x402 batch-settlement refusals carry the
   * package's machine code in `error` and, for a voucher out of sync, the channel's state so the client resyncs.
   */
  readonly offer?: PaymentRequired;

  constructor(code: PaymentErrorCode, message: string, opts: { offer?: PaymentRequired } = {}) {
    super(code, message);
    this.reason = code;
    if (opts.offer) this.offer = opts.offer;
  }

  /** The JSON body routes send for this error: `{ error, reason }`. */
  toJSON(): { error: string; reason: PaymentErrorCode } {
    return { error: this.message, reason: this.code };
  }
}

export function isPaymentError(e: unknown): e is PaymentError {
  return e instanceof PaymentError;
}
