/**
 * The wallet's own transaction: the browser sends `InferenceMarket.pay(modelId, requestHash, maxPrice)`
 * itself and posts the transaction hash with the request. Nothing is left to submit: settling is
 * accepting the mined payment once it is checked.
 */
import { requestHashOf } from "../request";
import type { PaymentScheme, Settlement } from "../scheme";
import { verifyPaymentTransaction } from "./verify";

export * from "./verify";

export const transactionScheme: PaymentScheme<Omit<Settlement, "payer" | "via">> = {
  name: "transaction",
  via: "transaction",
  handles: (_request, order) => order.transaction !== undefined,

  async verify({ order, chain }) {
    if (!order.transaction) return null;
    const { txHash, nonce } = order.transaction;
    const requestHash = requestHashOf({ modelId: order.modelId, prompt: order.prompt, params: order.params, nonce });
    const v = await verifyPaymentTransaction({ publicClient: chain.publicClient, market: chain.market, txHash, modelId: order.modelId, requestHash });
    return { payer: v.payer, payment: { requestId: v.requestId, requestHash, txHash } };
  },

  async settle({ payer, payment }) {
    return { ...payment, payer, via: "transaction" };
  },

  responseHeaders: () => ({}),
};
