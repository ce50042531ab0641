import { datanetLeaderboard } from "@/lib/api/endpoints";
import { notFound, route } from "@/lib/api/route";
import { datanetExists, pageDatanetLeaderboard } from "@/lib/queries";

export const GET = route(datanetLeaderboard, async ({ params, query }) => {
  if (!(await datanetExists(params.id))) throw notFound(`Datanet ${params.id}`);
  return pageDatanetLeaderboard(params.id, query);
});
