import { describe, expect, it } from "vitest";
import { parsePricing, type PricingForm } from "./pricing";

const perToken = (over: Partial<PricingForm> = {}): PricingForm => ({ mode: "per-token", fee: "0.001", inputPer1k: "0.002", outputPer1k: "0.004", ...over });

describe("parsePricing", () => {
  it("reads a flat price as the fee with rates 0 (the rate fields are ignored)", () => {
    expect(parsePricing({ mode: "flat", fee: " 0.01 ", inputPer1k: "junk", outputPer1k: "" })).toEqual({ rates: { fee: 10n ** 16n, inputRate: 0n, outputRate: 0n } });
  });

  it("reads per-token pricing as the fee in wei and the rates in wei per token, exactly", () => {
    expect(parsePricing(perToken())).toEqual({ rates: { fee: 10n ** 15n, inputRate: 2n * 10n ** 12n, outputRate: 4n * 10n ** 12n } });
    expect(parsePricing(perToken({ fee: "0", inputPer1k: "0.000000000000001", outputPer1k: "0" }))).toEqual({ rates: { fee: 0n, inputRate: 1n, outputRate: 0n } });
    expect(parsePricing(perToken({ fee: "1.000000000000000001" }))).toMatchObject({ rates: { fee: 10n ** 18n + 1n } });
  });

  it("refuses rates finer than a wei per token, and text that is not a decimal", () => {
    expect(parsePricing(perToken({ inputPer1k: "0.0000000000000001" }))).toEqual({ error: expect.stringContaining("input rate") });
    expect(parsePricing(perToken({ outputPer1k: "1e-3" }))).toEqual({ error: expect.stringContaining("output rate") });
    expect(parsePricing(perToken({ fee: "-1" }))).toEqual({ error: expect.stringContaining("fixed fee") });
    expect(parsePricing({ mode: "flat", fee: "", inputPer1k: "", outputPer1k: "" })).toEqual({ error: expect.stringContaining("price") });
  });

  it("refuses per-token pricing whose rates are both 0: that is a flat price", () => {
    expect(parsePricing(perToken({ inputPer1k: "0", outputPer1k: "0.000" }))).toEqual({ error: expect.stringContaining("flat price") });
  });
});
