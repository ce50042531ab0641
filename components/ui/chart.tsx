"use client";

/**
 * A thin shadcn-style wrapper over Recharts: a config names each series' label and color once, the
 * container exposes the colors as CSS variables (`var(--color-<key>)`), and tooltip and legend read the
 * same config. Colors are theme tokens (var(--color-primary) …), so charts follow light and dark themes.
 */
import * as React from "react";
import * as Recharts from "recharts";
import { cn } from "@/lib/utils";

export type ChartConfig = Record<string, { label: string; color: string; /** Formats a value in the tooltip. */ format?: (v: number) => string }>;

const ChartContext = React.createContext<ChartConfig | null>(null);

function useChartConfig(): ChartConfig {
  const config = React.useContext(ChartContext);
  if (!config) throw new Error("chart parts must be inside <ChartContainer>");
  return config;
}

export function ChartContainer({
  config,
  className,
  children,
  ...props
}: React.HTMLAttributes<HTMLDivElement> & { config: ChartConfig; children: React.ReactElement }) {
  const vars = Object.fromEntries(Object.entries(config).map(([k, v]) => [`--color-${k}`, v.color])) as React.CSSProperties;
  // overflow-hidden: Recharts first draws at initialDimension, wider than a phone, until it measures.
  return (
    <ChartContext.Provider value={config}>
      <div
        className={cn(
          "h-64 w-full overflow-hidden text-xs [&_.recharts-cartesian-axis-tick_text]:fill-muted-foreground [&_.recharts-cartesian-grid_line]:stroke-border [&_.recharts-surface]:outline-none",
          className,
        )}
        style={vars}
        {...props}
      >
        <Recharts.ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 600, height: 256 }}>
          {children}
        </Recharts.ResponsiveContainer>
      </div>
    </ChartContext.Provider>
  );
}

export const ChartTooltip = Recharts.Tooltip;
export const ChartLegend = Recharts.Legend;

interface TooltipItem {
  dataKey?: string | number | ((obj: unknown) => unknown);
  name?: string | number;
  value?: unknown;
  color?: string;
}

/** Tooltip body: the bucket label, then one line per series with its color, label and formatted value. */
export function ChartTooltipContent({
  active,
  payload,
  label,
  labelFormatter,
}: {
  active?: boolean;
  payload?: readonly TooltipItem[];
  label?: unknown;
  labelFormatter?: (label: unknown) => React.ReactNode;
}) {
  const config = useChartConfig();
  if (!active || !payload?.length) return null;
  return (
    <div className="min-w-36 rounded-lg border border-border bg-card px-3 py-2 text-xs text-card-foreground shadow-md">
      <p className="mb-1 font-medium">{labelFormatter ? labelFormatter(label) : String(label ?? "")}</p>
      <ul className="space-y-0.5">
        {payload.map((item) => {
          const key = String(item.dataKey ?? item.name ?? "");
          const c = config[key];
          const value = Number(item.value ?? 0);
          return (
            <li key={key} className="flex items-center justify-between gap-4">
              <span className="flex items-center gap-1.5 text-muted-foreground">
                <span aria-hidden="true" className="size-2 rounded-[2px]" style={{ background: c?.color ?? item.color }} />
                {c?.label ?? key}
              </span>
              <span className="font-mono font-medium tabular-nums">{c?.format ? c.format(value) : value.toLocaleString("en-US")}</span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/** Legend: a swatch and label per series, from the config. */
export function ChartLegendContent({ payload }: { payload?: readonly { dataKey?: unknown; value?: unknown; color?: string }[] }) {
  const config = useChartConfig();
  if (!payload?.length) return null;
  return (
    <ul className="flex flex-wrap items-center justify-center gap-4 pt-2 text-xs text-muted-foreground">
      {payload.map((item) => {
        const key = String(item.dataKey ?? item.value ?? "");
        const c = config[key];
        return (
          <li key={key} className="flex items-center gap-1.5">
            <span aria-hidden="true" className="size-2 rounded-[2px]" style={{ background: c?.color ?? item.color }} />
            {c?.label ?? key}
          </li>
        );
      })}
    </ul>
  );
}
