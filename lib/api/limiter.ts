/**
 * Rate limits shared by every web instance: a token bucket per (limit, subject) kept in the database and
 * updated by one atomic upsert, so two instances (or a client alternating between them) draw from the
 * same budget. PGlite is one process; Postgres is shared: the same statement serves both.
 */
import { lt, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { rateLimits } from "@/db/schema";
import { AppError } from "@/lib/errors";

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

/** Takes one token for `subject`, or throws 429 `rate_limited` saying when to retry. */
export async function takeToken(db: Db, rule: LimitRule, subject: string): Promise<void> {
  const burst = rule.burst ?? rule.count;
  const perSecond = rule.count / (rule.per === "hour" ? 3_600 : 60);
  const key = `${rule.name}:${subject}`.slice(0, 300);
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
  if (!row.allowed) {
    const wait = Math.max(1, Math.ceil((1 - row.tokens) / perSecond));
    throw new AppError("rate_limited", `Too many requests from this ${rule.what}: at most ${rule.count} per ${rule.per}. Retry in ${wait} s.`, { retryAfter: wait });
  }
}
