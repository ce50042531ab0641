"use client";

import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatUnits } from "viem";
import type { Bucket, EarningsWire } from "./api";

const ROLE_COLORS: Record<string, string> = {
  contributor: "#4338ca",
  builder: "#0891b2",
  operator: "#d97706",
  protocol: "#64748b",
};
const FALLBACK_COLORS = ["#7c3aed", "#059669", "#dc2626", "#0ea5e9"];

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

/** A thin Recharts wrapper: stacked areas of earnings per bucket, one per role. */
export function EarningsChart({ data, bucket }: { data: EarningsWire; bucket: Bucket }) {
  const { rows, keys } = chartRows(data);
  const fmt = FORMATS[bucket];
  return (
    <div className="h-72 w-full" data-testid="earnings-chart" data-points={rows.length}>
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" />
          <XAxis dataKey="t" tickFormatter={(t: string) => fmt.format(new Date(t))} fontSize={12} minTickGap={24} />
          <YAxis fontSize={12} width={64} tickFormatter={(v: number) => v.toLocaleString("en-US", { maximumFractionDigits: 4 })} />
          <Tooltip
            labelFormatter={(t) => fmt.format(new Date(String(t)))}
            formatter={(v) => `${Number(v).toLocaleString("en-US", { maximumFractionDigits: 6 })} OPEN`}
          />
          <Legend />
          {keys.map((k, i) => {
            const color = ROLE_COLORS[k] ?? FALLBACK_COLORS[i % FALLBACK_COLORS.length];
            return (
              <Area
                key={k}
                type="monotone"
                dataKey={k}
                name={k}
                stackId="earnings"
                stroke={color}
                fill={color}
                fillOpacity={0.25}
                isAnimationActive={false}
              />
            );
          })}
        </AreaChart>
      </ResponsiveContainer>
    </div>
  );
}
