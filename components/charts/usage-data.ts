/** Server side of the usage charts (reads the database). */
import { datanetUsage, modelUsage } from "@/lib/api/endpoints";
import { datanetUsageSeries, modelUsageSeries } from "@/lib/queries";
import { usageRange, type DatanetUsageWire, type ModelUsageWire, type UsageBucket } from "./usage";

/** The first chart data, encoded exactly as GET /api/datanets/{id}/usage answers (initialData). */
export async function loadDatanetUsage(id: number, bucket: UsageBucket = "hour"): Promise<DatanetUsageWire> {
  const { from, to } = usageRange(bucket);
  const points = await datanetUsageSeries(id, { bucket, from, to });
  // The route's schema also allows weekly buckets; this loader only asks for the charts' own.
  return { ...datanetUsage.response.encode({
    datanetId: id,
    bucket,
    from,
    to,
    inferences: points.reduce((s, p) => s + p.inferences, 0),
    contributorEarnings: points.reduce((s, p) => s + p.contributorEarnings, 0n),
    points,
  }), bucket };
}

/** The first chart data, encoded exactly as GET /api/models/{id}/usage answers (initialData). */
export async function loadModelUsage(id: number, bucket: UsageBucket = "hour"): Promise<ModelUsageWire> {
  const { from, to } = usageRange(bucket);
  const points = await modelUsageSeries(id, { bucket, from, to });
  return { ...modelUsage.response.encode({
    modelId: id,
    bucket,
    from,
    to,
    inferences: points.reduce((s, p) => s + p.inferences, 0),
    revenue: points.reduce((s, p) => s + p.revenue, 0n),
    points,
  }), bucket };
}
