"use client";

import { useEffect, useState, useSyncExternalStore } from "react";
import { AddressText, OpenAmount } from "@/components/domain";
import { formatBps, formatNumber } from "@/components/format";
import { LiveQueries } from "@/components/live/live-queries";
import { useGovernanceParams, type GovernanceParamsWire } from "@/components/operators/api";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { Skeleton } from "@/components/ui/skeleton";
import { Stat, StatGrid } from "@/components/ui/stat";
import { formatDuration } from "@/lib/governance/describe";
import { useProposals, type ProposalPageWire } from "./api";
import { ProposalCard } from "./proposal-card";
import { ProposeForm } from "./propose-form";
import { VotingPowerCard } from "./voting-power";

const noSubscribe = () => () => {};

/**
 * The chain's clock in the browser: the server's `asOf` (the chain's clock as the index knows it), carried forward
 * by the browser's clock once hydrated (the server render and hydration use `asOf` itself, so they agree), ticking
 * each second while something on the page counts down.
 */
function useChainNow(asOf: string | undefined, fetchedAt: number, ticking: boolean): number {
  const hydrated = useSyncExternalStore(noSubscribe, () => true, () => false);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [ticking]);
  const base = asOf ? Date.parse(asOf) : fetchedAt;
  if (!hydrated) return base;
  return base + Math.max(0, now - fetchedAt);
}

export function GovernanceView({ initialProposals, initialParams }: { initialProposals: ProposalPageWire; initialParams: GovernanceParamsWire }) {
  const proposals = useProposals(initialProposals);
  const params = useGovernanceParams(initialParams);
  const items = proposals.data?.items ?? [];
  const ticking = items.some((p) => p.state === "pending" || p.state === "active" || p.state === "queued");
  const chainNow = useChainNow(items[0]?.asOf, proposals.dataUpdatedAt, ticking);
  const g = params.data?.governor ?? null;
  const market = params.data?.market ?? null;
  const fees = params.data?.feeSchedules[0] ?? null;

  return (
    <div className="space-y-10">
      <section aria-labelledby="rules-heading" className="space-y-3">
        <div className="flex items-center justify-between gap-3">
          <h2 id="rules-heading" className="text-lg font-semibold tracking-tight">
            How decisions are made
          </h2>
          <LiveQueries types={["proposal.created", "proposal.voted", "proposal.updated", "votes.changed", "params.changed", "indexer.rollback"]} />
        </div>
        <StatGrid>
          <Stat label="Voting delay" value={g ? formatDuration(g.votingDelay) : "—"} hint="from proposal to the snapshot of votes" />
          <Stat label="Voting period" value={g ? formatDuration(g.votingPeriod) : "—"} />
          <Stat label="Quorum" value={g ? `${g.quorumNumerator} %` : "—"} hint={g ? <>of vOPEN: <OpenAmount wei={BigInt(g.quorumNow)} maxDecimals={2} /> now</> : undefined} />
          <Stat label="Proposal threshold" value={g ? <OpenAmount wei={BigInt(g.proposalThreshold)} maxDecimals={2} /> : "—"} hint="votes needed to propose" />
          <Stat label="vOPEN supply" value={g ? <OpenAmount wei={BigInt(g.totalSupply)} maxDecimals={2} /> : "—"} hint="wrapped OPEN that can vote" />
          <Stat label="Fees now" value={fees ? formatBps(fees.protocolBps + fees.operatorBps) : "—"} hint={fees ? `protocol ${formatBps(fees.protocolBps)}, operator ${formatBps(fees.operatorBps)}` : undefined} />
        </StatGrid>
        <p className="text-xs text-muted-foreground">
          Passed proposals run through the timelock{g?.timelock ? <> (<AddressText address={g.timelock} />)</> : null}, which owns every parameter: fees, minimum stake
          {market ? <> (<OpenAmount wei={BigInt(market.minStake)} maxDecimals={2} />)</> : null}, challenge window{market ? ` (${formatDuration(market.challengeWindow)})` : ""}, dispute bond,
          refund timeout, treasury and dispute verdicts.
        </p>
      </section>

      <div className="grid gap-6 lg:grid-cols-2">
        <VotingPowerCard />
        <ProposeForm threshold={g ? BigInt(g.proposalThreshold) : null} currentFees={fees} />
      </div>

      <section aria-labelledby="proposals-heading" className="space-y-3">
        <h2 id="proposals-heading" className="text-lg font-semibold tracking-tight">
          Proposals{proposals.data ? ` (${formatNumber(items.length)}${proposals.data.nextCursor ? "+" : ""})` : ""}
        </h2>
        {proposals.isPending ? (
          <Skeleton className="h-64 w-full" />
        ) : proposals.isError ? (
          <div role="alert" className="flex items-center justify-between gap-3 rounded-xl border border-dashed border-border p-4 text-sm">
            <span className="text-muted-foreground">Could not load the proposals: {proposals.error.message}</span>
            <Button variant="outline" size="sm" onClick={() => void proposals.refetch()}>
              Retry
            </Button>
          </div>
        ) : items.length === 0 ? (
          <EmptyState
            title="No proposals yet"
            description="Wrap OPEN into vOPEN, delegate, and propose a fee change or a verdict on a disputed epoch: it shows here with its votes."
          />
        ) : (
          <div className="space-y-4" data-testid="proposals">
            {items.map((p) => (
              <ProposalCard key={p.id} p={p} chainNow={chainNow} />
            ))}
          </div>
        )}
      </section>
    </div>
  );
}
