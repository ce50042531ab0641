import { accountContributions } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { pageAccountContributions } from "@/lib/queries";

export const GET = route(accountContributions, ({ params, query }) => pageAccountContributions(params.address, query));
