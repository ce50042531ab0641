import { settlementsFeed } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { pageSettlements } from "@/lib/queries";

export const GET = route(settlementsFeed, ({ query }) => pageSettlements(query));
