/**
 * A builder's pricing edit as transactions: the model page's Pricing card fills the wizard's fields from the
 * model's current rates, and sends only the setters whose values differ (setPrice for the fee, setTokenRates for
 * the rates), so an unchanged fee costs no transaction and a half-applied edit resumes where it stopped.
 */
import { formatUnits } from "viem";
import type { PricingForm } from "@/components/factory/pricing";
import { isPerToken, type TokenRates } from "@/lib/inference/pricing";
import { RATE_DECIMALS } from "@/lib/inference/rate-units";

/** The fields as the wizard shows them, for rates the chain has: exact (formatUnits, no float). */
export function pricingFormOf(rates: TokenRates): PricingForm {
  return {
    mode: isPerToken(rates) ? "per-token" : "flat",
    fee: formatUnits(rates.fee, 18),
    inputPer1k: formatUnits(rates.inputRate, RATE_DECIMALS),
    outputPer1k: formatUnits(rates.outputRate, RATE_DECIMALS),
  };
}

export type PricingChange = { fn: "setPrice"; price: bigint } | { fn: "setTokenRates"; inputRate: bigint; outputRate: bigint };

/**
 * The setters that take `current` to `next`, in the order they are sent. The fee goes first: switching to
 * per-token pricing then charges the new fee plus the rates, never the old flat price plus the rates.
 */
export function pricingChanges(current: TokenRates, next: TokenRates): PricingChange[] {
  const changes: PricingChange[] = [];
  if (next.fee !== current.fee) changes.push({ fn: "setPrice", price: next.fee });
  if (next.inputRate !== current.inputRate || next.outputRate !== current.outputRate) {
    changes.push({ fn: "setTokenRates", inputRate: next.inputRate, outputRate: next.outputRate });
  }
  return changes;
}

/** `rates` after one confirmed setter. */
export function applyChange(rates: TokenRates, change: PricingChange): TokenRates {
  return change.fn === "setPrice" ? { ...rates, fee: change.price } : { ...rates, inputRate: change.inputRate, outputRate: change.outputRate };
}

/** The model as GET /api/models/{id} has it (decimal wei strings). */
export interface IndexedPricing {
  price: string;
  inputRate: string;
  outputRate: string;
  active: boolean;
}

/** Whether the index shows what was sent: the page is refreshed only then, so it never shows the old values. */
export function indexedMatches(indexed: IndexedPricing, want: { rates: TokenRates; active: boolean }): boolean {
  return (
    indexed.active === want.active &&
    indexed.price === want.rates.fee.toString() &&
    indexed.inputRate === want.rates.inputRate.toString() &&
    indexed.outputRate === want.rates.outputRate.toString()
  );
}
