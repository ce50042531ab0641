"use client";

import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { apiGet, type SpecAt, type Wire } from "@/lib/api/client";
import { queryKeys } from "@/lib/live/query-keys";

/** Wire shapes of the account routes, derived from their specs (lib/api/endpoints/): amounts are decimal wei strings, times ISO. */
export type EarningsWire = Wire<SpecAt<"/api/accounts/{address}/earnings">>;
export type Bucket = EarningsWire["bucket"];
export type EarningsGroupBy = EarningsWire["groupBy"];

/** Range each bucket shows (the API answers 400 beyond 31 days of hours / 1096 of days / 3653 of weeks). */
export const RANGE_DAYS: Record<Bucket, number> = { hour: 7, day: 365, week: 728 };

/** Where a chart of `bucket` starts. */
function earningsFrom(bucket: Bucket): string {
  return new Date(Date.now() - RANGE_DAYS[bucket] * 86_400_000).toISOString();
}

// Every key starts with queryKeys.account(address), so the SSE stream's invalidations reach them.
export function useEarnings(address: string, bucket: Bucket, groupBy: EarningsGroupBy) {
  return useQuery({
    queryKey: [...queryKeys.account(address), "earnings", bucket, groupBy],
    queryFn: () => apiGet("/api/accounts/{address}/earnings", { params: { address }, query: { bucket, groupBy, from: earningsFrom(bucket) } }),
  });
}

export function useAttributionFeed(address: string, limit = 20) {
  return useInfiniteQuery({
    queryKey: [...queryKeys.account(address), "attribution", limit],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => apiGet("/api/accounts/{address}/attribution", { params: { address }, query: { limit, cursor: pageParam } }),
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
    queryFn: ({ pageParam }) => apiGet("/api/accounts/{address}/claims", { params: { address }, query: { limit, cursor: pageParam } }),
    getNextPageParam: (last) => last.nextCursor,
  });
}

export function useClaimStatus(address: string) {
  return useQuery({
    queryKey: [...queryKeys.account(address), "claim"],
    queryFn: () => apiGet("/api/accounts/{address}/claim", { params: { address } }),
  });
}

/** The account's contributions; contribution.submitted/reviewed events invalidate the account's keys. */
export function useAccountContributions(address: string, limit = 10) {
  return useInfiniteQuery({
    queryKey: [...queryKeys.account(address), "contributions", limit],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => apiGet("/api/accounts/{address}/contributions", { params: { address }, query: { limit, cursor: pageParam } }),
    getNextPageParam: (last) => last.nextCursor,
  });
}
