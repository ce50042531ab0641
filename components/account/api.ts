"use client";

import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { queryKeys } from "@/lib/live/query-keys";

/** Wire shapes of the account routes (lib/api/endpoints.ts): amounts are decimal wei strings, times ISO. */
export type Bucket = "hour" | "day" | "week";
export type EarningsGroupBy = "none" | "role" | "datanet" | "model";

export interface EarningsPointWire {
  t: string;
  amount: string;
  inferences: number;
}
export interface EarningsSeriesWire {
  key: string;
  amount: string;
  inferences: number;
  points: EarningsPointWire[];
}
export interface EarningsWire {
  account: string;
  bucket: Bucket;
  from: string;
  to: string;
  groupBy: EarningsGroupBy;
  amount: string;
  inferences: number;
  series: EarningsSeriesWire[];
}
export interface AttributionItemWire {
  requestId: number;
  contributionId: number;
  datanetId: number;
  datanetName: string | null;
  modelId: number | null;
  modelName: string | null;
  weightPpm: number;
  amount: string;
  settledAt: string;
}
export interface AttributionPageWire {
  items: AttributionItemWire[];
  nextCursor: string | null;
}
export interface ClaimHistoryItemWire {
  epoch: number;
  amount: string;
  cumulativeAmount: string;
  tx: `0x${string}`;
  logIndex: number;
  block: number;
  claimedAt: string;
  status: "confirmed";
}
export interface ClaimHistoryPageWire {
  items: ClaimHistoryItemWire[];
  nextCursor: string | null;
}
export interface AccountContributionWire {
  id: number;
  datanetId: number;
  datanetName: string | null;
  contentHash: string;
  records: number;
  bytes: number;
  bond: string;
  status: "pending" | "accepted" | "rejected";
  submittedAt: string;
  submittedTx: string;
  reviewedAt: string | null;
}
export interface AccountContributionPageWire {
  items: AccountContributionWire[];
  nextCursor: string | null;
}
export interface ClaimStatusWire {
  account: string;
  epoch: number | null;
  root: string | null;
  postedAt: string | null;
  cumulativeAmount: string;
  claimed: string;
  claimable: string;
  proof: `0x${string}`[];
  treeMatchesRoot: boolean | null;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { cache: "no-store" });
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = (await res.json()) as { error?: string };
      if (body.error) message = body.error;
    } catch {
      // not JSON: keep the status line
    }
    throw new Error(message);
  }
  return (await res.json()) as T;
}

/** Range each bucket shows (the API answers 400 beyond 31 days of hours / 1096 of days / 3653 of weeks). */
export const RANGE_DAYS: Record<Bucket, number> = { hour: 7, day: 365, week: 728 };

export function earningsUrl(address: string, bucket: Bucket, groupBy: EarningsGroupBy): string {
  const from = new Date(Date.now() - RANGE_DAYS[bucket] * 86_400_000).toISOString();
  return `/api/accounts/${address}/earnings?bucket=${bucket}&groupBy=${groupBy}&from=${encodeURIComponent(from)}`;
}

// Every key starts with queryKeys.account(address), so the SSE stream's invalidations reach them.
export function useEarnings(address: string, bucket: Bucket, groupBy: EarningsGroupBy) {
  return useQuery({
    queryKey: [...queryKeys.account(address), "earnings", bucket, groupBy],
    queryFn: () => getJson<EarningsWire>(earningsUrl(address, bucket, groupBy)),
  });
}

export function useAttributionFeed(address: string, limit = 20) {
  return useInfiniteQuery({
    queryKey: [...queryKeys.account(address), "attribution", limit],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      getJson<AttributionPageWire>(
        `/api/accounts/${address}/attribution?limit=${limit}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ""}`,
      ),
    getNextPageParam: (last) => last.nextCursor,
  });
}

/** Every earning of the account, as a CSV the server streams (the browser downloads it as a file). */
export function earningsCsvUrl(address: string): string {
  return `/api/accounts/${address.toLowerCase()}/earnings.csv`;
}

export function useClaimHistory(address: string, limit = 10) {
  return useInfiniteQuery({
    queryKey: [...queryKeys.account(address), "claims", limit],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      getJson<ClaimHistoryPageWire>(`/api/accounts/${address}/claims?limit=${limit}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ""}`),
    getNextPageParam: (last) => last.nextCursor,
  });
}

export function useClaimStatus(address: string) {
  return useQuery({
    queryKey: [...queryKeys.account(address), "claim"],
    queryFn: () => getJson<ClaimStatusWire>(`/api/accounts/${address}/claim`),
  });
}

/** The account's contributions; contribution.submitted/reviewed events invalidate the account's keys. */
export function useAccountContributions(address: string, limit = 10) {
  return useInfiniteQuery({
    queryKey: [...queryKeys.account(address), "contributions", limit],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      getJson<AccountContributionPageWire>(
        `/api/accounts/${address}/contributions?limit=${limit}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ""}`,
      ),
    getNextPageParam: (last) => last.nextCursor,
  });
}
