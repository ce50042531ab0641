import { accountClaim } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { getClaimStatus } from "@/lib/queries";

export const GET = route(accountClaim, ({ params }) => getClaimStatus(params.address));
