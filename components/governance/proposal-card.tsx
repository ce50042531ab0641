"use client";

import { useState } from "react";
import { useAccount } from "wagmi";
import type { Address, Hex } from "viem";
import { AddressText, HashText, OpenAmount } from "@/components/domain";
import { formatDateTime, formatRelativeTime, plural } from "@/components/format";
import { Badge, type BadgeVariant } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { useChainInfo } from "@/components/wallet/chain-context";
import { ledgerlineGovernorAbi } from "@/contracts-abi/LedgerlineGovernor";
import { wireHex } from "@/lib/api/client";
import { VOTE_CHOICES, VOTE_SUPPORT, type VoteChoice } from "@/lib/governance/proposals";
import type { ProposalState } from "@/lib/governance/state";
import { queryKeys } from "@/lib/live/query-keys";
import { useProposal, type ProposalWire } from "./api";
import { TxStatus, useContractTx } from "./contract-tx";

const STATE_BADGE: Record<ProposalState, { variant: BadgeVariant; label: string }> = {
  pending: { variant: "secondary", label: "Pending" },
  active: { variant: "info", label: "Voting" },
  canceled: { variant: "outline", label: "Canceled" },
  defeated: { variant: "destructive", label: "Defeated" },
  succeeded: { variant: "success", label: "Succeeded" },
  queued: { variant: "warning", label: "Queued" },
  executed: { variant: "success", label: "Executed" },
};

const CHOICE_LABEL: Record<VoteChoice, string> = { for: "For", against: "Against", abstain: "Abstain" };

const wei = (s: string) => BigInt(s);
/** a / b as a percentage with one decimal, capped at 100 (b = 0: 100 if a > 0). */
function percent(a: bigint, b: bigint): number {
  if (b === 0n) return a > 0n ? 100 : 0;
  const p = Number((a * 1000n) / b) / 10;
  return Math.min(100, p);
}

/** "in 12 s" for the local chain's short periods (formatRelativeTime says "just now" under 10 s), else relative. */
function when(t: number, now: number): string {
  const s = Math.round((t - now) / 1000);
  if (s > 0 && s < 90) return `in ${s} s`;
  if (s <= 0 && s > -90) return s === 0 ? "now" : `${-s} s ago`;
  return formatRelativeTime(t, new Date(now));
}

export function ProposalStateBadge({ state }: { state: ProposalState }) {
  const s = STATE_BADGE[state];
  return (
    <Badge variant={s.variant} data-testid="proposal-state" data-state={state}>
      {s.label}
    </Badge>
  );
}

function Bar({ value, className, label, testId }: { value: number; className: string; label: string; testId?: string }) {
  return (
    <div
      className="h-2 w-full overflow-hidden rounded-full bg-muted"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(value)}
      data-testid={testId}
      data-value={value}
    >
      <div className={`h-full rounded-full ${className}`} style={{ width: `${value}%` }} />
    </div>
  );
}

/**
 * One proposal: what its calls do, the tally with quorum progress, its timeline and the action its state allows
 * (vote, queue, execute), sent from the connected wallet. `chainNow` is the chain's clock as the server reported
 * it, carried forward by the browser's.
 */
