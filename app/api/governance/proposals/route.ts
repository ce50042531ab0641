import { proposalsList } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { listProposals } from "@/lib/queries";

export const GET = route(proposalsList, ({ query }) => listProposals(query));
