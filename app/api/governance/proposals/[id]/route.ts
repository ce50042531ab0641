import { proposalGet } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { notFound } from "@/lib/errors";
import { getProposal } from "@/lib/queries";

export const GET = route(proposalGet, async ({ params }) => {
  const proposal = await getProposal(params.id);
  if (!proposal) throw notFound(`Proposal ${params.id}`);
  return proposal;
});
