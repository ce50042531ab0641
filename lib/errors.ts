/**
 * One error vocabulary for the whole app (dub's `DubApiError` + `errorCodeToHttpStatus`): a closed set of
 * machine codes, one HTTP status per code, and one error class. The server throws `AppError`; `route()`
 * turns any of them into `{ error, reason, details? }` with the code's status; the browser switches on
 * `reason` (never on message text). Browser-safe: no server imports here.
 */

/** Every code the API answers with → its HTTP status. A code means one thing and has one status. */
export const ERROR_STATUS = {
  // 400: the request cannot be read.
  bad_request: 400,
  invalid_params: 400,
  malformed_payment: 400,
  invalid_request_hash: 400,
  invalid_transaction_hash: 400,
  invalid_cursor: 400,
  // 401 / 403: who you are.
  sign_in_required: 401,
  sign_in_failed: 401,
  // Why a Sign-In with Ethereum was refused (SignInError): the message says what to do.
  sign_in_malformed: 401,
  sign_in_domain: 401,
  sign_in_chain: 401,
  sign_in_expired: 401,
  sign_in_nonce: 401,
  sign_in_signature: 401,
  unauthorized: 401,
  forbidden: 403,
  // 402: pay (again). x402 answers carry fresh requirements with these.
  payment_required: 402,
  unsupported_x402_version: 402,
  unsupported_scheme: 402,
  wrong_network: 402,
  wrong_asset: 402,
  wrong_recipient: 402,
  price_changed: 402,
  authorization_expired: 402,
  authorization_not_yet_valid: 402,
  authorization_used: 402,
  invalid_signature: 402,
  insufficient_funds: 402,
  insufficient_allowance: 402,
  payment_failed: 402,
  // x402 batch-settlement: the voucher does not continue the channel's state; the 402 carries that state to resync.
  voucher_out_of_sync: 402,
  // 404
  not_found: 404,
  // 405: the address exists, the method does not (Next's own 405 has an empty body).
  method_not_allowed: 405,
  // 409: a conflict worth explaining or retrying.
  conflict: 409,
  payment_in_progress: 409,
  // x402 batch-settlement: another request of the same channel is being served (one at a time per channel).
  channel_busy: 409,
  request_replayed: 409,
  request_already_served: 409,
  request_refunded: 409,
  request_not_paid: 409,
  not_paid: 409,
  transaction_pending: 409,
  transaction_not_found: 409,
  // Content squatting: the bytes belong to the account that uploaded them first.
  content_claimed: 409,
  // Originality shield: an open Datanet accepts each text once (same bytes, or the same normalised text).
  duplicate_content: 409,
  // 413
  payload_too_large: 413,
  // 431: answered by the web server itself (scripts/web-server.mjs) before Next sees the request.
  headers_too_large: 431,
  // 422: well-formed, but names something unusable.
  unprocessable: 422,
  prompt_too_long: 422,
  price_below_minimum: 422,
  invalid_content: 422,
  unknown_model: 422,
  model_inactive: 422,
  wrong_model: 422,
  wrong_request_hash: 422,
  wrong_payer: 422,
  unknown_request: 422,
  invalid_paid_request: 422,
  transaction_reverted: 422,
  not_a_payment: 422,
  request_hash_mismatch: 422,
  // 429
  rate_limited: 429,
  // 5xx: our side or an upstream's; the message says what happened to the money.
  internal: 500,
  refunded: 502,
  refund_pending: 502,
  model_unavailable: 503,
  settlement_pending: 503,
  service_unavailable: 503,
} as const satisfies Record<string, 400 | 401 | 402 | 403 | 404 | 405 | 409 | 413 | 422 | 429 | 431 | 500 | 502 | 503>;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

export const errorStatus = (code: ErrorCode): ErrorStatus => ERROR_STATUS[code];

export function isErrorCode(x: unknown): x is ErrorCode {
  return typeof x === "string" && Object.hasOwn(ERROR_STATUS, x);
}

/** The JSON body of every Ledgerline error response (OpenAI-compatible routes wrap it in OpenAI's shape). */
export interface ErrorBody {
  error: string;
  reason: ErrorCode;
  details?: Record<string, unknown>;
}

/** The brands of an AppError's class chain (see {@link AppError.brand}); the same symbol in every copy. */
const BRANDS = Symbol.for("ledgerline.errorBrands");

/**
 * An error a person can act on. `message` is shown as is; `details` are extra machine-readable facts
 * (e.g. `refundTx`, `retryAfter`, `requestId`) sent with it.
 */
export class AppError extends Error {
  /**
   * The class's name for `instanceof` across copies of this code: Next compiles a module once per layer (route
   * handlers, instrumentation), so an error thrown by an object instrumentation made (the serve context, its model
   * catalog) is another copy's class, and plain `instanceof` turned it into a 500. Minified class names differ, so
   * each class that is checked by `instanceof` names itself here.
   */
  static readonly brand: string = "AppError";
  override readonly name = "AppError";
  readonly status: ErrorStatus;
  declare readonly [BRANDS]: readonly string[];

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
    const brands: string[] = [];
    for (let c: unknown = new.target; typeof c === "function" && c !== Error; c = Object.getPrototypeOf(c)) {
      if (Object.hasOwn(c, "brand")) brands.push((c as typeof AppError).brand);
    }
    Object.defineProperty(this, BRANDS, { value: brands });
  }

  /** This copy's instances, or another copy's whose class (or an ancestor) has this class's brand. */
  static [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (!Object.hasOwn(this, "brand") || typeof value !== "object" || value === null) return false;
    const brands = (value as { [BRANDS]?: unknown })[BRANDS];
    return Array.isArray(brands) && brands.includes(this.brand);
  }

  toBody(): ErrorBody {
    return { error: this.message, reason: this.code, ...(this.details ? { details: this.details } : {}) };
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

export const notFound = (what: string) => new AppError("not_found", `${what} was not found.`);

/** The code of an error body received by a client (`undefined` when the body is not one of ours). */
export function errorCodeOf(body: unknown): ErrorCode | undefined {
  const reason = (body as { reason?: unknown } | null)?.reason;
  return isErrorCode(reason) ? reason : undefined;
}
