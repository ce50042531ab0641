"use client";

import { formatDateTime, formatNumber, formatOpen } from "@/components/format";
import { CoinsIcon, UsersIcon, ZapIcon } from "@/components/icons";
import { StatsSkeleton } from "@/components/skeletons";
import { Button } from "@/components/ui/button";
import { Stat } from "@/components/ui/stat";
import { useNetworkStats, type NetworkStatsWire } from "./api";

/** Hourly settled inferences as a tiny inline chart (no axis: the number next to it is the point). */
function Sparkline({ values, label }: { values: number[]; label: string }) {
  const max = Math.max(1, ...values);
  const w = 96;
  const h = 24;
  const step = values.length > 1 ? w / (values.length - 1) : w;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(h - (v / max) * (h - 2) - 1).toFixed(1)}`).join(" ");
  return (
    <svg viewBox={`0 0 ${w} ${h}`} width={w} height={h} role="img" aria-label={label} className="mt-2 text-primary">
      <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinejoin="round" />
    </svg>
  );
}

/** Network activity in the last 24 hours, live: the SSE stream invalidates the query on each settlement. */
export function NetworkStats({ initial }: { initial?: NetworkStatsWire }) {
  const stats = useNetworkStats(initial);
  if (stats.isPending) return <StatsSkeleton count={3} className="grid grid-cols-1 gap-3 sm:grid-cols-3" />;
  if (stats.isError) {
    return (
      <div className="flex items-center justify-between gap-3 rounded-xl border border-dashed border-border p-4 text-sm" role="alert">
        <span className="text-muted-foreground">Could not load the last 24 hours: {stats.error.message}</span>
        <Button variant="outline" size="sm" onClick={() => void stats.refetch()}>
          Retry
        </Button>
      </div>
    );
  }
  const s = stats.data;
  const fees = BigInt(s.feesPaid);
  const toContributors = BigInt(s.contributorEarnings);
  const quiet = s.inferences === 0;
  return (
    <div className="space-y-2">
      {/* One <dl> per stat: each Stat is a dt/dd group, and the test ids sit on the list. */}
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-3">
        <dl data-testid="stat-inferences-24h" data-value={s.inferences}>
          <Stat
            className="h-full"
            label="Inferences · 24 h"
            value={formatNumber(s.inferences)}
            icon={<ZapIcon />}
            hint={
              quiet ? (
                "None settled in the last 24 hours yet."
              ) : (
                <>
                  settled on-chain
                  <Sparkline values={s.series.map((p) => p.inferences)} label="Settled inferences per hour, last 24 hours" />
                </>
              )
            }
          />
        </dl>
        <dl data-testid="stat-fees-24h" data-wei={s.feesPaid}>
          <Stat
            className="h-full"
            label="Fees paid · 24 h"
            value={formatOpen(fees, { maxDecimals: 2 })}
            title={formatOpen(fees)}
            icon={<CoinsIcon />}
            hint={`${formatOpen(toContributors, { maxDecimals: 2 })} of it to contributors`}
          />
        </dl>
        <dl data-testid="stat-contributors-24h" data-value={s.contributorsEarning}>
          <Stat
            className="h-full"
            label="Contributors earning · 24 h"
            value={formatNumber(s.contributorsEarning)}
            icon={<UsersIcon />}
            hint="distinct accounts credited by attribution"
          />
        </dl>
      </div>
      {/* The hourly rollups make the window whole hours: the 24 ending with the current one. */}
      <p className="text-xs text-muted-foreground" data-testid="stats-window">
        Since {formatDateTime(s.from)}, updated as each settlement is indexed.
      </p>
    </div>
  );
}
