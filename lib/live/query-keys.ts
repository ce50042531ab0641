import type { LiveEvent } from "./events";

/**
 * TanStack Query keys, by domain, and which of them a live event makes stale. Client components key
 * their queries with these so the SSE stream can invalidate exactly what changed.
 */
export const queryKeys = {
  stats: () => ["stats"] as const,
  datanets: () => ["datanets"] as const,
  datanet: (id: number) => ["datanets", id] as const,
  // Under datanet(id) / model(id), so the events that make those stale refetch these too.
  datanetUsage: (id: number, bucket: string) => ["datanets", id, "usage", bucket] as const,
  datanetRecords: (id: number, filters: object, cursor: string | null) => ["datanets", id, "records", filters, cursor] as const,
  models: () => ["models"] as const,
  model: (id: number) => ["models", id] as const,
  modelUsage: (id: number, bucket: string) => ["models", id, "usage", bucket] as const,
  inferences: () => ["inferences"] as const,
  /** The home page's settlement feed: under inferences(), so every settlement refreshes it. */
  settlements: () => ["inferences", "settlements"] as const,
  account: (address: string) => ["accounts", address.toLowerCase()] as const,
  operators: () => ["operators"] as const,
  /** Everything on /governance: proposals, parameters, voting power. */
  governance: () => ["governance"] as const,
  proposals: () => ["governance", "proposals"] as const,
  proposal: (id: string) => ["governance", "proposals", id] as const,
  governanceParams: () => ["governance", "params"] as const,
  votingPower: (address: string) => ["governance", "accounts", address.toLowerCase()] as const,
};

export function staleKeys(e: LiveEvent): readonly (readonly unknown[])[] {
  switch (e.type) {
    case "datanet.created":
      return [queryKeys.datanets(), queryKeys.stats()];
    case "contribution.submitted":
    case "contribution.reviewed":
      return [queryKeys.datanet(e.datanetId), queryKeys.datanets(), queryKeys.account(e.contributor), queryKeys.stats()];
    case "contribution.withdrawn":
      // The contributor is not in the event when the owner removed it: every account view may show it.
      return [queryKeys.datanet(e.datanetId), queryKeys.datanets(), ["accounts"], queryKeys.stats()];
    case "version.published":
      return [queryKeys.datanet(e.datanetId)];
    case "model.registered":
      return [queryKeys.models(), queryKeys.stats()];
    case "model.updated":
      return [queryKeys.model(e.modelId), queryKeys.models()];
    case "inference.paid":
      return [queryKeys.model(e.modelId), queryKeys.inferences(), queryKeys.account(e.payer)];
    case "inference.settled":
      // Settlement credits contributors we cannot name from the event: every account view is stale.
      return [queryKeys.model(e.modelId), queryKeys.models(), queryKeys.inferences(), queryKeys.stats(), ["accounts"], queryKeys.datanets(), queryKeys.operators()];
    case "inference.refunded":
      return [queryKeys.inferences(), queryKeys.account(e.payer)];
    case "epoch.posted":
    case "epoch.changed":
      return [["accounts"], queryKeys.operators()];
    case "claim.paid":
      return [queryKeys.account(e.account)];
    case "operator.changed":
      return [queryKeys.operators()];
    case "params.changed":
      return [queryKeys.operators(), queryKeys.governanceParams()];
    case "proposal.created":
      return [queryKeys.proposals()];
    case "proposal.voted":
      // Under proposals(): the list's tallies and the proposal's own page.
      return [queryKeys.proposals(), queryKeys.votingPower(e.voter)];
    case "proposal.updated":
      return [queryKeys.proposals()];
    case "votes.changed":
      // Voting power of the accounts, and the vOPEN supply every quorum is a share of.
      return [queryKeys.proposals(), queryKeys.governanceParams(), ...e.accounts.map(queryKeys.votingPower)];
    case "indexer.rollback":
      return [[]]; // everything
  }
}
