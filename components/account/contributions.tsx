"use client";

import Link from "next/link";
import { WithdrawalNote, WithdrawButton } from "@/components/datanet/takedown";
import { TermsNote } from "@/components/datanet/contribution-terms";
import { ContributionStatusBadge, OpenAmount } from "@/components/domain";
import { formatBytes, formatDateTime, formatNumber, formatRelativeTime } from "@/components/format";
import { buttonVariants, Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useAccountContributions } from "./api";

const toWei = (v: bigint | string) => (typeof v === "bigint" ? v : BigInt(v));

/**
 * The account's contributions to every Datanet and where each stands in review (live over SSE); a withdrawn or
 * removed one says by whom, when and why, and the account itself (connected) can withdraw the others.
 */
export function AccountContributions({ address }: { address: string }) {
  const list = useAccountContributions(address);
  if (list.isPending) {
    return (
      <div className="space-y-2" data-testid="account-contributions-loading">
        {Array.from({ length: 3 }, (_, i) => (
          <Skeleton key={i} className="h-9 w-full" />
        ))}
      </div>
    );
  }
  if (list.isError) {
    return (
      <EmptyState
        compact
        title="Could not load the contributions"
        description={list.error.message}
        action={<Button variant="outline" size="sm" onClick={() => void list.refetch()}>Retry</Button>}
      />
    );
  }
  const items = list.data.pages.flatMap((p) => p.items);
  if (items.length === 0) {
    return (
      <EmptyState
        compact
        title="No contributions yet"
        description="Upload a file to a Datanet; once accepted, every inference that uses it pays you."
        action={
          <Link href="/datanets" className={buttonVariants({ variant: "outline", size: "sm" })}>
            Browse Datanets
          </Link>
        }
      />
    );
  }
  return (
    <div className="space-y-3">
      <Table data-testid="account-contributions">
        <TableHeader>
          <TableRow>
            <TableHead>ID</TableHead>
            <TableHead>Datanet</TableHead>
            <TableHead className="text-right">Records</TableHead>
            <TableHead className="text-right">Size</TableHead>
            <TableHead>Status</TableHead>
            <TableHead className="text-right" title="What it earned per 1,000 paid inferences of models built on its Datanet, over the last 7 days">
              Per 1,000 calls (7 d)
            </TableHead>
            <TableHead>Submitted</TableHead>
            <TableHead>
              <span className="sr-only">Takedown</span>
            </TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {items.map((c) => (
            <TableRow key={c.id} data-testid="account-contribution-row" data-id={c.id} data-status={c.status} data-withdrawn={c.withdrawnBy ? "true" : "false"}>
              <TableCell className="font-mono text-xs text-muted-foreground">#{c.id}</TableCell>
              <TableCell>
                <Link href={`/datanets/${c.datanetId}`} className="font-medium hover:text-primary">
                  {c.datanetName ?? `Datanet #${c.datanetId}`}
                </Link>
              </TableCell>
              <TableCell className="text-right tabular-nums">{formatNumber(c.records)}</TableCell>
              <TableCell className="text-right tabular-nums">{formatBytes(c.bytes)}</TableCell>
              <TableCell>
                <ContributionStatusBadge status={c.status} />
                <WithdrawalNote c={{ ...c, contributor: address }} className="mt-1" />
                <TermsNote c={c} className="mt-1" />
              </TableCell>
              <TableCell className="text-right" data-testid="per-1000" title={`${formatNumber(c.trailing.inferences)} inferences in 7 days`}>
                {c.trailing.per1000 === null ? <span className="text-muted-foreground">—</span> : <OpenAmount wei={toWei(c.trailing.per1000)} maxDecimals={6} />}
              </TableCell>
              <TableCell className="text-muted-foreground" title={formatDateTime(c.submittedAt)}>
                {formatRelativeTime(c.submittedAt)}
              </TableCell>
              <TableCell>
                {!c.withdrawnBy && c.status !== "rejected" ? <WithdrawButton contributionId={c.id} contributor={address} datanetId={c.datanetId} /> : null}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {list.hasNextPage ? (
        <Button variant="outline" size="sm" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
          {list.isFetchingNextPage ? "Loading…" : "Older contributions"}
        </Button>
      ) : null}
    </div>
  );
}
