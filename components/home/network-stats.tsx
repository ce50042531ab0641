"use client";

import { formatDateTime, formatNumber, formatOpen } from "@/components/format";
import { CoinsIcon, UsersIcon, ZapIcon } from "@/components/icons";
import { StatsSkeleton } from "@/components/skeletons";
import { Button } from "@/components/ui/button";
import { Stat } from "@/components/ui/stat";
import { useNetworkStats, type NetworkStatsWire } from "./api";

/**
 * Hourly settled inferences as tiny bars (no axis: the number next to it is the point). Bars, not a line: counts per
 * hour are discrete and often 0, which a line turns into zig-zags. The last bar is the current hour, still filling
 * up: it is drawn faint, so it does not read as a cliff to zero.
 */
function Sparkline({ values, label }: { values: number[]; label: string }) {
  const max = Math.max(1, ...values);
  const w = 96;
  const h = 24;
  const slot = w / Math.max(1, values.length);
  const bar = Math.max(1, slot - 1);
  return (
    <svg viewBox={`0 0 ${w} ${h}`} width={w} height={h} role="img" aria-label={label} className="mt-2 text-primary" data-testid="sparkline">
      <line x1="0" x2={w} y1={h - 0.5} y2={h - 0.5} stroke="currentColor" strokeOpacity="0.25" strokeWidth="1" />
      {values.map((v, i) => {
        const height = v === 0 ? 0 : Math.max(1.5, (v / max) * (h - 2));
        const partial = i === values.length - 1;
        return <rect key={i} x={(i * slot).toFixed(2)} y={(h - 1 - height).toFixed(2)} width={bar.toFixed(2)} height={height.toFixed(2)} rx="0.5" fill="currentColor" fillOpacity={partial ? 0.35 : 0.9} />;
      })}
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
                  <Sparkline values={s.series.map((p) => p.inferences)} label="Settled inferences per hour, last 24 hours (the last bar is the current hour so far)" />
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