export function ProposalCard({ p, chainNow }: { p: ProposalWire; chainNow: number }) {
  const chain = useChainInfo();
  const { status } = useAccount();
  const connected = status === "connected";
  const tx = useContractTx();
  const [showVotes, setShowVotes] = useState(false);
  const governor = chain.contracts?.governor;

  const forVotes = wei(p.forVotes);
  const against = wei(p.againstVotes);
  const abstain = wei(p.abstainVotes);
  const total = forVotes + against + abstain;
  const quorum = wei(p.quorum);
  const quorumProgress = percent(forVotes + abstain, quorum);
  const eta = p.eta ? Date.parse(p.eta) : null;
  const executable = p.state === "queued" && eta !== null && chainNow >= eta;
  const invalidate = [queryKeys.proposals()];
  const canSend = connected && !!governor && !tx.busy;

  const callArgs = () =>
    [p.calls.map((c) => wireHex(c.target) as Address), p.calls.map((c) => BigInt(c.value)), p.calls.map((c) => wireHex(c.calldata)), wireHex(p.descriptionHash!) as Hex] as const;

  async function vote(choice: VoteChoice) {
    if (!governor) return;
    await tx.run(`your vote (${choice})`, { address: governor, abi: ledgerlineGovernorAbi, functionName: "castVote", args: [BigInt(p.id), VOTE_SUPPORT[choice]] }, invalidate);
  }
  async function queue() {
    if (!governor || !p.descriptionHash) return;
    await tx.run("queueing", { address: governor, abi: ledgerlineGovernorAbi, functionName: "queue", args: callArgs() }, invalidate);
  }
  async function execute() {
    if (!governor || !p.descriptionHash) return;
    await tx.run("the execution", { address: governor, abi: ledgerlineGovernorAbi, functionName: "execute", args: callArgs() }, invalidate);
  }

  return (
    <Card data-testid="proposal" data-proposal-id={p.id} data-state={p.state}>
      <CardHeader className="space-y-2">
        <div className="flex flex-wrap items-start justify-between gap-3">
          <h3 className="min-w-0 text-base font-semibold tracking-tight break-words" data-testid="proposal-title">
            {p.title}
          </h3>
          <ProposalStateBadge state={p.state} />
        </div>
        <p className="text-xs text-muted-foreground">
          Proposed by <AddressText address={p.proposer} /> {formatRelativeTime(p.createdAt, new Date(chainNow))} · id{" "}
          <span className="font-mono" title={p.id}>
            {p.id.length > 14 ? `${p.id.slice(0, 6)}…${p.id.slice(-6)}` : p.id}
          </span>{" "}
          · <HashText hash={p.createdTx} />
        </p>
      </CardHeader>
      <CardContent className="space-y-4">
        <div>
          <h4 className="mb-1.5 text-xs font-medium uppercase tracking-wide text-muted-foreground">{plural(p.calls.length, "call")}</h4>
          <ol className="list-decimal space-y-1 pl-5 text-sm" data-testid="proposal-calls">
            {p.calls.map((c, i) => (
              <li key={i} data-function={c.function ?? ""} className={c.contract ? undefined : "text-warning"}>
                {c.summary}
              </li>
            ))}
          </ol>
          {p.description.trim() !== p.title ? (
            <details className="mt-2 text-sm">
              <summary className="cursor-pointer text-muted-foreground hover:text-foreground">Description</summary>
              <p className="mt-1 whitespace-pre-wrap break-words text-muted-foreground">{p.description}</p>
            </details>
          ) : null}
        </div>

        <div className="space-y-2" data-testid="proposal-tally" data-for={p.forVotes} data-against={p.againstVotes} data-abstain={p.abstainVotes}>
          <div className="grid grid-cols-3 gap-3 text-sm">
            {(
              [
                ["For", forVotes, "bg-success"],
                ["Against", against, "bg-destructive"],
                ["Abstain", abstain, "bg-muted-foreground"],
              ] as const
            ).map(([label, v, color]) => (
              <div key={label} className="space-y-1">
                <div className="flex items-baseline justify-between gap-2">
                  <span className="text-muted-foreground">{label}</span>
                  <OpenAmount wei={v} maxDecimals={2} className="font-medium" />
                </div>
                <Bar value={percent(v, total)} className={color} label={`${label}: ${percent(v, total)} % of the votes cast`} />
              </div>
            ))}
          </div>
          <div className="space-y-1">
            <div className="flex flex-wrap items-baseline justify-between gap-2 text-sm">
              <span className="text-muted-foreground">
                Quorum: <OpenAmount wei={forVotes + abstain} maxDecimals={2} /> of <OpenAmount wei={quorum} maxDecimals={2} /> (for + abstain, {p.quorumNumerator} % of vOPEN)
              </span>
              <span className={p.quorumReached ? "font-medium text-success" : "text-muted-foreground"} data-testid="quorum-reached" data-value={p.quorumReached}>
                {p.quorumReached ? "Quorum reached" : `${quorumProgress} %`}
              </span>
            </div>
            <Bar value={quorumProgress} className={p.quorumReached ? "bg-success" : "bg-primary"} label="Quorum progress" testId="quorum-progress" />
          </div>
        </div>

        <p className="text-xs text-muted-foreground" data-testid="proposal-timeline">
          {p.state === "pending" ? `Voting opens ${when(Date.parse(p.voteStart) + 1000, chainNow)} (${formatDateTime(p.voteStart)}). ` : null}
          {p.state === "active" ? `Voting closes ${when(Date.parse(p.voteEnd) + 1000, chainNow)} (${formatDateTime(p.voteEnd)}). ` : null}
          {p.state !== "pending" && p.state !== "active" ? `Voting closed ${formatDateTime(p.voteEnd)}; ${plural(p.voters, "voter")}. ` : null}
          {p.state === "queued" && eta !== null ? (executable ? "The timelock delay has passed: anyone may execute it. " : `Executable ${when(eta, chainNow)}. `) : null}
          {p.executedAt ? `Executed ${formatDateTime(p.executedAt)}. ` : null}
          {p.canceledAt ? `Canceled ${formatDateTime(p.canceledAt)}. ` : null}
        </p>

        {p.state === "active" ? (
          <div className="flex flex-wrap items-center gap-2">
            {VOTE_CHOICES.map((choice) => (
              <Button
                key={choice}
                size="sm"
                variant={choice === "for" ? "default" : "outline"}
                disabled={!canSend}
                onClick={() => void vote(choice)}
                data-testid={`vote-${choice}`}
              >
                {CHOICE_LABEL[choice]}
              </Button>
            ))}
            {!connected ? <span className="text-xs text-muted-foreground">Connect a wallet with delegated vOPEN to vote.</span> : null}
          </div>
        ) : null}
        {p.state === "succeeded" || p.state === "queued" ? (
          <div className="flex flex-wrap items-center gap-2">
            {p.state === "succeeded" ? (
              <Button size="sm" disabled={!canSend || !p.descriptionHash} onClick={() => void queue()} data-testid="queue-proposal">
                Queue in the timelock
              </Button>
            ) : (
              <Button size="sm" disabled={!canSend || !executable || !p.descriptionHash} onClick={() => void execute()} data-testid="execute-proposal">
                Execute
              </Button>
            )}
            {!connected ? <span className="text-xs text-muted-foreground">Anyone may {p.state === "succeeded" ? "queue" : "execute"} it: connect a wallet.</span> : null}
            {!p.descriptionHash ? <span className="text-xs text-warning">Its description is not valid UTF-8: queue and execute it with the description hash from its transaction.</span> : null}
          </div>
        ) : null}
        <TxStatus state={tx.state} label={tx.label} testId="proposal-tx-status" />

        <div>
          <Button variant="ghost" size="sm" aria-expanded={showVotes} onClick={() => setShowVotes((v) => !v)} data-testid="proposal-votes-toggle">
            {showVotes ? "Hide votes" : `Votes (${p.voters})`}
          </Button>
          {showVotes ? <VoteList id={p.id} /> : null}
        </div>
      </CardContent>
    </Card>
  );
}

