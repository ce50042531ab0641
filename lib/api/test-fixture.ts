/**
 * A realistic, deterministic data set for the API tests: Datanets, contributions, versions, models with
 * lineage, inferences, attribution, ledger rows and hourly rollups, epochs with balances and claims.
 * Amounts go beyond 2^53 so any float on the way would show; sort keys tie on purpose (same timestamps,
 * counts and prices) so pagination must break ties by id.
 */
import type { PgTable } from "drizzle-orm/pg-core";
import type { Address } from "viem";
import type { Db } from "@/db/client";
import * as t from "@/db/schema";
import { buildClaimsTree } from "@/lib/chain/merkle";

export const BIG = 2n ** 70n;
export const T0 = Date.UTC(2025, 2, 1); // 2025-03-01T00:00Z
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export const addr = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
export const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

/** Mulberry32: a small seeded PRNG, so every run (and both databases) get the same rows. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)],
    big: () => BIG + BigInt(Math.floor(next() * 1e15)) * 1_000_003n,
  };
}

export const contributors = Array.from({ length: 12 }, (_, i) => addr(0x1000 + i));
export const payers = Array.from({ length: 5 }, (_, i) => addr(0x2000 + i));
export const builders = Array.from({ length: 3 }, (_, i) => addr(0x3000 + i));
export const operator = addr(0x4000);
export const treasury = addr(0x5000);
/** The account the earnings, attribution and claim tests look at. */
export const focus = contributors[0];

export interface Fixture {
  datanets: (typeof t.datanets.$inferInsert)[];
  contributions: (typeof t.contributions.$inferInsert)[];
  versions: (typeof t.datanetVersions.$inferInsert)[];
  models: (typeof t.models.$inferInsert)[];
  modelDatanets: (typeof t.modelDatanets.$inferInsert)[];
  inferences: (typeof t.inferences.$inferInsert)[];
  results: (typeof t.inferenceResults.$inferInsert)[];
  attribution: (typeof t.attributionEntries.$inferInsert)[];
  ledger: (typeof t.ledgerEntries.$inferInsert)[];
  earnings: (typeof t.earningsHourly.$inferInsert)[];
  usage: (typeof t.modelUsageHourly.$inferInsert)[];
  epochs: (typeof t.epochs.$inferInsert)[];
  balances: (typeof t.epochBalances.$inferInsert)[];
  claims: (typeof t.claims.$inferInsert)[];
}

