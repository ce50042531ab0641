/**
 * PgliteChannelStorage: reservations in memory, everything else written through in one transaction with the write
 * hook; what the database holds is the last charged state, so a restart (a new storage) drops only reservations.
 */
import type { Channel } from "@x402/evm/batch-settlement/server";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { paymentChannels } from "@/db/schema";
import { openTestDatabase } from "@/db/testing";
import { PostgresChannelStorage, type ChannelWriteHook } from "./channel-storage";
import { PgliteChannelStorage } from "./pglite-channel-storage";

const id = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

function channel(channelId: string, charged: string): Channel {
  return {
    channelId,
    channelConfig: {
      payer: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      payerAuthorizer: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      receiver: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
      receiverAuthorizer: "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
      token: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      withdrawDelay: 900,
      salt: `0x${"ab".repeat(32)}`,
    },
    chargedCumulativeAmount: charged,
    signedMaxClaimable: charged,
    signature: `0x${"5a".repeat(65)}`,
    balance: "1000",
    totalClaimed: "0",
    withdrawRequestedAt: 0,
    refundNonce: 0,
    onchainSyncedAt: 1_700_000_000_000,
    lastRequestTimestamp: 1_700_000_000_123,
  };
}

/** The scheme's reservation on a voucher (new voucher, new time, durable fields as they were); busy if held. */
const reserve = (s: PgliteChannelStorage, cid: string, pendingId: string, overrides: Partial<Channel> = {}) => {
  let won = false;
  return s
    .updateChannel(cid, (current) => {
      if (current?.pendingRequest) return current;
      won = true;
      const base = current ?? channel(cid, "0");
      const signed = (BigInt(base.chargedCumulativeAmount) + 10n).toString();
      return { ...base, signedMaxClaimable: signed, signature: `0x${"77".repeat(65)}`, lastRequestTimestamp: Date.now(), ...overrides, pendingRequest: { pendingId, signedMaxClaimable: signed, expiresAt: Date.now() + 60_000 } };
    })
    .then((result) => ({ result, won }));
};

/** The scheme's settle: charge 10 and release the reservation `pendingId` holds. */
const settle = (s: PgliteChannelStorage, cid: string, pendingId: string) =>
  s.updateChannel(cid, (current) => {
    if (current?.pendingRequest?.pendingId !== pendingId) return current;
    return { ...current, chargedCumulativeAmount: current.pendingRequest.signedMaxClaimable, signedMaxClaimable: current.pendingRequest.signedMaxClaimable, pendingRequest: undefined };
  });

