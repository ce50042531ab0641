"use client";

import Link from "next/link";
import { OpenAmount } from "@/components/domain";
import { formatDateTime, formatRelativeTime } from "@/components/format";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useAttributionFeed } from "./api";

function formatShare(ppm: number): string {
  return `${(ppm / 10_000).toFixed(2).replace(/\.?0+$/, "")}%`;
}

/**
 * The account's receipts, newest first: per settled inference, the contribution credited, its weight (ppm of the
 * contributor pool) and the amount; refreshed by the SSE invalidation of the account's keys.
 */
export function AttributionFeed({ address }: { address: string }) {
  const feed = useAttributionFeed(address);
  if (feed.isPending) {
    return (
      <div className="space-y-2" data-testid="attribution-loading">
        {Array.from({ length: 5 }, (_, i) => (
          <Skeleton key={i} className="h-9 w-full" />
        ))}
      </div>
    );
  }
  if (feed.isError) {
    return <EmptyState compact title="Could not load the attribution feed" description={feed.error.message} action={<Button variant="outline" size="sm" onClick={() => void feed.refetch()}>Retry</Button>} />;
  }
  const items = feed.data.pages.flatMap((p) => p.items);
  if (items.length === 0) {
    return (
      <EmptyState
        compact
        title="No attribution credits yet"
        description="When a model trained on your accepted contributions serves a paid inference, your share appears here live."
        action={
          <Link href="/datanets" className="text-sm font-medium text-primary hover:underline">
            Contribute to a Datanet →
          </Link>
        }
      />
    );
  }
  return (
    <div className="space-y-3">
      <Table data-testid="attribution-feed">
        <TableHeader>
          <TableRow>
            <TableHead>Inference</TableHead>
            <TableHead>Model</TableHead>
            <TableHead>Datanet</TableHead>
            <TableHead>Contribution</TableHead>
            <TableHead className="text-right">Share</TableHead>
            <TableHead className="text-right">Amount</TableHead>
            <TableHead className="text-right">Settled</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {items.map((it) => (
            <TableRow key={`${it.requestId}-${it.contributionId}`} data-testid="attribution-row">
              <TableCell>
                <Link href={`/inferences/${it.requestId}`} className="font-mono text-primary hover:underline">
                  #{it.requestId}
                </Link>
              </TableCell>
              <TableCell>
                {it.modelId === null ? "—" : (
                  <Link href={`/models/${it.modelId}`} className="hover:underline">
                    {it.modelName ?? `Model #${it.modelId}`}
                  </Link>
                )}
              </TableCell>
              <TableCell>
                <Link href={`/datanets/${it.datanetId}`} className="hover:underline">
                  {it.datanetName ?? `Datanet #${it.datanetId}`}
                </Link>
              </TableCell>
              <TableCell className="font-mono text-muted-foreground">#{it.contributionId}</TableCell>
              <TableCell className="text-right tabular-nums" title={`${it.weightPpm.toLocaleString("en-US")} ppm of the inference's contributor pool`}>
                {formatShare(it.weightPpm)}
              </TableCell>
              <TableCell className="text-right">
                <OpenAmount wei={BigInt(it.amount)} maxDecimals={6} />
              </TableCell>
              <TableCell className="text-right text-muted-foreground" title={formatDateTime(it.settledAt)}>
                {formatRelativeTime(it.settledAt)}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {feed.hasNextPage ? (
        <Button variant="outline" size="sm" disabled={feed.isFetchingNextPage} onClick={() => void feed.fetchNextPage()}>
          {feed.isFetchingNextPage ? "Loading…" : "Load more"}
        </Button>
      ) : null}
    </div>
  );
}
