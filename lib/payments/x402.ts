/**
 * Gasless payment with x402 v2 ("exact" scheme, EIP-3009), served by Ledgerline itself: no facilitator.
 *
 * Wire format (as implemented by @x402/core, @x402/fetch and @x402/evm 2.x):
 * - Unpaid request → `402` with header `PAYMENT-REQUIRED: base64(JSON PaymentRequired)`, where
 *   PaymentRequired = { x402Version: 2, error?, resource: { url, description, mimeType }, accepts: [
 *     { scheme: "exact", network: "eip155:<chainId>", asset: <OPEN>, amount: "<wei>", payTo: <market>,
 *       maxTimeoutSeconds, extra: { name: "Open", version: "1" } } ] }.
 *   v2 clients read the header only; the JSON body repeats the object for people and v1-era tooling.
 * - The client signs EIP-712 TransferWithAuthorization(from, to = payTo, value = amount, validAfter = 0,
 *   validBefore = now + maxTimeoutSeconds, nonce = 32 random bytes) over the domain
 *   { name: extra.name, version: extra.version, chainId, verifyingContract: asset } and retries the same
 *   request with header `PAYMENT-SIGNATURE: base64(JSON PaymentPayload)`, where
 *   PaymentPayload = { x402Version: 2, resource, accepted: <the chosen accepts[i]>, payload: {
 *     authorization: { from, to, value, validAfter, validBefore, nonce } (decimal strings, 0x nonce),
 *     signature: "0x…" (65-byte r‖s‖v for an EOA) }, extensions? }.
 * - Paid response → header `PAYMENT-RESPONSE: base64(JSON SettleResponse)`, SettleResponse =
 *   { success: true, transaction: <tx hash>, network, payer, amount?, extra? }.
 *
 * Ledgerline's server verifies the authorization here and submits it as the operator through
 * `InferenceMarket.payWithAuthorization`, which moves the price into escrow and opens the request.
 */
