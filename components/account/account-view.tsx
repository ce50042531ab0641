"use client";

import Link from "next/link";
import { useMemo, useState } from "react";
import { OpenAmount, SectionHeading } from "@/components/domain";
import { formatNumber } from "@/components/format";
import { useLiveEvents } from "@/components/live/use-live-events";
import { Button, buttonVariants } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Skeleton } from "@/components/ui/skeleton";
import { earningsCsvUrl, useAttributionFeed, useEarnings, RANGE_DAYS, type Bucket, type EarningsWire } from "./api";
import { AttributionFeed } from "./attribution-feed";
import { AccountContributions } from "./contributions";
import { ClaimHistory, type InFlightClaim } from "./claim-history";
import { DeferredClaimCard as ClaimCard, DeferredEarningsChart as EarningsChart } from "./deferred-widgets";

const BUCKET_LABEL: Record<Bucket, { button: string; per: string }> = {
  hour: { button: "Hourly", per: "hour" },
  day: { button: "Daily", per: "UTC day" },
  week: { button: "Weekly", per: "ISO week (Monday, UTC)" },
};

/** The contributor dashboard of one account (public page and /dashboard share it). */
export function AccountView({ address }: { address: string }) {
  // SSE → invalidation of ["accounts", …]: new settlements, epochs and claims refresh every query below.
  useLiveEvents();
  const [inFlightClaim, setInFlightClaim] = useState<InFlightClaim | null>(null);
  return (
    <div className="space-y-10" data-testid="account-view" data-address={address.toLowerCase()}>
      <div className="grid gap-6 lg:grid-cols-3">
        <div className="lg:col-span-2">
          <EarningsSection address={address} />
        </div>
        <ClaimCard address={address} onClaimSent={setInFlightClaim} />
      </div>
      <Totals address={address} />
      <section className="space-y-4">
        <SectionHeading title="Claim history" description="Every claim of this account, with its epoch and transaction." />
        <ClaimHistory address={address} inFlight={inFlightClaim} />
      </section>
      <section className="space-y-4">
        <SectionHeading title="Attribution feed" description="Newest credits from settled inferences, live." />
        <AttributionFeed address={address} />
      </section>
      <section className="space-y-4">
        <SectionHeading title="Contributions" description="What this account contributed to each Datanet, and where each stands in review." />
        <AccountContributions address={address} />
      </section>
    </div>
  );
}

function EarningsSection({ address }: { address: string }) {
  const [bucket, setBucket] = useState<Bucket>("hour");
  const earnings = useEarnings(address, bucket, "role");
  return (
    <Card>
      <CardHeader className="flex flex-row flex-wrap items-center justify-between gap-3">
        <div>
          <CardTitle>Earnings over time</CardTitle>
          <p className="mt-1 text-xs text-muted-foreground">
            By role, per {BUCKET_LABEL[bucket].per}, last {RANGE_DAYS[bucket]} days
            {earnings.data ? (
              <>
                {" · "}
                <OpenAmount wei={BigInt(earnings.data.amount)} className="font-medium text-foreground" /> from{" "}
                {formatNumber(earnings.data.inferences)} inference{earnings.data.inferences === 1 ? "" : "s"}
              </>
            ) : null}
          </p>
        </div>
        <div className="flex items-center gap-2">
          <div role="group" aria-label="Bucket" className="inline-flex rounded-md border border-border p-0.5">
            {(["hour", "day", "week"] as const).map((b) => (
              <Button key={b} size="sm" variant={bucket === b ? "secondary" : "ghost"} aria-pressed={bucket === b} onClick={() => setBucket(b)}>
                {BUCKET_LABEL[b].button}
              </Button>
            ))}
          </div>
          {/* Every earning ever, streamed by the server: not just the range charted here. */}
          <a
            href={earningsCsvUrl(address)}
            download={`ledgerline-earnings-${address.toLowerCase()}.csv`}
            className={buttonVariants({ variant: "outline", size: "sm" })}
            title="Every earning of this account (all time), one row per credit, amounts exact in wei and OPEN"
          >
            Download CSV
          </a>
        </div>
      </CardHeader>
      <CardContent>
        {earnings.isPending ? (
          <Skeleton className="h-72 w-full" data-testid="earnings-loading" />
        ) : earnings.isError ? (
          <EmptyState compact title="Could not load earnings" description={earnings.error.message} action={<Button variant="outline" size="sm" onClick={() => void earnings.refetch()}>Retry</Button>} />
        ) : earnings.data.series.length === 0 ? (
          <EmptyState
            compact
            title="No earnings in this range"
            description="Earnings arrive when inferences that use your data, models or operator service settle."
            action={
              <Link href="/datanets" className="text-sm font-medium text-primary hover:underline">
                Browse Datanets to contribute →
              </Link>
            }
          />
        ) : (
          <EarningsChart data={earnings.data} bucket={bucket} />
        )}
      </CardContent>
    </Card>
  );
}