/** Builds the rows. `now` anchors the "last 24 hours" rollup rows the stats route reads. */
export function buildFixture(now: number): Fixture {
  const r = prng(20250301);
  const tags = ["english", "code", "legal", "medical", "dictionary"];
  const words = ["Glosses", "Patterns", "Contracts", "Symptoms", "Idioms", "Recipes", "Proofs", "Dialogues", "Reviews"];

  const datanets: Fixture["datanets"] = words.map((w, i) => ({
    id: i + 1,
    owner: addr(0x6000 + i),
    treasury: addr(0x6100 + i),
    metadataHash: hash(0x100 + i),
    metadataUri: `ledgerline:content/${hash(0x100 + i)}`,
    name: `${w} ${i % 2 ? "Corpus" : "Set"}`,
    summary: `${w} contributed by the community`,
    description: i === 3 ? "Contains 100%_literal characters" : "",
    tags: [tags[i % tags.length], tags[(i + 2) % tags.length]],
    license: "CC-BY-4.0",
    bond: BIG + BigInt(i),
    curated: i % 3 !== 0,
    contributionCount: 0,
    acceptedCount: 0,
    versionCount: 0,
    createdBlock: 10 + i,
    createdTx: hash(0x200 + i),
    // Datanets 4 and 5 share a creation time: the id breaks the tie.
    createdAt: new Date(T0 + (i === 4 ? 3 : i) * DAY),
  }));

  const contributions: Fixture["contributions"] = [];
  for (let id = 1; id <= 240; id++) {
    const datanetId = id <= 90 ? 1 : r.int(2, 7);
    const status = r.pick(["pending", "accepted", "accepted", "rejected"] as const);
    const d = datanets[datanetId - 1];
    d.contributionCount! += 1;
    const acceptedSeq = status === "accepted" ? (d.acceptedCount! += 1) : null;
    contributions.push({
      id,
      datanetId,
      // The focus account holds many of Datanet 1's contributions, some adjacent (credited together).
      contributor: datanetId === 1 && (id % 3 === 0 || id % 7 === 1) ? focus : r.pick(contributors),
      contentHash: hash(0x10000 + id),
      bytes: r.int(100, 100_000),
      records: r.int(1, 50),
      bond: BIG + BigInt(id),
      status,
      // Pairs of contributions share a timestamp.
      submittedBlock: 100 + id,
      submittedTx: hash(0x20000 + id),
      submittedAt: new Date(T0 + 10 * DAY + Math.floor(id / 2) * HOUR),
      acceptedSeq,
      reviewedBlock: status === "pending" ? null : 400 + id,
      reviewedTx: status === "pending" ? null : hash(0x30000 + id),
      reviewedAt: status === "pending" ? null : new Date(T0 + 20 * DAY + id * HOUR),
    });
  }

  const versions: Fixture["versions"] = [1, 2].map((v) => ({
    datanetId: 1,
    version: v,
    root: hash(0x40000 + v),
    count: v * 10,
    rootVerified: v === 2,
    block: 900 + v,
    tx: hash(0x41000 + v),
    publishedAt: new Date(T0 + (25 + v) * DAY),
  }));
  datanets[0].versionCount = 2;

  const models: Fixture["models"] = Array.from({ length: 7 }, (_, i) => ({
    id: i + 1,
    builder: builders[i % builders.length],
    artifactHash: hash(0x50000 + i),
    metadataHash: hash(0x51000 + i),
    metadataUri: `ledgerline:content/${hash(0x51000 + i)}`,
    name: `${words[i]} ∞-gram ${i + 1}`,
    description: i === 2 ? "legal drafting helper" : "answers from its Datanets",
    kind: (["infinigram", "knn", "external"] as const)[i % 3],
    parameters: { n: i + 1 },
    evaluation: i === 0 ? { perplexity: 12.5 } : null,
    // Prices tie in pairs; every model costs more than 2^53 wei.
    price: BIG + BigInt(Math.floor(i / 2)) * 10n ** 15n,
    // Model 5 is priced per token (an output rate above 2^53 wei, so the API must answer it exactly).
    ...(i === 4 ? { inputRate: 2n * 10n ** 12n, outputRate: BIG + 1n } : {}),
    builderBps: 1000 + i * 100,
    active: i !== 6,
    inferenceCount: 0,
    revenue: 0n,
    createdBlock: 1000 + i,
    createdTx: hash(0x52000 + i),
    createdAt: new Date(T0 + (28 + (i === 3 ? 2 : i)) * DAY),
  }));
  const modelDatanets: Fixture["modelDatanets"] = models.flatMap((m, i) =>
    [1, (i % 5) + 2].filter((d, k, xs) => xs.indexOf(d) === k).map((datanetId) => ({ modelId: m.id!, datanetId, version: datanetId === 1 ? 2 : 1 })),
  );

  const acceptedBy = new Map<number, (typeof contributions)[number][]>();
  for (const c of contributions) if (c.status === "accepted") acceptedBy.set(c.datanetId, [...(acceptedBy.get(c.datanetId) ?? []), c]);

  const inferences: Fixture["inferences"] = [];
  const results: Fixture["results"] = [];
  const attribution: Fixture["attribution"] = [];
  const ledger: Fixture["ledger"] = [];
  for (let requestId = 1; requestId <= 180; requestId++) {
    const m = models[r.int(0, models.length - 1)];
    const status = r.pick(["settled", "settled", "settled", "paid", "refunded"] as const);
    // Triples of inferences share a payment time.
    const paidAt = new Date(T0 + 35 * DAY + Math.floor(requestId / 3) * HOUR);
    const settledAt = status === "settled" ? new Date(paidAt.getTime() + 60_000) : null;
    const price = m.price + BigInt(requestId);
    const protocolFee = price / 20n;
    const operatorFee = price / 50n;
    const builderFee = (price * BigInt(m.builderBps)) / 10_000n;
    const pool = price - protocolFee - operatorFee - builderFee;
    const requestHash = hash(0x60000 + requestId);
    inferences.push({
      requestId,
      modelId: m.id!,
      payer: r.pick(payers),
      requestHash,
      price,
      builder: m.builder,
      builderBps: m.builderBps,
      viaAuthorization: requestId % 2 === 0,
      status,
      paidBlock: 2000 + requestId,
      paidTx: hash(0x61000 + requestId),
      paidAt,
      ...(status === "settled"
        ? {
            operator,
            outputHash: hash(0x62000 + requestId),
            attributionHash: hash(0x63000 + requestId),
            protocolFee,
            operatorFee,
            builderFee,
            contributorPool: pool,
            settledBlock: 2001 + requestId,
            settledTx: hash(0x64000 + requestId),
            settledAt,
          }
        : {}),
      ...(status === "refunded" ? { refundedBlock: 2500 + requestId, refundedTx: hash(0x65000 + requestId), refundedAt: new Date(paidAt.getTime() + DAY) } : {}),
    });
    if (status !== "settled") continue;
    m.inferenceCount! += 1;
    m.revenue = (m.revenue ?? 0n) + price;
    results.push({
      requestHash,
      prompt: `prompt ${requestId}`,
      output: `output ${requestId}`,
      params: { maxTokens: 32 },
      attributionMethod: "infinigram-spans",
      attributionRecord: JSON.stringify({ requestId }),
    });
    for (const [role, account, amount] of [
      ["protocol", treasury, protocolFee],
      ["operator", operator, operatorFee],
      ["builder", m.builder, builderFee],
    ] as const) {
      ledger.push({ id: `settle:${requestId}:${role}`, account, role, amount, requestId, modelId: m.id, block: 2001 + requestId, tx: hash(0x64000 + requestId), at: settledAt! });
    }
    // Attribution: 1..4 accepted contributions of the model's first Datanet, pool split by weight.
    const pool1 = acceptedBy.get(1)!;
    const k = r.int(1, 4);
    const start = r.int(0, pool1.length - k);
    // The focus account gets two contributions credited in some requests (same request, two rows).
    const chosen = pool1.slice(start, start + k);
    let left = pool;
    chosen.forEach((c, j) => {
      const weightPpm = j === chosen.length - 1 ? 1_000_000 - Math.floor(1_000_000 / k) * (k - 1) : Math.floor(1_000_000 / k);
      const amount = j === chosen.length - 1 ? left : (pool * BigInt(weightPpm)) / 1_000_000n;
      left -= amount;
      attribution.push({ requestId, contributionId: c.id!, datanetId: 1, contributor: c.contributor, weightPpm, amount, settledAt: settledAt! });
    });
  }

  // Hourly rollups over 40 days for every account, several roles, Datanets and models; plus the last 24 hours.
  const earningsKey = new Set<string>();
  const earnings: Fixture["earnings"] = [];
  const addEarning = (row: (typeof earnings)[number]) => {
    const key = `${row.account}|${(row.hour as Date).getTime()}|${row.role}|${row.datanetId}|${row.modelId}`;
    if (earningsKey.has(key)) return;
    earningsKey.add(key);
    earnings.push(row);
  };
  for (let i = 0; i < 1500; i++) {
    const role = r.pick(["contributor", "contributor", "contributor", "builder", "operator"] as const);
    const account = role === "contributor" ? (i % 4 === 0 ? focus : r.pick(contributors)) : role === "builder" ? (i % 3 === 0 ? focus : r.pick(builders)) : operator;
    addEarning({
      account,
      hour: new Date(T0 + r.int(0, 40 * 24 - 1) * HOUR),
      role,
      datanetId: role === "contributor" ? r.int(1, 4) : 0,
      modelId: r.int(1, 7),
      amount: r.big(),
      inferences: r.int(1, 9),
    });
  }
  const nowHour = Math.floor(now / HOUR) * HOUR;
  for (let h = 0; h < 30; h++) {
    for (const account of contributors.slice(0, 1 + (h % 5))) {
      addEarning({ account, hour: new Date(nowHour - h * HOUR), role: "contributor", datanetId: 1 + (h % 3), modelId: 1, amount: r.big(), inferences: 1 });
    }
  }

  const usage: Fixture["usage"] = [];
  const usageKey = new Set<string>();
  const addUsage = (row: (typeof usage)[number]) => {
    const key = `${row.modelId}|${(row.hour as Date).getTime()}`;
    if (usageKey.has(key)) return;
    usageKey.add(key);
    usage.push(row);
  };
  for (let i = 0; i < 600; i++) addUsage({ modelId: r.int(1, 7), hour: new Date(T0 + r.int(0, 40 * 24 - 1) * HOUR), inferences: r.int(1, 20), revenue: r.big() });
  for (let h = 0; h < 30; h++) addUsage({ modelId: 1 + (h % 7), hour: new Date(nowHour - h * HOUR), inferences: r.int(1, 20), revenue: r.big() });

  // Two epochs; the focus account grows between them and has claimed part of the first.
  const epochs: Fixture["epochs"] = [];
  const balances: Fixture["balances"] = [];
  for (const epoch of [1, 2]) {
    const entries = contributors.map((account, i) => ({ account: account as Address, cumulativeAmount: BIG * BigInt(epoch) + BigInt(i * 7919) }));
    const tree = buildClaimsTree(entries);
    const postedAt = new Date(T0 + (38 + epoch) * DAY);
    epochs.push({
      epoch,
      prev: epoch - 1,
      root: tree.root,
      cumulativeTotal: tree.total,
      throughBlock: 4990 + epoch,
      poster: contributors[0],
      status: "final",
      finalizesAt: new Date(postedAt.getTime() + DAY),
      block: 5000 + epoch,
      tx: hash(0x70000 + epoch),
      postedAt,
    });
    for (const e of entries) balances.push({ epoch, account: e.account, cumulativeAmount: e.cumulativeAmount });
  }
  const claims: Fixture["claims"] = [
    { tx: hash(0x71000), logIndex: 0, account: focus, epoch: 1, amount: BIG / 2n, cumulativeAmount: BIG / 2n, block: 5100, claimedAt: new Date(T0 + 39 * DAY + HOUR) },
    { tx: hash(0x71001), logIndex: 3, account: focus, epoch: 1, amount: BIG / 2n, cumulativeAmount: BIG, block: 5101, claimedAt: new Date(T0 + 39 * DAY + 2 * HOUR) },
    { tx: hash(0x71002), logIndex: 0, account: contributors[1], epoch: 2, amount: BIG * 2n + 7919n, cumulativeAmount: BIG * 2n + 7919n, block: 5200, claimedAt: new Date(T0 + 41 * DAY) },
  ];

  return { datanets, contributions, versions, models, modelDatanets, inferences, results, attribution, ledger, earnings, usage, epochs, balances, claims };
}

async function insertAll(db: Db, table: PgTable, rows: object[]) {
  for (let i = 0; i < rows.length; i += 500) await db.insert(table as never).values(rows.slice(i, i + 500) as never);
}

/** Inserts everything but the epochs (the claim test posts them itself, after checking the no-epoch answer). */
export async function insertFixture(db: Db, f: Fixture): Promise<void> {
  await insertAll(db, t.datanets, f.datanets);
  await insertAll(db, t.contributions, f.contributions);
  await insertAll(db, t.datanetVersions, f.versions);
  await insertAll(db, t.models, f.models);
  await insertAll(db, t.modelDatanets, f.modelDatanets);
  await insertAll(db, t.inferences, f.inferences);
  await insertAll(db, t.inferenceResults, f.results);
  await insertAll(db, t.attributionEntries, f.attribution);
  await insertAll(db, t.ledgerEntries, f.ledger);
  await insertAll(db, t.earningsHourly, f.earnings);
  await insertAll(db, t.modelUsageHourly, f.usage);
  await insertAll(db, t.claims, f.claims);
}

export async function insertEpochs(db: Db, f: Fixture): Promise<void> {
  await insertAll(db, t.epochs, f.epochs);
  await insertAll(db, t.epochBalances, f.balances);
}
