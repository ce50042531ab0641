/**
 * x402 `batch-settlement` as a Ledgerline payment scheme (issue 16): the payer deposits once into a channel
 * (X402BatchSettlement, receiver = InferenceMarket) and signs a cumulative voucher per request; this server
 * verifies it (a voucher: no transaction), serves, then charges the price actually served, off-chain, recorded in
 * `batch_charges` as pending settlement until InferenceMarket.bookBatch books it.
 *
 * Life-cycle of one request (docs/design/x402-batch-settlement.md §2.3), all on ONE decoded payload object (the
 * package keys its per-request context on the object):
 *   verify  — rs.findMatchingRequirements + rs.verifyPayment: reserves the channel (one request at a time per
 *             channel); refusals → PaymentErrors (a voucher out of sync → 402 with the channel's state so the
 *             official client resyncs; busy → 409 channel_busy).
 *   charge  — rs.settlePayment(…, { amount }) with amount ≤ the ceiling (enforced here: the package does not check
 *             it on deposits), inside withCharge so the charge and its row commit together (./charges.ts).
 *   cancel  — serving failed: rs.createPaymentCancellationDispatcher(…).cancel(): the reservation is released and
 *             nothing is charged.
 *
 * The request hash (the inference's stable id until booked): requestHashOf(model, prompt, params, nonce) with
 * nonce = keccak256(abi.encode(channelId, cumulativeBefore)), cumulativeBefore being the channel's charged total
 * before this request (the voucher's maxClaimableAmount − the ceiling). Every charge is > 0 (prices are at least
 * the server's minimum), so each request of a channel has its own.
 */
import { encodePaymentResponseHeader } from "@x402/core/http";
import type { PaymentPayload, PaymentRequired, PaymentRequirements } from "@x402/core/types";
import { encodeAbiParameters, formatUnits, getAddress, isAddress, keccak256, type Address, type Hex } from "viem";
import { x402BatchSettlementAbi } from "@/contracts-abi";
import { BATCH_SETTLEMENT_ADDRESS } from "@/lib/chain/batch-settlement";
import { PaymentError, type PaymentErrorCode } from "../errors";
import { requestHashOf } from "../request";
import type { CheckedDeferredPayment, DeferredPaymentScheme, PaymentAttempt, PaymentChain } from "../scheme";
import { tokenDomain, DEFAULT_MAX_TIMEOUT_SECONDS } from "../exact/requirements";
import { decodeX402Header, malformedPayment, paymentHeaderOf, PAYMENT_RESPONSE_HEADER, x402SchemeOf } from "../x402";
import { withCharge, type ChargeIntent } from "./charges";
import { BATCH_SETTLEMENT_SCHEME, batchServer, type BatchServer } from "./server";

/** Where the official client's `refundChannel` is pointed (GET: a 402 probe, then the refund). */
export const BATCH_REFUND_PATH = "/api/payments/batch-settlement/refund";

const MISMATCH = "invalid_batch_settlement_evm_cumulative_amount_mismatch";
const BELOW_CLAIMED = "invalid_batch_settlement_evm_cumulative_below_claimed";
const BUSY = "invalid_batch_settlement_evm_channel_busy";
const INVALID_VOUCHER_SIGNATURE = "invalid_batch_settlement_evm_voucher_signature";
const CUMULATIVE_EXCEEDS_BALANCE = "invalid_batch_settlement_evm_cumulative_exceeds_balance";

export interface BatchPayment {
  server: BatchServer;
  /** The decoded PAYMENT-SIGNATURE: the same object through verify, settle and cancel. */
  payload: PaymentPayload;
  requirements: PaymentRequirements;
  channelId: Hex;
}

/** This server's batch-settlement server for a chain, or null when it does not take the scheme. */
export async function batchServerFor(chain: PaymentChain): Promise<BatchServer | null> {
  if (!chain.batchSettlement) return null;
  return batchServer({ db: chain.batchSettlement.db, publicClient: chain.publicClient, operator: chain.operator, chainId: chain.chainId, token: chain.token, market: chain.market });
}

/** The batch-settlement `accepts` entry for a ceiling (atomic wei; OPEN's EIP-712 domain in `extra`). */
export async function batchRequirements(server: BatchServer, chain: PaymentChain, ceiling: bigint): Promise<PaymentRequirements> {
  const { name, version } = await tokenDomain(chain.publicClient, chain.token, chain.chainId);
  const [entry] = await server.rs.buildPaymentRequirements({
    scheme: BATCH_SETTLEMENT_SCHEME,
    network: server.network,
    payTo: getAddress(chain.market),
    price: { amount: ceiling.toString(), asset: getAddress(chain.token), extra: { name, version } },
    maxTimeoutSeconds: DEFAULT_MAX_TIMEOUT_SECONDS,
  });
  if (!entry) throw new Error("batch-settlement: the resource server built no requirements");
  return entry;
}

