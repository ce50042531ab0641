/**
 * The earnings forecast on a real anvil and a real database: what the upload preview says a file would have
 * earned equals what it does earn once it is registered, accepted, published, built into the next version of the
 * model and the same requests are paid and served again (same seeds, same price) — settled on-chain and read from
 * the indexed ledger. Hostile callers: a forged or unknown hash, an unknown Datanet, the rate limit and the worker
 * queue, a time budget that runs out; a forecast writes nothing.
 */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Hex } from "viem";
import { parseUnits } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datanetRegistryAbi } from "@/contracts-abi";
import * as t from "@/db/schema";
import { testDatabaseKinds } from "@/db/testing";
import { setDatabaseForTests } from "@/db/client";
import { versionRoot } from "@/lib/chain/merkle";
import { storeContent } from "@/lib/content/store";
import { AppError } from "@/lib/errors";
import { serveInference } from "@/lib/inference/serve";
import { account, ROLES, setupMarket, type Market } from "@/lib/inference/testing/market";
import { glossMarkdown } from "@/lib/seed/wordnet";
import { clearForecastCache, forecastUpload } from ".";

const [user1, user2] = ROLES.users;
const pglite = testDatabaseKinds.find((k) => k.kind === "pglite")!;

describe.skipIf(!pglite.available)("earnings forecast: what a file would have earned, replayed in the worker", () => {
  let m: Market;
  const db = () => m.database.db;
  let animalsId: number;
  let fileHash: Hex;
  let fileBytes: number;
  let fileRecords: number;
  /** The ∞-gram requests served on gramA: prompt and the parameters they were served with. */
  const served: { requestId: bigint; prompt: string; params: Record<string, unknown> }[] = [];

  const rowCounts = async () => {
    const out: Record<string, number> = {};
    for (const [name, table] of Object.entries({ contents: t.contents, contributions: t.contributions, inferences: t.inferences, ledger: t.ledgerEntries, builds: t.modelBuilds })) {
      const [r] = await db().select({ n: sql<number>`count(*)`.mapWith(Number) }).from(table);
      out[name] = r.n;
    }
    return out;
  };

  beforeAll(async () => {
    m = await setupMarket("pglite");
    setDatabaseForTests(m.database);
    const [lineage] = await db().select().from(t.modelDatanets).where(eq(t.modelDatanets.modelId, m.models.gramA));
    animalsId = lineage.datanetId;
    const animals = m.glosses.filter((g) => g.lexfile === "animal");
    // Fresh glosses plus a paragraph copied from contribution #1 (alice's): the copy earns its original, not the file.
    const body = glossMarkdown([...animals.slice(150, 190), ...animals.slice(3, 6)]);
    const stored = await storeContent(db(), { body: new TextEncoder().encode(body), filename: "new.md" });
    fileHash = stored.hash;
    fileBytes = stored.bytes;
    fileRecords = stored.records;
    // Prompts that reach the new glosses, one that only the old corpus answers, and one a copy answers.
    const prompts = [...animals.slice(150, 154).map((g) => `${g.words[0]} is`), "The domestic cat is", `${animals[4].words[0]} is`];
    for (const [i, prompt] of prompts.entries()) {
      const paid = await m.pay(i % 2 ? user1 : user2, m.models.gramA, prompt, { seed: String(1_000 + i) });
      const out = await serveInference(m.ctx, paid);
      served.push({ requestId: paid.requestId, prompt, params: out.params as Record<string, unknown> });
    }
    // Other models of the Datanet: one over two Datanets, one tracing an external endpoint's answers.
    await serveInference(m.ctx, await m.pay(user1, m.models.gramB, `${animals[151].words[0]} is`, { seed: "77" }));
    await serveInference(m.ctx, await m.pay(user2, m.models.externalOk, "Tell me about an animal"));
    await m.index();
  }, 300_000);
  afterAll(async () => {
    setDatabaseForTests(undefined);
    await m?.close();
  });

  it("replays every model of the Datanet in the worker, conserving each pool", async () => {
    clearForecastCache();
    const before = await rowCounts();
    const f = await forecastUpload(db(), animalsId, fileHash);
    expect(await rowCounts()).toEqual(before); // a forecast writes nothing
    const [{ last }] = await db().select({ last: sql<number>`max(${t.contributions.id})`.mapWith(Number) }).from(t.contributions);
    expect(f.contributionId).toBe(last + 1);
    expect(f.complete).toBe(true);
    expect(f.prompts).toBe(served.length + 2);
    expect(f.replayed).toBe(f.prompts);
    const byModel = new Map(f.models.map((x) => [x.modelId, x]));
    expect(byModel.get(m.models.gramA)!.replayed).toBe(served.length);
    expect(byModel.get(m.models.gramB)!.replayed).toBe(1);
    expect(byModel.get(m.models.externalOk)!.replayed).toBe(1);
    expect(byModel.get(m.models.knn)).toBeUndefined(); // built on another Datanet
    for (const x of f.models) {
      // The file's earnings come out of what the others would have had: to the wei.
      expect(x.earned).toBe(x.fromContributors + x.fromTreasuries);
      expect(x.earning).toBeLessThanOrEqual(x.replayed);
    }
    expect(f.earned).toBe(f.models.reduce((s, x) => s + x.earned, 0n));
    expect(f.earned).toBeGreaterThan(0n);
    expect(byModel.get(m.models.gramA)!.earning).toBeGreaterThan(0);
    // Cached: the same state answers the same forecast without a second replay.
    expect(await forecastUpload(db(), animalsId, fileHash)).toBe(await forecastUpload(db(), animalsId, fileHash));
  }, 120_000);

  it("equals what the file earns once registered, published, rebuilt and paid for the same requests", async () => {
    clearForecastCache();
    const forecast = await forecastUpload(db(), animalsId, fileHash);
    const gramA = forecast.models.find((x) => x.modelId === m.models.gramA)!;

    // Register the file (dave), accept it, publish version 2 with it.
    const reg = { address: m.d.datanetRegistry, abi: datanetRegistryAbi } as const;
    const dave = m.wallets.get(ROLES.dave)!;
    const owner = m.wallets.get(ROLES.owner)!;
    const send = async (hash: Hex) => expect((await m.client.waitForTransactionReceipt({ hash })).status).toBe("success");
    await send(await dave.writeContract({ ...reg, functionName: "contribute", args: [BigInt(animalsId), fileHash, BigInt(fileBytes), fileRecords, parseUnits("1", 18), 0n, "0x"] }));
    const id = Number(await m.client.readContract({ ...reg, functionName: "contributionCount" }));
    expect(id).toBe(forecast.contributionId);
    await send(await owner.writeContract({ ...reg, functionName: "review", args: [BigInt(id), true] }));
    await m.index();
    const accepted = await db()
      .select({ id: t.contributions.id, contentHash: t.contributions.contentHash })
      .from(t.contributions)
      .where(and(eq(t.contributions.datanetId, animalsId), eq(t.contributions.status, "accepted")))
      .orderBy(asc(t.contributions.acceptedSeq));
    await send(
      await owner.writeContract({
        ...reg,
        functionName: "publishVersion",
        args: [BigInt(animalsId), versionRoot(accepted.map((a) => ({ id: BigInt(a.id), contentHash: a.contentHash as Hex }))), accepted.length],
      }),
    );
    await m.index();

    // The model's next version, built by the factory from the chain's version 2 at gramA's price and split.
    const [a] = await db().select().from(t.models).where(eq(t.models.id, m.models.gramA));
    const next = await m.build(
      { kind: "infinigram", name: "Animal ∞-gram v2", datanets: [{ id: animalsId, version: 2 }], parameters: { maxTokens: 16, temperature: 0.8, topK: 20, maxSupport: 500 } },
      a.price,
      a.builderBps,
    );
    await m.index();
    const again: bigint[] = [];
    for (const [i, s] of served.entries()) {
      const paid = await m.pay(i % 2 ? user1 : user2, next, s.prompt, s.params);
      await serveInference(m.ctx, paid);
      again.push(paid.requestId);
    }
    await m.index();
    const [earned] = await db()
      .select({ total: sql<string>`coalesce(sum(${t.ledgerEntries.amount}), 0)::text`, n: sql<number>`count(*)`.mapWith(Number) })
      .from(t.ledgerEntries)
      .where(and(eq(t.ledgerEntries.contributionId, id), eq(t.ledgerEntries.role, "contributor"), inArray(t.ledgerEntries.requestId, again.map(Number))));
    expect(gramA.earned).toBeGreaterThan(0n);
    expect(BigInt(earned.total)).toBe(gramA.earned);
    expect(earned.n).toBe(gramA.earning);
    // The contributor it is paid to is the one the chain registered.
    const [row] = await db().select().from(t.ledgerEntries).where(and(eq(t.ledgerEntries.contributionId, id), eq(t.ledgerEntries.role, "contributor"))).limit(1);
    expect(row.account).toBe(account(ROLES.dave).address.toLowerCase());
  }, 300_000);

  it("refuses unknown content and Datanets, limits callers, and reports a budget that ran out", async () => {
    await expect(forecastUpload(db(), animalsId, `0x${"ab".repeat(32)}`)).rejects.toMatchObject({ code: "not_found" });
    await expect(forecastUpload(db(), 9_999, fileHash)).rejects.toMatchObject({ code: "not_found" });
    // A zero budget: the worker stops before the first request and says so.
    clearForecastCache();
    const cut = await forecastUpload(db(), animalsId, fileHash, { budgetMs: 0 });
    expect(cut.complete).toBe(false);
    expect(cut.replayed).toBe(0);
    expect(cut.earned).toBe(0n);
    // Only computing forecasts take from the caller's budget: a refused one computes nothing.
    clearForecastCache();
    let calls = 0;
    const refuse = async () => {
      calls++;
      throw new AppError("rate_limited", "slow down", { retryAfter: 60 });
    };
    await expect(forecastUpload(db(), animalsId, fileHash, { beforeCompute: refuse })).rejects.toMatchObject({ code: "rate_limited" });
    expect(calls).toBe(1);
    const ok = await forecastUpload(db(), animalsId, fileHash, { beforeCompute: async () => void calls++ });
    expect(ok.complete).toBe(true);
    await forecastUpload(db(), animalsId, fileHash, { beforeCompute: refuse }); // cached: not charged, not refused
    expect(calls).toBe(2);

    // Callers on many addresses (a rate-limit evasion) still share one worker: a few wait, the rest are told to retry.
    clearForecastCache();
    const burst = await Promise.allSettled([1, 2, 3, 4, 5, 6, 7].map((i) => forecastUpload(db(), animalsId, fileHash, { budgetMs: 5_000 + i })));
    const refused = burst.filter((r) => r.status === "rejected");
    // Four fit (one running, three waiting); the rest arrive while they are still queued.
    expect(burst.filter((r) => r.status === "fulfilled").length).toBeGreaterThanOrEqual(4);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toMatchObject({ code: "rate_limited", message: expect.stringMatching(/busy/) });
  }, 120_000);
});
