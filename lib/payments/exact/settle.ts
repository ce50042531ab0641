/**
 * Settling an "exact" payment: Ledgerline submits the verified authorization as the operator through
 * `InferenceMarket.payWithAuthorization`, which moves the price into escrow and opens the request.
 */
import { isAddressEqual, parseEventLogs, type Account, type Address, type Hex, type PublicClient, type WalletClient } from "viem";
import { inferenceMarketAbi } from "@/contracts-abi";
import { sendOperatorCall } from "@/lib/chain/operator-send";
import { PaymentError } from "../errors";
import { decodeRevert, paymentErrorFromRevert } from "../revert";
import type { VerifiedAuthorization } from "./verify";

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
    throw new PaymentError("payment_in_progress", "This payment authorization is already being submitted for another request.");
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

  let txHash: Hex;
  try {
    // Simulated first: a refusal becomes its PaymentError. The send estimates, then goes out in nonce order
    // (settlements share the queue) with the gas fixed up front, so a failing estimate never burns a nonce.
    await publicClient.simulateContract({ ...call, account });
    txHash = await sendOperatorCall(operator, publicClient, call);
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
    throw new PaymentError("payment_failed", `The payment transaction ${txHash} reverted; nothing was charged. Try again.`);
  }
  const [paid] = parseEventLogs({ abi: inferenceMarketAbi, eventName: "InferencePaid", logs: receipt.logs }).filter((l) =>
    isAddressEqual(l.address, market),
  );
  if (!paid) throw new Error(`submitAuthorization: no InferencePaid event in ${txHash}`);
  return { requestId: paid.args.requestId, txHash, payer: paid.args.payer, price: paid.args.price, blockNumber: receipt.blockNumber };
}
