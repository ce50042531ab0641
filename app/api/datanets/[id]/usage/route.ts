import { datanetUsage } from "@/lib/api/endpoints";
import { notFound, route } from "@/lib/api/route";
import { datanetExists, datanetUsageSeries } from "@/lib/queries";

export const GET = route(datanetUsage, async ({ params, query }) => {
  const { bucket, from, to } = query;
  if (!(await datanetExists(params.id))) throw notFound(`Datanet ${params.id}`);
  const points = await datanetUsageSeries(params.id, { bucket, from, to });
  return {
    datanetId: params.id,
    bucket,
    from,
    to,
    inferences: points.reduce((s, p) => s + p.inferences, 0),
    contributorEarnings: points.reduce((s, p) => s + p.contributorEarnings, 0n),
    points,
  };
});
