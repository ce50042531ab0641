import { formatUnits } from "viem";

/** OPEN has 18 decimals, like ether. */
export const OPEN_DECIMALS = 18;

function groupThousands(intPart: string): string {
  return intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

export interface FormatOpenOptions {
  /**
   * Show at most this many decimals, rounding half up (away from zero on a tie), never toward zero only:
   * 0.0397 OPEN at 2 decimals is "0.04", not "0.03". Amounts below 1 keep at least three significant digits
   * whatever maxDecimals says (0.0397 stays "0.0397", 0.000012345 is "0.0000123"), so a display is never
   * more than 0.5 % off the exact value (with maxDecimals ≥ 2) and no non-zero amount shows as 0. Default: exact.
   * Pair a rounded display with the exact value on hover (OpenAmount does; Stat takes a title).
   */
  maxDecimals?: number;
  /** Append " OPEN" (default true). */
  symbol?: boolean;
}

/** Significant digits an amount below 1 OPEN keeps when rounded (see maxDecimals). */
export const MIN_SIGNIFICANT_DIGITS = 3;

/** |wei| rounded half up to `decimals` decimals, as [integer part, fraction digits] strings (fraction untrimmed). */
function roundedParts(abs: bigint, decimals: number): [string, string] {
  const unit = 10n ** BigInt(OPEN_DECIMALS - decimals);
  const scaled = (abs + unit / 2n) / unit; // half up; unit is ≥ 1 and a power of ten, so unit / 2n is exact for unit ≥ 10
  const digits = scaled.toString().padStart(decimals + 1, "0");
  return [digits.slice(0, digits.length - decimals), digits.slice(digits.length - decimals)];
}

/**
 * Format a wei amount of OPEN with bigint/string math (never a JS number): exact by default,
 * 12500000000000000000n → "12.5 OPEN", 1234000000000000000000n → "1,234 OPEN"; rounded with maxDecimals.
 */
export function formatOpen(wei: bigint, opts: FormatOpenOptions = {}): string {
  const suffix = opts.symbol === false ? "" : " OPEN";
  const negative = wei < 0n;
  const abs = negative ? -wei : wei;
  let intPart: string;
  let frac: string;
  if (opts.maxDecimals === undefined || opts.maxDecimals >= OPEN_DECIMALS) {
    [intPart, frac = ""] = formatUnits(abs, OPEN_DECIMALS).split(".");
  } else {
    let decimals = Math.max(0, Math.floor(opts.maxDecimals));
    if (abs > 0n && abs < 10n ** BigInt(OPEN_DECIMALS)) {
      // Below 1 OPEN: enough decimals for MIN_SIGNIFICANT_DIGITS (leading zeros of the fraction + 3).
      const leadingZeros = OPEN_DECIMALS - abs.toString().length;
      decimals = Math.min(OPEN_DECIMALS, Math.max(decimals, leadingZeros + MIN_SIGNIFICANT_DIGITS));
    }
    [intPart, frac] = decimals >= OPEN_DECIMALS ? (formatUnits(abs, OPEN_DECIMALS) + ".").split(".") : roundedParts(abs, decimals);
    frac = frac.replace(/0+$/, "");
  }
  const body = groupThousands(intPart) + (frac ? `.${frac}` : "");
  return `${negative && body !== "0" ? "-" : ""}${body}${suffix}`;
}

/** 0x1234567890abcdef… → 0x1234…cdef */
export function shortAddress(address: string | null | undefined, chars = 4): string {
  if (!address) return "—";
  if (address.length <= 2 + chars * 2 + 1) return address;
  return `${address.slice(0, 2 + chars)}…${address.slice(-chars)}`;
}

/** Hashes and roots: 0xabcdef12…3456 */
export function shortHash(hash: string | null | undefined, head = 8, tail = 4): string {
  if (!hash) return "—";
  if (hash.length <= head + tail + 3) return hash;
  const prefixed = hash.startsWith("0x");
  const start = hash.slice(0, (prefixed ? 2 : 0) + head);
  return `${start}…${hash.slice(-tail)}`;
}

const numberFormat = new Intl.NumberFormat("en-US");

export function formatNumber(n: number | bigint): string {
  return numberFormat.format(n);
}

/** 1536 → "1.5 KB" */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "—";
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? Math.round(value) : value.toFixed(1).replace(/\.0$/, "")} ${units[unit]}`;
}

/** basis points → "12.5%" */
export function formatBps(bps: number): string {
  return `${(bps / 100).toFixed(2).replace(/\.?0+$/, "")}%`;
}

const relativeFormat = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
const RELATIVE_UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
  ["second", 1],
];

/** "3 minutes ago", "in 2 hours", "now" */
export function formatRelativeTime(date: Date | string | number | null | undefined, now: Date = new Date()): string {
  if (date === null || date === undefined) return "—";
  const d = date instanceof Date ? date : new Date(date);
  if (Number.isNaN(d.getTime())) return "—";
  const seconds = Math.round((d.getTime() - now.getTime()) / 1000);
  if (Math.abs(seconds) < 10) return "just now";
  for (const [unit, size] of RELATIVE_UNITS) {
    if (Math.abs(seconds) >= size || unit === "second") {
      return relativeFormat.format(Math.trunc(seconds / size), unit);
    }
  }
  return "—";
}

const dateFormat = new Intl.DateTimeFormat("en-US", { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
const dateTimeFormat = new Intl.DateTimeFormat("en-US", {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  timeZone: "UTC",
  timeZoneName: "short",
});

/** "Nov 25, 2025" (UTC, so server and client agree) */
export function formatDate(date: Date | string | number | null | undefined): string {
  if (date === null || date === undefined) return "—";
  const d = date instanceof Date ? date : new Date(date);
  return Number.isNaN(d.getTime()) ? "—" : dateFormat.format(d);
}

/** "Nov 25, 2025, 09:41 AM UTC" */
export function formatDateTime(date: Date | string | number | null | undefined): string {
  if (date === null || date === undefined) return "—";
  const d = date instanceof Date ? date : new Date(date);
  return Number.isNaN(d.getTime()) ? "—" : dateTimeFormat.format(d);
}

/** "1 contributor" / "3 contributors" */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatNumber(n)} ${n === 1 ? one : many}`;
}

/** Parts per million as a percentage rounded down to 0.1 % ("74%", "12.5%", "under 0.1%"). */
export function formatPpmPercent(ppm: number): string {
  if (ppm > 0 && ppm < 1_000) return "under 0.1%";
  return `${Math.floor(ppm / 1_000) / 10}%`;
}
