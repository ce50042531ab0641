/**
 * The Publish step's pricing, validated at the edge: a flat price per inference, or per-token pricing (a fixed fee F
 * plus input and output rates in OPEN per 1,000 tokens). Text in, exact wei out (decimal strings → bigint, no float):
 * what registerModel (the fee) and setTokenRates (the rates, wei per token) are sent.
 */
import { parseUnits } from "viem";
import { z } from "zod";
import { RATE_DECIMALS, weiPerTokenOf } from "@/lib/inference/rate-units";
import type { TokenRates } from "@/lib/inference/pricing";

export type PricingMode = "flat" | "per-token";

/** What the builder types, as typed. */
export interface PricingForm {
  mode: PricingMode;
  /** The flat price, or the per-token model's fixed fee F (OPEN). */
  fee: string;
  /** OPEN per 1,000 prompt tokens. */
  inputPer1k: string;
  /** OPEN per 1,000 answer tokens. */
  outputPer1k: string;
}

const decimal = (decimals: number) => new RegExp(`^\\d{1,30}(\\.\\d{1,${decimals}})?$`);

const openAmount = (message: string) =>
  z
    .string()
    .trim()
    .regex(decimal(18), message)
    .transform((t) => parseUnits(t, 18));

// At most 15 decimals: a rate per 1,000 tokens must be a whole number of wei per token (lib/inference/rate-units.ts).
const ratePer1k = (which: string) =>
  z
    .string()
    .trim()
    .regex(decimal(RATE_DECIMALS), `Enter the ${which} rate in OPEN per 1,000 tokens, e.g. 0.002 (at most ${RATE_DECIMALS} decimals).`)
    .transform(weiPerTokenOf);

const pricingSchema = z
  .discriminatedUnion("mode", [
    z.object({ mode: z.literal("flat"), fee: openAmount("Enter a price in OPEN, e.g. 0.01 (at most 18 decimals).") }),
    z
      .object({
        mode: z.literal("per-token"),
        fee: openAmount("Enter a fixed fee in OPEN, e.g. 0.001 (0 for none; at most 18 decimals)."),
        inputPer1k: ratePer1k("input"),
        outputPer1k: ratePer1k("output"),
      })
      // Both rates 0 is how the chain marks a flat-price model.
      .refine((p) => p.inputPer1k > 0n || p.outputPer1k > 0n, { message: "Per-token pricing needs an input or an output rate above 0; with both at 0, choose a flat price." }),
  ])
  .transform((p): TokenRates => (p.mode === "flat" ? { fee: p.fee, inputRate: 0n, outputRate: 0n } : { fee: p.fee, inputRate: p.inputPer1k, outputRate: p.outputPer1k }));

/** The rates to publish (wei), or the first problem for a person to read. */
export function parsePricing(form: PricingForm): { rates: TokenRates } | { error: string } {
  const parsed = pricingSchema.safeParse(form.mode === "flat" ? { mode: "flat", fee: form.fee } : form);
  return parsed.success ? { rates: parsed.data } : { error: parsed.error.issues[0].message };
}