function VoteList({ id }: { id: string }) {
  const detail = useProposal(id, true);
  if (detail.isPending) return <Skeleton className="h-16 w-full" />;
  if (detail.isError) return <p role="alert" className="text-sm text-destructive">Could not load the votes: {detail.error.message}</p>;
  if (detail.data.votes.length === 0) return <p className="px-3 text-sm text-muted-foreground">No votes yet.</p>;
  return (
    <ul className="mt-2 space-y-1 px-3 text-sm" data-testid="proposal-votes">
      {detail.data.votes.map((v) => (
        <li key={v.voter} className="flex flex-wrap items-baseline gap-x-2" data-testid="proposal-vote" data-support={v.support}>
          <AddressText address={v.voter} />
          <Badge variant={v.support === "for" ? "success" : v.support === "against" ? "destructive" : "secondary"}>{v.support}</Badge>
          <OpenAmount wei={BigInt(v.weight)} maxDecimals={2} />
          {v.reason ? <span className="break-words text-muted-foreground">“{v.reason}”</span> : null}
        </li>
      ))}
      {detail.data.voteCount > detail.data.votes.length ? (
        <li className="text-muted-foreground">…and {detail.data.voteCount - detail.data.votes.length} smaller votes.</li>
      ) : null}
    </ul>
  );
}
