"use client";

import { deferred } from "@/components/ui/deferred";
import { Skeleton } from "@/components/ui/skeleton";
import type { DatanetUsageChart, ModelUsageCharts } from "./usage-charts";

/*
 * Recharts is the largest module on the model and Datanet pages after the wallet: the usage charts load after
 * the page, behind skeletons of the same size, so the Playground and Contribute forms are usable sooner.
 */

function ChartSkeleton({ title }: { title: string }) {
  return (
    <div className="min-w-0 rounded-xl border border-border bg-card p-4 shadow-xs" aria-busy="true">
      <p className="mb-3 text-sm font-semibold">{title}</p>
      <Skeleton className="h-64 w-full" />
    </div>
  );
}

export const DeferredModelUsageCharts = deferred<Parameters<typeof ModelUsageCharts>[0]>(
  () => import("./usage-charts").then((m) => m.ModelUsageCharts),
  function ModelUsageChartsLoading() {
    return (
      <div className="grid gap-4 xl:grid-cols-2">
        <ChartSkeleton title="Usage" />
        <ChartSkeleton title="Revenue" />
      </div>
    );
  },
);

export const DeferredDatanetUsageChart = deferred<Parameters<typeof DatanetUsageChart>[0]>(
  () => import("./usage-charts").then((m) => m.DatanetUsageChart),
  function DatanetUsageChartLoading() {
    return <ChartSkeleton title="Usage" />;
  },
);
