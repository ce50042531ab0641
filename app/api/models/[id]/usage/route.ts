import { modelUsage as modelUsageEndpoint } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { notFound } from "@/lib/errors";
import { modelExists, modelUsage } from "@/lib/queries";

export const GET = route(modelUsageEndpoint, async ({ params, query: { bucket, from, to } }) => {
  if (!(await modelExists(params.id))) throw notFound(`Model ${params.id}`);
  return modelUsage(params.id, { bucket, from, to });
});
