/**
 * Wire shapes of the usage routes (derived from their specs: DatanetUsage, ModelUsage) and the range every
 * usage chart shows, shared by the server (first render) and the client (refetches) so both ask the
 * same question.
 */
import { apiGet, type SpecAt, type Wire } from "@/lib/api/client";

export type UsageBucket = "hour" | "day";

/** The routes also answer weekly buckets; the charts only ask for their own. */
type InChartBuckets<W> = Omit<W, "bucket"> & { bucket: UsageBucket };
export type DatanetUsageWire = InChartBuckets<Wire<SpecAt<"/api/datanets/{id}/usage">>>;
export type ModelUsageWire = InChartBuckets<Wire<SpecAt<"/api/models/{id}/usage">>>;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Hours: the last 48; days: the last 30 (both within the API's limits). */
export const USAGE_SPAN: Record<UsageBucket, { ms: number; label: string }> = {
  hour: { ms: 48 * HOUR, label: "last 48 hours" },
  day: { ms: 30 * DAY, label: "last 30 days" },
};

/** [from, to) in whole buckets, ending with the current bucket. */
export function usageRange(bucket: UsageBucket, now: number = Date.now()): { from: Date; to: Date } {
  const size = bucket === "hour" ? HOUR : DAY;
  const to = Math.ceil((now + 1) / size) * size;
  return { from: new Date(to - USAGE_SPAN[bucket].ms), to: new Date(to) };
}

/** The range a chart of `bucket` shows, as the usage routes' query. */
function usageQuery(bucket: UsageBucket, now: number) {
  const { from, to } = usageRange(bucket, now);
  return { bucket, from: from.toISOString(), to: to.toISOString() };
}

export async function fetchDatanetUsage(id: number, bucket: UsageBucket, now: number = Date.now()): Promise<DatanetUsageWire> {
  return (await apiGet("/api/datanets/{id}/usage", { params: { id }, query: usageQuery(bucket, now) })) as DatanetUsageWire;
}

export async function fetchModelUsage(id: number, bucket: UsageBucket, now: number = Date.now()): Promise<ModelUsageWire> {
  return (await apiGet("/api/models/{id}/usage", { params: { id }, query: usageQuery(bucket, now) })) as ModelUsageWire;
}

/** One row per bucket in [from, to), zero where the API omitted the bucket. */
export function zeroFilled<P extends { t: string }>(
  wire: { bucket: UsageBucket; from: string; to: string; points: P[] },
  zero: Omit<P, "t">,
): P[] {
  const size = wire.bucket === "hour" ? HOUR : DAY;
  const byT = new Map(wire.points.map((p) => [new Date(p.t).getTime(), p]));
  const rows: P[] = [];
  for (let t = new Date(wire.from).getTime(); t < new Date(wire.to).getTime(); t += size) {
    rows.push(byT.get(t) ?? ({ ...zero, t: new Date(t).toISOString() } as P));
  }
  return rows;
}
