/**
 * The payment schemes Ledgerline takes, in the order a request is matched against them: the first
 * whose `handles` says yes takes the request. x402 schemes that name themselves in the payment
 * (`accepted.scheme`, see x402SchemeOf) go before "exact", the x402 default. Adding a scheme is adding
 * its folder and listing it here.
 */
import { exactScheme } from "./exact";
import type { PaymentChain, PaymentOrder, PaymentQuote, PaymentScheme } from "./scheme";
import { transactionScheme } from "./transaction";
import { paymentRequired, type PaymentRequired } from "./x402";

export const PAYMENT_SCHEMES: readonly PaymentScheme[] = [transactionScheme, exactScheme];

/** The scheme that takes this request's payment. */
export function paymentSchemeFor(request: Request, order: PaymentOrder): PaymentScheme {
  const scheme = PAYMENT_SCHEMES.find((s) => s.handles(request, order));
  if (!scheme) throw new Error("no payment scheme takes this request");
  return scheme;
}

/** The x402 offer for a quote: one `accepts` entry per x402 scheme, as sent with a 402. */
export async function x402Offer(quote: PaymentQuote, chain: PaymentChain): Promise<PaymentRequired> {
  const accepts = await Promise.all(PAYMENT_SCHEMES.flatMap((s) => (s.requirements ? [s.requirements(quote, chain)] : [])));
  return paymentRequired({ url: quote.resource, description: quote.description }, accepts);
}
