"use client";

import { useQuery } from "@tanstack/react-query";
import { queryKeys } from "@/lib/live/query-keys";
import { FEED_SIZE } from "./constants";

/** Wire shapes of GET /api/stats and GET /api/stats/settlements (lib/api/endpoints.ts): wei as strings, ISO times. */
export interface StatsPointWire {
  hour: string;
  inferences: number;
  feesPaid: string;
  contributorEarnings: string;
  contributorsEarning: number;
}
export interface NetworkStatsWire {
  from: string;
  to: string;
  inferences: number;
  feesPaid: string;
  contributorEarnings: string;
  contributorsEarning: number;
  series: StatsPointWire[];
}
export interface SettlementWire {
  requestId: number;
  modelId: number;
  modelName: string | null;
  price: string;
  contributorPool: string;
  contributorsPaid: number;
  settledAt: string;
  settledTx: string;
}
export interface SettlementPageWire {
  items: SettlementWire[];
  nextCursor: string | null;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { cache: "no-store" });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: string } | null;
    throw new Error(body?.error ?? `${res.status} ${res.statusText}`);
  }
  return (await res.json()) as T;
}

// The server renders the first value (initialData); the SSE stream's invalidation of these keys
// (inference.settled → stats, inferences) refetches them without a reload.
export function useNetworkStats(initial?: NetworkStatsWire) {
  return useQuery({ queryKey: [...queryKeys.stats(), "24h"], queryFn: () => getJson<NetworkStatsWire>("/api/stats"), initialData: initial });
}

export function useSettlementFeed(initial?: SettlementPageWire) {
  return useQuery({
    queryKey: [...queryKeys.settlements(), FEED_SIZE],
    queryFn: () => getJson<SettlementPageWire>(`/api/stats/settlements?limit=${FEED_SIZE}`),
    initialData: initial,
  });
}
