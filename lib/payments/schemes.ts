/**
 * The payment schemes Ledgerline takes, in the order a request is matched against them: the first
 * whose `handles` says yes takes the request. x402 schemes that name themselves in the payment
 * (`accepted.scheme`, see x402SchemeOf) go before "exact", the x402 default. Adding a scheme is adding
 * its folder and listing it here.
 */
import { batchSettlementScheme } from "./batch-settlement/scheme";
import { exactScheme } from "./exact";
import { isDeferredScheme, type AnyPaymentScheme, type PaymentChain, type PaymentOrder, type PaymentQuote } from "./scheme";
import { transactionScheme } from "./transaction";
import { paymentRequired, type PaymentRequired, type PaymentRequirements } from "./x402";

export const PAYMENT_SCHEMES: readonly AnyPaymentScheme[] = [transactionScheme, batchSettlementScheme, exactScheme];

/**
 * The order of the offer's `accepts`: "exact" first (what clients that take `accepts[0]` have always paid with),
 * then "batch-settlement" (clients registering it pick it by name).
 */
const OFFER_ORDER: readonly AnyPaymentScheme[] = [exactScheme, batchSettlementScheme];

/** The scheme that takes this request's payment. */
export function paymentSchemeFor(request: Request, order: PaymentOrder): AnyPaymentScheme {
  const scheme = PAYMENT_SCHEMES.find((s) => s.handles(request, order));
  if (!scheme) throw new Error("no payment scheme takes this request");
  return scheme;
}

/** The x402 offer for a quote: one `accepts` entry per x402 scheme this server takes, as sent with a 402. */
export async function x402Offer(quote: PaymentQuote, chain: PaymentChain): Promise<PaymentRequired> {
  const offered = OFFER_ORDER.filter((s) => !quote.channelOnly || isDeferredScheme(s));
  const entries = await Promise.all(offered.map((s) => (s.requirements ? s.requirements(quote, chain) : null)));
  const accepts = entries.filter((e): e is PaymentRequirements => e !== null);
  return paymentRequired({ url: quote.resource, description: quote.description }, accepts);
}
