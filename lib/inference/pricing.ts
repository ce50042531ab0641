/**
 * Per-token pricing (OpenLedger's fee): Fee = T_in·R_in + T_out·R_out + F_platform, in wei.
 *
 * A model's on-chain pricing (ModelRegistry.pricing) is its fixed fee F (`price`) and its rates R_in / R_out
 * (`inputRate` / `outputRate`, wei per token; both 0 = a flat-price model, which costs F whatever it answers).
 * The payer authorizes a ceiling, the quote at max_tokens; the operator settles the charge for the tokens actually
 * used (never above the ceiling) and InferenceMarket returns the rest to the payer. Tokens are counted with the
 * models' tokenizer (lib/attribution/tokenizer.ts, r50k_base). Pure: bigint arithmetic only.
 */

export interface TokenRates {
  /** F: the fixed fee every request pays (ModelRegistry `price`). */
  fee: bigint;
  /** R_in: wei per prompt token. */
  inputRate: bigint;
  /** R_out: wei per answer token. */
  outputRate: bigint;
}

/** What a request cost, as wei: the ceiling escrowed, the charge settled, the difference returned to the payer. */
export interface Cost {
  ceiling: bigint;
  charged: bigint;
  returned: bigint;
}

/** Answers of models without a max_tokens parameter (kNN labels, extractive RAG) are priced as at most this many tokens. */
export const DEFAULT_MAX_TOKENS = 256;

/** A per-token model (some rate set); a flat-price model costs its fee, its ceiling is its fee. */
export const isPerToken = (r: TokenRates): boolean => r.inputRate !== 0n || r.outputRate !== 0n;

function tokens(name: string, n: number | bigint): bigint {
  const t = BigInt(n);
  if (t < 0n) throw new RangeError(`${name} must not be negative, got ${t}`);
  return t;
}

/** T_in·R_in + T_out·R_out + F. */
export function charge(rates: TokenRates, inputTokens: number | bigint, outputTokens: number | bigint): bigint {
  if (!isPerToken(rates)) return rates.fee;
  return tokens("inputTokens", inputTokens) * rates.inputRate + tokens("outputTokens", outputTokens) * rates.outputRate + rates.fee;
}

/** The ceiling the payer authorizes: the charge if the answer uses all of max_tokens. */
export function quote(rates: TokenRates, inputTokens: number | bigint, maxTokens: number | bigint): bigint {
  return charge(rates, inputTokens, maxTokens);
}

/** The charge for what was served, capped at the ceiling paid (the contract refuses more), and what goes back. */
export function settledCost(rates: TokenRates, ceiling: bigint, inputTokens: number | bigint, outputTokens: number | bigint): Cost {
  const full = charge(rates, inputTokens, outputTokens);
  const charged = full < ceiling ? full : ceiling;
  return { ceiling, charged, returned: ceiling - charged };
}

/** A cost as the API answers it (decimal wei strings). */
export const costJson = (c: Cost) => ({ charged: c.charged.toString(), ceiling: c.ceiling.toString(), returned: c.returned.toString() });

/** The rates of ModelRegistry.pricing's 6-tuple (builder, price, builderBps, active, inputRate, outputRate). */
export function ratesOf(pricing: readonly [unknown, bigint, unknown, unknown, bigint, bigint]): TokenRates {
  return { fee: pricing[1], inputRate: pricing[4], outputRate: pricing[5] };
}
