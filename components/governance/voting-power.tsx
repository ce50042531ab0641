"use client";

import { useConnectModal } from "@rainbow-me/rainbowkit";
import { useState } from "react";
import { isAddress, parseUnits, type Address } from "viem";
import { useAccount, useReadContract } from "wagmi";
import { AddressText, OpenAmount } from "@/components/domain";
import { formatOpen } from "@/components/format";
import { Field, inputClass } from "@/components/factory/fields";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { useChainInfo } from "@/components/wallet/chain-context";
import { openTokenAbi } from "@/contracts-abi/OpenToken";
import { openVotesAbi } from "@/contracts-abi/OpenVotes";
import { queryKeys } from "@/lib/live/query-keys";
import { useVotingPower } from "./api";
import { TxStatus, useContractTx } from "./contract-tx";

/** OPEN amount typed by a person → wei, or what is wrong with it. */
export function parseOpen(text: string): { wei: bigint } | { error: string } {
  const t = text.trim();
  if (!/^\d+(\.\d{1,18})?$/.test(t)) return { error: "Enter an amount of OPEN, e.g. 100 (at most 18 decimals)." };
  const wei = parseUnits(t, 18);
  if (wei === 0n) return { error: "Enter more than 0 OPEN." };
  return { wei };
}

/**
 * The connected account's voting power: wrap OPEN into vOPEN (approve + depositFor) and delegate its votes
 * (to itself or to someone else). Votes count from the second after delegation, so a vote or proposal comes later.
 */
