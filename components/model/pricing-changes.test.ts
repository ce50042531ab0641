import { describe, expect, it } from "vitest";
import { parsePricing } from "@/components/factory/pricing";
import { applyChange, indexedMatches, pricingChanges, pricingFormOf } from "./pricing-changes";

const flat = { fee: 10n ** 16n, inputRate: 0n, outputRate: 0n };
const perToken = { fee: 10n ** 15n, inputRate: 2n * 10n ** 12n, outputRate: 4n * 10n ** 12n };

describe("pricingFormOf", () => {
  it("fills the wizard's fields so that parsing them gives back the same wei", () => {
    expect(pricingFormOf(perToken)).toEqual({ mode: "per-token", fee: "0.001", inputPer1k: "0.002", outputPer1k: "0.004" });
    expect(pricingFormOf(flat)).toEqual({ mode: "flat", fee: "0.01", inputPer1k: "0", outputPer1k: "0" });
    for (const rates of [perToken, flat, { fee: 10n ** 18n + 1n, inputRate: 1n, outputRate: 0n }, { fee: 0n, inputRate: 0n, outputRate: 123456789n }]) {
      expect(parsePricing(pricingFormOf(rates))).toEqual({ rates });
    }
  });
});

describe("pricingChanges", () => {
  it("sends nothing when nothing changed", () => {
    expect(pricingChanges(perToken, { ...perToken })).toEqual([]);
  });

  it("sends only the setter whose values differ", () => {
    expect(pricingChanges(perToken, { ...perToken, fee: 0n })).toEqual([{ fn: "setPrice", price: 0n }]);
    expect(pricingChanges(perToken, { ...perToken, outputRate: 5n })).toEqual([{ fn: "setTokenRates", inputRate: perToken.inputRate, outputRate: 5n }]);
  });

  it("switches flat → per-token and back with the fee first, then the rates", () => {
    expect(pricingChanges(flat, perToken).map((c) => c.fn)).toEqual(["setPrice", "setTokenRates"]);
    expect(pricingChanges(perToken, flat)).toEqual([
      { fn: "setPrice", price: flat.fee },
      { fn: "setTokenRates", inputRate: 0n, outputRate: 0n },
    ]);
  });

  it("resumes a half-applied edit with what is left", () => {
    const [first] = pricingChanges(flat, perToken);
    expect(pricingChanges(applyChange(flat, first), perToken)).toEqual([{ fn: "setTokenRates", inputRate: perToken.inputRate, outputRate: perToken.outputRate }]);
  });
});

describe("indexedMatches", () => {
  const indexed = { price: "1000000000000000", inputRate: "2000000000000", outputRate: "4000000000000", active: true };
  it("is true only when the fee, both rates and the status are the ones sent", () => {
    expect(indexedMatches(indexed, { rates: perToken, active: true })).toBe(true);
    expect(indexedMatches(indexed, { rates: perToken, active: false })).toBe(false);
    expect(indexedMatches({ ...indexed, outputRate: "0" }, { rates: perToken, active: true })).toBe(false);
    expect(indexedMatches(indexed, { rates: { ...perToken, fee: 0n }, active: true })).toBe(false);
  });
});
