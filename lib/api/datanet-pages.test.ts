/**
 * The Datanet and model pages' data: the record viewer (search, filters, keyset pages, 4xx), the Datanet
 * usage series, models filtered by Datanet, the 7-day sparklines and the Datanet list's usage columns.
 * Route handlers are called directly against a real database — PGlite always, Postgres when
 * TEST_DATABASE_URL is set — with content stored through the real upload path (storeContent).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as datanetRecords from "@/app/api/datanets/[id]/records/route";
import * as datanetUsage from "@/app/api/datanets/[id]/usage/route";
import * as datanetsList from "@/app/api/datanets/route";
import * as modelsList from "@/app/api/models/route";
import { setDatabaseForTests, type Database } from "@/db/client";
import * as t from "@/db/schema";
import { openTestDatabase, testDatabaseKinds } from "@/db/testing";
import { parseRecords } from "@/lib/content/records";
import { storeContent } from "@/lib/content/store";
import { clearQueryCaches } from "@/lib/queries";
import * as q from "@/lib/queries";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Handler = (request: Request, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;

const E = 10n ** 18n;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2025, 4, 1);
const addr = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

async function call(handler: Handler, url: string, params: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  const res = await handler(new Request(`http://test${url}`), { params: Promise.resolve(params) });
  return { status: res.status, body: (await res.json()) as Json };
}
const records = (id: number, qs = "") => call(datanetRecords.GET as Handler, `/api/datanets/${id}/records${qs}`, { id: String(id) });
const usage = (id: number, qs = "") => call(datanetUsage.GET as Handler, `/api/datanets/${id}/usage${qs}`, { id: String(id) });

/** Every record of the filter, following nextCursor; each page but the last is full. */
async function walkRecords(id: number, qs: string, limit: number): Promise<Json[]> {
  const items: Json[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 200; pages++) {
    const { status, body } = await records(id, `?limit=${limit}${qs}${cursor ? `&cursor=${cursor}` : ""}`);
    expect(status, JSON.stringify(body)).toBe(200);
    if (body.nextCursor) expect(body.items).toHaveLength(limit);
    items.push(...body.items);
    cursor = body.nextCursor;
    if (!cursor) return items;
  }
  throw new Error("pagination does not end");
}

// Contents: A (markdown, 30 records, 3 mention zebras), B (jsonl, 15), C (pending, 5), D (rejected, 4 zebras).
const textA = Array.from({ length: 30 }, (_, i) => (i % 10 === 3 ? `Record ${i}: the Zebra grazes` : `Record ${i}: a quick brown fox`)).join("\n\n");
const textB = Array.from({ length: 15 }, (_, i) => JSON.stringify({ text: `line ${i}`, label: i % 2 ? "animal" : "plant" })).join("\n");
const textC = Array.from({ length: 5 }, (_, i) => `Pending paragraph ${i}`).join("\n\n");
const textD = Array.from({ length: 4 }, (_, i) => `Spam zebra ${i}`).join("\n\n");

