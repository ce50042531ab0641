import Link from "next/link";
import { AddressText, OpenAmount } from "@/components/domain";
import { formatNumber } from "@/components/format";
import { ScaleIcon } from "@/components/icons";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { cn } from "@/lib/utils";
import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";

/** One credited contribution. Amount in wei (bigint, or a decimal string as it arrives from the JSON API). */
export interface AttributionRow {
  /** null: the Datanet treasury's share (nothing in the answer matched). */
  contributionId: number | null;
  datanetId: number;
  datanetName: string | null;
  contributor: string;
  /** Share of the contributor pool in parts per million. */
  weightPpm: number;
  amount: bigint | string;
}

/** 125000 ppm → "12.5%", 1 ppm → "0.0001%". */
export function formatPpm(ppm: number): string {
  return `${(ppm / 10_000).toFixed(4).replace(/\.?0+$/, "")}%`;
}

/**
 * The attribution of one inference: which contributions were credited, with what share and amount.
 * No client hooks: usable from server components and client components alike.
 */
export function AttributionTable({
  entries,
  totalCount,
  emptyDescription = "This inference credits no contribution (it is not settled yet, or was refunded).",
  highlighted,
}: {
  entries: AttributionRow[];
  /** How many entries exist in all, when `entries` is a truncated list. */
  totalCount?: number;
  emptyDescription?: string;
  /** Contributions to highlight (those a focused traced span came from). */
  highlighted?: ReadonlySet<number>;
}) {
  if (!entries.length) {
    return <EmptyState compact icon={<ScaleIcon />} title="No attribution entries" description={emptyDescription} />;
  }
  const hidden = totalCount !== undefined && totalCount > entries.length ? totalCount - entries.length : 0;
  return (
    <Card>
      <Table data-testid="attribution-table">
        <TableHeader>
          <TableRow>
            <TableHead>Contribution</TableHead>
            <TableHead>Datanet</TableHead>
            <TableHead>Contributor</TableHead>
            <TableHead className="text-right">Share</TableHead>
            <TableHead className="text-right">Amount</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {entries.map((e) => (
            <TableRow
              key={e.contributionId ?? `datanet-${e.datanetId}`}
              data-testid="attribution-row"
              data-contribution={e.contributionId ?? undefined}
              data-highlighted={e.contributionId !== null && highlighted?.has(e.contributionId) ? "true" : undefined}
              className={cn("transition-colors", e.contributionId !== null && highlighted?.has(e.contributionId) && "bg-primary/10 shadow-[inset_3px_0_0_var(--color-primary)]")}
            >
              <TableCell className="font-mono text-xs text-muted-foreground">{e.contributionId === null ? "Datanet treasury" : `#${e.contributionId}`}</TableCell>
              <TableCell className="max-w-[16rem] truncate">
                <Link href={`/datanets/${e.datanetId}`} className="font-medium hover:text-primary">
                  {e.datanetName ?? `Datanet #${e.datanetId}`}
                </Link>
              </TableCell>
              <TableCell>
                <AddressText address={e.contributor} />
              </TableCell>
              <TableCell className="text-right tabular-nums" title={`${formatNumber(e.weightPpm)} ppm`}>
                {formatPpm(e.weightPpm)}
              </TableCell>
              <TableCell className="text-right">
                <OpenAmount wei={typeof e.amount === "bigint" ? e.amount : BigInt(e.amount)} maxDecimals={6} />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
        {hidden ? <TableCaption className="pb-3">and {formatNumber(hidden)} smaller entries not shown</TableCaption> : null}
      </Table>
    </Card>
  );
}
