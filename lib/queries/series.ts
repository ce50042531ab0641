import { sql, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";

/** Chart buckets over the hourly rollups. Days are UTC days. */
export const BUCKETS = ["hour", "day"] as const;
export type Bucket = (typeof BUCKETS)[number];

export const BUCKET_MS: Record<Bucket, number> = { hour: 3_600_000, day: 86_400_000 };

/** The bucket an hourly rollup row falls in, as a timestamptz expression decoded to a Date. */
export function bucketOf(hour: PgColumn, bucket: Bucket): SQL<Date> {
  const expr = bucket === "hour" ? sql`${hour}` : sql`date_trunc('day', ${hour}, 'UTC')`;
  return expr.mapWith(hour) as SQL<Date>;
}

/** Start of the bucket containing `d` (UTC). */
export function floorTo(d: Date, bucket: Bucket): Date {
  return new Date(Math.floor(d.getTime() / BUCKET_MS[bucket]) * BUCKET_MS[bucket]);
}

/** Start of the first bucket at or after `d` (UTC). */
export function ceilTo(d: Date, bucket: Bucket): Date {
  return new Date(Math.ceil(d.getTime() / BUCKET_MS[bucket]) * BUCKET_MS[bucket]);
}
