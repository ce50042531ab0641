import { describe, expect, it } from "vitest";
import { formatBps, formatBytes, formatOpen, formatRelativeTime, shortAddress, shortHash } from "./format";

const E = 10n ** 18n;

describe("formatOpen", () => {
  it("is exact for 18-decimal amounts", () => {
    expect(formatOpen(12n * E + E / 2n)).toBe("12.5 OPEN");
    expect(formatOpen(0n)).toBe("0 OPEN");
    expect(formatOpen(1n)).toBe("0.000000000000000001 OPEN");
    expect(formatOpen(1234567n * E + 1n)).toBe("1,234,567.000000000000000001 OPEN");
    // Beyond 2^53: no JS-number rounding.
    expect(formatOpen(2n ** 200n, { symbol: false })).toBe(
      "1,606,938,044,258,990,275,541,962,092,341,162,602,522,202.993782792835301376",
    );
    expect(formatOpen(-3n * E)).toBe("-3 OPEN");
  });

  it("truncates toward zero with maxDecimals and flags dust", () => {
    expect(formatOpen(19999n * 10n ** 14n, { maxDecimals: 2 })).toBe("1.99 OPEN");
    expect(formatOpen(E / 3n, { maxDecimals: 4 })).toBe("0.3333 OPEN");
    expect(formatOpen(5n, { maxDecimals: 4 })).toBe("<0.0001 OPEN");
    expect(formatOpen(2n * E, { maxDecimals: 4 })).toBe("2 OPEN");
  });
});

describe("helpers", () => {
  it("shortens addresses and hashes", () => {
    expect(shortAddress("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")).toBe("0xf39F…2266");
    expect(shortAddress(undefined)).toBe("—");
    expect(shortHash(`0x${"ab".repeat(32)}`)).toBe("0xabababab…abab");
  });

  it("formats bytes, bps and relative times", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBps(1500)).toBe("15%");
    expect(formatBps(1250)).toBe("12.5%");
    const now = new Date("2025-01-01T12:00:00Z");
    expect(formatRelativeTime(new Date("2025-01-01T11:57:00Z"), now)).toBe("3 minutes ago");
    expect(formatRelativeTime(new Date("2024-12-31T12:00:00Z"), now)).toBe("yesterday");
    expect(formatRelativeTime(now, now)).toBe("just now");
    expect(formatRelativeTime(null)).toBe("—");
  });
});
