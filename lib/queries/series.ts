import { sql, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";

/** Chart buckets over the hourly rollups. Days are UTC days; weeks are ISO weeks (Monday 00:00 UTC). */
export const BUCKETS = ["hour", "day", "week"] as const;
export type Bucket = (typeof BUCKETS)[number];

/**
 * Length of each bucket. UTC has no DST, so a week is always 7 days; but weeks do not start at the unix
 * epoch (a Thursday), so never floor a time to a week with this alone: use floorTo/ceilTo.
 */
export const BUCKET_MS: Record<Bucket, number> = { hour: 3_600_000, day: 86_400_000, week: 604_800_000 };

/** Where each bucket's grid starts: 1970-01-05T00:00Z is the first Monday after the epoch. */
const BUCKET_ORIGIN_MS: Record<Bucket, number> = { hour: 0, day: 0, week: 4 * 86_400_000 };

/** The bucket an hourly rollup row falls in, as a timestamptz expression decoded to a Date. */
export function bucketOf(hour: PgColumn, bucket: Bucket): SQL<Date> {
  // date_trunc('week', …) is the ISO week: it starts on Monday, like floorTo.
  const expr = bucket === "hour" ? sql`${hour}` : sql`date_trunc(${sql.raw(`'${bucket}'`)}, ${hour}, 'UTC')`;
  return expr.mapWith(hour) as SQL<Date>;
}

/** Start of the bucket containing `d` (UTC). */
export function floorTo(d: Date, bucket: Bucket): Date {
  const size = BUCKET_MS[bucket];
  const origin = BUCKET_ORIGIN_MS[bucket];
  return new Date(Math.floor((d.getTime() - origin) / size) * size + origin);
}

/** Start of the first bucket at or after `d` (UTC). */
export function ceilTo(d: Date, bucket: Bucket): Date {
  const size = BUCKET_MS[bucket];
  const origin = BUCKET_ORIGIN_MS[bucket];
  return new Date(Math.ceil((d.getTime() - origin) / size) * size + origin);
}

/** The buckets from `from` (inclusive) to `to` (exclusive), oldest first: for zero-filling a chart. */
export function bucketStarts(from: Date, to: Date, bucket: Bucket): Date[] {
  const out: Date[] = [];
  for (let t = floorTo(from, bucket).getTime(); t < to.getTime(); t += BUCKET_MS[bucket]) out.push(new Date(t));
  return out;
}
