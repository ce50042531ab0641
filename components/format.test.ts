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

  it("rounds half up with maxDecimals instead of truncating (0.0397 OPEN was shown as 0.03)", () => {
    expect(formatOpen(397n * 10n ** 14n, { maxDecimals: 2 })).toBe("0.0397 OPEN"); // below 1: three significant digits
    expect(formatOpen(19999n * 10n ** 14n, { maxDecimals: 2 })).toBe("2 OPEN");
    expect(formatOpen(12345n * 10n ** 15n, { maxDecimals: 2 })).toBe("12.35 OPEN"); // tie → up
    expect(formatOpen(12344n * 10n ** 15n, { maxDecimals: 2 })).toBe("12.34 OPEN");
    expect(formatOpen(E / 3n, { maxDecimals: 4 })).toBe("0.3333 OPEN");
    expect(formatOpen((2n * E) / 3n, { maxDecimals: 4 })).toBe("0.6667 OPEN");
    expect(formatOpen(9_999_999n * 10n ** 11n, { maxDecimals: 4 })).toBe("1 OPEN"); // 0.99999990 → carries into the integer
    expect(formatOpen(999_999n * E + 996n * 10n ** 15n, { maxDecimals: 2 })).toBe("1,000,000 OPEN");
    expect(formatOpen(2n * E, { maxDecimals: 4 })).toBe("2 OPEN");
    expect(formatOpen(-397n * 10n ** 14n, { maxDecimals: 2 })).toBe("-0.0397 OPEN");
    expect(formatOpen(-12345n * 10n ** 15n, { maxDecimals: 2 })).toBe("-12.35 OPEN");
  });

  it("never shows a non-zero amount as zero: dust keeps three significant digits", () => {
    expect(formatOpen(5n, { maxDecimals: 4 })).toBe("0.000000000000000005 OPEN");
    expect(formatOpen(12_345n, { maxDecimals: 2 })).toBe("0.0000000000000123 OPEN");
    expect(formatOpen(12_345_678_901_234n, { maxDecimals: 2 })).toBe("0.0000123 OPEN");
    expect(formatOpen(0n, { maxDecimals: 2 })).toBe("0 OPEN");
    expect(formatOpen(1n, { maxDecimals: 0, symbol: false })).toBe("0.000000000000000001");
  });

  it("is within half a displayed unit (and 0.5 % with 2+ decimals) of the exact value, for any amount (property)", () => {
    let seed = 0x2545f491n;
    const next = () => (seed = (seed * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n));
    for (let i = 0; i < 5_000; i++) {
      const magnitude = next() % 30n; // 10^0 … 10^29 wei
      const wei = next() % 10n ** magnitude + (i % 7 === 0 ? 0n : 1n);
      for (const maxDecimals of [0, 2, 4, 6]) {
        const shown = formatOpen(wei, { maxDecimals, symbol: false }).replaceAll(",", "");
        const [ip, fp = ""] = shown.split(".");
        expect(fp.length).toBeLessThanOrEqual(Math.max(maxDecimals, 18));
        const shownWei = BigInt(ip) * E + BigInt((fp || "0").padEnd(18, "0").slice(0, 18));
        const err = shownWei > wei ? shownWei - wei : wei - shownWei;
        const halfUnit = 10n ** BigInt(18 - fp.length) / 2n;
        expect(err <= halfUnit, `${wei} → ${shown}`).toBe(true);
        if (wei > 0n && maxDecimals >= 2) expect(err * 200n <= wei, `${wei} → ${shown} is within 0.5 %`).toBe(true);
        if (wei >= E) expect(fp.length).toBeLessThanOrEqual(maxDecimals);
      }
    }
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
