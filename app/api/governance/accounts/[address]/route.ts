import { votingPowerGet } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { getVotingPower } from "@/lib/queries";

export const GET = route(votingPowerGet, ({ params }) => getVotingPower(params.address));
