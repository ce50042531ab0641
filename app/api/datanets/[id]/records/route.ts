import { datanetRecords } from "@/lib/api/endpoints";
import { ApiError, notFound, route } from "@/lib/api/route";
import { datanetExists, pageRecords, RecordsNotFound } from "@/lib/queries";

export const GET = route(datanetRecords, async ({ params, query }) => {
  if (!(await datanetExists(params.id))) throw notFound(`Datanet ${params.id}`);
  try {
    return await pageRecords(params.id, { ...query, contributionId: query.contribution });
  } catch (err) {
    if (err instanceof RecordsNotFound) throw new ApiError(404, err.message);
    throw err;
  }
});