function Totals({ address }: { address: string }) {
  const byDatanet = useEarnings(address, "day", "datanet");
  const byModel = useEarnings(address, "day", "model");
  const feed = useAttributionFeed(address);
  const names = useMemo(() => {
    const datanets = new Map<string, string>();
    const models = new Map<string, string>();
    for (const it of feed.data?.pages.flatMap((p) => p.items) ?? []) {
      if (it.datanetName) datanets.set(String(it.datanetId), it.datanetName);
      if (it.modelId !== null && it.modelName) models.set(String(it.modelId), it.modelName);
    }
    return { datanets, models };
  }, [feed.data]);
  return (
    <div className="grid gap-6 md:grid-cols-2">
      <TotalsCard title="By Datanet" testId="totals-datanet" query={byDatanet} label={(k) => (k === "0" ? "Not tied to a Datanet" : names.datanets.get(k) ?? `Datanet #${k}`)} href={(k) => (k === "0" ? null : `/datanets/${k}`)} />
      <TotalsCard title="By model" testId="totals-model" query={byModel} label={(k) => (k === "0" ? "Not tied to a model" : names.models.get(k) ?? `Model #${k}`)} href={(k) => (k === "0" ? null : `/models/${k}`)} />
    </div>
  );
}

function TotalsCard({
  title,
  testId,
  query,
  label,
  href,
}: {
  title: string;
  testId: string;
  query: ReturnType<typeof useEarnings>;
  label: (key: string) => string;
  href: (key: string) => string | null;
}) {
  const rows = (query.data?.series ?? []).slice().sort((a, b) => (BigInt(b.amount) > BigInt(a.amount) ? 1 : BigInt(b.amount) < BigInt(a.amount) ? -1 : 0));
  return (
    <Card data-testid={testId}>
      <CardHeader>
        <CardTitle>{title}</CardTitle>
        <p className="text-xs text-muted-foreground">Last {RANGE_DAYS.day} days</p>
      </CardHeader>
      <CardContent>
        {query.isPending ? (
          <div className="space-y-2">
            <Skeleton className="h-6 w-full" />
            <Skeleton className="h-6 w-full" />
            <Skeleton className="h-6 w-3/4" />
          </div>
        ) : query.isError ? (
          <p className="text-sm text-destructive">{query.error.message}</p>
        ) : rows.length === 0 ? (
          <p className="text-sm text-muted-foreground">Nothing earned yet.</p>
        ) : (
          <TotalsList rows={rows} total={query.data} label={label} href={href} />
        )}
      </CardContent>
    </Card>
  );
}

function TotalsList({ rows, total, label, href }: { rows: EarningsWire["series"]; total: EarningsWire; label: (k: string) => string; href: (k: string) => string | null }) {
  const sum = BigInt(total.amount);
  return (
    <ul className="space-y-2">
      {rows.map((s) => {
        const link = href(s.key);
        const pct = sum > 0n ? Number((BigInt(s.amount) * 10_000n) / sum) / 100 : 0;
        return (
          <li key={s.key} className="space-y-1" data-testid="totals-row">
            <div className="flex items-center justify-between gap-3 text-sm">
              {link ? (
                <Link href={link} className="truncate hover:underline">
                  {label(s.key)}
                </Link>
              ) : (
                <span className="truncate text-muted-foreground">{label(s.key)}</span>
              )}
              <span className="shrink-0 text-muted-foreground">
                <OpenAmount wei={BigInt(s.amount)} className="font-medium text-foreground" /> · {formatNumber(s.inferences)} inf.
              </span>
            </div>
            <div className="h-1.5 rounded-full bg-muted">
              <div className="h-1.5 rounded-full bg-primary" style={{ width: `${pct}%` }} />
            </div>
          </li>
        );
      })}
    </ul>
  );
}
