"use client";

import Link from "next/link";
import { Fragment, useState } from "react";
import { AddressText, HashText, OpenAmount } from "@/components/domain";
import { formatBps, formatDateTime, formatNumber, formatRelativeTime, plural } from "@/components/format";
import { LiveQueries } from "@/components/live/live-queries";
import { Badge, type BadgeVariant } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Skeleton } from "@/components/ui/skeleton";
import { Stat, StatGrid } from "@/components/ui/stat";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { formatDuration } from "@/lib/governance/describe";
import { useGovernanceParams, useOperator, useOperators, type GovernanceParamsWire, type OperatorPageWire, type OperatorWire } from "./api";

const wei = (s: string | null | undefined) => BigInt(s ?? "0");

function statusOf(o: OperatorWire): { label: string; variant: BadgeVariant; testId: string } {
  if (o.isOperator) return { label: "Active", variant: "success", testId: "active" };
  if (o.slashCount > 0 && wei(o.active) === 0n && wei(o.unbonding) === 0n) return { label: "Slashed", variant: "destructive", testId: "slashed" };
  if (wei(o.unbonding) > 0n) return { label: "Unbonding", variant: "warning", testId: "unbonding" };
  return { label: "Below minimum stake", variant: "secondary", testId: "below-minimum" };
}

/** Operators, their stake and record, live: stake changes, settlements, roots and slashes refetch the table. */
export function OperatorsView({ initialOperators, initialParams }: { initialOperators: OperatorPageWire; initialParams: GovernanceParamsWire }) {
  const operators = useOperators(initialOperators);
  const params = useGovernanceParams(initialParams);
  const market = params.data?.market ?? null;
  const fees = params.data?.feeSchedules[0];

  return (
    <div className="space-y-8">
      <section aria-labelledby="market-heading" className="space-y-3">
        <div className="flex items-center justify-between gap-3">
          <h2 id="market-heading" className="text-lg font-semibold tracking-tight">
            Staking rules
          </h2>
          <LiveQueries types={["operator.changed", "params.changed", "inference.settled", "epoch.posted", "epoch.changed", "indexer.rollback"]} />
        </div>
        <StatGrid>
          <Stat label="Active operators" value={formatNumber(params.data?.activeOperators ?? 0)} hint="stake at or above the minimum" />
          <Stat
            label="Total staked"
            value={<OpenAmount wei={wei(params.data?.totalStaked)} maxDecimals={2} />}
            hint="active and unbonding, all slashable"
          />
          <Stat label="Minimum stake" value={market ? <OpenAmount wei={wei(market.minStake)} maxDecimals={2} /> : "—"} hint="to submit payments, settle, refund and post roots" />
          <Stat
            label="Unstaking waits"
            value={market ? formatDuration(market.challengeWindow + market.unbondingDelay) : "—"}
            hint={market ? `challenge window ${formatDuration(market.challengeWindow)} + unbonding ${formatDuration(market.unbondingDelay)}` : undefined}
          />
          <Stat
            label="Dispute bond"
            value={market ? <OpenAmount wei={wei(market.disputeBond)} maxDecimals={2} /> : "—"}
            hint={market ? `an upheld dispute pays the challenger ${formatBps(market.challengerRewardBps)} of the slash` : undefined}
          />
          <Stat
            label="Fees on new payments"
            value={fees ? `${formatBps(fees.protocolBps + fees.operatorBps)}` : "—"}
            hint={fees ? `protocol ${formatBps(fees.protocolBps)}, operator ${formatBps(fees.operatorBps)} (schedule ${fees.version})` : undefined}
          />
        </StatGrid>
        <p className="text-xs text-muted-foreground">
          Governance sets these rules; see <Link href="/governance" className="text-primary underline underline-offset-2">Governance</Link>.
        </p>
      </section>

      <section aria-labelledby="operators-heading" className="space-y-3">
        <h2 id="operators-heading" className="text-lg font-semibold tracking-tight">
          Operators
        </h2>
        {operators.isPending ? (
          <Skeleton className="h-48 w-full" />
        ) : operators.isError ? (
          <div role="alert" className="flex items-center justify-between gap-3 rounded-xl border border-dashed border-border p-4 text-sm">
            <span className="text-muted-foreground">Could not load the operators: {operators.error.message}</span>
            <Button variant="outline" size="sm" onClick={() => void operators.refetch()}>
              Retry
            </Button>
          </div>
        ) : operators.data.items.length === 0 ? (
          <EmptyState
            title="No operators yet"
            description="An address becomes an operator by staking at least the minimum stake in the market; it then shows here with what it stakes and serves."
          />
        ) : (
          <OperatorsTable items={operators.data.items} rootPoster={market?.rootPoster ?? null} now={new Date(params.data?.asOf ?? initialParams.asOf)} />
        )}
      </section>
    </div>
  );
}

