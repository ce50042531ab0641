/** The wallet-transaction path on a real anvil: `pay` from the browser wallet, then verifyPaymentTransaction. */
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestClient, http, keccak256, maxUint256, parseUnits, toHex, TransactionReceiptNotFoundError, type Hex, type PublicClient } from "viem";
import { foundry } from "viem/chains";
import { inferenceMarketAbi, openTokenAbi } from "@/contracts-abi";
import { devAccount } from "@/lib/chain/anvil";
import { operatorWallet } from "@/lib/chain/operator";
import { PaymentError } from "./errors";
import { randomRequestNonce, requestHashOf } from "./request";
import { verifyPaymentTransaction } from "./transaction";
import { INITIAL_PRICE, setupPayments, type PaymentsFixture } from "./test-fixture";

let f: PaymentsFixture;
const PAYER = 6;
const payer = devAccount(PAYER);

beforeAll(async () => {
  f = await setupPayments();
  await f.faucet(payer.address, parseUnits("100", 18));
  await f.send(await f.wallet(PAYER).writeContract({ address: f.deployment.token, abi: openTokenAbi, functionName: "approve", args: [f.deployment.inferenceMarket, maxUint256] }));
});

afterAll(async () => {
  await f?.stop();
});

/** What the page does: hash the request with a fresh nonce and `pay` it from the wallet. */
async function payFromWallet(prompt = "What is Proof of Attribution?", opts: { maxPrice?: bigint; gas?: bigint; wait?: boolean } = {}) {
  const nonce = randomRequestNonce();
  const params = { maxTokens: 24 };
  const requestHash = requestHashOf({ modelId: 1, prompt, params, nonce });
  const txHash = await f.wallet(PAYER).writeContract({
    address: f.deployment.inferenceMarket,
    abi: inferenceMarketAbi,
    functionName: "pay",
    args: [f.modelId, requestHash, opts.maxPrice ?? INITIAL_PRICE],
    ...(opts.gas ? { gas: opts.gas } : {}),
  });
  if (opts.wait !== false) await f.client.waitForTransactionReceipt({ hash: txHash, pollingInterval: 50 });
  return { txHash, requestHash, nonce, params, prompt };
}

async function refusal(p: Promise<unknown>): Promise<PaymentError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(PaymentError);
  return e as PaymentError;
}

const verify = (txHash: Hex, requestHash: Hex, extra: { modelId?: number; minConfirmations?: number } = {}) =>
  verifyPaymentTransaction({
    publicClient: f.client,
    market: f.deployment.inferenceMarket,
    txHash,
    requestHash,
    modelId: extra.modelId ?? 1,
    minConfirmations: extra.minConfirmations,
  });

