import { inferencesList } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { pageInferences } from "@/lib/queries";

export const GET = route(inferencesList, ({ query }) => pageInferences(query));
