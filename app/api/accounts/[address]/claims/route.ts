import { accountClaims } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { pageClaims } from "@/lib/queries";

export const GET = route(accountClaims, ({ params, query }) => pageClaims(params.address, query));