export function VotingPowerCard() {
  const chain = useChainInfo();
  const { address, status } = useAccount();
  const { openConnectModal } = useConnectModal();
  const power = useVotingPower(address);
  const tx = useContractTx();
  const [amount, setAmount] = useState("100");
  const [delegatee, setDelegatee] = useState("");
  const token = chain.contracts?.token;
  const votes = chain.contracts?.openVotes;

  const balance = useReadContract({
    address: token,
    abi: openTokenAbi,
    functionName: "balanceOf",
    args: address ? [address] : undefined,
    query: { enabled: !!token && !!address },
  });
  const allowance = useReadContract({
    address: token,
    abi: openTokenAbi,
    functionName: "allowance",
    args: address && votes ? [address, votes] : undefined,
    query: { enabled: !!token && !!address && !!votes },
  });

  if (status !== "connected" || !address) {
    return (
      <Card data-testid="voting-power">
        <CardHeader>
          <CardTitle>Your voting power</CardTitle>
          <CardDescription>Voting power is OPEN wrapped into vOPEN and delegated, to yourself or to someone you trust.</CardDescription>
        </CardHeader>
        <CardContent>
          <Button onClick={openConnectModal} disabled={!chain.configured || !openConnectModal} data-testid="governance-connect">
            Connect wallet
          </Button>
          {!chain.configured ? <p className="mt-2 text-sm text-muted-foreground">Wallet actions are unavailable: {chain.problem}</p> : null}
        </CardContent>
      </Card>
    );
  }

  const parsed = parseOpen(amount);
  const needsApproval = "wei" in parsed && allowance.data !== undefined && allowance.data < parsed.wei;
  const short = "wei" in parsed && balance.data !== undefined && balance.data < parsed.wei;
  const target = delegatee.trim() === "" ? address : delegatee.trim();
  const targetOk = isAddress(target);
  const invalidate = [queryKeys.governance()];
  const p = power.data;

  async function wrap() {
    if (!token || !votes || !("wei" in parsed)) return;
    if (needsApproval) {
      const ok = await tx.run(`the approval of ${formatOpen(parsed.wei)}`, { address: token, abi: openTokenAbi, functionName: "approve", args: [votes, parsed.wei] });
      await allowance.refetch();
      if (!ok) return;
    }
    await tx.run(`wrapping ${formatOpen(parsed.wei)} into vOPEN`, { address: votes, abi: openVotesAbi, functionName: "depositFor", args: [address!, parsed.wei] }, invalidate);
    await Promise.all([balance.refetch(), allowance.refetch()]);
  }

  async function delegate() {
    if (!votes || !targetOk) return;
    await tx.run("the delegation", { address: votes, abi: openVotesAbi, functionName: "delegate", args: [target as Address] }, invalidate);
  }

  return (
    <Card data-testid="voting-power">
      <CardHeader>
        <CardTitle>Your voting power</CardTitle>
        <CardDescription>
          Wrap OPEN into vOPEN (1:1, unwrap any time) and delegate it: only delegated vOPEN votes, and it counts from the second after delegation.
          Staked OPEN sits in the market and does not vote.
        </CardDescription>
      </CardHeader>
      <CardContent className="space-y-5">
        {power.isPending ? (
          <Skeleton className="h-16 w-full" />
        ) : power.isError ? (
          <p role="alert" className="text-sm text-destructive">Could not load your voting power: {power.error.message}</p>
        ) : (
          <dl className="grid grid-cols-2 gap-x-4 gap-y-2 text-sm sm:grid-cols-4">
            <div>
              <dt className="text-muted-foreground">OPEN in wallet</dt>
              <dd className="font-medium">{balance.data !== undefined ? <OpenAmount wei={balance.data} maxDecimals={2} /> : "—"}</dd>
            </div>
            <div>
              <dt className="text-muted-foreground">vOPEN</dt>
              <dd className="font-medium" data-testid="vopen-balance" data-wei={p?.balance}>
                <OpenAmount wei={BigInt(p?.balance ?? "0")} maxDecimals={2} />
              </dd>
            </div>
            <div>
              <dt className="text-muted-foreground">Delegated to</dt>
              <dd className="font-medium" data-testid="delegate" data-address={p?.delegate ?? ""}>
                {p?.delegate ? p.delegate === address.toLowerCase() ? "yourself" : <AddressText address={p.delegate} /> : "nobody yet"}
              </dd>
            </div>
            <div>
              <dt className="text-muted-foreground">Votes</dt>
              <dd className="font-medium" data-testid="voting-power-votes" data-wei={p?.votes}>
                <OpenAmount wei={BigInt(p?.votes ?? "0")} maxDecimals={2} />
              </dd>
            </div>
          </dl>
        )}

        <div className="grid gap-4 md:grid-cols-2">
          <form
            className="space-y-2"
            onSubmit={(e) => {
              e.preventDefault();
              void wrap();
            }}
          >
            <Field label="Wrap OPEN into vOPEN" htmlFor="wrap-amount" hint={"error" in parsed ? undefined : needsApproval ? "Two transactions: approve, then wrap." : "One transaction."}>
              <input id="wrap-amount" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} className={inputClass} disabled={tx.busy} data-testid="wrap-amount" />
            </Field>
            {"error" in parsed ? <p className="text-sm text-destructive">{parsed.error}</p> : null}
            {short ? <p className="text-sm text-destructive">This wallet holds {formatOpen(balance.data ?? 0n)}.</p> : null}
            <Button type="submit" size="sm" disabled={tx.busy || "error" in parsed || short} data-testid="wrap-submit">
              {needsApproval ? "Approve and wrap" : "Wrap"}
            </Button>
          </form>
          <form
            className="space-y-2"
            onSubmit={(e) => {
              e.preventDefault();
              void delegate();
            }}
          >
            <Field label="Delegate votes to" htmlFor="delegatee" hint="Leave empty to delegate to yourself.">
              <input id="delegatee" placeholder={address} value={delegatee} onChange={(e) => setDelegatee(e.target.value)} className={inputClass} disabled={tx.busy} data-testid="delegatee" />
            </Field>
            {!targetOk ? <p className="text-sm text-destructive">Enter a 0x address (40 hex digits).</p> : null}
            <Button type="submit" size="sm" variant="outline" disabled={tx.busy || !targetOk} data-testid="delegate-submit">
              {delegatee.trim() === "" ? "Delegate to myself" : "Delegate"}
            </Button>
          </form>
        </div>
        <TxStatus state={tx.state} label={tx.label} testId="voting-power-tx-status" />
      </CardContent>
    </Card>
  );
}
