/**
 * Paying with the browser wallet's own transaction: the page computes `requestHash` with
 * `requestHashOf({ modelId, prompt, params, nonce })`, sends `InferenceMarket.pay(modelId, requestHash,
 * maxPrice)` (after `approve` or `permit`), then posts prompt, params, nonce and the transaction hash.
 * The server recomputes the hash and checks the payment here before serving.
 *
 * "Once" is enforced by the request's on-chain status (Paid → Settled/Refunded after serving). Between
 * this check and the settlement, the server must still make sure it serves a request id only once
 * (e.g. the inference_results primary key on requestHash, or a lock per request id).
 */
import {
  isAddressEqual,
  isHash,
  parseEventLogs,
  type Address,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
} from "viem";
import { inferenceMarketAbi } from "@/contracts-abi";
import { REQUEST_STATUS } from "@/lib/chain/market-status";
import { PaymentError } from "../errors";

/**
 * A viem error by its name, not `instanceof`: the client may come from another copy of viem (Next bundles it more
 * than once, and the process's chain client is made by whichever entry runs first), whose classes `instanceof` misses.
 */
const isViemError = (e: unknown, name: "TransactionReceiptNotFoundError" | "TransactionNotFoundError") => e instanceof Error && e.name === name;

export interface VerifyPaymentTransactionOptions {
  publicClient: PublicClient;
  market: Address;
  txHash: Hex;
  modelId: number | bigint;
  requestHash: Hex;
  /** Blocks including the payment's; default 1. */
  minConfirmations?: number;
}

export interface VerifiedPayment {
  requestId: bigint;
  payer: Address;
  price: bigint;
  blockNumber: bigint;
}

/**
 * Accepts a mined, successful `pay` (or `payWithAuthorization`) of `modelId` for `requestHash` whose
 * request is still Paid. Refusals (PaymentError):
 * 400 invalid_transaction_hash; 409 transaction_pending (in the mempool or too few confirmations),
 * transaction_not_found (unknown to this node: retry shortly), request_already_served,
 * request_refunded; 422 transaction_reverted, not_a_payment, request_hash_mismatch, wrong_model.
 */
export async function verifyPaymentTransaction(opts: VerifyPaymentTransactionOptions): Promise<VerifiedPayment> {
  const { publicClient, market, txHash, requestHash } = opts;
  const modelId = BigInt(opts.modelId);
  const minConfirmations = opts.minConfirmations ?? 1;
  if (typeof txHash !== "string" || !isHash(txHash)) {
    throw new PaymentError("invalid_transaction_hash", "The payment transaction hash must be a 0x-prefixed 32-byte hex string.");
  }

  let receipt: TransactionReceipt;
  try {
    receipt = await publicClient.getTransactionReceipt({ hash: txHash });
  } catch (e) {
    if (!isViemError(e, "TransactionReceiptNotFoundError")) throw e;
    const pending = await publicClient.getTransaction({ hash: txHash }).catch((err: unknown) => {
      if (isViemError(err, "TransactionNotFoundError")) return null;
      throw err;
    });
    if (pending) {
      throw new PaymentError("transaction_pending", `The payment transaction ${txHash} is not mined yet. Retry once it is confirmed.`);
    }
    throw new PaymentError("transaction_not_found", `The payment transaction ${txHash} is not known on this chain. If you just sent it, retry in a few seconds; otherwise check the network.`);
  }

  if (receipt.status !== "success") {
    throw new PaymentError("transaction_reverted", `The payment transaction ${txHash} reverted, so nothing was paid.`);
  }
  if (minConfirmations > 1) {
    const latest = await publicClient.getBlockNumber({ cacheTime: 0 });
    const confirmations = latest - receipt.blockNumber + 1n;
    if (confirmations < BigInt(minConfirmations)) {
      throw new PaymentError("transaction_pending", `The payment transaction has ${confirmations} of ${minConfirmations} confirmations. Retry shortly.`);
    }
  }

  const paid = parseEventLogs({ abi: inferenceMarketAbi, eventName: "InferencePaid", logs: receipt.logs }).filter((l) =>
    isAddressEqual(l.address, market),
  );
  if (paid.length === 0) {
    throw new PaymentError("not_a_payment", `Transaction ${txHash} is not a payment to the InferenceMarket ${market}.`);
  }
  const log = paid.find((l) => l.args.requestHash.toLowerCase() === requestHash.toLowerCase());
  if (!log) {
    throw new PaymentError("request_hash_mismatch", `Transaction ${txHash} paid for request hash ${paid[0].args.requestHash}, not for this request (${requestHash}). The prompt, parameters or nonce differ from what was paid for.`);
  }
  if (log.args.modelId !== modelId) {
    throw new PaymentError("wrong_model", `Transaction ${txHash} paid for model ${log.args.modelId}, not model ${modelId}.`);
  }

  const requestId = log.args.requestId;
  const request = await publicClient.readContract({ address: market, abi: inferenceMarketAbi, functionName: "getRequest", args: [requestId] });
  if (request.requestHash.toLowerCase() !== requestHash.toLowerCase() || request.modelId !== modelId) {
    // The chain reorganized under us: the receipt no longer describes this request id.
    throw new PaymentError("transaction_pending", `Request ${requestId} does not match the payment transaction yet. Retry shortly.`);
  }
  if (request.status === REQUEST_STATUS.Settled) {
    throw new PaymentError("request_already_served", `Request ${requestId} was already served and settled; a payment serves one request.`);
  }
  if (request.status === REQUEST_STATUS.Refunded) {
    throw new PaymentError("request_refunded", `Request ${requestId} was refunded; pay again to send a new request.`);
  }
  if (request.status !== REQUEST_STATUS.Paid) {
    throw new PaymentError("request_not_paid", `Request ${requestId} is not paid.`);
  }
  return { requestId, payer: log.args.payer, price: log.args.price, blockNumber: receipt.blockNumber };
}
