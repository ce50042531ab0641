import { settledInferences } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { pageSettledInferences } from "@/lib/queries";

/** The inputs of every epoch root: settled inferences in chain order with what was served. */
export const GET = route(settledInferences, ({ query }) => pageSettledInferences(query));
