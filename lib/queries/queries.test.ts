import { beforeAll, describe, expect, it } from "vitest";

// An in-memory PGlite for this file (getDb() reads PGLITE_DIR on first use).
process.env.PGLITE_DIR = "memory://";
delete process.env.DATABASE_URL;

const E = 10n ** 18n;
const addr = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const at = (h: number) => new Date(Date.UTC(2025, 0, 1, h));

type Queries = typeof import("./index");
let q: Queries;

beforeAll(async () => {
  const { getDb } = await import("@/db/client");
  const s = await import("@/db/schema");
  q = await import("./index");
  const db = await getDb();
  const datanet = (id: number, name: string, tags: string[], hours: number) => ({
    id,
    owner: addr(0xa0 + id),
    treasury: addr(0xb0 + id),
    metadataHash: hash(id),
    metadataUri: "ledgerline:content/x",
    name,
    summary: `${name} summary`,
    tags,
    bond: E / 2n,
    curated: id !== 3,
    createdBlock: id,
    createdTx: hash(100 + id),
    createdAt: at(hours),
  });
  await db.insert(s.datanets).values([
    datanet(1, "WordNet Glosses", ["english", "dictionary"], 1),
    datanet(2, "Sentiment 100%_done", ["english", "classification"], 2),
    datanet(3, "Solidity Patterns", ["code"], 3),
  ]);
  const c = (id: number, datanetId: number, who: number, records: number, status: "pending" | "accepted" | "rejected") => ({
    id,
    datanetId,
    contributor: addr(who),
    contentHash: hash(1000 + id),
    bytes: 100 * id,
    records,
    bond: E / 2n,
    status,
    submittedBlock: 10 + id,
    submittedTx: hash(2000 + id),
    submittedAt: at(10 + id),
  });
  await db.insert(s.contributions).values([
    c(1, 1, 0x101, 10, "accepted"),
    c(2, 1, 0x102, 30, "accepted"),
    c(3, 1, 0x102, 5, "rejected"),
    c(4, 1, 0x103, 7, "pending"),
    c(5, 2, 0x101, 100, "accepted"),
  ]);
  await db.insert(s.datanetVersions).values({
    datanetId: 1, version: 1, root: hash(3001), count: 2, rootVerified: true, block: 30, tx: hash(3002), publishedAt: at(20),
  });
  await db.insert(s.models).values({
    id: 1, builder: addr(0xc1), artifactHash: hash(5001), metadataHash: hash(5002), metadataUri: "x", name: "Gloss ∞-gram",
    kind: "infinigram", price: E / 100n, builderBps: 1500, inferenceCount: 2, revenue: E / 50n, createdBlock: 40,
    createdTx: hash(5003), createdAt: at(21),
  });
  await db.insert(s.modelDatanets).values({ modelId: 1, datanetId: 1, version: 1 });
  const big = 2n ** 70n; // amounts beyond 2^53 must survive the round trip exactly
  await db.insert(s.inferences).values([
    { requestId: 1, modelId: 1, payer: addr(0xd1), requestHash: hash(6001), price: big, builder: addr(0xc1), builderBps: 1500,
      viaAuthorization: false, status: "settled", paidBlock: 50, paidTx: hash(6101), paidAt: at(22), contributorPool: big - 3n, settledAt: at(22) },
    { requestId: 2, modelId: 1, payer: addr(0xd2), requestHash: hash(6002), price: E / 100n, builder: addr(0xc1), builderBps: 1500,
      viaAuthorization: true, status: "paid", paidBlock: 51, paidTx: hash(6102), paidAt: at(23) },
  ]);
  await db.insert(s.attributionEntries).values([
    // Checksummed vs lower-case forms of the same address must merge on the leaderboard.
    { requestId: 1, contributionId: 1, datanetId: 1, contributor: addr(0x101).toUpperCase().replace("0X", "0x"), weightPpm: 250_000, amount: big / 4n, settledAt: at(22) },
    { requestId: 1, contributionId: 2, datanetId: 1, contributor: addr(0x102), weightPpm: 750_000, amount: big - big / 4n - 3n, settledAt: at(22) },
  ]);
});

