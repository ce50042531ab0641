import type { Metadata } from "next";
import { PageHeader } from "@/components/domain";
import { OPERATORS_SHOWN } from "@/components/governance/constants";
import { OperatorsView } from "@/components/operators/operators-view";
import { governanceParams, operatorsList } from "@/lib/api/endpoints";
import { getGovernanceParams, listOperators } from "@/lib/queries";

export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: "Operators",
  description: "Staked operators: what they stake, the requests they served, disputes against their epoch roots and slashes.",
};

export default async function OperatorsPage() {
  const [operators, params] = await Promise.all([listOperators({ limit: OPERATORS_SHOWN }), getGovernanceParams()]);
  return (
    <>
      <PageHeader
        title="Operators"
        description="Operators serve paid inferences, settle them on-chain and post the epoch roots contributors claim against. Each one stakes OPEN that a dispute upheld by governance slashes, and unstaking waits until nothing it posted can still be disputed."
      />
      <div className="container-page py-8">
        {/* The client starts from exactly what the API routes answer (same codecs), then stays live. */}
        <OperatorsView initialOperators={operatorsList.response.encode(operators)} initialParams={governanceParams.response.encode(params)} />
      </div>
    </>
  );
}
