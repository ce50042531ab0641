/**
 * How serving a paid request can end other than served: each an AppError whose code, message and details
 * are the HTTP answer (route() maps them as they are), and whose message says what happened to the money.
 */
import { AppError } from "@/lib/errors";
import type { AttributionRecord } from "@/lib/attribution/record";
import type { Hex, JobStatus, ServedInference } from "./types";

/**
 * The inference could not be served. `refunded`: the payment went back to the payer on-chain (refundTx);
 * otherwise it stays in escrow and recovery refunds it. `problem` is what went wrong, without the money part.
 */
export class InferenceFailed extends AppError {
  constructor(
    readonly problem: string,
    readonly refunded: boolean,
    readonly refundTx?: Hex,
  ) {
    super(
      refunded ? "refunded" : "refund_pending",
      refunded ? `${problem} Your payment was refunded (${refundTx}).` : `${problem} The payment stays in escrow and is refunded automatically.`,
      { refundTx },
    );
  }
}

/**
 * This payment was already used: served and settled (`result` holds what was served), being served right
 * now by another request, or refunded. Answered 409.
 */
export class AlreadyServed extends AppError {
  constructor(
    message: string,
    readonly jobStatus: JobStatus,
    readonly result?: ServedInference,
    readonly refundTx?: Hex,
  ) {
    super("request_already_served", message, { status: jobStatus, requestId: result?.requestId });
  }
}

export type PaymentMismatchReason = "unknown_request" | "not_paid" | "wrong_model" | "wrong_request_hash" | "wrong_payer" | "bad_request";

/**
 * The paid request does not match the payment on-chain (unknown request, other model, other hash or
 * payer, or no longer in escrow). Nothing was claimed, served or refunded. Answered 409 for `not_paid`
 * (settled or refunded already, or not mined yet), 422 for the others.
 */
export class PaymentMismatch extends AppError {
  constructor(
    message: string,
    readonly reason: PaymentMismatchReason,
  ) {
    super(reason === "bad_request" ? "invalid_paid_request" : reason, message);
  }
}

/**
 * The answer is stored (and was streamed) but settling it on-chain failed for now (RPC or chain trouble).
 * The payment stays in escrow; recovery settles it. Answered 503 with the output.
 */
export class SettlementPending extends AppError {
  constructor(
    readonly problem: string,
    readonly requestId: bigint,
    readonly output: string,
    readonly record: AttributionRecord,
  ) {
    super("settlement_pending", `${problem} Your answer is stored and will be settled; nothing is lost.`, { requestId, output });
  }
}
