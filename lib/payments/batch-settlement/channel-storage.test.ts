/**
 * PostgresChannelStorage against the ChannelStorage contract of @x402/evm 2.27 (the package's in-memory storage
 * is the reference): exact round trips, the three statuses, and atomicity across instances: on Postgres two
 * separate pools stand for two web instances.
 */
import { InMemoryChannelStorage, type Channel, type ChannelStorage } from "@x402/evm/batch-settlement/server";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "@/db/client";
import { paymentChannels, webInstances } from "@/db/schema";
import { beat, DEAD_AFTER_MS } from "@/lib/process/instance";
import { openTestDatabase, testDatabaseKinds } from "@/db/testing";
import { INVALID_CHANNEL_ID, PostgresChannelStorage } from "./channel-storage";

const id = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const UINT256_MAX = (2n ** 256n - 1n).toString();

/** A channel with only the required fields, in the package's field order. */
function minimal(channelId: string, charged = "0"): Channel {
  return {
    channelId,
    channelConfig: {
      payer: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      payerAuthorizer: "0x0000000000000000000000000000000000000000",
      receiver: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
      receiverAuthorizer: "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
      token: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      withdrawDelay: 900,
      salt: "0x00000000000000000000000000000000000000000000000000000000000000ab",
    },
    chargedCumulativeAmount: charged,
    signedMaxClaimable: charged,
    signature: `0x${"5a".repeat(65)}`,
    balance: "10000000000000000000",
    totalClaimed: "0",
    withdrawRequestedAt: 0,
    refundNonce: 0,
    lastRequestTimestamp: 1_700_000_000_123,
  };
}

/** Every field present, values at their edges, in the interface's field order (as onAfterVerify writes it). */
function full(channelId: string): Channel {
  const { channelConfig, signature } = minimal(channelId);
  return {
    channelId,
    channelConfig,
    chargedCumulativeAmount: UINT256_MAX,
    signedMaxClaimable: UINT256_MAX,
    signature,
    balance: UINT256_MAX,
    totalClaimed: "340282366920938463463374607431768211455",
    withdrawRequestedAt: 1_799_999_999,
    refundNonce: 7,
    onchainSyncedAt: 1_700_000_000_456,
    lastRequestTimestamp: Number.MAX_SAFE_INTEGER,
    pendingRequest: { pendingId: "p-7f3a", signedMaxClaimable: "12345678901234567890123", expiresAt: 1_700_000_300_456 },
  };
}

/** onAfterVerify's reservation, as the scheme writes it (SRV:1511-1547): busy if another request holds the channel. */
function reserve(storage: ChannelStorage, channelId: string, pendingId: string, now: number) {
  let outcome: { status: "busy"; holder: string } | { status: "reserved" } | undefined;
  return storage
    .updateChannel(channelId, (current) => {
      if (current?.pendingRequest && current.pendingRequest.expiresAt > now) {
        outcome = { status: "busy", holder: current.pendingRequest.pendingId };
        return current;
      }
      outcome = { status: "reserved" };
      const base = current ?? minimal(channelId);
      return { ...base, lastRequestTimestamp: now, pendingRequest: { pendingId, signedMaxClaimable: "1", expiresAt: now + 60_000 } };
    })
    .then((result) => ({ result, outcome: outcome! }));
}

/** One charge: create the channel at 1 or add 1 to what is there (the settle hook's read-modify-write). */
function charge(storage: ChannelStorage, channelId: string) {
  return storage.updateChannel(channelId, (current) => {
    if (!current) return minimal(channelId, "1");
    const next = (BigInt(current.chargedCumulativeAmount) + 1n).toString();
    return { ...current, chargedCumulativeAmount: next, signedMaxClaimable: next, pendingRequest: undefined };
  });
}