const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const UINT = /^[0-9]{1,39}$/;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Decodes the header into the one payload object this request uses, refusing what cannot be a batch payment (400). */
export function readBatchPayload(request: Request, accept: "deposit-or-voucher" | "refund"): PaymentPayload | null {
  const header = paymentHeaderOf(request);
  if (header === null) return null;
  const decoded = decodeX402Header(header);
  const accepted = decoded.accepted;
  if (!isObject(accepted) || accepted.scheme !== BATCH_SETTLEMENT_SCHEME) throw malformedPayment(`accepted.scheme must be "${BATCH_SETTLEMENT_SCHEME}"`);
  const raw = decoded.payload;
  if (!isObject(raw)) throw malformedPayment("payload is not an object");
  const type = raw.type;
  if (accept === "refund" ? type !== "refund" : type !== "deposit" && type !== "voucher") {
    throw malformedPayment(
      type === "refund"
        ? `a refund is not a payment for an inference; send it to GET ${BATCH_REFUND_PATH}`
        : `payload.type must be ${accept === "refund" ? '"refund"' : '"deposit" or "voucher"'}`,
    );
  }
  const voucher = raw.voucher;
  if (!isObject(voucher) || typeof voucher.channelId !== "string" || !HEX32.test(voucher.channelId)) throw malformedPayment("payload.voucher.channelId is not a 32-byte hex value");
  if (typeof voucher.maxClaimableAmount !== "string" || !UINT.test(voucher.maxClaimableAmount) || BigInt(voucher.maxClaimableAmount) >= 2n ** 128n) {
    throw malformedPayment("payload.voucher.maxClaimableAmount is not a uint128 decimal string");
  }
  if (typeof voucher.signature !== "string" || !/^0x([0-9a-fA-F]{2})+$/.test(voucher.signature)) throw malformedPayment("payload.voucher.signature is not hex");
  const config = raw.channelConfig;
  if (!isObject(config) || typeof config.payer !== "string" || !isAddress(config.payer, { strict: false })) throw malformedPayment("payload.channelConfig.payer is not an address");
  if (type === "deposit" && (!isObject(raw.deposit) || typeof raw.deposit.amount !== "string" || !UINT.test(raw.deposit.amount))) {
    throw malformedPayment("payload.deposit.amount is not a decimal string");
  }
  return decoded as unknown as PaymentPayload;
}

const HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/** Why a 65-byte signature is not in the form OpenZeppelin's ECDSA recovers (s ≤ n/2, v 27 or 28), or null. */
export function nonCanonicalSignature(signature: string): string | null {
  if (signature.length !== 132) return null;
  const v = Number.parseInt(signature.slice(130), 16);
  if (v !== 27 && v !== 28) return `v is ${v}, not 27 or 28`;
  if (BigInt(`0x${signature.slice(66, 130)}`) > HALF_N) return "s is above n/2 (a malleated signature)";
  return null;
}

/**
 * Why the settlement contract would refuse this voucher signature at claim, though viem (and the package's check)
 * accept it, or null. viem recovers from any s and from v = 0/1; X402BatchSettlement's claim recovers with
 * OpenZeppelin's ECDSA, which refuses both, so a voucher served on the payer's own signature, malleated, could never
 * be claimed. The contract asks a contract payer without an authorizer (ERC-1271) instead, which may use any form:
 * such a payer is left to the package's check.
 */
export async function unclaimableSignature(chain: Pick<PaymentChain, "publicClient">, config: { payer: string; payerAuthorizer: string }, signature: string): Promise<string | null> {
  const problem = nonCanonicalSignature(signature);
  if (!problem) return null;
  // The package refuses a malformed authorizer itself; only the zero address means "the payer signs".
  const payerSigns = typeof config.payerAuthorizer === "string" && /^0x0{40}$/i.test(config.payerAuthorizer);
  if (payerSigns && (await chain.publicClient.getCode({ address: config.payer as Address }))) return null;
  return problem;
}

