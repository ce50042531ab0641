/**
 * Dashboard and home reads against a real database (PGlite, and Postgres with TEST_DATABASE_URL):
 * claim history pages, the streamed earnings CSV, ISO-week buckets and the 24-hour network stats.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseUnits } from "viem";
import * as claimsRoute from "@/app/api/accounts/[address]/claims/route";
import * as csvRoute from "@/app/api/accounts/[address]/earnings.csv/route";
import * as earningsRoute from "@/app/api/accounts/[address]/earnings/route";
import * as statsRoute from "@/app/api/stats/route";
import { setDatabaseForTests, type Database } from "@/db/client";
import * as t from "@/db/schema";
import { openTestDatabase, testDatabaseKinds } from "@/db/testing";
import * as settlementsRoute from "@/app/api/stats/settlements/route";
import { clearQueryCaches, earningsSeries, getRecentStats, pageClaims, pageSettlements } from "./index";
import { BUCKET_MS, bucketStarts, ceilTo, floorTo } from "./series";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BIG = 2n ** 70n; // beyond 2^53: a float anywhere on the way would show
const addr = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const focus = addr(0x1001);
const other = addr(0x1002);

type Handler = (request: Request, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;
async function call(mod: { GET: Handler }, url: string, params: Record<string, string> = {}): Promise<Response> {
  return mod.GET(new Request(`http://test${url}`), { params: Promise.resolve(params) });
}

/** RFC 4180 parser (quoted cells, doubled quotes, CRLF), independent of the writer under test. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += ch;
  }
  if (cell !== "" || row.length) rows.push([...row, cell]);
  return rows;
}

describe("ISO-week buckets (pure)", () => {
  it("Sunday 23:59 UTC is still the week that started Monday; Monday 00:00 UTC starts the next", () => {
    const sunday = new Date("2025-03-09T23:59:59.999Z"); // a Sunday
    const monday = new Date("2025-03-10T00:00:00.000Z");
    expect(floorTo(sunday, "week").toISOString()).toBe("2025-03-03T00:00:00.000Z");
    expect(floorTo(monday, "week").toISOString()).toBe("2025-03-10T00:00:00.000Z");
    expect(ceilTo(sunday, "week").toISOString()).toBe("2025-03-10T00:00:00.000Z");
    expect(ceilTo(monday, "week").toISOString()).toBe("2025-03-10T00:00:00.000Z");
    // A year boundary: 2026-01-01 is a Thursday, its ISO week starts Monday 2025-12-29.
    expect(floorTo(new Date("2026-01-01T12:00:00Z"), "week").toISOString()).toBe("2025-12-29T00:00:00.000Z");
    for (let d = Date.UTC(2024, 0, 1); d < Date.UTC(2026, 0, 1); d += 13 * HOUR + 7 * 60_000) {
      const w = floorTo(new Date(d), "week");
      expect(w.getUTCDay()).toBe(1);
      expect(w.getTime() % DAY).toBe(0);
      expect(d - w.getTime()).toBeGreaterThanOrEqual(0);
      expect(d - w.getTime()).toBeLessThan(BUCKET_MS.week);
    }
  });

  it("keeps hour and day buckets as before, and lists bucket starts for zero-filling", () => {
    const d = new Date("2025-03-09T23:59:59.999Z");
    expect(floorTo(d, "hour").toISOString()).toBe("2025-03-09T23:00:00.000Z");
    expect(floorTo(d, "day").toISOString()).toBe("2025-03-09T00:00:00.000Z");
    expect(ceilTo(d, "day").toISOString()).toBe("2025-03-10T00:00:00.000Z");
    expect(bucketStarts(new Date("2025-03-05T10:00:00Z"), new Date("2025-03-24T00:00:00Z"), "week").map((x) => x.toISOString())).toEqual([
      "2025-03-03T00:00:00.000Z",
      "2025-03-10T00:00:00.000Z",
      "2025-03-17T00:00:00.000Z",
    ]);
  });
});

for (const { kind, available } of testDatabaseKinds) {
  describe.skipIf(!available)(`dashboard reads on ${kind}`, () => {
    let database: Database;
    const now = Date.now();
    const nowHour = Math.floor(now / HOUR) * HOUR;
    const earningLedger: { amount: bigint }[] = [];

    beforeAll(async () => {
      database = await openTestDatabase(kind);
      setDatabaseForTests(database);
      clearQueryCaches();
      const db = database.db;
      await db.insert(t.datanets).values({
        id: 1, owner: addr(1), treasury: addr(2), metadataHash: hash(1), metadataUri: "x", name: 'Glosses, the "good" ones',
        bond: 1n, curated: true, createdBlock: 1, createdTx: hash(2), createdAt: new Date(now - 90 * DAY),
      });
      await db.insert(t.models).values({
        id: 1, builder: focus, artifactHash: hash(3), metadataHash: hash(4), metadataUri: "x", name: "Gloss ∞-gram, v2",
        kind: "infinigram", price: BIG, builderBps: 1000, createdBlock: 2, createdTx: hash(5), createdAt: new Date(now - 80 * DAY),
      });
      // 2,600 earning rows over every earning role (more than two CSV batches), same-timestamp ties included,
      // plus rows that are not earnings (claim, refund) and another account's rows: neither may appear.
      const ledger: (typeof t.ledgerEntries.$inferInsert)[] = [];
      const roles = ["contributor", "builder", "operator", "protocol"] as const;
      for (let i = 0; i < 2600; i++) {
        const role = roles[i % 4];
        const amount = BIG + BigInt(i) * 1_000_000_007n + (i % 7 === 0 ? 1n : 0n);
        const row = {
          id: `settle:${i}:${role}`,
          account: focus,
          role,
          amount,
          requestId: i + 1,
          modelId: 1,
          datanetId: role === "contributor" ? 1 : null,
          contributionId: role === "contributor" ? 100 + (i % 9) : null,
          block: 10 + i,
          tx: hash(0x9000 + i),
          at: new Date(now - 60 * DAY + Math.floor(i / 3) * 60_000),
        };
        ledger.push(row);
        earningLedger.push(row);
      }
      ledger.push({ id: "claim:1", account: focus, role: "claim", amount: BIG, block: 9999, tx: hash(0x8001), at: new Date(now - DAY) });
      ledger.push({ id: "refund:1", account: focus, role: "refund", amount: BIG, block: 9998, tx: hash(0x8002), at: new Date(now - DAY) });
      ledger.push({ id: "settle:x:builder", account: other, role: "builder", amount: BIG, requestId: 1, modelId: 1, block: 1, tx: hash(0x8003), at: new Date(now - DAY) });
      for (let i = 0; i < ledger.length; i += 500) await db.insert(t.ledgerEntries).values(ledger.slice(i, i + 500));

      // Claims: five of the focus account (two in one transaction, two at the same time), one of another.
      const claimedAt = (h: number) => new Date(now - h * HOUR);
      await db.insert(t.claims).values([
        { tx: hash(0x7001), logIndex: 0, account: focus, epoch: 1, amount: BIG, cumulativeAmount: BIG, block: 100, claimedAt: claimedAt(50) },
        { tx: hash(0x7002), logIndex: 1, account: focus, epoch: 2, amount: 5n, cumulativeAmount: BIG + 5n, block: 101, claimedAt: claimedAt(40) },
        { tx: hash(0x7002), logIndex: 4, account: focus, epoch: 2, amount: 6n, cumulativeAmount: BIG + 11n, block: 101, claimedAt: claimedAt(40) },
        { tx: hash(0x7003), logIndex: 0, account: focus, epoch: 3, amount: 2n * BIG, cumulativeAmount: 3n * BIG + 11n, block: 102, claimedAt: claimedAt(40) },
        { tx: hash(0x7004), logIndex: 0, account: focus, epoch: 4, amount: 7n, cumulativeAmount: 3n * BIG + 18n, block: 103, claimedAt: claimedAt(2) },
        { tx: hash(0x7005), logIndex: 0, account: other, epoch: 4, amount: 9n, cumulativeAmount: 9n, block: 104, claimedAt: claimedAt(1) },
      ]);

      // Hourly rollups around a week boundary: Sunday 23:00 and Monday 00:00 UTC.
      await db.insert(t.earningsHourly).values([
        { account: focus, hour: new Date("2025-03-09T23:00:00Z"), role: "contributor", datanetId: 1, modelId: 1, amount: BIG, inferences: 2 },
        { account: focus, hour: new Date("2025-03-03T00:00:00Z"), role: "builder", datanetId: 0, modelId: 1, amount: 3n, inferences: 1 },
        { account: focus, hour: new Date("2025-03-10T00:00:00Z"), role: "contributor", datanetId: 1, modelId: 1, amount: BIG + 1n, inferences: 3 },
      ]);

      // Settlements: three settled (two at the same time), one only paid.
      const inference = (requestId: number, status: "paid" | "settled", settledMinutesAgo: number | null) => ({
        requestId, modelId: 1, payer: addr(0xd1), requestHash: hash(0x6000 + requestId), price: BIG + BigInt(requestId), builder: focus,
        builderBps: 1000, viaAuthorization: false, status, paidBlock: requestId, paidTx: hash(0x6100 + requestId),
        paidAt: new Date(now - 3 * HOUR),
        ...(settledMinutesAgo === null ? {} : { settledAt: new Date(now - settledMinutesAgo * 60_000), settledTx: hash(0x6200 + requestId), contributorPool: BIG / 2n }),
      });
      await db.insert(t.inferences).values([inference(1, "settled", 30), inference(2, "settled", 10), inference(3, "settled", 10), inference(4, "paid", null)]);
      const credit = (requestId: number, contributionId: number, who: number, amount: bigint) => ({
        requestId, contributionId, datanetId: 1, contributor: addr(who), weightPpm: 1, amount, settledAt: new Date(now - HOUR),
      });
      await db.insert(t.attributionEntries).values([
        credit(1, 1, 0xa1, 5n), credit(1, 2, 0xa1, 5n), credit(1, 3, 0xa2, 5n), // two contributions of 0xa1: two accounts
        credit(2, 1, 0xa1, 5n), credit(2, 4, 0xa3, 0n), // a zero credit paid nobody
      ]);

      // Last 24 hours: the window is the 24 whole hours ending with the current one.
      const h = (ago: number) => new Date(nowHour - ago * HOUR);
      await db.insert(t.modelUsageHourly).values([
        { modelId: 1, hour: h(0), inferences: 2, revenue: BIG },
        { modelId: 1, hour: h(23), inferences: 3, revenue: 10n },
        { modelId: 1, hour: h(24), inferences: 100, revenue: BIG * 100n }, // older than the window
        { modelId: 1, hour: h(30), inferences: 100, revenue: BIG * 100n },
      ]);
      await db.insert(t.earningsHourly).values([
        { account: addr(0xa1), hour: h(0), role: "contributor", datanetId: 1, modelId: 1, amount: 1n, inferences: 1 },
        { account: addr(0xa1), hour: h(5), role: "contributor", datanetId: 1, modelId: 1, amount: 2n, inferences: 1 },
        { account: addr(0xa2), hour: h(23), role: "contributor", datanetId: 1, modelId: 1, amount: 4n, inferences: 1 },
        { account: addr(0xa3), hour: h(24), role: "contributor", datanetId: 1, modelId: 1, amount: 8n, inferences: 1 }, // too old
        { account: addr(0xa4), hour: h(2), role: "builder", datanetId: 0, modelId: 1, amount: 16n, inferences: 1 }, // not a contributor
      ]);
    });

    afterAll(async () => {
      setDatabaseForTests(undefined);
      clearQueryCaches();
      await database?.close();
    });

    it("pages an account's claims newest first, each exactly once, ties broken by block and log index", async () => {
      const seen: Awaited<ReturnType<typeof pageClaims>>["items"] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await pageClaims(focus.toUpperCase().replace("0X", "0x"), { limit: 2, cursor });
        seen.push(...page.items);
        if (!page.nextCursor) break;
        expect(page.items).toHaveLength(2);
        cursor = page.nextCursor;
      }
      expect(seen.map((c) => `${c.tx.slice(-4)}:${c.logIndex}`)).toEqual(["7004:0", "7003:0", "7002:4", "7002:1", "7001:0"]);
      expect(seen.map((c) => c.epoch)).toEqual([4, 3, 2, 2, 1]);
      expect(seen.reduce((s, c) => s + c.amount, 0n)).toBe(3n * BIG + 18n);
      expect(seen.every((c) => c.status === "confirmed")).toBe(true);
    });

    it("serves the claim history through GET /api/accounts/{address}/claims, and refuses bad input with 400", async () => {
      const res = await call(claimsRoute, `/api/accounts/${focus}/claims?limit=3`, { address: focus });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { items: { amount: string; tx: string; claimedAt: string; status: string }[]; nextCursor: string | null };
      expect(body.items).toHaveLength(3);
      expect(body.items[0]).toMatchObject({ amount: "7", tx: hash(0x7004), status: "confirmed", claimedAt: new Date(now - 2 * HOUR).toISOString() });
      expect(body.items[1].amount).toBe((2n * BIG).toString());
      const next = await call(claimsRoute, `/api/accounts/${focus}/claims?limit=3&cursor=${body.nextCursor}`, { address: focus });
      expect(((await next.json()) as { items: unknown[]; nextCursor: null }).items).toHaveLength(2);

      const none = await call(claimsRoute, `/api/accounts/${addr(0xdead)}/claims`, { address: addr(0xdead) });
      expect(await none.json()).toEqual({ items: [], nextCursor: null });
      expect((await call(claimsRoute, `/api/accounts/0x1234/claims`, { address: "0x1234" })).status).toBe(400);
      expect((await call(claimsRoute, `/api/accounts/${focus}/claims?cursor=bogus`, { address: focus })).status).toBe(400);
      expect((await call(claimsRoute, `/api/accounts/${focus}/claims?limit=0`, { address: focus })).status).toBe(400);
    });

    it("streams every earning of the account as CSV whose rows sum exactly to its total earnings", async () => {
      const res = await call(csvRoute, `/api/accounts/${focus}/earnings.csv`, { address: focus });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
      expect(res.headers.get("content-disposition")).toBe(`attachment; filename="ledgerline-earnings-${focus}.csv"`);
      expect(res.body).toBeInstanceOf(ReadableStream);
      const rows = parseCsv(await res.text());
      const [header, ...data] = rows;
      expect(header).toEqual(["time_utc", "role", "amount_open", "amount_wei", "model_id", "model_name", "datanet_id", "datanet_name", "contribution_id", "inference_id", "tx"]);
      expect(data).toHaveLength(earningLedger.length);
      const col = (name: string) => header.indexOf(name);
      let total = 0n;
      for (const r of data) {
        expect(r).toHaveLength(header.length);
        const wei = BigInt(r[col("amount_wei")]);
        // The OPEN column is the same amount, exactly, as a decimal.
        expect(parseUnits(r[col("amount_open")], 18)).toBe(wei);
        total += wei;
      }
      expect(total).toBe(earningLedger.reduce((s, r) => s + r.amount, 0n));
      expect(new Set(data.map((r) => r[col("role")]))).toEqual(new Set(["contributor", "builder", "operator", "protocol"]));
      // Oldest first, every inference once.
      const times = data.map((r) => Date.parse(r[col("time_utc")]));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(new Set(data.map((r) => r[col("inference_id")])).size).toBe(data.length);
      // Commas and quotes in names survive the round trip.
      const contributorRow = data.find((r) => r[col("role")] === "contributor")!;
      expect(contributorRow[col("datanet_name")]).toBe('Glosses, the "good" ones');
      expect(contributorRow[col("model_name")]).toBe("Gloss ∞-gram, v2");
      expect(data.find((r) => r[col("role")] === "builder")![col("datanet_name")]).toBe("");
    });

    it("answers the header row alone for an address without earnings, and 400 for a malformed one", async () => {
      const empty = await call(csvRoute, `/api/accounts/${addr(0xbeef)}/earnings.csv`, { address: addr(0xbeef) });
      expect(empty.status).toBe(200);
      expect(parseCsv(await empty.text())).toHaveLength(1);
      for (const bad of ["0x1234", "not-an-address", `0x${"g".repeat(40)}`]) {
        const res = await call(csvRoute, `/api/accounts/${bad}/earnings.csv`, { address: bad });
        expect(res.status, bad).toBe(400);
        expect(((await res.json()) as { error: string }).error).toMatch(/address/);
      }
    });

    it("buckets earnings by ISO week: Sunday 23:00 and Monday 00:00 UTC fall in different weeks", async () => {
      const from = new Date("2025-03-01T00:00:00Z");
      const to = new Date("2025-03-20T00:00:00Z");
      const [series] = await earningsSeries(focus, { bucket: "week", from: floorTo(from, "week"), to: ceilTo(to, "week") });
      expect(series.points.map((p) => [p.t.toISOString(), p.amount])).toEqual([
        ["2025-03-03T00:00:00.000Z", BIG + 3n],
        ["2025-03-10T00:00:00.000Z", BIG + 1n],
      ]);
      const res = await call(earningsRoute, `/api/accounts/${focus}/earnings?bucket=week&from=2025-03-05&to=2025-03-12&groupBy=role`, { address: focus });
      const body = (await res.json()) as { bucket: string; from: string; to: string; series: { key: string; points: { t: string; amount: string }[] }[] };
      expect(res.status).toBe(200);
      expect(body).toMatchObject({ bucket: "week", from: "2025-03-03T00:00:00.000Z", to: "2025-03-17T00:00:00.000Z" });
      const contributor = body.series.find((s) => s.key === "contributor")!;
      expect(contributor.points).toEqual([
        { t: "2025-03-03T00:00:00.000Z", amount: BIG.toString(), inferences: 2 },
        { t: "2025-03-10T00:00:00.000Z", amount: (BIG + 1n).toString(), inferences: 3 },
      ]);
    });

    it("lists settled inferences newest settlement first, with the distinct contributors each paid", async () => {
      const first = await pageSettlements({ limit: 2 });
      expect(first.items.map((i) => i.requestId)).toEqual([3, 2]);
      const rest = await pageSettlements({ limit: 2, cursor: first.nextCursor! });
      expect(rest.items.map((i) => i.requestId)).toEqual([1]);
      expect(rest.nextCursor).toBeNull();
      expect(first.items.map((i) => i.contributorsPaid)).toEqual([0, 1]);
      expect(rest.items[0]).toMatchObject({ contributorsPaid: 2, price: BIG + 1n, modelName: "Gloss ∞-gram, v2", settledTx: hash(0x6201) });
      const res = await call(settlementsRoute, "/api/stats/settlements?limit=1");
      const body = (await res.json()) as { items: { requestId: number; price: string; settledAt: string }[] };
      expect(body.items).toEqual([expect.objectContaining({ requestId: 3, price: (BIG + 3n).toString(), settledAt: new Date(now - 10 * 60_000).toISOString() })]);
    });

    it("counts the last 24 hours only: older rollup hours and non-contributor credits are left out", async () => {
      const stats = await getRecentStats(new Date(now));
      expect(stats.to.getTime()).toBe(nowHour + HOUR);
      expect(stats.from.getTime()).toBe(nowHour - 23 * HOUR);
      expect(stats.inferences).toBe(5);
      expect(stats.feesPaid).toBe(BIG + 10n);
      expect(stats.contributorEarnings).toBe(7n);
      // a1 earned in two hours, a2 once: two distinct accounts, not three credits.
      expect(stats.contributorsEarning).toBe(2);
      expect(stats.series).toHaveLength(24);
      expect(stats.series[23].inferences).toBe(2);
      expect(stats.series[0].inferences).toBe(3);

      const res = await call(statsRoute, "/api/stats");
      const body = (await res.json()) as { inferences: number; feesPaid: string; contributorsEarning: number };
      expect(body).toMatchObject({ inferences: 5, feesPaid: (BIG + 10n).toString(), contributorsEarning: 2 });
    });
  });
}
