import { formatUnits } from "viem";
import type { EarningsWire } from "./api";

function cell(v: string | number): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row per (bucket, group): bucket start (UTC), group, amount in OPEN and wei (exact), inferences. */
export function earningsCsv(data: EarningsWire): string {
  const rows: string[] = [["bucket_start_utc", data.groupBy, "amount_open", "amount_wei", "inferences"].join(",")];
  const all = data.series.flatMap((s) => s.points.map((p) => ({ key: s.key, ...p })));
  all.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.key.localeCompare(b.key)));
  for (const p of all) rows.push([p.t, p.key, formatUnits(BigInt(p.amount), 18), p.amount, p.inferences].map(cell).join(","));
  return `${rows.join("\n")}\n`;
}
