/** Server side of the usage charts (reads the database). */
import { datanetUsage as datanetUsageEndpoint, modelUsage as modelUsageEndpoint } from "@/lib/api/endpoints";
import { datanetUsage, modelUsage } from "@/lib/queries";
import { usageRange, type DatanetUsageWire, type ModelUsageWire, type UsageBucket } from "./usage";

// Encoded exactly as the routes answer (initialData). The routes' schema also allows weekly buckets; these
// loaders only ask for the charts' own, so the bucket keeps the charts' type.

/** The first chart data of GET /api/datanets/{id}/usage. */
export async function loadDatanetUsage(id: number, bucket: UsageBucket = "hour"): Promise<DatanetUsageWire> {
  return { ...datanetUsageEndpoint.response.encode(await datanetUsage(id, { bucket, ...usageRange(bucket) })), bucket };
}

/** The first chart data of GET /api/models/{id}/usage. */
export async function loadModelUsage(id: number, bucket: UsageBucket = "hour"): Promise<ModelUsageWire> {
  return { ...modelUsageEndpoint.response.encode(await modelUsage(id, { bucket, ...usageRange(bucket) })), bucket };
}