/** `now`: the chain's clock from the server's answer, so relative times render the same on the server and in the browser. */
function OperatorsTable({ items, rootPoster, now }: { items: OperatorWire[]; rootPoster: string | null; now: Date }) {
  const [open, setOpen] = useState<string | null>(null);
  return (
    <Card className="overflow-hidden p-0">
      <Table data-testid="operators-table">
        <TableHeader>
          <TableRow>
            <TableHead>Operator</TableHead>
            <TableHead>Status</TableHead>
            <TableHead className="text-right">Active stake</TableHead>
            <TableHead className="text-right">Unbonding</TableHead>
            <TableHead className="text-right">Requests served</TableHead>
            <TableHead className="text-right">Roots posted</TableHead>
            <TableHead className="text-right">Disputes</TableHead>
            <TableHead className="text-right">Slashes</TableHead>
            <TableHead>
              <span className="sr-only">History</span>
            </TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {items.map((o) => {
            const status = statusOf(o);
            const expanded = open === o.address;
            return (
              <Fragment key={o.address}>
                <TableRow data-testid="operator-row" data-address={o.address} data-status={status.testId}>
                  <TableCell>
                    <Link href={`/accounts/${o.address}`} className="hover:text-primary">
                      <AddressText address={o.address} />
                    </Link>
                    {o.isRootPoster || o.address === rootPoster ? (
                      <Badge variant="info" className="ml-2">
                        Root poster
                      </Badge>
                    ) : null}
                  </TableCell>
                  <TableCell>
                    <Badge variant={status.variant} className={status.variant === "destructive" ? "bg-card" : undefined} data-testid="operator-status">
                      {status.label}
                    </Badge>
                  </TableCell>
                  <TableCell className="text-right" data-testid="operator-stake" data-wei={o.active}>
                    <OpenAmount wei={wei(o.active)} maxDecimals={2} />
                  </TableCell>
                  <TableCell className="text-right" data-testid="operator-unbonding" data-wei={o.unbonding}>
                    {wei(o.unbonding) > 0n ? (
                      <span title={o.releaseAt ? `Withdrawable from ${formatDateTime(o.releaseAt)}` : undefined}>
                        <OpenAmount wei={wei(o.unbonding)} maxDecimals={2} />
                        {o.releaseAt ? <span className="block text-xs text-muted-foreground">{Date.parse(o.releaseAt) > now.getTime() ? `free ${formatRelativeTime(o.releaseAt, now)}` : "withdrawable now"}</span> : null}
                      </span>
                    ) : (
                      <span className="text-muted-foreground">—</span>
                    )}
                  </TableCell>
                  <TableCell className="text-right tabular-nums" data-testid="requests-served" data-value={o.requestsServed}>
                    {formatNumber(o.requestsServed)}
                  </TableCell>
                  <TableCell className="text-right tabular-nums">{formatNumber(o.rootsPosted)}</TableCell>
                  <TableCell className="text-right tabular-nums" data-testid="dispute-count" data-value={o.disputes} data-upheld={o.disputesUpheld} data-open={o.disputesOpen}>
                    {o.disputes === 0 ? (
                      <span className="text-muted-foreground">0</span>
                    ) : (
                      <span title={`${o.disputesUpheld} upheld, ${o.disputesOpen} open`}>
                        {formatNumber(o.disputes)}
                        {o.disputesOpen > 0 ? <Badge variant="warning" className="ml-1.5">{o.disputesOpen} open</Badge> : null}
                      </span>
                    )}
                  </TableCell>
                  <TableCell className="text-right tabular-nums" data-testid="slash-count" data-value={o.slashCount} data-wei={o.slashed}>
                    {o.slashCount === 0 ? (
                      <span className="text-muted-foreground">0</span>
                    ) : (
                      <span className="font-medium text-destructive">
                        {formatNumber(o.slashCount)} · <OpenAmount wei={wei(o.slashed)} maxDecimals={2} />
                      </span>
                    )}
                  </TableCell>
                  <TableCell>
                    <Button
                      variant="ghost"
                      size="sm"
                      aria-expanded={expanded}
                      aria-controls={`history-${o.address}`}
                      onClick={() => setOpen(expanded ? null : o.address)}
                      data-testid="operator-history-toggle"
                    >
                      {expanded ? "Hide" : "History"}
                    </Button>
                  </TableCell>
                </TableRow>
                {expanded ? (
                  <TableRow id={`history-${o.address}`} className="bg-muted/30 hover:bg-muted/30">
                    <TableCell colSpan={9} className="whitespace-normal">
                      <OperatorHistory address={o.address} />
                    </TableCell>
                  </TableRow>
                ) : null}
              </Fragment>
            );
          })}
        </TableBody>
      </Table>
    </Card>
  );
}

