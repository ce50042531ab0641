import { datanetUsage as datanetUsageEndpoint } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { notFound } from "@/lib/errors";
import { datanetExists, datanetUsage } from "@/lib/queries";

export const GET = route(datanetUsageEndpoint, async ({ params, query: { bucket, from, to } }) => {
  if (!(await datanetExists(params.id))) throw notFound(`Datanet ${params.id}`);
  return datanetUsage(params.id, { bucket, from, to });
});
