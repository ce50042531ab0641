import type { Metadata } from "next";
import { PageHeader } from "@/components/domain";
import { PROPOSALS_SHOWN } from "@/components/governance/constants";
import { GovernanceView } from "@/components/governance/governance-view";
import { governanceParams, proposalsList } from "@/lib/api/endpoints";
import { getGovernanceParams, listProposals } from "@/lib/queries";

export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: "Governance",
  description: "vOPEN holders decide fees, stakes, the challenge window, dispute bonds and dispute verdicts: proposals, votes, quorum, timelock.",
};

export default async function GovernancePage() {
  const [proposals, params] = await Promise.all([listProposals({ limit: PROPOSALS_SHOWN }), getGovernanceParams()]);
  return (
    <>
      <PageHeader
        title="Governance"
        description="Token holders own every parameter that decides who gets what: fee shares, the operators' minimum stake, the challenge window, the dispute bond, and the verdict on every disputed epoch root. Wrap OPEN into vOPEN to vote."
      />
      <div className="container-page py-8">
        {/* The client starts from exactly what the API routes answer (same codecs), then stays live. */}
        <GovernanceView initialProposals={proposalsList.response.encode(proposals)} initialParams={governanceParams.response.encode(params)} />
      </div>
    </>
  );
}