const EVENT_LABEL: Record<string, string> = {
  staked: "Staked",
  unstake_requested: "Unstake requested",
  stake_withdrawn: "Withdrawn",
  slashed: "Slashed",
};

/** One operator's stake history and the disputes against its roots (fetched when opened). */
function OperatorHistory({ address }: { address: string }) {
  const detail = useOperator(address, true);
  if (detail.isPending) return <Skeleton className="h-20 w-full" />;
  if (detail.isError) return <p role="alert" className="text-sm text-destructive">Could not load the history: {detail.error.message}</p>;
  const d = detail.data;
  return (
    <div className="grid gap-6 py-2 md:grid-cols-2" data-testid="operator-history">
      <div>
        <h3 className="mb-2 text-sm font-semibold">Stake history</h3>
        {d.events.length === 0 ? (
          <p className="text-sm text-muted-foreground">No stake events.</p>
        ) : (
          <ul className="space-y-1.5 text-sm">
            {d.events.map((e) => (
              <li key={`${e.block}:${e.tx}:${e.kind}`} className="flex flex-wrap items-baseline gap-x-2" data-testid="operator-event" data-kind={e.kind}>
                <Badge variant={e.kind === "slashed" ? "destructive" : e.kind === "staked" ? "success" : "secondary"} className={e.kind === "slashed" ? "bg-card" : undefined}>{EVENT_LABEL[e.kind] ?? e.kind}</Badge>
                <OpenAmount wei={wei(e.amount)} maxDecimals={2} />
                {e.kind === "slashed" ? (
                  <span className="text-muted-foreground">
                    {e.epoch !== null ? `for epoch #${e.epoch}: ` : ""}
                    <OpenAmount wei={wei(e.toChallenger)} maxDecimals={2} /> to challenger <AddressText address={e.challenger} />, <OpenAmount wei={wei(e.toTreasury)} maxDecimals={2} /> to the treasury
                  </span>
                ) : null}
                {e.kind === "unstake_requested" && e.releaseAt ? <span className="text-muted-foreground">withdrawable from {formatDateTime(e.releaseAt)}</span> : null}
                <span className="text-xs text-muted-foreground">
                  {formatDateTime(e.at)} · <HashText hash={e.tx} />
                </span>
              </li>
            ))}
          </ul>
        )}
      </div>
      <div>
        <h3 className="mb-2 text-sm font-semibold">Disputes against its roots</h3>
        {d.disputeList.length === 0 ? (
          <p className="text-sm text-muted-foreground">None: {plural(d.rootsPosted, "root")} posted, none disputed.</p>
        ) : (
          <ul className="space-y-1.5 text-sm">
            {d.disputeList.map((x) => (
              <li key={x.epoch} className="flex flex-wrap items-baseline gap-x-2" data-testid="operator-dispute" data-epoch={x.epoch} data-upheld={String(x.upheld)}>
                <span className="font-medium">Epoch #{x.epoch}</span>
                <Badge variant={x.upheld === true ? "destructive" : x.upheld === false ? "success" : "warning"} className={x.upheld === true ? "bg-card" : undefined}>
                  {x.upheld === true ? "Upheld: root discarded" : x.upheld === false ? "Rejected: root stands" : "Awaiting governance"}
                </Badge>
                <span className="text-muted-foreground">
                  by <AddressText address={x.challenger} />
                  {x.bond ? (
                    <>
                      {" "}
                      with a bond of <OpenAmount wei={wei(x.bond)} maxDecimals={2} />
                    </>
                  ) : null}
                </span>
                {x.disputedAt ? <span className="text-xs text-muted-foreground">{formatDateTime(x.disputedAt)}</span> : null}
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
