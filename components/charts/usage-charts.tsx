"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Bar, CartesianGrid, ComposedChart, XAxis, YAxis } from "recharts";
import { formatUnits } from "viem";
import { useLiveEvents } from "@/components/live/use-live-events";
import { ChartContainer, ChartLegend, ChartLegendContent, ChartTooltip, ChartTooltipContent, type ChartConfig } from "@/components/ui/chart";
import { Skeleton } from "@/components/ui/skeleton";
import type { LiveEvent } from "@/lib/live/events";
import { queryKeys } from "@/lib/live/query-keys";
import { cn } from "@/lib/utils";
import { fetchDatanetUsage, fetchModelUsage, USAGE_SPAN, zeroFilled, type DatanetUsageWire, type ModelUsageWire, type UsageBucket } from "./usage";

const LIVE_TYPES: LiveEvent["type"][] = ["inference.settled", "indexer.rollback"];

const hourFmt = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", hour: "2-digit", timeZone: "UTC" });
const dayFmt = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
const fmtOf = (bucket: UsageBucket) => (bucket === "hour" ? hourFmt : dayFmt);

/** OPEN for display only (the exact wei stays in the API). */
const open = (wei: string) => Number(formatUnits(BigInt(wei), 18));
const openText = (v: number) => `${v.toLocaleString("en-US", { maximumFractionDigits: 6 })} OPEN`;
const countText = (v: number) => v.toLocaleString("en-US");

function BucketPicker({ bucket, onChange, label }: { bucket: UsageBucket; onChange: (b: UsageBucket) => void; label: string }) {
  return (
    <div role="radiogroup" aria-label={label} className="flex rounded-lg border border-border bg-card p-0.5 text-xs shadow-xs">
      {(["hour", "day"] as const).map((b) => (
        <button
          key={b}
          type="button"
          role="radio"
          aria-checked={b === bucket}
          onClick={() => onChange(b)}
          className={cn(
            "rounded-md px-2.5 py-1 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring",
            b === bucket ? "bg-muted font-medium text-foreground" : "text-muted-foreground hover:text-foreground",
          )}
        >
          {b === "hour" ? "Hourly" : "Daily"}
        </button>
      ))}
    </div>
  );
}

/**
 * One usage route as a TanStack query: the server's first answer is initialData for its bucket, the
 * key starts with the Datanet's or model's query key so the SSE stream's invalidations refetch it.
 */
function useUsage<W extends { bucket: UsageBucket }>(kind: "datanets" | "models", id: number, initial: W, load: (id: number, bucket: UsageBucket) => Promise<W>) {
  const [bucket, setBucket] = useState<UsageBucket>(initial.bucket);
  const query = useQuery({
    queryKey: kind === "datanets" ? queryKeys.datanetUsage(id, bucket) : queryKeys.modelUsage(id, bucket),
    queryFn: () => load(id, bucket),
    initialData: bucket === initial.bucket ? initial : undefined,
    // The server answer counts as fresh for a moment; after that a focus or a live event refetches.
    staleTime: 5_000,
  });
  return { bucket, setBucket, query };
}

/** Refetches the charts' queries when a settlement (or a rollback) arrives; pages that already subscribe skip it. */
function LiveInvalidation() {
  useLiveEvents(undefined, LIVE_TYPES);
  return null;
}

