"use client";

import { useState } from "react";
import { useAccount } from "wagmi";
import { formatOpen } from "@/components/format";
import { Field, inputClass } from "@/components/factory/fields";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { useChainInfo } from "@/components/wallet/chain-context";
import { ledgerlineGovernorAbi } from "@/contracts-abi/LedgerlineGovernor";
import { describeCall } from "@/lib/governance/describe";
import { MAX_FEE_BPS, proposalCall, resolveDisputeAction, setFeesAction, type ProposalAction } from "@/lib/governance/proposals";
import { queryKeys } from "@/lib/live/query-keys";
import { useVotingPower } from "./api";
import { TxStatus, useContractTx } from "./contract-tx";

type Kind = "fees" | "dispute";

/** A whole number of basis points, or what is wrong with it. */
function parseBps(text: string, name: string): number | string {
  const t = text.trim();
  if (!/^\d{1,5}$/.test(t)) return `${name}: enter whole basis points (100 bps = 1 %).`;
  return Number(t);
}

/** The proposal the form describes, or the first problem with its fields. */
function draftOf(kind: Kind, f: { protocol: string; operator: string; epoch: string; upheld: boolean }, market: `0x${string}`): { action: ProposalAction; title: string } | { error: string } {
  try {
    if (kind === "fees") {
      const protocol = parseBps(f.protocol, "Protocol fee");
      const operator = parseBps(f.operator, "Operator fee");
      if (typeof protocol === "string") return { error: protocol };
      if (typeof operator === "string") return { error: operator };
      if (protocol + operator > MAX_FEE_BPS) return { error: `Protocol and operator fees together may be at most ${MAX_FEE_BPS} bps (50 %).` };
      return { action: setFeesAction(market, protocol, operator), title: `Set fees to protocol ${protocol} bps and operator ${operator} bps` };
    }
    if (!/^\d{1,10}$/.test(f.epoch.trim()) || Number(f.epoch) < 1) return { error: "Epoch: enter the number of the disputed epoch (from 1)." };
    const epoch = Number(f.epoch);
    return { action: resolveDisputeAction(market, epoch, f.upheld), title: `${f.upheld ? "Uphold" : "Reject"} the dispute of epoch ${epoch}` };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** The common proposals: a fee change (for later payments only) or a verdict on a disputed epoch. */
export function ProposeForm({ threshold, currentFees }: { threshold: bigint | null; currentFees: { protocolBps: number; operatorBps: number } | null }) {
  const chain = useChainInfo();
  const { address, status } = useAccount();
  const power = useVotingPower(address);
  const tx = useContractTx();
  const [kind, setKind] = useState<Kind>("fees");
  const [protocol, setProtocol] = useState(String(currentFees?.protocolBps ?? 500));
  const [operator, setOperator] = useState(String(currentFees?.operatorBps ?? 1000));
  const [epoch, setEpoch] = useState("");
  const [upheld, setUpheld] = useState(true);
  const [description, setDescription] = useState("");
  const market = chain.contracts?.inferenceMarket;
  const governor = chain.contracts?.governor;

  const draft = market ? draftOf(kind, { protocol, operator, epoch, upheld }, market) : { error: "No deployment is configured." };
  const summary = "action" in draft && chain.contracts ? describeCall(chain.contracts, draft.action.target, draft.action.value, draft.action.calldata).summary : null;
  const votes = power.data ? BigInt(power.data.votes) : null;
  const tooFewVotes = threshold !== null && votes !== null && votes < threshold;
  const connected = status === "connected";

  async function submit() {
    if (!governor || !("action" in draft)) return;
    const text = description.trim() || `# ${draft.title}\n\n${summary ?? ""}`;
    const call = proposalCall({ actions: [draft.action], description: text });
    const ok = await tx.run(
      "the proposal",
      { address: governor, abi: ledgerlineGovernorAbi, functionName: "propose", args: [call.targets, call.values, call.calldatas, call.description] },
      [queryKeys.proposals()],
    );
    if (ok) setDescription("");
  }

  return (
    <Card data-testid="propose-form">
      <CardHeader>
        <CardTitle>New proposal</CardTitle>
        <CardDescription>
          {threshold !== null ? `Proposing needs ${formatOpen(threshold).replace("OPEN", "votes")}. ` : null}
          Once it passes, anyone queues it in the timelock and executes it after the delay.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <form
          className="space-y-4"
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <fieldset className="flex flex-wrap gap-4 text-sm">
            <legend className="sr-only">Kind of proposal</legend>
            {(
              [
                ["fees", "Change fees"],
                ["dispute", "Resolve a dispute"],
              ] as const
            ).map(([k, label]) => (
              <label key={k} className="inline-flex items-center gap-2">
                <input type="radio" name="proposal-kind" value={k} checked={kind === k} onChange={() => setKind(k)} data-testid={`propose-kind-${k}`} />
                {label}
              </label>
            ))}
          </fieldset>
          {kind === "fees" ? (
            <div className="grid gap-4 sm:grid-cols-2">
              <Field label="Protocol fee (bps)" htmlFor="p-protocol" hint={currentFees ? `Now ${currentFees.protocolBps} bps. Applies to payments made after execution.` : undefined}>
                <input id="p-protocol" inputMode="numeric" value={protocol} onChange={(e) => setProtocol(e.target.value)} className={inputClass} data-testid="propose-protocol-bps" />
              </Field>
              <Field label="Operator fee (bps)" htmlFor="p-operator" hint={currentFees ? `Now ${currentFees.operatorBps} bps.` : undefined}>
                <input id="p-operator" inputMode="numeric" value={operator} onChange={(e) => setOperator(e.target.value)} className={inputClass} data-testid="propose-operator-bps" />
              </Field>
            </div>
          ) : (
            <div className="grid gap-4 sm:grid-cols-2">
              <Field label="Disputed epoch" htmlFor="p-epoch">
                <input id="p-epoch" inputMode="numeric" value={epoch} onChange={(e) => setEpoch(e.target.value)} className={inputClass} data-testid="propose-epoch" />
              </Field>
              <fieldset className="space-y-1.5 text-sm">
                <legend className="text-sm font-medium">Verdict</legend>
                <label className="flex items-center gap-2">
                  <input type="radio" name="verdict" checked={upheld} onChange={() => setUpheld(true)} data-testid="propose-uphold" />
                  Uphold: discard the root, slash its poster
                </label>
                <label className="flex items-center gap-2">
                  <input type="radio" name="verdict" checked={!upheld} onChange={() => setUpheld(false)} data-testid="propose-reject" />
                  Reject: the root stands, the bond goes to the treasury
                </label>
              </fieldset>
            </div>
          )}
          <Field label="Description (optional)" htmlFor="p-description" hint="Markdown; the first line is the title. Left empty, it says what the call does.">
            <textarea
              id="p-description"
              rows={3}
              maxLength={10_000}
              value={description}
              onChange={(e) => setDescription(e.target.value)}
              className={`${inputClass} h-auto py-2`}
              data-testid="propose-description"
            />
          </Field>
          {"error" in draft ? (
            <p className="text-sm text-destructive" data-testid="propose-error">
              {draft.error}
            </p>
          ) : (
            <p className="text-sm text-muted-foreground" data-testid="propose-summary">
              {summary}
            </p>
          )}
          {connected && tooFewVotes ? (
            <p className="text-sm text-warning">This account has {formatOpen(votes ?? 0n).replace("OPEN", "votes")}: wrap OPEN and delegate above first.</p>
          ) : null}
          <Button type="submit" disabled={!connected || tx.busy || "error" in draft || !governor} data-testid="propose-submit">
            {connected ? "Propose" : "Connect a wallet to propose"}
          </Button>
          <TxStatus state={tx.state} label={tx.label} testId="propose-tx-status" />
        </form>
      </CardContent>
    </Card>
  );
}
