"use client";

import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatUnits } from "viem";
import type { Bucket, EarningsWire } from "./api";

// Theme tokens (app/globals.css), so the chart follows the light and dark themes.
const ROLE_COLORS: Record<string, string> = {
  contributor: "var(--chart-1)",
  builder: "var(--chart-2)",
  operator: "var(--chart-3)",
  protocol: "var(--chart-4)",
};
const FALLBACK_COLORS = ["var(--chart-5)", "var(--chart-6)", "var(--chart-1)", "var(--chart-2)"];
const TOOLTIP_STYLE = { background: "var(--card)", border: "1px solid var(--border)", borderRadius: 8, color: "var(--foreground)" };

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

/**
 * A thin Recharts wrapper: stacked bars of earnings per bucket, one per role. Bars, not smoothed areas: an
 * area between two paid hours would draw money across the empty hours between them.
 */
export function EarningsChart({ data, bucket }: { data: EarningsWire; bucket: Bucket }) {
  const { rows, keys } = chartRows(data);
  const fmt = FORMATS[bucket];
  return (
    <div className="h-72 w-full" data-testid="earnings-chart" data-points={rows.length}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--chart-grid)" vertical={false} />
          <XAxis dataKey="t" tickFormatter={(t: string) => fmt.format(new Date(t))} fontSize={12} minTickGap={24} stroke="var(--muted-foreground)" />
          <YAxis fontSize={12} width={64} stroke="var(--muted-foreground)" tickFormatter={(v: number) => v.toLocaleString("en-US", { maximumFractionDigits: 4 })} />
          <Tooltip
            contentStyle={TOOLTIP_STYLE}
            cursor={{ fill: "var(--muted)" }}
            labelFormatter={(t) => fmt.format(new Date(String(t)))}
            formatter={(v) => `${Number(v).toLocaleString("en-US", { maximumFractionDigits: 6 })} OPEN`}
          />
          <Legend />
          {keys.map((k, i) => {
            const color = ROLE_COLORS[k] ?? FALLBACK_COLORS[i % FALLBACK_COLORS.length];
            return (
              <Bar key={k} dataKey={k} name={k} stackId="earnings" fill={color} isAnimationActive={false} />
            );
          })}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
