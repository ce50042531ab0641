"use client";

import { useQuery } from "@tanstack/react-query";
import { apiGet, type SpecAt, type Wire, type WireItem } from "@/lib/api/client";
import { queryKeys } from "@/lib/live/query-keys";
import { OPERATORS_SHOWN } from "@/components/governance/constants";

/** Wire shapes of the operator routes (lib/api/endpoints/operators.ts): wei as decimal strings, ISO times. */
export type OperatorPageWire = Wire<SpecAt<"/api/operators">>;
export type OperatorWire = WireItem<SpecAt<"/api/operators">>;
export type OperatorDetailWire = Wire<SpecAt<"/api/operators/{address}">>;
export type GovernanceParamsWire = Wire<SpecAt<"/api/governance/params">>;

// The server renders the first answer (initialData); the live stream invalidates these keys (operator.changed,
// inference.settled, epoch.posted, params.changed) and TanStack Query refetches them.
export function useOperators(initial?: OperatorPageWire) {
  return useQuery({
    queryKey: [...queryKeys.operators(), "list", OPERATORS_SHOWN],
    queryFn: () => apiGet("/api/operators", { query: { limit: OPERATORS_SHOWN } }),
    initialData: initial,
  });
}

export function useOperator(address: string, enabled: boolean) {
  return useQuery({
    queryKey: [...queryKeys.operators(), "detail", address.toLowerCase()],
    queryFn: () => apiGet("/api/operators/{address}", { params: { address } }),
    enabled,
  });
}

export function useGovernanceParams(initial?: GovernanceParamsWire) {
  return useQuery({ queryKey: queryKeys.governanceParams(), queryFn: () => apiGet("/api/governance/params"), initialData: initial });
}