for (const { kind, available } of testDatabaseKinds) {
  describe.skipIf(!available)(`Datanet and model pages on ${kind}`, () => {
    let database: Database;
    const hashes: Record<string, string> = {};

    beforeAll(async () => {
      database = await openTestDatabase(kind);
      setDatabaseForTests(database);
      clearQueryCaches();
      const db = database.db;
      for (const [k, body, filename] of [
        ["A", textA, "a.md"],
        ["B", textB, "b.jsonl"],
        ["C", textC, "c.txt"],
        ["D", textD, "d.txt"],
      ] as const) {
        hashes[k] = (await storeContent(db, { body: new TextEncoder().encode(body), filename })).hash;
      }
      const datanet = (id: number, name: string) => ({
        id, owner: addr(0xa0 + id), treasury: addr(0xb0 + id), metadataHash: hash(id), metadataUri: "x", name, bond: E, curated: true,
        createdBlock: id, createdTx: hash(100 + id), createdAt: new Date(T0 + id * HOUR),
      });
      await db.insert(t.datanets).values([datanet(1, "Zoo"), datanet(2, "Garden"), datanet(3, "Empty")]);
      const c = (id: number, datanetId: number, contentHash: string, records: number, status: "pending" | "accepted" | "rejected", acceptedSeq: number | null) => ({
        id, datanetId, contributor: addr(0x100 + id), contentHash, bytes: 100, records, bond: E, status, acceptedSeq,
        submittedBlock: 10 + id, submittedTx: hash(200 + id), submittedAt: new Date(T0 + DAY + id * HOUR),
      });
      await db.insert(t.contributions).values([
        c(1, 1, hashes.A, 30, "accepted", 1),
        c(2, 1, hashes.B, 15, "accepted", 2),
        c(3, 1, hashes.C, 5, "pending", null),
        c(4, 1, hashes.D, 4, "rejected", null),
        c(5, 1, hash(0xdead), 7, "accepted", 3), // content not stored on this server
        c(6, 2, hashes.A, 30, "accepted", 1),
      ]);
      const v = (datanetId: number, version: number, count: number) => ({
        datanetId, version, root: hash(300 + version), count, rootVerified: true, block: 40 + version, tx: hash(400 + version), publishedAt: new Date(T0 + 2 * DAY),
      });
      await db.insert(t.datanetVersions).values([v(1, 1, 1), v(1, 2, 3), v(2, 1, 1)]);
      const m = (id: number, name: string, price: bigint, k: "infinigram" | "knn") => ({
        id, builder: addr(0xc0), artifactHash: hash(500 + id), metadataHash: hash(600 + id), metadataUri: "x", name, kind: k, price, builderBps: 1000,
        inferenceCount: id * 3, createdBlock: 50 + id, createdTx: hash(700 + id), createdAt: new Date(T0 + (3 + id) * DAY),
      });
      await db.insert(t.models).values([m(1, "Zoo gram", 3n * E, "infinigram"), m(2, "Garden gram", E, "infinigram"), m(3, "Both knn", 2n * E, "knn")]);
      await db.insert(t.modelDatanets).values([
        { modelId: 1, datanetId: 1, version: 2 },
        { modelId: 2, datanetId: 2, version: 1 },
        { modelId: 3, datanetId: 1, version: 1 },
        { modelId: 3, datanetId: 2, version: 1 },
      ]);
    });

    afterAll(async () => {
      setDatabaseForTests(undefined);
      clearQueryCaches();
      await database?.close();
    });

    it("pages every record of the accepted and pending contributions exactly once, in contribution order", async () => {
      const expected = [
        ...parseRecords(textA, "markdown").records.map((text, index) => ({ contributionId: 1, index, text, status: "accepted", version: 1 })),
        ...parseRecords(textB, "jsonl").records.map((text, index) => ({ contributionId: 2, index, text, status: "accepted", version: 2 })),
        ...parseRecords(textC, "text").records.map((text, index) => ({ contributionId: 3, index, text, status: "pending", version: null })),
      ];
      const all = await walkRecords(1, "", 7);
      expect(all.map(({ contributionId, index, text, status, version }) => ({ contributionId, index, text, status, version }))).toEqual(expected);
      expect(all[0].contributor).toBe(addr(0x101));
      const first = (await records(1, "?limit=7")).body;
      expect(first.total).toBe(50);
      expect(first.unavailable).toBe(1); // contribution 5's content is not stored here
    });

    it("searches case-insensitively across pages, leaves out rejected content unless asked, and counts the matches", async () => {
      const hits = await walkRecords(1, "&q=ZEBRA", 2);
      expect(hits.map((h) => [h.contributionId, h.index])).toEqual([[1, 3], [1, 13], [1, 23]]);
      expect(hits.every((h) => h.text.toLowerCase().includes("zebra"))).toBe(true);
      expect((await records(1, "?q=zebra&limit=2")).body.total).toBe(3);
      const rejected = await walkRecords(1, "&q=zebra&status=rejected", 10);
      expect(rejected.map((h) => h.contributionId)).toEqual([4, 4, 4, 4]);
      // LIKE wildcards and regex characters are literal.
      expect((await records(1, "?q=%25")).body).toMatchObject({ items: [], total: 0, nextCursor: null });
      expect((await records(1, `?q=${encodeURIComponent('"label":"animal"')}`)).body.total).toBe(7);
    });

    it("filters by published version and by contribution", async () => {
      const v1 = await walkRecords(1, "&version=1", 50);
      expect(new Set(v1.map((r) => r.contributionId))).toEqual(new Set([1]));
      expect(v1).toHaveLength(30);
      const v2 = (await records(1, "?version=2&limit=100")).body;
      expect(new Set(v2.items.map((r: Json) => r.contributionId))).toEqual(new Set([1, 2]));
      expect(v2).toMatchObject({ total: 45, unavailable: 1 });
      const only2 = await walkRecords(1, "&contribution=2", 4);
      expect(only2.map((r) => r.index)).toEqual([...Array(15).keys()]);
      // The same content in another Datanet is that Datanet's record.
      expect((await records(2, "?q=zebra")).body.items.map((r: Json) => r.contributionId)).toEqual([6, 6, 6]);
      expect((await records(3)).body).toMatchObject({ items: [], total: 0, nextCursor: null, unavailable: 0 });
    });

    it("answers bad input with 400 and unknown things with 404, with a message", async () => {
      const foreign = (await call(modelsList.GET as Handler, "/api/models?limit=1")).body.nextCursor as string;
      const cases: [string, number][] = [
        ["?limit=0", 400],
        ["?limit=101", 400],
        ["?version=abc", 400],
        ["?version=0", 400],
        ["?contribution=-1", 400],
        ["?status=approved", 400],
        [`?q=${"x".repeat(101)}`, 400],
        ["?cursor=!!!", 400],
        [`?cursor=${foreign}`, 400],
        [`?cursor=${Buffer.from(JSON.stringify(["records:position", "x", 1])).toString("base64url")}`, 400],
        ["?version=9", 404],
        ["?contribution=6", 404],
        ["?contribution=999", 404],
      ];
      for (const [qs, status] of cases) {
        const res = await records(1, qs);
        expect([qs, res.status]).toEqual([qs, status]);
        expect(typeof res.body.error).toBe("string");
      }
      expect((await records(999)).status).toBe(404);
      expect((await call(datanetRecords.GET as Handler, "/api/datanets/abc/records", { id: "abc" })).status).toBe(404);
      expect((await usage(999)).status).toBe(404);
      expect((await usage(1, "?bucket=minute")).status).toBe(400);
      expect((await usage(1, "?from=2025-01-01&to=2025-03-01")).status).toBe(400);
    });

    it("serves a Datanet's usage series whose sums equal the rollup rows in the range, per hour and per day", async () => {
      const db = database.db;
      const rows = Array.from({ length: 60 }, (_, i) => ({
        datanetId: 1 + (i % 2),
        hour: new Date(T0 + 10 * DAY + i * 5 * HOUR),
        inferences: 1 + (i % 4),
        contributorEarnings: 2n ** 64n + BigInt(i),
      }));
      await db.insert(t.datanetUsageHourly).values(rows);
      const from = T0 + 11 * DAY;
      const to = T0 + 18 * DAY;
      const mine = rows.filter((r) => r.datanetId === 1 && r.hour.getTime() >= from && r.hour.getTime() < to);
      expect(mine.length).toBeGreaterThan(10);
      const fromIso = new Date(from).toISOString();
      const toIso = new Date(to).toISOString();
      for (const bucket of ["hour", "day"] as const) {
        const { status, body } = await usage(1, `?bucket=${bucket}&from=${fromIso}&to=${toIso}`);
        expect(status).toBe(200);
        expect(body.inferences).toBe(mine.reduce((s, r) => s + r.inferences, 0));
        expect(body.contributorEarnings).toBe(mine.reduce((s, r) => s + r.contributorEarnings, 0n).toString());
        expect(body.points.reduce((s: number, p: Json) => s + p.inferences, 0)).toBe(body.inferences);
        const size = bucket === "hour" ? HOUR : DAY;
        expect(body.points.map((p: Json) => p.t)).toEqual(
          [...new Set(mine.map((r) => Math.floor(r.hour.getTime() / size) * size))].sort((a, b) => a - b).map((ms) => new Date(ms).toISOString()),
        );
      }
      // The list's "most used" order and its usage and model columns read the same rollup.
      const list = await q.listDatanets({ sort: "used" });
      expect(list.map((d) => d.id)).toEqual([1, 2, 3].sort((a, b) => {
        const n = (id: number) => rows.filter((r) => r.datanetId === id).reduce((s, r) => s + r.inferences, 0);
        return n(b) - n(a) || b - a;
      }));
      const zoo = list.find((d) => d.id === 1)!;
      expect(zoo.models).toBe(2);
      expect(zoo.contributorEarnings).toBe(rows.filter((r) => r.datanetId === 1).reduce((s, r) => s + r.contributorEarnings, 0n));
      const page = await call(datanetsList.GET as Handler, "/api/datanets?sort=used&limit=2");
      expect(page.body.items.map((d: Json) => d.id)).toEqual(list.slice(0, 2).map((d) => d.id));
      const rest = await call(datanetsList.GET as Handler, `/api/datanets?sort=used&limit=2&cursor=${page.body.nextCursor}`);
      expect(rest.body.items.map((d: Json) => d.id)).toEqual(list.slice(2).map((d) => d.id));
    });

    it("filters models by the Datanet they were built from, in the list and the API, and sorts by price", async () => {
      expect((await q.listModels({ datanetId: 1 })).map((m) => m.id).sort()).toEqual([1, 3]);
      expect((await q.listModels({ datanetId: 2, kind: "knn" })).map((m) => m.id)).toEqual([3]);
      expect(await q.countModels({ datanetId: 2 })).toBe(2);
      expect(await q.countModels({ datanetId: 3 })).toBe(0);
      expect((await q.listModels({ sort: "price" })).map((m) => m.id)).toEqual([2, 3, 1]);
      const api = await call(modelsList.GET as Handler, "/api/models?datanet=2&sort=price");
      expect(api.status).toBe(200);
      expect(api.body.items.map((m: Json) => m.id)).toEqual([2, 3]);
      for (const m of api.body.items) expect(m.lineage.map((l: Json) => l.datanetId)).toContain(2);
      expect((await call(modelsList.GET as Handler, "/api/models?datanet=abc")).status).toBe(400);
    });

    it("gives each model its settled inferences per day over the last 7 days, zero-filled", async () => {
      const now = new Date(T0 + 30 * DAY + 5 * HOUR);
      const today = T0 + 30 * DAY;
      await database.db.insert(t.modelUsageHourly).values([
        { modelId: 1, hour: new Date(today + 2 * HOUR), inferences: 4, revenue: E },
        { modelId: 1, hour: new Date(today + 1 * HOUR), inferences: 1, revenue: E },
        { modelId: 1, hour: new Date(today - 6 * DAY), inferences: 2, revenue: E },
        { modelId: 1, hour: new Date(today - 7 * DAY), inferences: 50, revenue: E }, // 8 days ago: outside
        { modelId: 2, hour: new Date(today - 3 * DAY + 23 * HOUR), inferences: 9, revenue: E },
      ]);
      const lines = await q.modelUsageSparklines([1, 2, 3], now);
      expect(lines.get(1)).toEqual([2, 0, 0, 0, 0, 0, 5]);
      expect(lines.get(2)).toEqual([0, 0, 0, 9, 0, 0, 0]);
      expect(lines.get(3)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    });
  });
}
