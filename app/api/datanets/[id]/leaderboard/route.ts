import { datanetLeaderboard } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { notFound } from "@/lib/errors";
import { datanetExists, pageDatanetLeaderboard } from "@/lib/queries";

export const GET = route(datanetLeaderboard, async ({ params, query }) => {
  if (!(await datanetExists(params.id))) throw notFound(`Datanet ${params.id}`);
  return pageDatanetLeaderboard(params.id, query);
});