for (const { kind, available } of testDatabaseKinds) {
  describe.skipIf(!available)(`PostgresChannelStorage (${kind})`, () => {
    let database: Database & { url?: string };
    /** A second instance: on Postgres its own pool (another web server); on PGlite the one process. */
    let other: Database;
    let storage: PostgresChannelStorage;
    let storage2: PostgresChannelStorage;

    beforeAll(async () => {
      database = await openTestDatabase(kind);
      other = database.url ? await openDatabase({ url: database.url }) : database;
      storage = new PostgresChannelStorage(database.db);
      storage2 = new PostgresChannelStorage(other.db);
    });
    afterAll(async () => {
      if (other && other !== database) await other.close();
      await database?.close();
    });
    beforeEach(async () => {
      await database.db.delete(paymentChannels);
    });

    it("round-trips every Channel field exactly, required and optional, and lists by id", async () => {
      const a = full(id(2));
      const b = minimal(id(1));
      // The scheme writes cleared fields as `undefined` (pendingRequest: void 0): absent when read back, as JSON storages.
      const bWithUndefined = { ...b, onchainSyncedAt: undefined, pendingRequest: undefined };
      expect((await storage.updateChannel(a.channelId, () => a)).status).toBe("updated");
      expect((await storage.updateChannel(b.channelId, () => bWithUndefined)).status).toBe("updated");

      const gotA = await storage2.get(a.channelId);
      expect(gotA).toStrictEqual(a);
      expect(JSON.stringify(gotA)).toBe(JSON.stringify(a)); // same field order as the package's objects
      const gotB = (await storage2.get(b.channelId))!;
      expect(gotB).toStrictEqual(b);
      expect("pendingRequest" in gotB || "onchainSyncedAt" in gotB).toBe(false);
      expect(await storage2.list()).toStrictEqual([b, a]);

      // Amounts are verbatim text: a value the scheme would take from a payer's voucher as sent comes back as sent.
      const odd = { ...minimal(id(3)), signedMaxClaimable: "0x0100", totalClaimed: "007" };
      await storage.updateChannel(odd.channelId, () => odd);
      expect(await storage.get(odd.channelId)).toStrictEqual(odd);
      const [row] = rowsOf<{ t: string }>(await database.db.execute(sql`select pg_typeof(charged_cumulative_amount)::text as t from payment_channels limit 1`));
      expect(row.t).toBe("text");

      // The same answers as the package's own storage for the same writes (seen through JSON, as its file and
      // Redis storages keep them; its in-memory list is in insertion order, theirs and ours by id).
      const reference = new InMemoryChannelStorage();
      for (const c of [a, bWithUndefined, odd]) await reference.updateChannel(c.channelId, () => c);
      const listed = (await reference.list()).sort((x, y) => x.channelId.localeCompare(y.channelId));
      expect(JSON.parse(JSON.stringify(listed))).toStrictEqual(await storage.list());
    });

    it("keys are the lower-case channel id, as the package normalizes; a malformed id throws its error", async () => {
      const mixed = minimal(`0x${"Ab".repeat(32)}`);
      await storage.updateChannel(mixed.channelId, () => mixed);
      const lower = mixed.channelId.toLowerCase();
      expect(await storage.get(lower)).toStrictEqual(mixed); // channelId as the scheme wrote it
      expect(await storage.get(lower.toUpperCase().replace("0X", "0x"))).toStrictEqual(mixed);
      const rows = await database.db.select({ id: paymentChannels.channelId }).from(paymentChannels);
      expect(rows).toEqual([{ id: lower }]);
      await expect(storage.get("0x1234")).rejects.toThrow(INVALID_CHANNEL_ID);
      await expect(storage.updateChannel("abc", () => undefined)).rejects.toThrow(INVALID_CHANNEL_ID);
      // A channel written under another channel's key is a bug: refused, nothing stored.
      await expect(storage.updateChannel(id(9), () => minimal(id(8)))).rejects.toThrow(/stored under/);
      expect(await storage.get(id(9))).toBeUndefined();
    });

    it("statuses: unchanged (same object, or delete of nothing), updated, deleted; a throwing or malformed update writes nothing", async () => {
      const cid = id(5);
      expect(await storage.updateChannel(cid, (current) => current)).toEqual({ channel: undefined, status: "unchanged" });
      expect(await storage.updateChannel(cid, () => undefined)).toEqual({ channel: undefined, status: "unchanged" });
      expect(await storage.get(cid)).toBeUndefined();

      const created = minimal(cid, "10");
      const r1 = await storage.updateChannel(cid, (current) => (expect(current).toBeUndefined(), created));
      expect(r1.status).toBe("updated");
      expect(r1.channel).toBe(created); // the callback's object, as the package's storages return it

      const [{ updatedAt }] = await database.db.select({ updatedAt: paymentChannels.updatedAt }).from(paymentChannels);
      let seen: Channel | undefined;
      const r2 = await storage2.updateChannel(cid, (current) => (seen = current));
      expect(r2.status).toBe("unchanged");
      expect(r2.channel).toBe(seen);
      expect(seen).toStrictEqual(created);
      // Unchanged writes nothing (updated_at stays).
      const [after] = await database.db.select({ updatedAt: paymentChannels.updatedAt }).from(paymentChannels);
      expect(after.updatedAt).toEqual(updatedAt);

      const r3 = await storage2.updateChannel(cid, (current) => ({ ...current!, chargedCumulativeAmount: "11", pendingRequest: { pendingId: "x", signedMaxClaimable: "20", expiresAt: 5 } }));
      expect(r3.status).toBe("updated");
      expect(await storage.get(cid)).toStrictEqual({ ...created, chargedCumulativeAmount: "11", pendingRequest: { pendingId: "x", signedMaxClaimable: "20", expiresAt: 5 } });
      // Clearing the reservation as the settle hook does.
      await storage.updateChannel(cid, (current) => ({ ...current!, pendingRequest: undefined }));
      expect(await storage.get(cid)).toStrictEqual({ ...created, chargedCumulativeAmount: "11" });

      const before = await storage.get(cid);
      await expect(
        storage.updateChannel(cid, () => {
          throw new Error("callback failed");
        }),
      ).rejects.toThrow("callback failed");
      await expect(storage.updateChannel(cid, (c) => ({ ...c!, balance: 5 as unknown as string }))).rejects.toThrow(/balance must be a string/);
      await expect(storage.updateChannel(cid, (c) => ({ ...c!, refundNonce: 1.5 }))).rejects.toThrow(/refundNonce must be a safe integer/);
      await expect(storage.updateChannel(cid, (c) => ({ ...c!, newField: "x" }) as Channel)).rejects.toThrow(/unknown channel field "newField"/);
      await expect(
        storage.updateChannel(cid, (c) => ({ ...c!, pendingRequest: { pendingId: "y", signedMaxClaimable: "1", expiresAt: 1, extra: 1 } as never })),
      ).rejects.toThrow(/unknown pendingRequest field "extra"/);
      expect(await storage.get(cid)).toStrictEqual(before);

      const r4 = await storage2.updateChannel(cid, () => undefined);
      expect(r4).toEqual({ channel: undefined, status: "deleted" });
      expect(await storage.get(cid)).toBeUndefined();
      expect(await storage.list()).toEqual([]);
    });

    it("loses no update: 200 concurrent charges from two instances, racing to create the channel, end as one row charged 200", async () => {
      const cid = id(0xc0ffee);
      const calls = Array.from({ length: 200 }, (_, i) => charge(i % 2 ? storage2 : storage, cid));
      const results = await Promise.all(calls);
      expect(results.every((r) => r.status === "updated")).toBe(true);
      const charged = results.map((r) => BigInt(r.channel!.chargedCumulativeAmount)).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
      // Each call saw the one before it: the charges handed out are exactly 1..200.
      expect(charged).toEqual(Array.from({ length: 200 }, (_, i) => BigInt(i + 1)));
      expect((await storage.get(cid))!.chargedCumulativeAmount).toBe("200");
      expect(await database.db.$count(paymentChannels, eq(paymentChannels.channelId, cid))).toBe(1);
    });

    it("two instances racing to create the same channel: one inserts, the other sees its row", async () => {
      for (let round = 0; round < 20; round++) {
        const cid = id(0x1000 + round);
        const seen: (Channel | undefined)[] = [];
        const create = (s: ChannelStorage) =>
          s.updateChannel(cid, (current) => {
            seen.push(current);
            return current ?? minimal(cid, "5");
          });
        const [x, y] = await Promise.all([create(storage), create(storage2)]);
        expect([x.status, y.status].sort()).toEqual(["unchanged", "updated"]);
        expect(seen[0]).toBeUndefined();
        expect(seen[1]).toStrictEqual(minimal(cid, "5"));
      }
      expect(await storage.list()).toHaveLength(20);
    });

    it("one request at a time: two instances reserving the same channel, exactly one wins and the other sees its reservation", async () => {
      const now = Date.now();
      for (let round = 0; round < 20; round++) {
        const cid = id(0x2000 + round);
        if (round % 2) await storage.updateChannel(cid, () => minimal(cid)); // existing channel, and brand-new ones
        const [x, y] = await Promise.all([reserve(storage, cid, `a${round}`, now), reserve(storage2, cid, `b${round}`, now)]);
        const outcomes = [x.outcome, y.outcome];
        const winner = outcomes.findIndex((o) => o.status === "reserved");
        expect(outcomes.filter((o) => o.status === "reserved")).toHaveLength(1);
        const loser = outcomes[1 - winner];
        const winnerId = winner === 0 ? `a${round}` : `b${round}`;
        expect(loser).toEqual({ status: "busy", holder: winnerId });
        expect([x, y][1 - winner].result.status).toBe("unchanged");
        expect((await storage.get(cid))!.pendingRequest?.pendingId).toBe(winnerId);
      }
    });

    it("a reservation whose instance stopped beating (killed mid-request) is void at once; a beating instance's holds", async () => {
      const now = Date.now();
      const a = new PostgresChannelStorage(database.db, { instance: "instance-a" });
      const b = new PostgresChannelStorage(other.db, { instance: "instance-b" });
      await beat(database.db, "instance-a");
      await beat(other.db, "instance-b");
      const cid = id(0x3000);
      expect((await reserve(a, cid, "held-by-a", now)).outcome).toEqual({ status: "reserved" });
      // An update that keeps the reservation (a charge's read-modify-write) keeps its instance.
      await a.updateChannel(cid, (c) => ({ ...c!, balance: "20000000000000000000" }));
      const rowOf = async () => (await database.db.select().from(paymentChannels).where(eq(paymentChannels.channelId, cid)))[0];
      expect(await rowOf()).toMatchObject({ pendingId: "held-by-a", pendingInstance: "instance-a" });
      // a is alive: b must wait.
      expect((await reserve(b, cid, "b1", now)).outcome).toEqual({ status: "busy", holder: "held-by-a" });
      // a is killed: its last beat grows older than DEAD_AFTER_MS. Its reservation reads as absent and b serves the payer.
      await database.db
        .update(webInstances)
        .set({ heartbeatAt: new Date(Date.now() - DEAD_AFTER_MS - 1_000) })
        .where(eq(webInstances.id, "instance-a"));
      expect((await b.get(cid))!.pendingRequest).toBeUndefined();
      expect((await b.list()).find((c) => c.channelId === cid)!.pendingRequest).toBeUndefined();
      expect((await reserve(b, cid, "b2", now)).outcome).toEqual({ status: "reserved" });
      expect(await rowOf()).toMatchObject({ pendingId: "b2", pendingInstance: "instance-b" });
      // The channel's money fields are untouched by the takeover.
      expect((await b.get(cid))!.balance).toBe("20000000000000000000");
      // b's reservation holds against anyone while b beats, and an instance that never beat is dead.
      expect((await reserve(a, cid, "a2", now)).outcome).toEqual({ status: "busy", holder: "b2" });
      const ghost = new PostgresChannelStorage(database.db, { instance: "never-beat" });
      const cid2 = id(0x3001);
      await reserve(ghost, cid2, "ghost", now);
      expect((await reserve(b, cid2, "b3", now)).outcome).toEqual({ status: "reserved" });
    });
  });
}

function rowsOf<T>(result: unknown): T[] {
  // postgres-js answers an array of rows; PGlite an object with `rows`.
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;
}