function ChartFrame({
  title,
  summary,
  bucket,
  onBucket,
  testId,
  points,
  loading,
  error,
  empty,
  children,
}: {
  title: string;
  summary: React.ReactNode;
  bucket: UsageBucket;
  onBucket: (b: UsageBucket) => void;
  testId: string;
  points: number;
  loading: boolean;
  error: string | null;
  empty: boolean;
  children: React.ReactElement;
}) {
  return (
    <figure className="min-w-0 rounded-xl border border-border bg-card p-4 shadow-xs" data-testid={testId} data-points={points} aria-busy={loading}>
      <figcaption className="mb-3 flex flex-wrap items-start justify-between gap-3">
        <div>
          <p className="text-sm font-semibold">{title}</p>
          <p className="text-xs text-muted-foreground">{summary}</p>
        </div>
        <BucketPicker bucket={bucket} onChange={onBucket} label={`${title}: bucket size`} />
      </figcaption>
      {loading ? (
        <Skeleton className="h-64 w-full" />
      ) : error ? (
        <p role="alert" className="flex h-64 items-center justify-center text-sm text-destructive">
          Could not load the chart: {error}
        </p>
      ) : (
        <div className="relative">
          {children}
          {empty ? (
            <p className="pointer-events-none absolute inset-0 flex items-center justify-center text-sm text-muted-foreground">
              No settled inferences in the {USAGE_SPAN[bucket].label} yet.
            </p>
          ) : null}
        </div>
      )}
    </figure>
  );
}

const datanetConfig = {
  inferences: { label: "Inferences", color: "var(--color-primary)", format: countText },
  earnings: { label: "Paid to contributors", color: "var(--color-success)", format: openText },
} satisfies ChartConfig;

/** Inferences that used a Datanet and what its contributors earned (bars on two axes), per hour or day. */
export function DatanetUsageChart({ datanetId, initial, subscribe = true }: { datanetId: number; initial: DatanetUsageWire; subscribe?: boolean }) {
  const { bucket, setBucket, query } = useUsage("datanets", datanetId, initial, fetchDatanetUsage);
  const data = query.data;
  const rows = data
    ? zeroFilled(data, { inferences: 0, contributorEarnings: "0" }).map((p) => ({ t: p.t, inferences: p.inferences, earnings: open(p.contributorEarnings) }))
    : [];
  const fmt = fmtOf(bucket);
  return (
    <>
    {subscribe ? <LiveInvalidation /> : null}
    <ChartFrame
      title="Usage"
      summary={
        data
          ? `${countText(data.inferences)} inferences · ${openText(open(data.contributorEarnings))} to contributors · ${USAGE_SPAN[bucket].label}`
          : USAGE_SPAN[bucket].label
      }
      bucket={bucket}
      onBucket={setBucket}
      testId="datanet-usage-chart"
      points={data?.points.length ?? 0}
      loading={!data && query.isPending}
      error={query.isError && !data ? query.error.message : null}
      empty={Boolean(data && data.points.length === 0)}
    >
      <ChartContainer config={datanetConfig}>
        <ComposedChart data={rows} margin={{ top: 8, right: 4, bottom: 0, left: 0 }}>
          <CartesianGrid vertical={false} strokeDasharray="3 3" />
          <XAxis dataKey="t" tickFormatter={(t: string) => fmt.format(new Date(t))} tickLine={false} axisLine={false} minTickGap={28} />
          <YAxis yAxisId="count" allowDecimals={false} tickLine={false} axisLine={false} width={36} />
          <YAxis yAxisId="open" orientation="right" tickLine={false} axisLine={false} width={56} tickFormatter={(v: number) => v.toLocaleString("en-US", { maximumFractionDigits: 3 })} />
          <ChartTooltip content={<ChartTooltipContent labelFormatter={(t) => fmt.format(new Date(String(t)))} />} />
          <ChartLegend content={<ChartLegendContent />} />
          <Bar yAxisId="count" dataKey="inferences" fill="var(--color-inferences)" radius={[3, 3, 0, 0]} isAnimationActive={false} />
          <Bar yAxisId="open" dataKey="earnings" fill="var(--color-earnings)" radius={[3, 3, 0, 0]} isAnimationActive={false} />
        </ComposedChart>
      </ChartContainer>
    </ChartFrame>
    </>
  );
}

const usageConfig = { inferences: { label: "Inferences", color: "var(--color-primary)", format: countText } } satisfies ChartConfig;
const revenueConfig = { revenue: { label: "Revenue", color: "var(--color-info)", format: openText } } satisfies ChartConfig;

