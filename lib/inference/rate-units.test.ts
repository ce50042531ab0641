import { formatUnits } from "viem";
import { describe, expect, it } from "vitest";
import { per1kTokens, weiPerTokenOf } from "./rate-units";

describe("rates in OPEN per 1,000 tokens", () => {
  it("convert exactly to whole wei per token", () => {
    expect(weiPerTokenOf("1")).toBe(10n ** 15n);
    expect(weiPerTokenOf("0.002")).toBe(2n * 10n ** 12n);
    expect(weiPerTokenOf("0.000000000000001")).toBe(1n);
    expect(weiPerTokenOf("0")).toBe(0n);
    // A float would lose the last digits: 123456789.123456789123456 OPEN per 1k is not a double.
    expect(weiPerTokenOf("123456789.123456789123456")).toBe(123_456_789_123_456_789_123_456n);
  });

  it("read back as the same OPEN per 1,000 tokens", () => {
    for (const text of ["1", "0.002", "0.000000000000001", "123456789.123456789123456"]) {
      expect(formatUnits(per1kTokens(weiPerTokenOf(text)), 18)).toBe(text);
    }
  });
});
