"use client";

import { useQuery } from "@tanstack/react-query";
import { apiGet, type SpecAt, type Wire } from "@/lib/api/client";
import { queryKeys } from "@/lib/live/query-keys";
import { FEED_SIZE } from "./constants";

/** Wire shapes of GET /api/stats and GET /api/stats/settlements, derived from their specs: wei as strings, ISO times. */
export type NetworkStatsWire = Wire<SpecAt<"/api/stats">>;
export type SettlementPageWire = Wire<SpecAt<"/api/stats/settlements">>;

// The server renders the first value (initialData); the SSE stream's invalidation of these keys
// (inference.settled → stats, inferences) refetches them without a reload.
export function useNetworkStats(initial?: NetworkStatsWire) {
  return useQuery({ queryKey: [...queryKeys.stats(), "24h"], queryFn: () => apiGet("/api/stats"), initialData: initial });
}

export function useSettlementFeed(initial?: SettlementPageWire) {
  return useQuery({
    queryKey: [...queryKeys.settlements(), FEED_SIZE],
    queryFn: () => apiGet("/api/stats/settlements", { query: { limit: FEED_SIZE } }),
    initialData: initial,
  });
}
