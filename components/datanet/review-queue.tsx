"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { Hex } from "viem";
import { useAccount, usePublicClient, useReadContract, useWriteContract } from "wagmi";
import { useChainInfo } from "@/components/wallet/chain-context";
import { AddressText } from "@/components/domain";
import { formatBytes, formatNumber, plural } from "@/components/format";
import { useNetworkMismatch, WrongNetworkHint } from "@/components/wallet/network-guard";
import { SignInButton, useSession, useSignIn } from "@/components/wallet/siwe";
import { classifyTransactionError, useTransaction } from "@/components/wallet/use-transaction";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { datanetRegistryAbi } from "@/contracts-abi";
import { versionRoot } from "@/lib/chain/merkle";
import { formatOf, parseRecords } from "@/lib/content/records";
import { apiGet, wireHex, type SpecAt, type Wire, type WireItem } from "@/lib/api/client";
import { queryKeys } from "@/lib/live/query-keys";
import { FailureBox } from "./contribute";
import { OriginalityState, useContributionOriginality } from "./originality";

type ContributionItem = WireItem<SpecAt<"/api/datanets/{id}/contributions">>;

/** Every contribution of the Datanet with the status, following the cursor to the end. */
async function fetchContributions(datanetId: number, status: "pending" | "accepted"): Promise<ContributionItem[]> {
  const out: ContributionItem[] = [];
  let cursor: string | null = null;
  do {
    const page: Wire<SpecAt<"/api/datanets/{id}/contributions">> = await apiGet("/api/datanets/{id}/contributions", {
      params: { id: datanetId },
      query: { status, limit: 100, cursor },
      what: `Loading ${status} contributions`,
    });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** Accepted contributions in acceptance order: the leaves of the next version. */
export function acceptanceOrder(items: readonly ContributionItem[]): ContributionItem[] {
  return [...items].filter((c) => c.acceptedSeq !== null).sort((a, b) => a.acceptedSeq! - b.acceptedSeq!);
}

type Action = { kind: "review"; id: number; accept: boolean } | { kind: "publish" };

interface Failure {
  title: string;
  message: string;
  soft?: boolean;
}

export function ReviewQueue({ datanetId, owner, curated }: { datanetId: number; owner: string; curated: boolean }) {
  const chain = useChainInfo();
  const router = useRouter();
  const queryClient = useQueryClient();
  const { address, status } = useAccount();
  const publicClient = usePublicClient();
  const { writeContractAsync } = useWriteContract();
  const isOwner = status === "connected" && !!address && address.toLowerCase() === owner.toLowerCase();
  const registry = chain.contracts?.datanetRegistry;
  // Reviewing is on-chain (the registry checks the owner); the queue itself is shown only to the owner
  // signed in with Sign-In with Ethereum, the identity the off-chain side of Ledgerline knows.
  const session = useSession();
  const signIn = useSignIn();
  const { wrong: wrongNetwork } = useNetworkMismatch();
  const canReview = isOwner && session.signedIn;

  const [action, setAction] = useState<Action | null>(null);
  const tx = useTransaction();
  // After the receipt: the indexed lists and the on-chain counts are catching up.
  const [indexing, setIndexing] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const pending = useQuery({
    queryKey: [...queryKeys.datanet(datanetId), "contributions", "pending"],
    queryFn: () => fetchContributions(datanetId, "pending"),
    enabled: canReview,
  });
  const accepted = useQuery({
    queryKey: [...queryKeys.datanet(datanetId), "contributions", "accepted"],
    queryFn: async () => acceptanceOrder(await fetchContributions(datanetId, "accepted")),
    enabled: canReview,
  });
  const onChain = useReadContract({
    address: registry,
    abi: datanetRegistryAbi,
    functionName: "getDatanet",
    args: [BigInt(datanetId)],
    query: { enabled: !!registry && canReview },
  });
  const versionCount = onChain.data?.versionCount;
  const acceptedOnChain = onChain.data?.acceptedCount;

  async function send(run: () => Promise<Hex>, next: Action, done: string) {
    if (!publicClient) return;
    setFailure(null);
    setNotice(null);
    setAction(next);
    try {
      await tx.send(run);
      setIndexing(true);
      await onChain.refetch();
      await queryClient.invalidateQueries({ queryKey: queryKeys.datanet(datanetId) });
      setNotice(done);
      router.refresh();
    } catch (err) {
      const error = classifyTransactionError(err);
      if (error.kind === "rejected") setFailure({ soft: true, title: "Signature cancelled", message: "You rejected the transaction; nothing happened." });
      else {
        setFailure({
          title: error.errorName === "NotPending" ? "Already reviewed" : error.errorName === "NotDatanetOwner" ? "Not the owner" : "Transaction failed",
          message: error.errorName === "NotPending" ? "This contribution was reviewed already." : error.message,
        });
      }
    } finally {
      tx.reset();
      setIndexing(false);
      setAction(null);
    }
  }

  function review(id: number, accept: boolean) {
    if (!registry || !address || !publicClient) return;
    void send(
      async () => {
        const { request } = await publicClient.simulateContract({
          address: registry,
          abi: datanetRegistryAbi,
          account: address,
          functionName: "review",
          args: [BigInt(id), accept],
        });
        return writeContractAsync(request);
      },
      { kind: "review", id, accept },
      `Contribution #${id} ${accept ? "accepted: the bond went back to its contributor" : "rejected: the bond went to the treasury"}.`,
    );
  }

  /** The indexed accepted list, once it has caught up with the chain's accepted count. */
  async function acceptedLeaves(): Promise<ContributionItem[]> {
    const target = (await onChain.refetch()).data?.acceptedCount ?? 0;
    for (let attempt = 0; attempt < 40; attempt++) {
      const list = acceptanceOrder(await fetchContributions(datanetId, "accepted"));
      if (list.length >= target) return list.slice(0, target);
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error("The indexer has not caught up with the accepted contributions yet; try again in a moment.");
  }

  function publish() {
    if (!registry || !address || !publicClient) return;
    const next = (versionCount ?? 0) + 1;
    void send(
      async () => {
        const leaves = await acceptedLeaves();
        if (leaves.length === 0) throw new Error("Accept at least one contribution before publishing a version.");
        const root = versionRoot(leaves.map((c) => ({ id: BigInt(c.id), contentHash: wireHex(c.contentHash) })));
        const { request } = await publicClient.simulateContract({
          address: registry,
          abi: datanetRegistryAbi,
          account: address,
          functionName: "publishVersion",
          args: [BigInt(datanetId), root, leaves.length],
        });
        return writeContractAsync(request);
      },
      { kind: "publish" },
      `Version ${next} published.`,
    );
  }

  const busy = action !== null || wrongNetwork;
  const stateLabel = indexing ? "Updating…" : tx.state.status === "signing" ? "Waiting for signature…" : tx.state.status === "pending" ? "Confirming…" : null;
  const acceptedCount = accepted.data?.length ?? 0;
  const unpublished = versionCount !== undefined && acceptedOnChain !== undefined;

  return (
    <Card data-testid="review">
      <CardContent className="space-y-4 pt-5">
        {!isOwner ? (
          <p className="text-sm text-muted-foreground">
            {curated ? "Only the Datanet's owner reviews contributions and publishes versions." : "This open Datanet accepts contributions at once; only its owner publishes versions."}{" "}
            {status === "connected" ? (
              <>
                You are connected as <AddressText address={address} />, not the owner <AddressText address={owner} />.
              </>
            ) : (
              "Connect the owner's wallet to review."
            )}
          </p>
        ) : !session.signedIn ? (
          <div className="space-y-3" data-testid="review-sign-in">
            <p className="text-sm text-muted-foreground">
              You own this Datanet. Sign in to review: one signature (no transaction, no gas) proves it is you; accepting, rejecting and
              publishing are then transactions you sign.
            </p>
            {session.loading ? (
              <Skeleton className="h-9 w-40" />
            ) : (
              <SignInButton signIn={signIn} label="Sign in to review" />
            )}
            {signIn.failure ? <FailureBox failure={signIn.failure} /> : null}
          </div>
        ) : (
          <>
            <WrongNetworkHint action="review and publish" />
            <div className="flex flex-wrap items-center justify-between gap-3">
              <p className="text-sm">
                <span className="font-medium">{plural(pending.data?.length ?? 0, "pending contribution")}</span>
                <span className="text-muted-foreground">
                  {" "}
                  · {plural(acceptedCount, "accepted contribution")}
                  {unpublished ? ` · ${versionCount === 0 ? "no version yet" : `latest v${versionCount}`}` : ""}
                </span>
              </p>
              <div className="flex items-center gap-2">
                {action?.kind === "publish" && stateLabel ? <Badge variant="info">{stateLabel}</Badge> : null}
                <Button
                  onClick={publish}
                  disabled={busy || versionCount === undefined || (acceptedOnChain ?? 0) === 0}
                  aria-busy={action?.kind === "publish"}
                >
                  Publish version {(versionCount ?? 0) + 1}
                </Button>
              </div>
            </div>
            {pending.isPending ? (
              <Skeleton className="h-20 w-full" />
            ) : pending.isError ? (
              <p className="text-sm text-destructive">{pending.error.message}</p>
            ) : pending.data.length === 0 ? (
              <p className="text-sm text-muted-foreground">Nothing to review: every contribution has been accepted or rejected.</p>
            ) : (
              <ul className="space-y-3" aria-label="Pending contributions">
                {pending.data.map((c) => (
                  <li key={c.id} className="rounded-md border border-border p-3" data-testid={`pending-${c.id}`}>
                    <div className="flex flex-wrap items-center justify-between gap-2">
                      <p className="text-sm">
                        <span className="font-mono text-xs text-muted-foreground">#{c.id}</span>{" "}
                        <AddressText address={c.contributor} />
                        <span className="text-muted-foreground">
                          {" "}
                          · {plural(c.records, "record")} · {formatBytes(c.bytes)}
                        </span>
                      </p>
                      <div className="flex items-center gap-2">
                        {action?.kind === "review" && action.id === c.id && stateLabel ? <Badge variant="info">{stateLabel}</Badge> : null}
                        <Button size="sm" onClick={() => review(c.id, true)} disabled={busy} aria-label={`Accept #${c.id}`}>
                          Accept
                        </Button>
                        <Button size="sm" variant="destructive" onClick={() => review(c.id, false)} disabled={busy} aria-label={`Reject #${c.id}`}>
                          Reject
                        </Button>
                      </div>
                    </div>
                    <ContributionOriginality datanetId={datanetId} contributionId={c.id} curated={curated} />
                    <ContentPreview hash={c.contentHash} records={c.records} />
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
        {notice ? (
          <p role="status" className="flex items-center gap-2 text-sm">
            <Badge variant="success">Confirmed</Badge>
            {notice}
          </p>
        ) : null}
        {failure ? <FailureBox failure={failure} /> : null}
      </CardContent>
    </Card>
  );
}

/** The originality shield for the reviewer: how much of the contribution repeats contributions registered before it. */
function ContributionOriginality({ datanetId, contributionId, curated }: { datanetId: number; contributionId: number; curated: boolean }) {
  const originality = useContributionOriginality(datanetId, contributionId);
  return <OriginalityState query={originality} subject="contribution" curated={curated} className="mt-2" />;
}

const PREVIEW = 3;

function ContentPreview({ hash, records }: { hash: string; records: number }) {
  const content = useQuery({
    queryKey: ["content", hash],
    staleTime: Infinity,
    queryFn: async () => {
      const res = await fetch(`/api/content/${hash}`);
      if (!res.ok) throw new Error(`The content is unavailable (HTTP ${res.status}).`);
      const mediaType = res.headers.get("content-type")?.split(";")[0]?.trim();
      const text = await res.text();
      try {
        return parseRecords(text, formatOf(undefined, mediaType)).records.slice(0, PREVIEW);
      } catch {
        return [text.slice(0, 400)];
      }
    },
  });
  if (content.isPending) return <Skeleton className="mt-2 h-10 w-full" />;
  if (content.isError) return <p className="mt-2 text-xs text-destructive">{content.error.message}</p>;
  return (
    <ol className="mt-2 space-y-1" aria-label="Content preview">
      {content.data.map((r, i) => (
        <li key={i} className="line-clamp-2 whitespace-pre-wrap rounded bg-muted/40 px-2 py-1 text-xs">
          {r}
        </li>
      ))}
      {records > content.data.length ? (
        <li className="text-xs text-muted-foreground">…and {formatNumber(records - content.data.length)} more</li>
      ) : null}
    </ol>
  );
}
