import { createRequire } from "node:module";
import type { PGlite } from "@electric-sql/pglite";
import { PgliteDatabase } from "drizzle-orm/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPglite, openDatabase, schema, type Database, type Db } from "@/db/client";
import { openTestDatabase, testDatabaseKinds } from "@/db/testing";
import { rateLimits } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { takeToken } from "./limiter";

for (const { kind, available } of testDatabaseKinds) {
  describe.skipIf(!available)(`shared rate limits (${kind})`, () => {
    let database: Awaited<ReturnType<typeof openTestDatabase>>;
    let second: Database | null = null;
    beforeAll(async () => {
      database = await openTestDatabase(kind);
      // A second connection pool on the same Postgres database stands for a second web instance.
      if (kind === "postgres") second = await openDatabase({ url: database.url! });
    });
    afterAll(async () => {
      await second?.close();
      await database.close();
    });

    const refusals = async (n: number, take: () => Promise<void>) => {
      let refused = 0;
      for (let i = 0; i < n; i++) {
        try {
          await take();
        } catch (e) {
          expect(e).toBeInstanceOf(AppError);
          expect((e as AppError).status).toBe(429);
          expect((e as AppError).message).toMatch(/at most 3 per minute\. Retry in \d+ s\./);
          expect((e as AppError).details?.retryAfter).toBeGreaterThan(0);
          refused++;
        }
      }
      return refused;
    };

    it("allows the burst, then refuses until tokens refill", async () => {
      const rule = { name: "t-burst", count: 3, per: "minute" as const, what: "address" };
      expect(await refusals(10, () => takeToken(database.db, rule, "203.0.113.9"))).toBe(7);
      // Another subject has its own bucket.
      expect(await refusals(3, () => takeToken(database.db, rule, "203.0.113.10"))).toBe(0);
    });

    it("holds across instances and under concurrency: 50 parallel calls get exactly the burst", async () => {
      const rule = { name: "t-shared", count: 3, per: "minute" as const, what: "address" };
      const dbs = [database.db, (second ?? database).db];
      const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => takeToken(dbs[i % 2], rule, "198.51.100.7")));
      expect(results.filter((r) => r.status === "fulfilled").length).toBe(3);
      // Postgres: one shared row per bucket; PGlite (one process): the buckets are that process's, none in the table.
      const rows = await database.db.select().from(rateLimits);
      expect(rows.filter((r) => r.key === "t-shared:198.51.100.7")).toHaveLength(kind === "postgres" ? 1 : 0);
    });
  });
}

describe("rate limits on PGlite made by another copy of drizzle", () => {
  // Next bundles drizzle more than once; the CJS build stands in for a second copy here. Such a database is no
  // instance of this copy's PgliteDatabase, and its buckets must still stay in memory (no upsert per request).
  it("keeps the buckets in memory, not in the table", async () => {
    const database = await openTestDatabase("pglite");
    try {
      const otherCopy = createRequire(import.meta.url)("drizzle-orm/pglite") as typeof import("drizzle-orm/pglite");
      const db = otherCopy.drizzle((database.db as unknown as { $client: PGlite }).$client, { schema }) as unknown as Db;
      expect(db instanceof PgliteDatabase).toBe(false);
      expect(isPglite(db)).toBe(true);
      const rule = { name: "t-copy", count: 3, per: "minute" as const, what: "address" };
      for (let i = 0; i < 3; i++) await takeToken(db, rule, "192.0.2.1");
      await expect(takeToken(db, rule, "192.0.2.1")).rejects.toMatchObject({ status: 429 });
      expect(await db.select().from(rateLimits)).toHaveLength(0);
    } finally {
      await database.close();
    }
  });
});