describe("verifyPaymentTransaction", () => {
  it("accepts a wallet's pay once; after settlement the same payment is refused", async () => {
    const paid = await payFromWallet();
    // The server recomputes the hash from what the page posts.
    const recomputed = requestHashOf({ modelId: 1, prompt: paid.prompt, params: paid.params, nonce: paid.nonce });
    const ok = await verify(paid.txHash, recomputed);
    expect(ok.payer).toBe(payer.address);
    expect(ok.price).toBe(INITIAL_PRICE);
    const r = await f.client.readContract({ address: f.deployment.inferenceMarket, abi: inferenceMarketAbi, functionName: "getRequest", args: [ok.requestId] });
    expect(r.requestHash).toBe(recomputed);

    // Served: the operator settles; the payment cannot serve a second request.
    const op = operatorWallet({ chainId: f.chainId, rpcUrl: f.anvil.rpcUrl });
    await f.send(
      await op.writeContract({
        address: f.deployment.inferenceMarket,
        abi: inferenceMarketAbi,
        functionName: "settle",
        args: [ok.requestId, recomputed, keccak256(toHex("out")), keccak256(toHex("attr"))],
      }),
    );
    expect(await refusal(verify(paid.txHash, recomputed))).toMatchObject({ status: 409, reason: "request_already_served" });
  });

  it("refuses a refunded request", async () => {
    const paid = await payFromWallet("to refund");
    const { requestId } = await verify(paid.txHash, paid.requestHash);
    const op = operatorWallet({ chainId: f.chainId, rpcUrl: f.anvil.rpcUrl });
    await f.send(await op.writeContract({ address: f.deployment.inferenceMarket, abi: inferenceMarketAbi, functionName: "refund", args: [requestId, paid.requestHash] }));
    expect(await refusal(verify(paid.txHash, paid.requestHash))).toMatchObject({ status: 409, reason: "request_refunded" });
  });

  it("refuses a payment for another request hash or another model with 422", async () => {
    const paid = await payFromWallet("mine");
    const otherHash = requestHashOf({ modelId: 1, prompt: "not what was paid for", params: paid.params, nonce: paid.nonce });
    const e1 = await refusal(verify(paid.txHash, otherHash));
    expect(e1).toMatchObject({ status: 422, reason: "request_hash_mismatch" });
    expect(e1.message).toMatch(/prompt, parameters or nonce differ/);
    expect(await refusal(verify(paid.txHash, paid.requestHash, { modelId: 2 }))).toMatchObject({ status: 422, reason: "wrong_model" });
    // Still good for the right request.
    await expect(verify(paid.txHash, paid.requestHash)).resolves.toMatchObject({ price: INITIAL_PRICE });
  });

  it("refuses a reverted transaction, an unknown one and one that is not a payment", async () => {
    // maxPrice below the price: pay reverts with PriceAboveMax (explicit gas skips the estimate that would catch it).
    const reverted = await payFromWallet("too cheap", { maxPrice: INITIAL_PRICE - 1n, gas: 500_000n });
    const receipt = await f.client.getTransactionReceipt({ hash: reverted.txHash });
    expect(receipt.status).toBe("reverted");
    expect(await refusal(verify(reverted.txHash, reverted.requestHash))).toMatchObject({ status: 422, reason: "transaction_reverted" });

    const unknown = keccak256(toHex("never sent"));
    const e = await refusal(verify(unknown, reverted.requestHash));
    expect(e).toMatchObject({ status: 409, reason: "transaction_not_found" });
    expect(e.message).toMatch(/not known on this chain/);

    const approveTx = await f.wallet(PAYER).writeContract({ address: f.deployment.token, abi: openTokenAbi, functionName: "approve", args: [f.deployment.inferenceMarket, maxUint256] });
    await f.send(approveTx);
    expect(await refusal(verify(approveTx, reverted.requestHash))).toMatchObject({ status: 422, reason: "not_a_payment" });

    expect(await refusal(verify("0x1234" as Hex, reverted.requestHash))).toMatchObject({ status: 400, reason: "invalid_transaction_hash" });
  });

  it("says the same with a chain client from another copy of viem (Next bundles it more than once)", async () => {
    // viem's CommonJS build stands in for the second copy: its errors are no instances of this copy's classes.
    const otherViem = createRequire(import.meta.url)("viem") as typeof import("viem");
    const client = otherViem.createPublicClient({ chain: foundry, transport: otherViem.http(f.anvil.rpcUrl) }) as PublicClient;
    const unknown = keccak256(toHex("never sent either"));
    const thrown = await client.getTransactionReceipt({ hash: unknown }).catch((e: unknown) => e);
    expect(thrown).not.toBeInstanceOf(TransactionReceiptNotFoundError);
    const e = await refusal(verifyPaymentTransaction({ publicClient: client, market: f.deployment.inferenceMarket, txHash: unknown, requestHash: unknown, modelId: 1 }));
    expect(e).toMatchObject({ status: 409, reason: "transaction_not_found" });
  });

  it("says a transaction is pending until it is mined and confirmed", async () => {
    const test = createTestClient({ chain: foundry, mode: "anvil", transport: http(f.anvil.rpcUrl) });
    await test.setAutomine(false);
    try {
      const paid = await payFromWallet("pending", { wait: false });
      expect(await refusal(verify(paid.txHash, paid.requestHash))).toMatchObject({ status: 409, reason: "transaction_pending" });
      await test.mine({ blocks: 1 });
      expect(await refusal(verify(paid.txHash, paid.requestHash, { minConfirmations: 3 }))).toMatchObject({ status: 409, reason: "transaction_pending" });
      await test.mine({ blocks: 2 });
      await expect(verify(paid.txHash, paid.requestHash, { minConfirmations: 3 })).resolves.toMatchObject({ payer: payer.address });
    } finally {
      await test.setAutomine(true);
    }
  });
});
