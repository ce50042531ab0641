/**
 * Token rates as builders and payers read them: OPEN per 1,000 tokens. On-chain a rate is wei per token
 * (ModelRegistry.setTokenRates), and 1 OPEN per 1,000 tokens = 10^18 / 10^3 = 10^15 wei per token, so a rate
 * written in OPEN per 1,000 tokens with at most 15 decimals is an exact whole number of wei per token.
 */
import { parseUnits } from "viem";

/** The number of tokens a displayed rate is priced per. */
export const RATE_UNIT_TOKENS = 1_000n;
/** Decimals of a rate in OPEN per 1,000 tokens that still come out as whole wei per token. */
export const RATE_DECIMALS = 15;

/** "0.002" OPEN per 1,000 tokens → 2·10^12 wei per token (exact: decimal string to bigint, no float). */
export function weiPerTokenOf(openPer1k: string): bigint {
  return parseUnits(openPer1k, RATE_DECIMALS);
}

/** Wei per token → wei per 1,000 tokens, for formatOpen. */
export const per1kTokens = (weiPerToken: bigint): bigint => weiPerToken * RATE_UNIT_TOKENS;
