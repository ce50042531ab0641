/**
 * x402 "exact" (EIP-3009): the client signs a TransferWithAuthorization of the price to
 * InferenceMarket; Ledgerline verifies it and submits it through `payWithAuthorization`.
 */
import { requestHashOf } from "../request";
import type { PaymentScheme } from "../scheme";
import { paymentResponseHeader } from "../x402";
import { readPaymentHeader } from "./payload";
import { EXACT_SCHEME, exactRequirements, tokenDomain } from "./requirements";
import { submitAuthorization } from "./settle";
import { verifyAuthorization, type VerifiedAuthorization } from "./verify";

export * from "./payload";
export * from "./requirements";
export * from "./settle";
export * from "./verify";

export const exactScheme: PaymentScheme<VerifiedAuthorization> = {
  name: EXACT_SCHEME,
  via: "x402",
  // The default x402 scheme: it also answers requests without a payment (402) and payments naming a
  // scheme nobody here takes (unsupported_scheme), or that cannot be read (malformed_payment).
  handles: () => true,

  async requirements(quote, chain) {
    const domain = await tokenDomain(chain.publicClient, chain.token, chain.chainId);
    return exactRequirements({ chainId: chain.chainId, token: chain.token, tokenName: domain.name, tokenVersion: domain.version, market: chain.market, price: quote.price });
  },

  async verify({ request, chain, requirements }) {
    const payload = readPaymentHeader(request);
    if (!payload) return null;
    if (!requirements) throw new Error("exactScheme.verify: no offer was made for this request");
    const auth = await verifyAuthorization({ payload, requirements, publicClient: chain.publicClient, chainId: chain.chainId });
    return { payer: auth.from, payment: auth };
  },

  async settle({ payment: auth }, { order, chain }) {
    // One authorization = one request: its nonce is the request's nonce.
    const requestHash = requestHashOf({ modelId: order.modelId, prompt: order.prompt, params: order.params, nonce: auth.nonce });
    const s = await submitAuthorization({ auth, modelId: order.modelId, requestHash, publicClient: chain.publicClient, operator: chain.operator, market: chain.market });
    return { requestId: s.requestId, requestHash, payer: s.payer, txHash: s.txHash, via: "x402" };
  },

  responseHeaders(settlement, { chain }, amount) {
    const [name, value] = paymentResponseHeader({ txHash: settlement.txHash, payer: settlement.payer, chainId: chain.chainId, requestId: settlement.requestId, amount });
    return { [name]: value };
  },
};