describe("PgliteChannelStorage", () => {
  let database: Database;
  const writes: { before?: Channel; after?: Channel }[] = [];
  let failWrite = false;
  const hook: ChannelWriteHook = async (_tx, before, after) => {
    writes.push({ before, after });
    if (failWrite) throw new Error("hook refused");
  };
  const stored = (cid: string) => new PostgresChannelStorage(database.db).get(cid);

  beforeAll(async () => {
    database = await openTestDatabase("pglite");
  });
  afterAll(async () => {
    await database?.close();
  });
  beforeEach(async () => {
    await database.db.delete(paymentChannels);
    writes.length = 0;
    failWrite = false;
  });

  it("makes a reservation on a stored channel in memory only; the charge that releases it is written with the hook", async () => {
    const s = new PgliteChannelStorage(database.db, { onWrite: hook });
    const cid = id(1);
    await s.updateChannel(cid, () => channel(cid, "0"));
    expect(writes).toHaveLength(1);
    const r = await reserve(s, cid, "p1");
    expect(r.result.status).toBe("updated");
    expect((await s.get(cid))!.pendingRequest?.pendingId).toBe("p1");
    expect((await stored(cid))!.pendingRequest).toBeUndefined();
    expect(writes).toHaveLength(1);
    // Held: a second request of the channel is refused while the first is served.
    expect((await reserve(s, cid, "p2")).won).toBe(false);
    const charged = await settle(s, cid, "p1");
    expect(charged.channel!.chargedCumulativeAmount).toBe("10");
    expect(writes).toHaveLength(2);
    // The hook sees the reservation being released (what recordChargeOnWrite keys the charge on).
    expect(writes[1].before!.pendingRequest?.pendingId).toBe("p1");
    expect(writes[1].after!.pendingRequest).toBeUndefined();
    expect(await stored(cid)).toEqual(await s.get(cid));
    expect((await stored(cid))!.signature).toBe(`0x${"77".repeat(65)}`);
  });

  it("writes a reservation that changes anything durable (a new channel, fresh on-chain state)", async () => {
    const s = new PgliteChannelStorage(database.db, { onWrite: hook });
    const cid = id(2);
    await reserve(s, cid, "p1");
    expect((await stored(cid))!.pendingRequest?.pendingId).toBe("p1");
    await settle(s, cid, "p1");
    await reserve(s, cid, "p2", { balance: "2000", onchainSyncedAt: 1_700_000_100_000 });
    expect(await stored(cid)).toMatchObject({ balance: "2000", pendingRequest: { pendingId: "p2" } });
  });

  it("a refused write changes nothing, in the database or in memory", async () => {
    const s = new PgliteChannelStorage(database.db, { onWrite: hook });
    const cid = id(3);
    await s.updateChannel(cid, () => channel(cid, "0"));
    await reserve(s, cid, "p1");
    failWrite = true;
    await expect(settle(s, cid, "p1")).rejects.toThrow("hook refused");
    expect((await s.get(cid))!.chargedCumulativeAmount).toBe("0");
    expect((await s.get(cid))!.pendingRequest?.pendingId).toBe("p1");
    expect((await stored(cid))!.chargedCumulativeAmount).toBe("0");
  });

  it("a restart keeps every charge and drops the reservations (lost with the process)", async () => {
    const s = new PgliteChannelStorage(database.db, { onWrite: hook });
    const cid = id(4);
    await s.updateChannel(cid, () => channel(cid, "0"));
    await reserve(s, cid, "p1");
    await settle(s, cid, "p1");
    await reserve(s, cid, "p2");
    const restarted = new PgliteChannelStorage(database.db, { onWrite: hook });
    const after = await restarted.get(cid);
    expect(after!.chargedCumulativeAmount).toBe("10");
    expect(after!.pendingRequest).toBeUndefined();
    expect((await reserve(restarted, cid, "p3")).won).toBe(true);
  });

  it("one request at a time and no lost charge under concurrency", async () => {
    const s = new PgliteChannelStorage(database.db, { onWrite: hook });
    const cid = id(5);
    await s.updateChannel(cid, () => channel(cid, "0"));
    for (let round = 0; round < 50; round++) {
      const tries = await Promise.all(Array.from({ length: 8 }, (_, i) => reserve(s, cid, `r${round}-${i}`)));
      const winners = tries.flatMap((t, i) => (t.won ? [i] : []));
      expect(winners).toHaveLength(1);
      await settle(s, cid, `r${round}-${winners[0]}`);
    }
    expect((await stored(cid))!.chargedCumulativeAmount).toBe("500");
    expect((await s.list()).map((c) => c.chargedCumulativeAmount)).toEqual(["500"]);
  });

  it("hands out copies: a caller mutating what it got changes nothing stored", async () => {
    const s = new PgliteChannelStorage(database.db, { onWrite: hook });
    const cid = id(6);
    await s.updateChannel(cid, () => channel(cid, "0"));
    const got = (await s.get(cid))!;
    got.chargedCumulativeAmount = "999";
    got.channelConfig.payer = "0x0000000000000000000000000000000000000001";
    expect(await s.get(cid)).toEqual(channel(cid, "0"));
    expect((await s.updateChannel(cid, (c) => c)).status).toBe("unchanged");
  });

  it("keeps at most maxKnown channels in memory, but never forgets a live reservation", async () => {
    const s = new PgliteChannelStorage(database.db, { onWrite: hook, maxKnown: 3 });
    const held = id(20);
    await s.updateChannel(held, () => channel(held, "0"));
    expect((await reserve(s, held, "h1")).won).toBe(true);
    for (let n = 21; n < 30; n++) {
      const cid = id(n);
      await s.updateChannel(cid, () => channel(cid, "0"));
      await reserve(s, cid, `p${n}`);
      await settle(s, cid, `p${n}`);
    }
    expect(s.knownCount).toBeLessThanOrEqual(3);
    // The reservation is still there: a second request of that channel is refused; its holder settles it.
    expect((await reserve(s, held, "h2")).won).toBe(false);
    expect((await settle(s, held, "h1")).channel!.chargedCumulativeAmount).toBe("10");
    // A forgotten channel is read back from the database as it was charged.
    expect((await s.get(id(21)))!.chargedCumulativeAmount).toBe("10");
    expect((await s.list()).map((c) => c.chargedCumulativeAmount)).toEqual(Array(10).fill("10"));
  });
});
