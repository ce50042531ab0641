/**
 * Rate limits shared by every web instance: a token bucket per (limit, subject). On Postgres the buckets are
 * kept in the database and updated by one atomic upsert, so two instances (or a client alternating between
 * them) draw from the same budget. PGlite is embedded: one process alone can open its data directory, so that
 * process's memory is the whole shared state, and the buckets stay there (no statement per request).
 */
import { lt, sql } from "drizzle-orm";
import { isPglite, type Db } from "@/db/client";
import { rateLimits } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { singleton } from "@/lib/singleton";

export interface LimitRule {
  /** Stable name, the key's prefix (e.g. "paid-ip"). */
  name: string;
  /** `count` requests per `per`, refilled continuously. */
  count: number;
  per: "minute" | "hour";
  /** Bucket size (default count): how many requests may come at once after a quiet spell. */
  burst?: number;
  /** What the subject is, for the message ("address", "payer", "account"). */
  what: string;
}

const IDLE_MS = 10 * 60_000;
let calls = 0;

type Bucket = { tokens: number; at: number };
/** PGlite's buckets, per database (tests open several), process-wide (Next bundles this module more than once). */
const memory = singleton("rateLimitBuckets", () => new WeakMap<Db, Map<string, Bucket>>());

/** The PGlite bucket update: the same arithmetic as the upsert below, on a monotonic clock. */
function takeFromMemory(db: Db, key: string, burst: number, perSecond: number): { tokens: number; allowed: boolean } {
  let buckets = memory.get(db);
  if (!buckets) memory.set(db, (buckets = new Map()));
  const now = performance.now();
  const b = buckets.get(key);
  // A first call is allowed and leaves burst − 1, as the upsert's insert does.
  const refilled = b ? Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond) : burst;
  const allowed = !b || refilled >= 1;
  const tokens = !b ? burst - 1 : allowed ? refilled - 1 : refilled;
  buckets.set(key, { tokens, at: now });
  if (++calls % 1_000 === 0) for (const [k, v] of buckets) if (now - v.at > IDLE_MS) buckets.delete(k);
  return { tokens, allowed };
}

/** Takes one token for `subject`, or throws 429 `rate_limited` saying when to retry. */
export async function takeToken(db: Db, rule: LimitRule, subject: string): Promise<void> {
  const burst = rule.burst ?? rule.count;
  const perSecond = rule.count / (rule.per === "hour" ? 3_600 : 60);
  const key = `${rule.name}:${subject}`.slice(0, 300);
  const row = isPglite(db) ? takeFromMemory(db, key, burst, perSecond) : await takeFromDatabase(db, key, burst, perSecond);
  if (!row.allowed) {
    const wait = Math.max(1, Math.ceil((1 - row.tokens) / perSecond));
    throw new AppError("rate_limited", `Too many requests from this ${rule.what}: at most ${rule.count} per ${rule.per}. Retry in ${wait} s.`, { retryAfter: wait });
  }
}

async function takeFromDatabase(db: Db, key: string, burst: number, perSecond: number): Promise<{ tokens: number; allowed: boolean }> {
  // Tokens refilled since the last call, capped at the burst; one is taken when at least one is there.
  const refilled = sql`least(${burst}::float8, ${rateLimits.tokens} + extract(epoch from (clock_timestamp() - ${rateLimits.updatedAt})) * ${perSecond}::float8)`;
  const [row] = await db
    .insert(rateLimits)
    .values({ key, tokens: burst - 1, allowed: true, updatedAt: sql`clock_timestamp()` })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        tokens: sql`case when ${refilled} >= 1 then ${refilled} - 1 else ${refilled} end`,
        allowed: sql`${refilled} >= 1`,
        updatedAt: sql`clock_timestamp()`,
      },
    })
    .returning({ tokens: rateLimits.tokens, allowed: rateLimits.allowed });
  if (++calls % 1_000 === 0) void db.delete(rateLimits).where(lt(rateLimits.updatedAt, new Date(Date.now() - IDLE_MS))).catch(() => {});
  return row;
}