import {
  getAddress,
  isAddress,
  isAddressEqual,
  parseEventLogs,
  recoverTypedDataAddress,
  serializeSignature,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { z } from "zod";
import { inferenceMarketAbi, openTokenAbi } from "@/contracts-abi";
import { TRANSFER_WITH_AUTHORIZATION_TYPES, type Eip3009Authorization } from "@/lib/chain/eip3009";
import { sendInOrder, sendQueueKey } from "@/lib/chain/send-queue";
import { PaymentError } from "./errors";
import { decodeRevert, formatOpen, type DecodedRevert } from "./revert";

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

export const DEFAULT_MAX_TIMEOUT_SECONDS = 300;
/** An authorization must stay valid at least this long past the latest block, so it is still valid when mined. */
export const VALIDITY_MARGIN_SECONDS = 5n;
/** Cap on the decoded header, far above any real EIP-3009 payload. */
const MAX_HEADER_CHARS = 16_384;

export type Eip155Network = `eip155:${number}`;

export interface ResourceInfo {
  url: string;
  description?: string;
  mimeType?: string;
}

/** One x402 v2 PaymentRequirements entry (scheme "exact", EIP-3009). */
export interface ExactPaymentRequirements {
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

/** The x402 v2 PaymentRequired object: what a 402 carries (header and body). */
export interface PaymentRequired {
  x402Version: 2;
  error?: string;
  resource: ResourceInfo;
  accepts: ExactPaymentRequirements[];
}

export interface PaymentRequirementsOptions {
  chainId: number;
  token: Address;
  /** EIP-712 domain name of the token (OpenToken: "Open"). */
  tokenName: string;
  /** EIP-712 domain version of the token (OpenToken: "1"). */
  tokenVersion: string;
  market: Address;
  price: bigint;
  /** Absolute URL of the paid endpoint. */
  resource: string;
  description: string;
  mimeType?: string;
  maxTimeoutSeconds?: number;
}

/**
 * The offer for one paid request at the model's current on-chain price. Returns the whole v2
 * PaymentRequired object (resource + a single `accepts` entry, which is the v2 PaymentRequirements),
 * since v2 keeps the resource beside the requirements: pass it as-is to {@link paymentRequiredResponse}
 * and {@link verifyAuthorization}.
 */
export function paymentRequirements(opts: PaymentRequirementsOptions): PaymentRequired {
  if (!Number.isSafeInteger(opts.chainId) || opts.chainId <= 0) throw new RangeError(`chainId must be a positive integer, got ${opts.chainId}`);
  if (opts.price < 0n) throw new RangeError("price must not be negative");
  const maxTimeoutSeconds = opts.maxTimeoutSeconds ?? DEFAULT_MAX_TIMEOUT_SECONDS;
  if (!Number.isSafeInteger(maxTimeoutSeconds) || maxTimeoutSeconds <= 0) {
    throw new RangeError(`maxTimeoutSeconds must be a positive integer, got ${maxTimeoutSeconds}`);
  }
  if (!/^https?:\/\//.test(opts.resource)) throw new RangeError(`resource must be an absolute http(s) URL, got ${opts.resource}`);
  return {
    x402Version: X402_VERSION,
    resource: { url: opts.resource, description: opts.description, mimeType: opts.mimeType ?? "application/json" },
    accepts: [
      {
        scheme: "exact",
        network: `eip155:${opts.chainId}`,
        asset: getAddress(opts.token),
        amount: opts.price.toString(),
        payTo: getAddress(opts.market),
        maxTimeoutSeconds,
        extra: { name: opts.tokenName, version: opts.tokenVersion },
      },
    ],
  };
}

/** Standard base64 of UTF-8 text (as @x402/core's safeBase64Encode; works in Node and edge runtimes). */
function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function unbase64Utf8(b64: string): string {
  let std = b64.replace(/-/g, "+").replace(/_/g, "/");
  if (std.length % 4) std += "=".repeat(4 - (std.length % 4));
  const binary = atob(std);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
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

function base64Json(value: unknown): string {
  return base64Utf8(JSON.stringify(value));
}

/**
 * `402 Payment Required` that the x402 client understands: the v2 `PAYMENT-REQUIRED` header (base64
 * JSON) plus the same object as the JSON body, with `error` (a message for people) and, when given,
 * `reason` (the machine code of a refused payment).
 */
export function paymentRequiredResponse(requirements: PaymentRequired, error?: string | PaymentError): Response {
  const message = error instanceof PaymentError ? error.message : (error ?? "Payment required");
  const reason = error instanceof PaymentError ? error.reason : error ? undefined : "payment_required";
  const paymentRequired: PaymentRequired = { ...requirements, error: message };
  return new Response(JSON.stringify({ ...paymentRequired, ...(reason ? { reason } : {}) }), {
    status: 402,
    headers: {
      "Content-Type": "application/json",
      "Cache-Control": "no-store",
      [PAYMENT_REQUIRED_HEADER]: base64Json(paymentRequired),
      "Access-Control-Expose-Headers": X402_CORS_HEADERS["Access-Control-Expose-Headers"],
    },
  });
}

/**
 * The response for any PaymentError: a 402 carries fresh requirements (when given) so the x402 client
 * can pay again; other statuses answer `{ error, reason }`.
 */
export function paymentErrorResponse(err: PaymentError, requirements?: PaymentRequired): Response {
  if (err.status === 402 && requirements) return paymentRequiredResponse(requirements, err);
  return Response.json(err.toJSON(), { status: err.status, headers: { "Cache-Control": "no-store" } });
}

// ---------------------------------------------------------------------------------------------------
// Reading the payment header
// ---------------------------------------------------------------------------------------------------

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

const paymentPayloadSchema = z.object({
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

/** A decoded, well-formed x402 v2 PaymentPayload for the exact EIP-3009 scheme (values as sent). */
export type PaymentPayload = z.output<typeof paymentPayloadSchema>;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** Decodes a `PAYMENT-SIGNATURE` header value (base64 JSON). Throws PaymentError(400 "malformed_payment"). */
export function decodePaymentHeader(value: string): PaymentPayload {
  const malformed = (why: string) =>
    new PaymentError(`The ${PAYMENT_SIGNATURE_HEADER} header is malformed: ${why}.`, 400, "malformed_payment");
  const text = value.trim();
  if (!text) throw malformed("it is empty");
  if (text.length > MAX_HEADER_CHARS) throw malformed("it is too long");
  if (!BASE64.test(text) && !BASE64URL.test(text)) throw malformed("it is not base64");
  let json: unknown;
  try {
    json = JSON.parse(unbase64Utf8(text));
  } catch {
    throw malformed("it is not base64-encoded JSON");
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw malformed("it is not a JSON object");
  const version = (json as { x402Version?: unknown }).x402Version;
  if (typeof version === "number" && version !== X402_VERSION) {
    throw new PaymentError(
      `This API speaks x402 version ${X402_VERSION} (header ${PAYMENT_SIGNATURE_HEADER}); the payment is for version ${version}.`,
      402,
      "unsupported_x402_version",
    );
  }
  const parsed = paymentPayloadSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? issue.path.join(".") : "payload";
    throw malformed(`${where}: ${issue.message} (expected an x402 v2 "exact" EIP-3009 payment)`);
  }
  return parsed.data;
}

/**
 * The decoded payment of a request: null when it carries none, PaymentError(400 "malformed_payment")
 * when the header cannot be decoded, PaymentError(402 "unsupported_x402_version") for a v1 payment.
 */
export function readPaymentHeader(request: Request): PaymentPayload | null {
  const header = request.headers.get(PAYMENT_SIGNATURE_HEADER) ?? request.headers.get(LEGACY_PAYMENT_HEADER);
  if (header === null) return null;
  return decodePaymentHeader(header);
}

// ---------------------------------------------------------------------------------------------------
// Verifying the authorization
// ---------------------------------------------------------------------------------------------------

export interface VerifiedAuthorization extends Eip3009Authorization {
  /** As sent by the client, normalized to bytes (r‖s‖v for EOAs). */
  signature: Hex;
}

export { TRANSFER_WITH_AUTHORIZATION_TYPES };

function signatureBytes(sig: PaymentPayload["payload"]["signature"]): Hex {
  if (typeof sig === "string") return sig as Hex;
  const raw = sig.yParity ?? sig.v;
  const n = raw === undefined ? NaN : Number(raw);
  const yParity = n === 0 || n === 27 ? 0 : n === 1 || n === 28 ? 1 : -1;
  if (yParity < 0) throw new PaymentError("The signature's v (or yParity) must be 27/28 or 0/1.", 400, "malformed_payment");
  return serializeSignature({ r: sig.r as Hex, s: sig.s as Hex, yParity });
}

function requirementOf(requirements: PaymentRequired | ExactPaymentRequirements): ExactPaymentRequirements {
  return "accepts" in requirements ? requirements.accepts[0] : requirements;
}

export interface VerifyAuthorizationOptions {
  payload: PaymentPayload;
  /** The current offer (the model's current price), as built by {@link paymentRequirements}. */
  requirements: PaymentRequired | ExactPaymentRequirements;
  publicClient: PublicClient;
  chainId: number;
  /** Seconds; default: the latest block's timestamp. */
  now?: bigint;
}

/**
 * Checks an x402 payment against the current requirements and the chain, without sending anything.
 * Every refusal is a PaymentError with status 402 (pay again) and a reason:
 * unsupported_x402_version, unsupported_scheme, wrong_network, wrong_asset, wrong_recipient,
 * price_changed, authorization_expired, authorization_not_yet_valid, invalid_signature,
 * authorization_used, insufficient_funds.
 */
export async function verifyAuthorization(opts: VerifyAuthorizationOptions): Promise<VerifiedAuthorization> {
  const { payload, publicClient, chainId } = opts;
  const req = requirementOf(opts.requirements);
  const refuse = (message: string, reason: string) => new PaymentError(message, 402, reason);

  if (payload.x402Version !== X402_VERSION) {
    throw refuse(`This API speaks x402 version ${X402_VERSION}; the payment is for version ${String(payload.x402Version)}.`, "unsupported_x402_version");
  }
  const accepted = payload.accepted;
  if (accepted.scheme !== "exact") {
    throw refuse(`Only the "exact" scheme is accepted; the payment uses "${accepted.scheme}".`, "unsupported_scheme");
  }
  const network = `eip155:${chainId}`;
  if (req.network !== network) throw new Error(`verifyAuthorization: requirements are for ${req.network} but chainId is ${chainId}`);
  if (accepted.network !== network) {
    throw refuse(`Payments here are on ${network} (chain id ${chainId}); this payment is for ${accepted.network}.`, "wrong_network");
  }
  if (!isAddress(accepted.asset, { strict: false }) || !isAddressEqual(accepted.asset, req.asset)) {
    throw refuse(`Payments here are in OPEN (${req.asset}); this payment is in ${accepted.asset}.`, "wrong_asset");
  }
  const auth = payload.payload.authorization;
  const from = getAddress(auth.from);
  const to = getAddress(auth.to);
  if (!isAddress(accepted.payTo, { strict: false }) || !isAddressEqual(accepted.payTo, req.payTo) || !isAddressEqual(to, req.payTo)) {
    throw refuse(`Payments here go to the InferenceMarket ${req.payTo}; this authorization pays ${to}.`, "wrong_recipient");
  }
  const value = BigInt(auth.value);
  const price = BigInt(req.amount);
  if (value !== price || accepted.amount !== req.amount) {
    throw refuse(
      `The price changed: this request now costs ${formatOpen(price)} (${price} wei), and the payment authorizes ${formatOpen(value)}. Sign a new authorization for the current price.`,
      "price_changed",
    );
  }
  const validAfter = BigInt(auth.validAfter);
  const validBefore = BigInt(auth.validBefore);
  const nonce = auth.nonce.toLowerCase() as Hex;
  const signature = signatureBytes(payload.payload.signature);

  const [now, used, balance, code] = await Promise.all([
    opts.now ?? publicClient.getBlock({ blockTag: "latest" }).then((b) => b.timestamp),
    publicClient.readContract({ address: req.asset, abi: openTokenAbi, functionName: "authorizationState", args: [from, nonce] }),
    publicClient.readContract({ address: req.asset, abi: openTokenAbi, functionName: "balanceOf", args: [from] }),
    publicClient.getCode({ address: from }),
  ]);

  if (validBefore <= now + VALIDITY_MARGIN_SECONDS) {
    throw refuse(
      `The payment authorization expired (valid before ${isoTime(validBefore)}, chain time ${isoTime(now)}). Sign a new one.`,
      "authorization_expired",
    );
  }
  if (validAfter >= now) {
    throw refuse(
      `The payment authorization is not valid yet (valid after ${isoTime(validAfter)}, chain time ${isoTime(now)}).`,
      "authorization_not_yet_valid",
    );
  }

  const typedData = {
    domain: { name: req.extra.name, version: req.extra.version, chainId, verifyingContract: req.asset },
    types: TRANSFER_WITH_AUTHORIZATION_TYPES,
    primaryType: "TransferWithAuthorization",
    message: { from, to, value, validAfter, validBefore, nonce },
  } as const;
  let signer: Address | null = null;
  try {
    signer = await recoverTypedDataAddress({ ...typedData, signature });
  } catch {
    signer = null;
  }
  let signed = signer !== null && isAddressEqual(signer, from);
  if (!signed && code && code !== "0x") {
    // A smart-contract wallet (EIP-1271): OpenToken checks with SignatureChecker, so ask the wallet.
    signed = await publicClient.verifyTypedData({ address: from, ...typedData, signature }).catch(() => false);
  }
  if (!signed) {
    throw refuse(
      `The payment signature is not ${from}'s EIP-712 TransferWithAuthorization for ${req.extra.name} v${req.extra.version} on chain ${chainId}.`,
      "invalid_signature",
    );
  }
  if (used) {
    throw refuse(`This payment authorization (nonce ${nonce}) was already used or canceled. Sign a new one.`, "authorization_used");
  }
  if (balance < value) {
    const hint =
      chainId === 31337
        ? "On the local chain, mint test OPEN with the token's faucet(address, amount)."
        : "Transfer OPEN to this address first.";
    throw refuse(`${from} holds ${formatOpen(balance)} but this request costs ${formatOpen(value)}. ${hint}`, "insufficient_funds");
  }
  return { from, to, value, validAfter, validBefore, nonce, signature };
}

function isoTime(seconds: bigint): string {
  const ms = Number(seconds) * 1000;
  return Number.isFinite(ms) && ms < 8.64e15 ? new Date(ms).toISOString() : `${seconds}s`;
}

// ---------------------------------------------------------------------------------------------------
// Submitting it on-chain
// ---------------------------------------------------------------------------------------------------

/** Maps a revert of pay / payWithAuthorization to a PaymentError; null for anything else (a server fault). */
export function paymentErrorFromRevert(revert: DecodedRevert | null): PaymentError | null {
  if (!revert) return null;
  const a = revert.args;
  switch (revert.name) {
    case "RequestHashUsed":
      return new PaymentError("This request was already paid for (its request hash is used). Send a new request.", 409, "request_replayed");
    case "ZeroRequestHash":
      return new PaymentError("The request hash is zero.", 400, "invalid_request_hash");
    case "UnknownModel":
      return new PaymentError(`There is no model ${String(a[0])}.`, 422, "unknown_model");
    case "ModelInactive":
      return new PaymentError(`Model ${String(a[0])} is not taking requests (inactive).`, 422, "model_inactive");
    case "PriceMismatch":
      return new PaymentError(
        `The price changed: the model now costs ${formatOpen(a[0] as bigint)} and the payment authorizes ${formatOpen(a[1] as bigint)}. Sign a new authorization for the current price.`,
        402,
        "price_changed",
      );
    case "PriceAboveMax":
      return new PaymentError(
        `The price changed: the model now costs ${formatOpen(a[0] as bigint)}, above the ${formatOpen(a[1] as bigint)} you allowed.`,
        402,
        "price_changed",
      );
    case "AuthorizationExpired":
      return new PaymentError("The payment authorization expired before it could be submitted. Sign a new one.", 402, "authorization_expired");
    case "AuthorizationNotYetValid":
      return new PaymentError("The payment authorization is not valid yet.", 402, "authorization_not_yet_valid");
    case "AuthorizationUsedAlready":
      return new PaymentError("This payment authorization was already used or canceled. Sign a new one.", 402, "authorization_used");
    case "InvalidSignature":
    case "ECDSAInvalidSignature":
    case "ECDSAInvalidSignatureLength":
    case "ECDSAInvalidSignatureS":
      return new PaymentError("The payment signature is invalid.", 402, "invalid_signature");
    case "ERC20InsufficientBalance":
      return new PaymentError(
        `${String(a[0])} holds ${formatOpen(a[1] as bigint)} but this request costs ${formatOpen(a[2] as bigint)}.`,
        402,
        "insufficient_funds",
      );
    case "ERC20InsufficientAllowance":
      return new PaymentError(
        `The market may spend ${formatOpen(a[1] as bigint)} of your OPEN but the request costs ${formatOpen(a[2] as bigint)}: approve the market first.`,
        402,
        "insufficient_allowance",
      );
    default:
      return null;
  }
}

export interface SubmitAuthorizationOptions {
  auth: VerifiedAuthorization;
  modelId: number | bigint;
  /** requestHashOf({ modelId, prompt, params, nonce: auth.nonce }): one authorization pays one request. */
  requestHash: Hex;
  publicClient: PublicClient;
  /** The operator's wallet (OPERATOR_ROLE on the market), e.g. operatorWallet(...). */
  operator: WalletClient;
  market: Address;
  /** Receipt polling; default 250 ms. */
  pollingIntervalMs?: number;
  /** Default 60 s. */
  timeoutMs?: number;
}

export interface SubmittedPayment {
  requestId: bigint;
  txHash: Hex;
  payer: Address;
  price: bigint;
  blockNumber: bigint;
}

/**
 * Simulates, then sends `payWithAuthorization(modelId, requestHash, maxPrice = value, from, value,
 * validAfter, validBefore, nonce, signature)` as the operator, waits for the receipt and reads the
 * request id from InferencePaid. Contract refusals become PaymentErrors (409 request_replayed,
 * 409 payment_in_progress when the same authorization is already being submitted by this process,
 * 422 model_inactive / unknown_model, 402 price_changed / authorization_* / invalid_signature /
 * insufficient_funds); anything else (RPC down, operator without the role) is thrown as is.
 */
export async function submitAuthorization(opts: SubmitAuthorizationOptions): Promise<SubmittedPayment> {
  const account = opts.operator.account;
  if (!account) throw new Error("submitAuthorization: the operator wallet has no account");
  // The same header sent twice at once would pass verification twice; submit it once per process.
  const key = `${opts.market}:${opts.auth.from}:${opts.auth.nonce}`.toLowerCase();
  if (inFlight.has(key)) {
    throw new PaymentError("This payment authorization is already being submitted for another request.", 409, "payment_in_progress");
  }
  inFlight.add(key);
  try {
    return await submitOnce(opts, account);
  } finally {
    inFlight.delete(key);
  }
}

const inFlight = new Set<string>();

async function submitOnce(opts: SubmitAuthorizationOptions, account: Account): Promise<SubmittedPayment> {
  const { auth, publicClient, operator, market } = opts;
  const args = [
    BigInt(opts.modelId),
    opts.requestHash,
    auth.value,
    auth.from,
    auth.value,
    auth.validAfter,
    auth.validBefore,
    auth.nonce,
    auth.signature,
  ] as const;
  const call = { address: market, abi: inferenceMarketAbi, functionName: "payWithAuthorization", args } as const;
  const mapped = (e: unknown): unknown => paymentErrorFromRevert(decodeRevert(e)) ?? e;

  let gas: bigint;
  try {
    await publicClient.simulateContract({ ...call, account });
    gas = await publicClient.estimateContractGas({ ...call, account });
  } catch (e) {
    throw mapped(e);
  }
  let txHash: Hex;
  try {
    // The operator's sends go out in nonce order (settlements share the queue), with gas fixed up front so
    // a failing estimate never burns a nonce.
    const wallet = operator as WalletClient<Transport, Chain, Account>;
    txHash = await sendInOrder(sendQueueKey(wallet), () => operator.writeContract({ ...call, account, chain: operator.chain ?? null, gas: (gas * 6n) / 5n + 10_000n }));
  } catch (e) {
    throw mapped(e);
  }
  const receipt = await publicClient.waitForTransactionReceipt({
    hash: txHash,
    // The client's own interval (50 ms on the local chain): a missed first check must not cost a quarter second.
    pollingInterval: opts.pollingIntervalMs ?? Math.min(publicClient.pollingInterval, 250),
    timeout: opts.timeoutMs ?? 60_000,
  });
  if (receipt.status !== "success") {
    // Lost a race between simulation and mining: ask the chain why it would fail now.
    try {
      await publicClient.simulateContract({ ...call, account });
    } catch (e) {
      const err = paymentErrorFromRevert(decodeRevert(e));
      if (err) throw err;
    }
    throw new PaymentError(`The payment transaction ${txHash} reverted; nothing was charged. Try again.`, 402, "payment_failed");
  }
  const [paid] = parseEventLogs({ abi: inferenceMarketAbi, eventName: "InferencePaid", logs: receipt.logs }).filter((l) =>
    isAddressEqual(l.address, market),
  );
  if (!paid) throw new Error(`submitAuthorization: no InferencePaid event in ${txHash}`);
  return { requestId: paid.args.requestId, txHash, payer: paid.args.payer, price: paid.args.price, blockNumber: receipt.blockNumber };
}

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
  const settle = {
    success: true,
    transaction: result.txHash,
    network: `eip155:${result.chainId}`,
    payer: result.payer,
    ...(result.amount !== undefined ? { amount: result.amount.toString() } : {}),
    ...(result.requestId !== undefined ? { extra: { requestId: result.requestId.toString() } } : {}),
  };
  return [PAYMENT_RESPONSE_HEADER, base64Json(settle)];
}
