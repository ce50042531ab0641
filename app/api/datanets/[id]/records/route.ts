import { datanetRecords } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { notFound } from "@/lib/errors";
import { datanetExists, pageRecords } from "@/lib/queries";

export const GET = route(datanetRecords, async ({ params, query }) => {
  if (!(await datanetExists(params.id))) throw notFound(`Datanet ${params.id}`);
  // An unknown version or a contribution of another Datanet is a RecordsNotFound (404), answered by route().
  return pageRecords(params.id, { ...query, contributionId: query.contribution });
});