/** The PaymentError for a refusal code of the package, with the 402 the official client reads (code in `error`). */
export async function refusal(server: BatchServer, offer: PaymentRequired, payload: PaymentPayload, reason: string, message?: string): Promise<PaymentError> {
  if (reason === BUSY) {
    return new PaymentError("channel_busy", "Another request of this payment channel is being served: a channel pays one request at a time. Retry when it is answered.");
  }
  const corrective = await server.rs.createPaymentRequiredResponse(offer.accepts, offer.resource, reason, undefined, undefined, payload);
  const code: PaymentErrorCode =
    reason === MISMATCH || reason === BELOW_CLAIMED
      ? "voucher_out_of_sync"
      : /signature/.test(reason)
        ? "invalid_signature"
        : /balance|insufficient|min_deposit/.test(reason)
          ? "insufficient_funds"
          : /expired|valid_before/.test(reason)
            ? "authorization_expired"
            : /network/.test(reason)
              ? "wrong_network"
              : /token|asset/.test(reason)
                ? "wrong_asset"
                : /receiver/.test(reason)
                  ? "wrong_recipient"
                  : "payment_failed";
  const words =
    code === "voucher_out_of_sync"
      ? "The voucher does not continue this channel's charges (replayed, or the client lost its state): the channel's state is in this 402; sign the next voucher from it."
      : code === "insufficient_funds"
        ? "The voucher asks for more than the channel holds (or the deposit is too small): deposit more."
        : code === "invalid_signature"
          ? "The voucher's signature is not the channel payer's (or its authorizer's)."
          : "The batch-settlement payment was refused.";
  return new PaymentError(code, `${words} (${reason}${message ? `: ${message}` : ""})`, { offer: corrective });
}

export const batchSettlementScheme: DeferredPaymentScheme<BatchPayment> = {
  name: BATCH_SETTLEMENT_SCHEME,
  via: "x402",
  deferred: true,
  handles: (request) => x402SchemeOf(request) === BATCH_SETTLEMENT_SCHEME,

  async requirements(quote, chain) {
    const server = await batchServerFor(chain);
    return server ? batchRequirements(server, chain, quote.price) : null;
  },

  async verify(attempt: PaymentAttempt) {
    const { order, chain } = attempt;
    const payload = readBatchPayload(attempt.request, "deposit-or-voucher");
    if (!payload) return null;
    const server = await batchServerFor(chain);
    const offer = attempt.requirements;
    const entry = offer?.accepts.find((a) => a.scheme === BATCH_SETTLEMENT_SCHEME);
    if (!server || !offer || !entry) throw new PaymentError("unsupported_scheme", `This server does not take "${BATCH_SETTLEMENT_SCHEME}" payments on this chain.`);
    const requirements = server.rs.findMatchingRequirements([entry], payload);
    if (!requirements) {
      throw new PaymentError(
        "price_changed",
        `The payment's batch-settlement terms do not match the current offer (ceiling ${formatUnits(BigInt(entry.amount), 18)} OPEN to ${entry.payTo}). Sign a voucher for the current offer.`,
      );
    }
    const raw = payload.payload as { voucher: { channelId: string; maxClaimableAmount: string; signature: string }; channelConfig: { payer: string; payerAuthorizer: string } };
    const malleated = await unclaimableSignature(chain, raw.channelConfig, raw.voucher.signature);
    if (malleated) throw await refusal(server, offer, payload, INVALID_VOUCHER_SIGNATURE, malleated);
    let verified;
    try {
      verified = await server.rs.verifyPayment(payload, requirements);
    } catch (err) {
      throw await refusal(server, offer, payload, (err as { invalidReason?: string }).invalidReason ?? "verification_failed", (err as Error).message);
    }
    if (!verified.isValid) throw await refusal(server, offer, payload, verified.invalidReason ?? "invalid_payment", verified.invalidMessage);
    const channelId = raw.voucher.channelId.toLowerCase() as Hex;
    const cumulative = BigInt(raw.voucher.maxClaimableAmount);
    if (Number((verified.extra as { withdrawRequestedAt?: number | string } | undefined)?.withdrawRequestedAt ?? 0) > 0) {
      const beyond = await beyondWithdrawal(chain, channelId, cumulative);
      if (beyond) {
        await release(server, payload, requirements, channelId, "handler_failed");
        throw await refusal(server, offer, payload, CUMULATIVE_EXCEEDS_BALANCE, beyond);
      }
    }
    const ceiling = BigInt(requirements.amount);
    const cumulativeBefore = cumulative - ceiling;
    const nonce = keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [channelId, cumulativeBefore]));
    const requestHash = requestHashOf({ modelId: order.modelId, prompt: order.prompt, params: order.params, nonce });
    const payer = getAddress((verified.payer ?? raw.channelConfig.payer) as Address);
    return { payer, requestHash, ceiling, payment: { server, payload, requirements, channelId } } satisfies CheckedDeferredPayment<BatchPayment>;
  },

  async charge(verified, attempt, served) {
    const { server, payload, requirements, channelId } = verified.payment;
    // The package caps voucher charges at the signed total but not deposit charges: the ceiling is enforced here.
    if (served.amount < 0n || served.amount > verified.ceiling) {
      throw new Error(`batch-settlement: a charge of ${served.amount} wei is above the ceiling of ${verified.ceiling} the payer signed`);
    }
    const intent: ChargeIntent = {
      channelId,
      payer: verified.payer,
      modelId: attempt.order.modelId,
      requestHash: served.requestHash,
      charged: served.amount,
      outputHash: served.outputHash,
      attributionHash: served.attributionHash,
    };
    return chargeWith(server, payload, requirements, intent);
  },

  async cancel(verified, _attempt, reason) {
    const { server, payload, requirements, channelId } = verified.payment;
    await release(server, payload, requirements, channelId, reason === "handler_threw" ? "handler_threw" : "handler_failed");
  },
};

