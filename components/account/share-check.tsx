"use client";

import { useQuery } from "@tanstack/react-query";
import type { Address, PublicClient } from "viem";
import { usePublicClient } from "wagmi";
import { HashText, OpenAmount } from "@/components/domain";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { useChainInfo } from "@/components/wallet/chain-context";
import { queryKeys } from "@/lib/live/query-keys";
import { useClaimStatus } from "./api";
import { checkShareRoots, type RootCheck } from "./share-roots";

/** A contributor checks their own share: their leaf in each current root, proven against the chain, in the browser. */
export function ShareCheck({ address }: { address: string }) {
  const chain = useChainInfo();
  const client = usePublicClient({ chainId: chain.chainId });
  const status = useClaimStatus(address);
  const market = chain.contracts?.inferenceMarket;
  const s = status.data;
  const check = useQuery({
    queryKey: [...queryKeys.account(address), "share-check", s?.epoch ?? null, s?.cumulativeAmount ?? null, s?.pending?.epoch ?? null, s?.pending?.cumulativeAmount ?? null],
    enabled: !!s && !!client && !!market,
    queryFn: () => checkShareRoots(client as PublicClient, market!, address as Address, s!),
  });

  return (
    <Card data-testid="share-check">
      <CardHeader>
        <CardTitle>Check your share</CardTitle>
        <p className="text-xs text-muted-foreground">
          Your leaf in each epoch root, with its Merkle proof, checked in this browser against the root read from the chain: no need to trust this server.
        </p>
      </CardHeader>
      <CardContent className="space-y-3">
        {!market ? (
          <p className="text-sm text-muted-foreground">The chain is not configured here, so roots cannot be read.</p>
        ) : status.isError || check.isError ? (
          <p className="text-sm text-destructive">Could not check: {(status.error ?? check.error)?.message}</p>
        ) : !s || check.isPending ? (
          <Skeleton className="h-12 w-full" />
        ) : check.data.length === 0 ? (
          <p className="text-sm text-muted-foreground">No epoch root has been posted yet.</p>
        ) : (
          check.data.map((r) => <RootLine key={r.epoch} r={r} />)
        )}
      </CardContent>
    </Card>
  );
}

function RootLine({ r }: { r: RootCheck }) {
  return (
    <div className="space-y-1 text-sm" data-testid="share-root" data-epoch={r.epoch} data-verified={r.verified}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <span>
          Epoch #{r.epoch} <span className="text-muted-foreground">({r.status})</span> · your leaf <OpenAmount wei={r.amount} maxDecimals={6} />
        </span>
        {r.amount === 0n ? (
          <Badge variant="outline">No leaf for this account</Badge>
        ) : r.verified ? (
          <Badge variant="success">Verified against the on-chain root</Badge>
        ) : (
          <Badge variant="destructive">Does not match the on-chain root</Badge>
        )}
      </div>
      <p className="text-xs text-muted-foreground">
        {r.amount > 0n ? `Proof of ${r.proofLength} hash${r.proofLength === 1 ? "" : "es"} folded here; ` : ""}
        root {r.chainRoot ? <HashText hash={r.chainRoot} /> : "—"} from {r.source}
        {r.status !== "final" ? " (not claimable until final)" : ""}.
      </p>
    </div>
  );
}
