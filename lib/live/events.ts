import type { IndexedEvent } from "@/lib/indexer/indexed-event";

/** Small typed events the browser subscribes to; each names what it changed, never the whole row. */
export type LiveEvent =
  | { type: "datanet.created"; datanetId: number; block: number }
  | { type: "contribution.submitted"; contributionId: number; datanetId: number; contributor: string; block: number }
  | { type: "contribution.reviewed"; contributionId: number; datanetId: number; contributor: string; accepted: boolean; block: number }
  | { type: "contribution.withdrawn"; contributionId: number; datanetId: number; by: string; block: number }
  | { type: "version.published"; datanetId: number; version: number; block: number }
  | { type: "model.registered"; modelId: number; block: number }
  | { type: "model.updated"; modelId: number; block: number }
  | { type: "inference.paid"; requestId: number; modelId: number; payer: string; block: number }
  | { type: "inference.settled"; requestId: number; modelId: number; price: string; block: number }
  | { type: "inference.refunded"; requestId: number; payer: string; block: number }
  | { type: "epoch.posted"; epoch: number; block: number }
  | { type: "epoch.changed"; epoch: number; status: "disputed" | "resolved" | "final"; block: number }
  | { type: "claim.paid"; account: string; amount: string; block: number }
  | { type: "operator.changed"; operator: string; block: number }
  | { type: "params.changed"; block: number }
  | { type: "proposal.created"; proposalId: string; block: number }
  | { type: "proposal.voted"; proposalId: string; voter: string; block: number }
  | { type: "proposal.updated"; proposalId: string; block: number }
  | { type: "votes.changed"; accounts: string[]; block: number }
  | { type: "indexer.rollback"; block: number };

const num = (v: unknown) => Number(v as string);
const addr = (v: unknown) => String(v).toLowerCase();
const ZERO = "0x0000000000000000000000000000000000000000";

/** Maps what the indexer applied to what the browser needs to know; null for internal events. */
export function toLiveEvent(e: IndexedEvent): LiveEvent | null {
  const a = e.args;
  const block = e.block;
  switch (e.name) {
    case "DatanetCreated":
      return { type: "datanet.created", datanetId: num(a.datanetId), block };
    case "ContributionSubmitted":
      return { type: "contribution.submitted", contributionId: num(a.contributionId), datanetId: num(a.datanetId), contributor: addr(a.contributor), block };
    case "ContributionReviewed":
      return {
        type: "contribution.reviewed",
        contributionId: num(a.contributionId),
        datanetId: num(a.datanetId),
        contributor: addr(a.contributor),
        accepted: Boolean(a.accepted),
        block,
      };
    case "ContributionWithdrawn":
      return { type: "contribution.withdrawn", contributionId: num(a.contributionId), datanetId: num(a.datanetId), by: addr(a.by), block };
    case "VersionPublished":
      return { type: "version.published", datanetId: num(a.datanetId), version: num(a.version), block };
    case "ModelRegistered":
      return { type: "model.registered", modelId: num(a.modelId), block };
    case "ModelPriceChanged":
    case "ModelActiveChanged":
      return { type: "model.updated", modelId: num(a.modelId), block };
    case "InferencePaid":
      return { type: "inference.paid", requestId: num(a.requestId), modelId: num(a.modelId), payer: addr(a.payer), block };
    case "InferenceSettled":
      return { type: "inference.settled", requestId: num(a.requestId), modelId: num(a.modelId), price: String(a.price), block };
    case "InferenceRefunded":
      return { type: "inference.refunded", requestId: num(a.requestId), payer: addr(a.payer), block };
    case "EpochPosted":
      return { type: "epoch.posted", epoch: num(a.epoch), block };
    case "EpochDisputed":
      return { type: "epoch.changed", epoch: num(a.epoch), status: "disputed", block };
    case "DisputeResolved":
      return { type: "epoch.changed", epoch: num(a.epoch), status: "resolved", block };
    case "EpochFinalized":
      return { type: "epoch.changed", epoch: num(a.epoch), status: "final", block };
    case "Claimed":
      return { type: "claim.paid", account: addr(a.account), amount: String(a.amount), block };
    case "Staked":
    case "UnstakeRequested":
    case "StakeWithdrawn":
    case "Slashed":
      return { type: "operator.changed", operator: addr(a.operator), block };
    case "FeesChanged":
    case "ParamsChanged":
      return { type: "params.changed", block };
    case "ProposalCreated":
      return { type: "proposal.created", proposalId: String(a.proposalId), block };
    case "VoteCast":
    case "VoteCastWithParams":
      return { type: "proposal.voted", proposalId: String(a.proposalId), voter: addr(a.voter), block };
    case "ProposalQueued":
    case "ProposalExecuted":
    case "ProposalCanceled":
      return { type: "proposal.updated", proposalId: String(a.proposalId), block };
    case "Transfer":
      // vOPEN (the only indexed token): wrapping, unwrapping and transfers move balances and the quorum's base.
      return { type: "votes.changed", accounts: [a.from, a.to].map(addr).filter((x) => x !== ZERO), block };
    case "DelegateChanged":
      return { type: "votes.changed", accounts: [addr(a.delegator)], block };
    case "DelegateVotesChanged":
      return { type: "votes.changed", accounts: [addr(a.delegate)], block };
    default:
      return null;
  }
}
