import { governanceParams } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { getGovernanceParams } from "@/lib/queries";

export const GET = route(governanceParams, () => getGovernanceParams());
