"use client";

import Link from "next/link";
import { useState } from "react";
import { OpenAmount } from "@/components/domain";
import { formatDateTime, formatRelativeTime, plural } from "@/components/format";
import { ZapIcon } from "@/components/icons";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { Skeleton } from "@/components/ui/skeleton";
import { cn } from "@/lib/utils";
import { useSettlementFeed, type SettlementPageWire } from "./api";

/**
 * The newest settled inferences. Each settlement's SSE event invalidates the feed's key; the refetch
 * brings the new rows in on top, marked as new until the page is reloaded.
 */
export function SettlementFeed({ initial }: { initial?: SettlementPageWire }) {
  const feed = useSettlementFeed(initial);
  // What this visit first showed: anything else arrived live.
  const [firstSeen, setFirstSeen] = useState<ReadonlySet<number> | null>(() => (initial ? new Set(initial.items.map((i) => i.requestId)) : null));
  if (firstSeen === null && feed.data) setFirstSeen(new Set(feed.data.items.map((i) => i.requestId)));
  if (feed.isPending) {
    return (
      <div className="space-y-2" data-testid="settlement-feed-loading">
        {Array.from({ length: 5 }, (_, i) => (
          <Skeleton key={i} className="h-12 w-full" />
        ))}
      </div>
    );
  }
  if (feed.isError) {
    return (
      <EmptyState
        compact
        title="Could not load the settlement feed"
        description={feed.error.message}
        action={<Button variant="outline" size="sm" onClick={() => void feed.refetch()}>Retry</Button>}
      />
    );
  }
  const items = feed.data.items;
  if (items.length === 0) {
    return (
      <EmptyState
        compact
        icon={<ZapIcon />}
        title="No settled inferences yet"
        description="When someone pays a model and the operator settles it, it shows up here live, with how many contributors it paid."
        action={
          <Link href="/models" className="text-sm font-medium text-primary hover:underline">
            Try a model →
          </Link>
        }
      />
    );
  }
  return (
    <ol className="divide-y divide-border overflow-hidden rounded-xl border border-border bg-card" data-testid="settlement-feed" aria-live="polite">
      {items.map((it) => {
        const isNew = firstSeen !== null && !firstSeen.has(it.requestId);
        return (
          <li
            key={it.requestId}
            data-testid="settlement-row"
            data-request-id={it.requestId}
            data-new={isNew ? "true" : undefined}
            className={cn("flex items-center gap-4 px-4 py-3 text-sm transition-colors", isNew && "bg-primary/5")}
          >
            <div className="min-w-0 flex-1">
              <div className="flex min-w-0 items-baseline gap-2">
                <Link href={`/inferences/${it.requestId}`} className="shrink-0 font-mono text-primary hover:underline">
                  #{it.requestId}
                </Link>
                <Link href={`/models/${it.modelId}`} className="truncate font-medium hover:underline">
                  {it.modelName ?? `Model #${it.modelId}`}
                </Link>
                {isNew ? <span className="shrink-0 rounded bg-primary px-1.5 py-0.5 text-[0.6875rem] font-medium text-primary-foreground">new</span> : null}
              </div>
              <p className="mt-0.5 text-xs text-muted-foreground">
                <span data-testid="settlement-contributors">{plural(it.contributorsPaid, "contributor")} paid</span>
                {" · "}
                <time dateTime={it.settledAt} title={formatDateTime(it.settledAt)} suppressHydrationWarning>
                  {formatRelativeTime(it.settledAt)}
                </time>
              </p>
            </div>
            <OpenAmount wei={BigInt(it.price)} maxDecimals={4} className="shrink-0 font-medium" />
          </li>
        );
      })}
    </ol>
  );
}
