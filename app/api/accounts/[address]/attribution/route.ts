import { accountAttribution } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { pageAttributionFeed } from "@/lib/queries";

export const GET = route(accountAttribution, ({ params, query }) => pageAttributionFeed(params.address, query));
