/**
 * Serving on disk (issue 17), end to end on a real anvil and PGlite: a model the operator chose to serve on disk is
 * memory-mapped from the artifact store and served from its own index, and answers each paid request with the same
 * output, record bytes and hashes as the in-memory catalog (a view over the shared index); Verify and span records
 * recompute it the same way in either mode; takedowns are views over the mapped index; a damaged file is refused.
 */
import { eq } from "drizzle-orm";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datanetRegistryAbi } from "@/contracts-abi";
import * as t from "@/db/schema";
import { testDatabaseKinds } from "@/db/testing";
import { attributionHash, encodeRecord, type AttributionRecordV2 } from "@/lib/attribution/record";
import { runAttribution } from "@/lib/attribution/run";
import { artifactPath } from "@/lib/factory/artifacts";
import { ModelCatalog, ModelUnavailable, type ServableModel } from "./models";
import { IN_MEMORY, servedOnDisk, type OnDiskPolicy } from "./on-disk";
import { serveInference, type PaidRequest, type ServeContext, type ServedInference } from "./serve";
import { computeSpans, describeSpans, inferenceSpans } from "./spans";
import { account, ROLES, setupMarket, type Market } from "./testing/market";
import { verifyInference } from "./verify";

const [user1, user2] = ROLES.users;
const pglite = testDatabaseKinds.find((k) => k.kind === "pglite")!;

/** What the model computes for this served request, as run-model.ts runs it (same version, view, terms). */
function recompute(model: ServableModel, paid: PaidRequest, served: ServedInference) {
  const w = model.withdrawals;
  return runAttribution({
    kind: model.kind,
    model: w ? w.model : model.model,
    view: w ? w.view : model.view,
    recordVersion: 2,
    withdrawalsAt: w?.at ?? null,
    verbatimLimits: model.verbatimLimits,
    datanetIds: model.datanetIds,
    modelId: model.modelId,
    artifactHash: model.artifactHash,
    requestId: paid.requestId,
    prompt: paid.prompt,
    params: served.params,
    output: model.kind === "external" ? served.output : undefined,
  });
}

