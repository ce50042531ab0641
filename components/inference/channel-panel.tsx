"use client";

import { useId } from "react";
import { formatOpen, shortHash } from "@/components/format";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { cn } from "@/lib/utils";
import { channelNotice, channelSummary, depositFor, hasDeposit, MAX_CHANNEL_CALLS, type ChannelState } from "./channel-machine";

/** An amount with its exact wei on hover and in `data-wei` (the browser tests read it). */
function Amount({ wei, testId }: { wei: bigint; testId: string }) {
  return (
    <span className="font-medium tabular-nums" title={`${wei} wei`} data-testid={testId} data-wei={wei.toString()}>
      {formatOpen(wei)}
    </span>
  );
}

function Figure({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="rounded-md border border-border px-3 py-2">
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="text-sm">{children}</dd>
    </div>
  );
}

/**
 * The channel the Playground pays from: before a deposit, how many calls it should cover and what that deposits;
 * after, what was deposited, charged, what remains, the per-call charge and what is pending settlement, with the
 * refund of the unused deposit.
 */
export function ChannelPanel({
  state,
  ceiling,
  connected,
  localChain,
  onCalls,
  onRefund,
  onDismiss,
}: {
  state: ChannelState;
  /** The quote's per-call ceiling (null while the quote loads). */
  ceiling: bigint | null;
  connected: boolean;
  localChain: boolean;
  onCalls(calls: number): void;
  onRefund(): void;
  onDismiss(): void;
}) {
  const ids = useId();
  const record = state.record;
  const open = record !== null && hasDeposit(record);
  const notice = state.error ? channelNotice(state.error, { localChain }) : null;

  return (
    <div className="space-y-3 rounded-md border border-border bg-muted/30 p-3" data-testid="channel-panel" data-phase={state.phase}>
      {!connected ? (
        <p className="text-sm text-muted-foreground">Connect a wallet to open a channel: one deposit signature, then prompts are paid without the wallet.</p>
      ) : state.phase === "loading" || ceiling === null ? (
        <Skeleton className="h-12 w-full" />
      ) : open ? (
        <>
          <dl className="grid grid-cols-2 gap-2 sm:grid-cols-3" data-testid="channel-summary" data-channel-id={record.channelId ?? ""}>
            {(() => {
              const s = channelSummary(record, ceiling);
              return (
                <>
                  <Figure label="Deposit">
                    <Amount wei={s.deposit} testId="channel-deposit" />
                  </Figure>
                  <Figure label={`Charged so far (${s.calls} ${s.calls === 1 ? "call" : "calls"})`}>
                    <Amount wei={s.charged} testId="channel-charged" />
                  </Figure>
                  <Figure label={`Remaining (≈ ${s.callsLeft} calls)`}>
                    <Amount wei={s.remaining} testId="channel-remaining" />
                  </Figure>
                  <Figure label="Per-call charge (at most)">
                    <Amount wei={s.perCall} testId="channel-per-call" />
                  </Figure>
                  <Figure label="Pending settlement">
                    <Amount wei={s.pendingSettlement} testId="channel-pending" />
                  </Figure>
                  <Figure label="Channel">
                    <span className="font-mono text-xs" title={record.channelId ?? undefined}>
                      {shortHash(record.channelId)}
                    </span>
                  </Figure>
                </>
              );
            })()}
          </dl>
          <p className="text-xs text-muted-foreground">
            Prompts are paid with vouchers signed by a key kept in this browser: no wallet prompt. &ldquo;Pending settlement&rdquo; is charged but
            not yet claimed on-chain by the operator.
          </p>
          <div className="flex flex-wrap items-center gap-3">
            <Button variant="outline" size="sm" onClick={onRefund} disabled={state.phase !== "open"} aria-busy={state.phase === "refunding"}>
              {state.phase === "refunding" ? "Refunding…" : "Refund unused deposit"}
            </Button>
            <span className="text-xs text-muted-foreground">Claims what was charged and returns the rest to your wallet in one operator transaction.</span>
          </div>
        </>
      ) : (
        <div className="flex flex-wrap items-end gap-3">
          <div className="space-y-1.5">
            <label htmlFor={`${ids}-calls`} className="text-sm font-medium">
              Calls the deposit covers
            </label>
            <input
              id={`${ids}-calls`}
              type="number"
              min={1}
              max={MAX_CHANNEL_CALLS}
              step={1}
              value={state.calls}
              onChange={(e) => onCalls(Number(e.target.value))}
              className="h-9 w-28 rounded-md border border-border bg-card px-3 text-sm shadow-xs focus:outline-none focus:ring-2 focus:ring-ring"
              disabled={state.phase === "depositing"}
            />
          </div>
          <p className="text-sm" data-testid="channel-deposit-offer">
            <span className="text-muted-foreground">Deposit </span>
            <Amount wei={depositFor(ceiling, state.calls)} testId="channel-new-deposit" />
            <span className="text-muted-foreground">
              {" "}
              = {state.calls} × {formatOpen(ceiling)} per call, signed once with your wallet with your first prompt; the unused part can be refunded.
            </span>
          </p>
        </div>
      )}

      {state.refund ? (
        <p role="status" className="text-sm" data-testid="channel-refunded">
          Refunded <Amount wei={BigInt(state.refund.amount)} testId="channel-refund-amount" /> to your wallet · tx{" "}
          <span className="select-all font-mono text-xs" title={state.refund.tx}>
            {shortHash(state.refund.tx)}
          </span>
        </p>
      ) : null}

      {notice ? (
        <div role="alert" className={cn("rounded-md border px-3 py-2 text-sm", state.error?.kind === "cancelled" ? "border-border bg-muted/40" : "border-destructive/40 bg-destructive/5")} data-testid="channel-error">
          <p className="font-medium">{notice.title}</p>
          <p className="mt-1 break-words text-muted-foreground">{notice.message}</p>
          <p className="mt-1">{notice.hint}</p>
          <Button variant="ghost" size="sm" className="mt-1 px-0" onClick={onDismiss}>
            Dismiss
          </Button>
        </div>
      ) : null}
    </div>
  );
}
