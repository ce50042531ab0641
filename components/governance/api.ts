"use client";

import { useQuery } from "@tanstack/react-query";
import { apiGet, type SpecAt, type Wire, type WireItem } from "@/lib/api/client";
import { queryKeys } from "@/lib/live/query-keys";
import { PROPOSALS_SHOWN } from "./constants";

/** Wire shapes of the governance routes (lib/api/endpoints/governance.ts): wei as decimal strings, ISO times. */
export type ProposalPageWire = Wire<SpecAt<"/api/governance/proposals">>;
export type ProposalWire = WireItem<SpecAt<"/api/governance/proposals">>;
export type ProposalDetailWire = Wire<SpecAt<"/api/governance/proposals/{id}">>;
export type VotingPowerWire = Wire<SpecAt<"/api/governance/accounts/{address}">>;

/** Refetch when time alone changes a proposal's state next (voting opens or closes, the timelock delay ends). */
function untilNextTransition(page: ProposalPageWire | undefined): number | false {
  if (!page) return false;
  const next = page.items.map((p) => (p.nextTransitionAt ? Date.parse(p.nextTransitionAt) - Date.parse(p.asOf) : Infinity)).reduce((a, b) => Math.min(a, b), Infinity);
  // The server's clock is the chain's: wait the same span here (plus a second for the next block), at most a minute.
  return Number.isFinite(next) ? Math.min(Math.max(next + 1_000, 1_000), 60_000) : false;
}

// Under queryKeys.proposals(): every proposal.* and votes.changed event refetches them.
export function useProposals(initial?: ProposalPageWire) {
  return useQuery({
    queryKey: [...queryKeys.proposals(), "list", PROPOSALS_SHOWN],
    queryFn: () => apiGet("/api/governance/proposals", { query: { limit: PROPOSALS_SHOWN } }),
    initialData: initial,
    refetchInterval: (q) => untilNextTransition(q.state.data),
  });
}

export function useProposal(id: string, enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.proposal(id),
    queryFn: () => apiGet("/api/governance/proposals/{id}", { params: { id } }),
    enabled,
  });
}

export function useVotingPower(address: string | undefined) {
  return useQuery({
    queryKey: queryKeys.votingPower(address ?? "none"),
    queryFn: () => apiGet("/api/governance/accounts/{address}", { params: { address: address! } }),
    enabled: !!address,
  });
}
