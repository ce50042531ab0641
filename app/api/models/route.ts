import { modelsList } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { pageModels } from "@/lib/queries";

export const GET = route(modelsList, ({ query }) => pageModels(query));
