import { operatorsList } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { listOperators } from "@/lib/queries";

export const GET = route(operatorsList, ({ query }) => listOperators(query));
