import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase } from "@/db/testing";
import { lockKey, tryLock } from "./exclusive";

describe("jobs that must run once", () => {
  it("have distinct lock keys", () => {
    expect(new Set([lockKey("epochs"), lockKey("builds"), lockKey("recovery")]).size).toBe(3);
  });

  it("in one process (PGlite): one holder at a time, free again once released", async () => {
    const first = await tryLock("builds", undefined);
    expect(first).not.toBeNull();
    expect(await tryLock("builds", undefined)).toBeNull();
    expect(await tryLock("epochs", undefined)).not.toBeNull();
    await first!();
    const again = await tryLock("builds", undefined);
    expect(again).not.toBeNull();
    await again!();
  });

  describe.skipIf(!process.env.TEST_DATABASE_URL)("across processes (Postgres advisory locks)", () => {
    let database: Awaited<ReturnType<typeof openTestDatabase>>;
    beforeAll(async () => {
      database = await openTestDatabase("postgres");
    });
    afterAll(() => database.close());

    it("one holder among concurrent takers, free again once released", async () => {
      const takers = await Promise.all(Array.from({ length: 8 }, () => tryLock("recovery", database.url)));
      const holders = takers.filter((t) => t !== null);
      expect(holders).toHaveLength(1);
      expect(await tryLock("recovery", database.url)).toBeNull();
      await holders[0]!();
      const next = await tryLock("recovery", database.url);
      expect(next).not.toBeNull();
      await next!();
    });
  });
});