describe("listDatanets", () => {
  it("sorts newest first by default and by contributors or records on request", async () => {
    expect((await q.listDatanets()).map((d) => d.id)).toEqual([3, 2, 1]);
    const byContributors = await q.listDatanets({ sort: "contributors" });
    expect(byContributors.map((d) => [d.id, d.contributors])).toEqual([[1, 3], [2, 1], [3, 0]]);
    const byRecords = await q.listDatanets({ sort: "records" });
    expect(byRecords.map((d) => [d.id, d.acceptedRecords])).toEqual([[2, 100], [1, 40], [3, 0]]);
    expect(byRecords[0].bond).toBe(E / 2n);
  });

  it("searches text (LIKE wildcards are literal) and filters by tag", async () => {
    expect((await q.listDatanets({ q: "wordnet" })).map((d) => d.id)).toEqual([1]);
    expect((await q.listDatanets({ q: "100%_" })).map((d) => d.id)).toEqual([2]);
    expect(await q.listDatanets({ q: "S%Patterns" })).toHaveLength(0); // a wildcard would match "Solidity Patterns"
    expect((await q.listDatanets({ tag: "English" })).map((d) => d.id).sort()).toEqual([1, 2]);
    expect(await q.countDatanets({ tag: "english", q: "gloss" })).toBe(1);
    expect(await q.listDatanetTags()).toEqual([
      { tag: "english", count: 2 },
      { tag: "classification", count: 1 },
      { tag: "code", count: 1 },
      { tag: "dictionary", count: 1 },
    ]);
  });
});

describe("getDatanet", () => {
  it("returns versions, contributions, leaderboard with exact earnings, and models", async () => {
    const d = (await q.getDatanet(1))!;
    expect(d.datanet.name).toBe("WordNet Glosses");
    expect(d.versions).toEqual([expect.objectContaining({ version: 1, count: 2, rootVerified: true })]);
    expect(d.contributions.map((c) => c.id)).toEqual([4, 3, 2, 1]);
    expect(d.statusCounts).toEqual({ pending: 1, accepted: 2, rejected: 1 });
    expect(d.contributors).toBe(3);
    expect(d.acceptedRecords).toBe(40);
    const big = 2n ** 70n;
    expect(d.totalEarned).toBe(big - 3n);
    expect(d.leaderboard.map((e) => [e.contributor.toLowerCase(), e.accepted, e.acceptedRecords, e.earned])).toEqual([
      [addr(0x102), 1, 30, big - big / 4n - 3n],
      [addr(0x101), 1, 10, big / 4n],
      [addr(0x103), 0, 0, 0n],
    ]);
    // The page's board and the API's are one ranking.
    const api = await q.pageDatanetLeaderboard(1, { limit: 25 });
    expect(d.leaderboard.map((e) => e.contributor.toLowerCase())).toEqual(api.items.map((e) => e.contributor.toLowerCase()));
    expect(d.models).toEqual([expect.objectContaining({ id: 1, version: 1, kind: "infinigram" })]);
    expect(await q.getDatanet(99)).toBeNull();
    expect(await q.datanetExists(1)).toBe(true);
    expect(await q.datanetExists(99)).toBe(false);
  });
});

describe("leaderboardOrder", () => {
  it("ranks by earnings before accepted records (what the Datanet page says it does)", () => {
    const rows = [
      { contributor: addr(0x1), earned: 5n, acceptedRecords: 900 },
      { contributor: addr(0x2), earned: 7n, acceptedRecords: 1 },
      { contributor: addr(0x3), earned: 5n, acceptedRecords: 901 },
      { contributor: addr(0x4).toUpperCase().replace("0X", "0x"), earned: 0n, acceptedRecords: 0 },
      { contributor: addr(0x5), earned: 0n, acceptedRecords: 0 },
    ];
    expect([...rows].sort(q.leaderboardOrder).map((r) => r.contributor.toLowerCase())).toEqual([addr(0x2), addr(0x3), addr(0x1), addr(0x5), addr(0x4)].map((a) => a.toLowerCase()));
  });
});

describe("models and stats", () => {
  it("lists models with lineage and details with recent inferences", async () => {
    const [m] = await q.listModels();
    expect(m.lineage).toEqual([{ datanetId: 1, datanetName: "WordNet Glosses", version: 1 }]);
    expect(await q.listModels({ kind: "knn" })).toHaveLength(0);
    const detail = (await q.getModel(1))!;
    expect(detail.lineage[0]).toMatchObject({ datanetId: 1, version: 1, root: hash(3001), count: 2 });
    expect(detail.recentInferences.map((r) => [r.requestId, r.status])).toEqual([[2, "paid"], [1, "settled"]]);
    expect(detail.statusCounts).toEqual({ paid: 1, settled: 1, refunded: 0 });
    expect(detail.settledRevenue).toBe(2n ** 70n);
    expect(detail.paidToContributors).toBe(2n ** 70n - 3n);
    expect(await q.getModel(2)).toBeNull();
  });

  it("counts the marketplace with bigint sums", async () => {
    expect(await q.getHomeStats()).toEqual({
      datanets: 3,
      contributions: 5,
      contributors: 3,
      models: 1,
      settledInferences: 1,
      feesPaid: 2n ** 70n,
      contributorEarnings: 2n ** 70n - 3n,
    });
  });
});
