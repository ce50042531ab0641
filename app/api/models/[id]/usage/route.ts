import { modelUsage } from "@/lib/api/endpoints";
import { notFound, route } from "@/lib/api/route";
import { modelExists, modelUsageSeries } from "@/lib/queries";

export const GET = route(modelUsage, async ({ params, query }) => {
  const { bucket, from, to } = query;
  if (!(await modelExists(params.id))) throw notFound(`Model ${params.id}`);
  const points = await modelUsageSeries(params.id, { bucket, from, to });
  return {
    modelId: params.id,
    bucket,
    from,
    to,
    inferences: points.reduce((s, p) => s + p.inferences, 0),
    revenue: points.reduce((s, p) => s + p.revenue, 0n),
    points,
  };
});
