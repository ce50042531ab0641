import { datanetContributions } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { notFound } from "@/lib/errors";
import { datanetExists, pageContributions } from "@/lib/queries";

export const GET = route(datanetContributions, async ({ params, query }) => {
  if (!(await datanetExists(params.id))) throw notFound(`Datanet ${params.id}`);
  return pageContributions(params.id, query);
});
