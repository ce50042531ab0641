"use client";

import { OpenAmount } from "@/components/domain";
import { formatDateTime, formatRelativeTime } from "@/components/format";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useClaimHistory } from "./api";
import { TxLink } from "./tx-link";

/** A claim sent from this page whose receipt or indexing is still outstanding. */
export interface InFlightClaim {
  hash: `0x${string}`;
  amount: bigint;
}

/**
 * The account's claims, newest first. Rows come from indexed Claimed events (refreshed by the SSE
 * claim.paid invalidation); a claim sent from this page shows as pending until its row arrives.
 */
export function ClaimHistory({ address, inFlight }: { address: string; inFlight?: InFlightClaim | null }) {
  const history = useClaimHistory(address);
  if (history.isPending) {
    return (
      <div className="space-y-2" data-testid="claim-history-loading">
        {Array.from({ length: 3 }, (_, i) => (
          <Skeleton key={i} className="h-9 w-full" />
        ))}
      </div>
    );
  }
  if (history.isError) {
    return (
      <EmptyState
        compact
        title="Could not load the claim history"
        description={history.error.message}
        action={<Button variant="outline" size="sm" onClick={() => void history.refetch()}>Retry</Button>}
      />
    );
  }
  const items = history.data.pages.flatMap((p) => p.items);
  const pending = inFlight && !items.some((c) => c.tx.toLowerCase() === inFlight.hash.toLowerCase()) ? inFlight : null;
  if (items.length === 0 && !pending) {
    return (
      <EmptyState
        compact
        title="No claims yet"
        description="Once an epoch is posted, your earnings become claimable above; each claim you make is listed here with its transaction."
      />
    );
  }
  return (
    <div className="space-y-3">
      <Table data-testid="claim-history">
        <TableHeader>
          <TableRow>
            <TableHead>Epoch</TableHead>
            <TableHead className="text-right">Amount</TableHead>
            <TableHead>Transaction</TableHead>
            <TableHead>Time</TableHead>
            <TableHead className="text-right">Status</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {pending ? (
            <TableRow data-testid="claim-row" data-tx={pending.hash} data-state="pending">
              <TableCell className="text-muted-foreground">—</TableCell>
              <TableCell className="text-right">
                <OpenAmount wei={pending.amount} maxDecimals={6} />
              </TableCell>
              <TableCell>
                <TxLink hash={pending.hash} />
              </TableCell>
              <TableCell className="text-muted-foreground">just now</TableCell>
              <TableCell className="text-right">
                <Badge variant="warning">Pending</Badge>
              </TableCell>
            </TableRow>
          ) : null}
          {items.map((c) => (
            <TableRow key={`${c.tx}-${c.logIndex}`} data-testid="claim-row" data-tx={c.tx} data-wei={c.amount} data-state={c.status}>
              <TableCell className="tabular-nums">#{c.epoch}</TableCell>
              <TableCell className="text-right">
                <OpenAmount wei={BigInt(c.amount)} maxDecimals={6} />
              </TableCell>
              <TableCell>
                <TxLink hash={c.tx} />
              </TableCell>
              <TableCell className="text-muted-foreground" title={formatDateTime(c.claimedAt)}>
                {formatRelativeTime(c.claimedAt)}
              </TableCell>
              <TableCell className="text-right">
                <Badge variant="success">Confirmed</Badge>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {history.hasNextPage ? (
        <Button variant="outline" size="sm" disabled={history.isFetchingNextPage} onClick={() => void history.fetchNextPage()}>
          {history.isFetchingNextPage ? "Loading…" : "Older claims"}
        </Button>
      ) : null}
    </div>
  );
}