/** The same x-axis ticks for charts side by side: about six evenly spaced buckets (Recharts' own pick depends on each plot's width). */
function sharedTicks(rows: { t: string }[], count = 6): string[] {
  if (rows.length <= count) return rows.map((r) => r.t);
  const step = Math.ceil(rows.length / count);
  return rows.filter((_, i) => (rows.length - 1 - i) % step === 0).map((r) => r.t);
}

/** Whole-number ticks for a count axis: 0…max when small (bars of 1 get an axis of 0–1, not 0–4), else Recharts' nice ones. */
function countTicks(values: number[]): number[] | undefined {
  const max = Math.max(1, ...values);
  return max <= 5 ? Array.from({ length: max + 1 }, (_, i) => i) : undefined;
}

/** A model's settled inferences and revenue per hour or day: two charts over one query. */
export function ModelUsageCharts({ modelId, initial, subscribe = true }: { modelId: number; initial: ModelUsageWire; subscribe?: boolean }) {
  const { bucket, setBucket, query } = useUsage("models", modelId, initial, fetchModelUsage);
  const data = query.data;
  const rows = data ? zeroFilled(data, { inferences: 0, revenue: "0" }).map((p) => ({ t: p.t, inferences: p.inferences, revenue: open(p.revenue) })) : [];
  const fmt = fmtOf(bucket);
  const common = {
    bucket,
    onBucket: setBucket,
    points: data?.points.length ?? 0,
    loading: !data && query.isPending,
    error: query.isError && !data ? query.error.message : null,
    empty: Boolean(data && data.points.length === 0),
  };
  // Both charts: the same ticks and the same axis widths, so their x-axes line up bucket for bucket.
  const xAxis = <XAxis dataKey="t" ticks={sharedTicks(rows)} interval={0} tickFormatter={(t: string) => fmt.format(new Date(t))} tickLine={false} axisLine={false} />;
  const yTicks = countTicks(rows.map((r) => r.inferences));
  const tooltip = <ChartTooltip content={<ChartTooltipContent labelFormatter={(t) => fmt.format(new Date(String(t)))} />} />;
  return (
    <div className="grid gap-4 xl:grid-cols-2">
      {subscribe ? <LiveInvalidation /> : null}
      <ChartFrame
        title="Usage"
        summary={data ? `${countText(data.inferences)} settled inferences · ${USAGE_SPAN[bucket].label}` : USAGE_SPAN[bucket].label}
        testId="model-usage-chart"
        {...common}
      >
        <ChartContainer config={usageConfig}>
          <ComposedChart data={rows} margin={{ top: 8, right: 4, bottom: 0, left: 0 }}>
            <CartesianGrid vertical={false} strokeDasharray="3 3" />
            {xAxis}
            {tooltip}
            <YAxis allowDecimals={false} ticks={yTicks} domain={yTicks ? [0, yTicks[yTicks.length - 1]] : [0, "auto"]} tickLine={false} axisLine={false} width={56} />
            <Bar dataKey="inferences" fill="var(--color-inferences)" radius={[3, 3, 0, 0]} isAnimationActive={false} />
          </ComposedChart>
        </ChartContainer>
      </ChartFrame>
      <ChartFrame
        title="Revenue"
        summary={data ? `${openText(open(data.revenue))} · ${USAGE_SPAN[bucket].label}` : USAGE_SPAN[bucket].label}
        testId="model-revenue-chart"
        {...common}
      >
        <ChartContainer config={revenueConfig}>
          <ComposedChart data={rows} margin={{ top: 8, right: 4, bottom: 0, left: 0 }}>
            <CartesianGrid vertical={false} strokeDasharray="3 3" />
            {xAxis}
            {tooltip}
            <YAxis tickLine={false} axisLine={false} width={56} tickFormatter={(v: number) => v.toLocaleString("en-US", { maximumFractionDigits: 3 })} />
            <Bar dataKey="revenue" fill="var(--color-revenue)" radius={[3, 3, 0, 0]} isAnimationActive={false} />
          </ComposedChart>
        </ChartContainer>
      </ChartFrame>
    </div>
  );
}