describe.skipIf(!pglite.available)("serving models on disk", () => {
  let m: Market;
  let memCtx: ServeContext;
  let diskCtx: ServeContext;
  let disk: ModelCatalog;
  const diskLog: string[] = [];
  // By size: every corpus artifact here is above 1 byte; the kNN model must still load into memory.
  const onDisk: OnDiskPolicy = { all: false, modelIds: [], minBytes: 1 };
  const db = () => m.database.db;
  const verify = (requestId: bigint, policy: OnDiskPolicy, artifactDir = m.artifactDir) =>
    verifyInference(db(), Number(requestId), { publicClient: m.client, market: m.d.inferenceMarket, artifactDir, onDisk: policy });

  beforeAll(async () => {
    m = await setupMarket("pglite");
    memCtx = { ...m.ctx, recordVersion: 2 };
    disk = new ModelCatalog({ db: db(), artifactDir: m.artifactDir, chainId: m.d.chainId, onDisk, log: (msg) => diskLog.push(msg) });
    diskCtx = { ...memCtx, models: disk };
  }, 180_000);
  afterAll(async () => {
    await m?.close();
  });

  it("answers each request with the in-memory catalog's output, record bytes and hashes; Verify and spans agree in both modes", async () => {
    const cases = [
      { modelId: m.models.gramA, user: user1, prompt: "The domestic cat is", params: {} },
      { modelId: m.models.gramB, user: user2, prompt: "a large", params: { seed: "18446744073709551615", maxTokens: 9 } },
      { modelId: m.models.externalOk, user: user1, prompt: "Tell me about small cats", params: {} },
      { modelId: m.models.knn, user: user2, prompt: "a sweet yellow fruit eaten raw or cooked", params: {} },
    ];
    const served: { paid: PaidRequest; s: ServedInference }[] = [];
    for (const c of cases) {
      const paid = await m.pay(c.user, c.modelId, c.prompt, c.params);
      const s = await serveInference(diskCtx, paid);
      const [mem, mapped] = [await m.catalog.get(c.modelId), await disk.get(c.modelId)];
      if (c.modelId === m.models.knn) {
        expect(mapped.model.format).toBe("knn"); // kNN artifacts stay in memory whatever the policy
      } else {
        // On disk: its own mapped index, no view; in memory: a view over the shared index.
        expect(mapped.view).toBeUndefined();
        expect(mem.view).toBeDefined();
        expect(mapped.model).not.toBe(mem.model);
      }
      for (const model of [mem, mapped]) {
        const again = recompute(model, paid, s);
        expect(again.output).toBe(s.output);
        expect(encodeRecord(again.record)).toBe(encodeRecord(s.record));
        expect(attributionHash(again.record)).toBe(s.attributionHash);
      }
      served.push({ paid, s });
    }
    expect(diskLog.filter((l) => l.includes("served on disk"))).toHaveLength(3);
    expect(servedOnDisk({ all: false, modelIds: [m.models.gramA], minBytes: undefined }, m.models.gramA, 10)).toBe(true);
    expect(servedOnDisk(IN_MEMORY, m.models.gramA, 2 ** 40)).toBe(false);

    await m.index();
    for (const { paid, s } of served) {
      const [onDiskReport, inMemory] = [(await verify(paid.requestId, onDisk))!, (await verify(paid.requestId, IN_MEMORY))!];
      expect(onDiskReport.checks.filter((c) => !c.ok), `request ${paid.requestId}`).toEqual([]);
      expect(inMemory.ok).toBe(true);
      expect(onDiskReport.recomputedHash).toBe(s.attributionHash);
      expect(inMemory.recomputedHash).toBe(s.attributionHash);
      const artifact = onDiskReport.checks.find((c) => c.name === "artifact")!.detail;
      expect(artifact.includes("memory-mapped")).toBe(paid.modelId !== m.models.knn);
    }
    // Span records: recomputed from the mapped artifact, equal to the in-memory model's.
    for (const { paid, s } of served.slice(0, 3)) {
      const fromDisk = await inferenceSpans(db(), Number(paid.requestId), { artifactDir: m.artifactDir, onDisk });
      const mem = await m.catalog.get(paid.modelId);
      const [row] = await db().select().from(t.inferenceResults).where(eq(t.inferenceResults.requestHash, paid.requestHash.toLowerCase()));
      const inMemory = computeSpans({ kind: mem.kind, model: mem.model, view: mem.view, modelId: mem.modelId, artifactHash: mem.artifactHash, requestId: paid.requestId, prompt: row.prompt, params: row.params, output: row.output, recordVersion: 2, verbatimLimits: mem.verbatimLimits });
      expect(fromDisk).not.toBeNull();
      expect(fromDisk!.length).toBeGreaterThan(0);
      expect(fromDisk).toEqual(await describeSpans(db(), inMemory));
      expect(row.output).toBe(s.output);
    }
  }, 240_000);

  it("takedowns: a withdrawn contribution leaves the mapped model's view; records match the in-memory catalog's and verify", async () => {
    const before = await disk.get(m.models.gramA);
    expect(before.withdrawals).toBeNull();
    const x = before.model.format === "corpus" ? before.model.index.contributionIds[0] : -1;
    const [c] = await db().select().from(t.contributions).where(eq(t.contributions.id, x));
    const who = [...Array(10).keys()].find((k) => account(k).address.toLowerCase() === c.contributor)!;
    const hash = await m.wallets.get(who)!.writeContract({ address: m.d.datanetRegistry, abi: datanetRegistryAbi, functionName: "withdraw", args: [BigInt(x)] });
    expect((await m.client.waitForTransactionReceipt({ hash })).status).toBe("success");
    await m.index();

    const mapped = await disk.get(m.models.gramA);
    // The same mapping: nothing reloaded or rebuilt.
    expect(mapped.model.format === "corpus" && before.model.format === "corpus" && mapped.model.index === before.model.index).toBe(true);
    expect(mapped.withdrawals!.ids).toEqual([x]);
    expect(mapped.withdrawals!.view!.has(x)).toBe(false);
    expect([...mapped.withdrawals!.view!.contributionIds]).toEqual([...before.model.format === "corpus" ? before.model.index.contributionIds : []].filter((id) => id !== x));
    for (const prompt of ["The domestic cat is", "A large", "a small"]) {
      const paid = await m.pay(user1, m.models.gramA, prompt);
      const s = await serveInference(diskCtx, paid);
      expect((s.record as AttributionRecordV2).withdrawalsAt).toEqual(mapped.withdrawals!.at);
      expect(s.record.entries.map((e) => e.contributionId)).not.toContain(x);
      const mem = await m.catalog.get(m.models.gramA);
      expect(encodeRecord(recompute(mem, paid, s).record)).toBe(encodeRecord(s.record));
      await m.index();
      for (const policy of [onDisk, IN_MEMORY]) expect((await verify(paid.requestId, policy))!.ok, `request ${paid.requestId}`).toBe(true);
    }
  }, 240_000);

  it("refuses a damaged on-disk artifact with a clear error (serving and Verify)", async () => {
    const damaged = fs.mkdtempSync(path.join(os.tmpdir(), "ledgerline-on-disk-"));
    try {
      const { artifactHash } = await m.catalog.get(m.models.gramA);
      const file = artifactPath(artifactHash, damaged);
      fs.copyFileSync(artifactPath(artifactHash, m.artifactDir), file);
      // One token flipped deep in the file: the header and tables still read, only the sha-256 can tell.
      const bytes = fs.readFileSync(file);
      bytes[bytes.length - 8] ^= 0x01;
      fs.writeFileSync(file, bytes);
      const catalog = new ModelCatalog({ db: db(), artifactDir: damaged, chainId: m.d.chainId, onDisk });
      const err = await catalog.get(m.models.gramA).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelUnavailable);
      expect((err as ModelUnavailable).problem).toBe(`Model ${m.models.gramA}'s artifact cannot be opened: The artifact file does not hash to ${artifactHash} (its sha-256 differs).`);
      // Absent from the store: said so, as in memory.
      await expect(catalog.get(m.models.gramB)).rejects.toThrow(/is not in this server's artifact store/);

      const [inf] = await db().select().from(t.inferences).where(eq(t.inferences.modelId, m.models.gramA)).limit(1);
      const report = (await verify(BigInt(inf.requestId!), onDisk, damaged))!;
      expect(report.ok).toBe(false);
      expect(report.checks.find((c) => c.name === "artifact")).toMatchObject({ ok: false, detail: expect.stringMatching(/cannot be used: .*sha-256 differs/) });
    } finally {
      fs.rmSync(damaged, { recursive: true, force: true });
    }
  }, 60_000);
});
