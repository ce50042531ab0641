/**
 * What a request will cost before it is sent: the ceiling the payer authorizes (the quote at the max_tokens the
 * server will use for these parameters) and the least it can be charged (an empty answer). The server computes the
 * same numbers with the same functions (lib/inference/paid.ts), so the Playground's estimate is the 402's amount.
 */
import type { ModelKind } from "@/lib/metadata";
import { resolveParams } from "./params";
import { charge, DEFAULT_MAX_TOKENS, quote, type TokenRates } from "./pricing";

/** Any request hash: only the ∞-gram seed depends on it, and the seed does not bound the answer. */
const ANY_REQUEST_HASH = `0x${"0".repeat(64)}`;

/**
 * The answer tokens a request is priced at: its max_tokens as the model resolves it (the caller's value, else the
 * model card's default), or DEFAULT_MAX_TOKENS for kinds without one (kNN labels, extractive RAG).
 * Throws InvalidParams for parameters the model refuses.
 */
export function pricedAnswerTokens(model: { kind: ModelKind; parameters: Record<string, unknown> }, params: Record<string, unknown>): number {
  const resolved = resolveParams(model, ANY_REQUEST_HASH, params) as { maxTokens?: unknown };
  return typeof resolved.maxTokens === "number" ? resolved.maxTokens : DEFAULT_MAX_TOKENS;
}

export interface Estimate {
  promptTokens: number;
  maxTokens: number;
  /** T_in·R_in + F: the charge if the answer is empty. */
  least: bigint;
  /** T_in·R_in + max_tokens·R_out + F: what the payer authorizes; the tokens not used are returned. */
  ceiling: bigint;
}

export function estimate(rates: TokenRates, promptTokens: number, maxTokens: number): Estimate {
  return { promptTokens, maxTokens, least: charge(rates, promptTokens, 0), ceiling: quote(rates, promptTokens, maxTokens) };
}