/** Gives up a verified voucher's reservation of its channel (the request will not be served). */
async function release(server: BatchServer, payload: PaymentPayload, requirements: PaymentRequirements, channelId: Hex, reason: "handler_threw" | "handler_failed") {
  try {
    await server.rs.createPaymentCancellationDispatcher(payload, requirements).cancel({ reason });
    // A charge that failed inside settle leaves the package without this request's context, so its cancel finds
    // nothing to clear and the channel would answer 409 channel_busy until the reservation expires. This request
    // still holds the reservation (one at a time per channel, and its answer is not sent yet): release it, if it is
    // still the one this voucher made.
    const signed = (payload.payload as { voucher: { maxClaimableAmount: string } }).voucher.maxClaimableAmount;
    await server.storage.updateChannel(channelId, (current) => (current?.pendingRequest?.signedMaxClaimable === signed ? { ...current, pendingRequest: undefined } : current));
  } catch {
    /* the reservation expires on its own (≤ maxTimeoutSeconds) */
  }
}

/**
 * Why this voucher reaches beyond what the channel's pending withdrawal leaves, or null. Finalizing takes what is not
 * claimed (up to the amount asked), so a charge above `balance − withdrawn` could not be claimed once the payer
 * finalizes, which it may do the moment the delay ends, before the booker's next claim. Read from the chain, and only
 * for a channel the package saw a withdrawal on (its state is at most onchainStateTtl old, a third of the delay).
 */
async function beyondWithdrawal(chain: PaymentChain, channelId: Hex, cumulative: bigint): Promise<string | null> {
  const at = { address: BATCH_SETTLEMENT_ADDRESS, abi: x402BatchSettlementAbi, args: [channelId] } as const;
  const [[balance, totalClaimed], [amount, initiatedAt]] = await Promise.all([
    chain.publicClient.readContract({ ...at, functionName: "channels" }),
    chain.publicClient.readContract({ ...at, functionName: "pendingWithdrawals" }),
  ]);
  if (initiatedAt === 0) return null;
  const available = balance - totalClaimed;
  const left = balance - (amount < available ? amount : available);
  if (cumulative <= left) return null;
  return `the payer has started a withdrawal of ${amount} wei, which leaves ${left} wei in the channel; this voucher would take its charges to ${cumulative}. Finish the withdrawal and pay from a new deposit`;
}

/** Settles one served request's charge (recorded with it, ./charges.ts) and returns the PAYMENT-RESPONSE header. */
export async function chargeWith(server: BatchServer, payload: PaymentPayload, requirements: PaymentRequirements, intent: ChargeIntent): Promise<Record<string, string>> {
  let settled;
  try {
    settled = await withCharge(intent, () => server.rs.settlePayment(payload, requirements, undefined, undefined, { amount: intent.charged.toString() }));
  } catch (err) {
    throw new PaymentError("payment_failed", `The batch-settlement charge failed; nothing was charged: ${(err as Error).message.split("\n")[0]}`);
  }
  if (!settled.success) throw new PaymentError("payment_failed", `The batch-settlement charge failed; nothing was charged (${settled.errorReason ?? "unknown"}).`);
  // The package reported success but the charge's write was refused or rolled back (its hook threw): nothing was
  // charged for this call; a deposit that was mined stays in the payer's channel.
  if (!intent.recorded) throw new PaymentError("payment_failed", "The batch-settlement charge was not recorded; nothing was charged for this call (a deposit stays in your channel). Retry the request.");
  return { [PAYMENT_RESPONSE_HEADER]: encodePaymentResponseHeader(settled) };
}
