"use client";

import { Bar, BarChart, CartesianGrid, XAxis, YAxis } from "recharts";
import { formatUnits } from "viem";
import { ChartContainer, ChartLegend, ChartLegendContent, ChartTooltip, ChartTooltipContent, type ChartConfig } from "@/components/ui/chart";
import type { Bucket, EarningsWire } from "./api";

// Theme tokens (app/globals.css), so the chart follows the light and dark themes.
const ROLES: Record<string, { label: string; color: string }> = {
  contributor: { label: "Contributor", color: "var(--chart-1)" },
  builder: { label: "Builder", color: "var(--chart-2)" },
  operator: { label: "Operator", color: "var(--chart-3)" },
  protocol: { label: "Protocol", color: "var(--chart-4)" },
};
const FALLBACK_COLORS = ["var(--chart-5)", "var(--chart-6)", "var(--chart-1)", "var(--chart-2)"];

const hourFmt = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", hour: "2-digit", timeZone: "UTC" });
const dayFmt = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
const weekFmt = { format: (d: Date) => `Week of ${dayFmt.format(d)}` };
const FORMATS: Record<Bucket, { format: (d: Date) => string }> = { hour: hourFmt, day: dayFmt, week: weekFmt };

/** Rows for Recharts: one per bucket, one numeric column (OPEN, display only) per series key. */
export function chartRows(data: EarningsWire): { rows: Record<string, number | string>[]; keys: string[] } {
  const keys = data.series.map((s) => s.key);
  const byT = new Map<string, Record<string, number | string>>();
  for (const s of data.series) {
    for (const p of s.points) {
      const row = byT.get(p.t) ?? Object.fromEntries([["t", p.t], ...keys.map((k) => [k, 0])]);
      row[s.key] = Number(formatUnits(BigInt(p.amount), 18));
      byT.set(p.t, row);
    }
  }
  return { rows: [...byT.values()].sort((a, b) => String(a.t).localeCompare(String(b.t))), keys };
}

const openText = (v: number) => `${v.toLocaleString("en-US", { maximumFractionDigits: 6 })} OPEN`;

/**
 * Stacked bars of earnings per bucket, one series per role, over components/ui/chart. Bars, not smoothed
 * areas: an area between two paid hours would draw money across the empty hours between them.
 */
export function EarningsChart({ data, bucket }: { data: EarningsWire; bucket: Bucket }) {
  const { rows, keys } = chartRows(data);
  const fmt = FORMATS[bucket];
  const config: ChartConfig = Object.fromEntries(
    keys.map((k, i) => [k, { label: ROLES[k]?.label ?? k, color: ROLES[k]?.color ?? FALLBACK_COLORS[i % FALLBACK_COLORS.length], format: openText }]),
  );
  return (
    <div data-testid="earnings-chart" data-points={rows.length}>
      <ChartContainer config={config} className="h-72">
        <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid vertical={false} strokeDasharray="3 3" />
          <XAxis dataKey="t" tickFormatter={(t: string) => fmt.format(new Date(t))} tickLine={false} axisLine={false} minTickGap={24} />
          <YAxis width={64} tickLine={false} axisLine={false} tickFormatter={(v: number) => v.toLocaleString("en-US", { maximumFractionDigits: 4 })} />
          <ChartTooltip cursor={{ fill: "var(--muted)" }} content={<ChartTooltipContent labelFormatter={(t) => fmt.format(new Date(String(t)))} />} />
          <ChartLegend content={<ChartLegendContent />} />
          {keys.map((k) => (
            <Bar key={k} dataKey={k} name={k} stackId="earnings" fill={`var(--color-${k})`} isAnimationActive={false} />
          ))}
        </BarChart>
      </ChartContainer>
    </div>
  );
}
