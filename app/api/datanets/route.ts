import { datanetsList } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { pageDatanets } from "@/lib/queries";

export const GET = route(datanetsList, ({ query }) => pageDatanets(query));
