/**
 * Takedown, served end to end on a real anvil and a real database: after a contributor withdraws a contribution
 * (or a Datanet owner removes one), the next inference runs without it — the same artifact, a view without it —
 * pays it nothing, keeps what it had earned, and its version-2 record names the block whose withdrawal set
 * applied; Verify and the watcher's recomputation rebuild that set from the chain and still verify after later
 * withdrawals.
 */
import { and, eq, sql } from "drizzle-orm";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datanetRegistryAbi } from "@/contracts-abi";
import * as t from "@/db/schema";
import { testDatabaseKinds } from "@/db/testing";
import { setDatabaseForTests } from "@/db/client";
import { encodeRecord, type AttributionRecordV2 } from "@/lib/attribution/record";
import { writeDeployment } from "@/lib/chain/config";
import { clearQueryCaches, pageAccountContributions, pageRecords } from "@/lib/queries";
import { postEpoch } from "@/lib/settlement/epochs";
import { NodeApi, resolveContracts } from "@/lib/watch/sources";
import { startNodeServer, type NodeServer } from "@/lib/watch/testing/node-server";
import { Watcher } from "@/lib/watch/watch";
import { withdrawnAsOf, WithdrawalsBlockMismatch } from "@/lib/chain/withdrawals";
import { committedRecord, reproduce } from "@/lib/watch/record";
import { serveInference, type ServeContext } from "./serve";
import { account, ROLES, setupMarket, type Market } from "./testing/market";
import { verifyInference } from "./verify";

const [user1, user2] = ROLES.users;
const PROMPT = "The domestic cat is";

// PGlite only: the Postgres variant of the same paths runs in serve.test.ts; this file adds the takedown.
const pglite = testDatabaseKinds.find((k) => k.kind === "pglite")!;

describe.skipIf(!pglite.available)("takedown: withdrawn contributions leave served models without a rebuild", () => {
  let m: Market;
  let ctx: ServeContext;
  const db = () => m.database.db;
  const reg = () => ({ address: m.d.datanetRegistry, abi: datanetRegistryAbi }) as const;
  const verify = (requestId: bigint) => verifyInference(db(), Number(requestId), { publicClient: m.client, market: m.d.inferenceMarket, artifactDir: m.artifactDir });
  const earned = async (contributionId: number) => {
    const [r] = await db()
      .select({ total: sql<string>`coalesce(sum(${t.ledgerEntries.amount}), 0)::text`, n: sql<number>`count(*)`.mapWith(Number) })
      .from(t.ledgerEntries)
      .where(and(eq(t.ledgerEntries.contributionId, contributionId), eq(t.ledgerEntries.role, "contributor")));
    return { total: BigInt(r.total), n: r.n };
  };
  /** The dev-account index of a contribution's contributor. */
  const contributorIndex = async (contributionId: number) => {
    const [c] = await db().select().from(t.contributions).where(eq(t.contributions.id, contributionId));
    const i = [...Array(10).keys()].find((k) => account(k).address.toLowerCase() === c.contributor);
    if (i === undefined) throw new Error(`contribution ${contributionId}'s contributor is not a dev account`);
    return i;
  };
  const send = async (hash: Hex) => {
    const r = await m.client.waitForTransactionReceipt({ hash });
    expect(r.status).toBe("success");
    return r;
  };

  beforeAll(async () => {
    m = await setupMarket("pglite");
    // Takedowns apply from record version 2 (a version 1 record cannot name its withdrawal set).
    ctx = { ...m.ctx, recordVersion: 2 };
    setDatabaseForTests(m.database); // lib/queries (the record viewer, the dashboard's list) read getDb()
  }, 180_000);
  afterAll(async () => {
    setDatabaseForTests(undefined);
    await m?.close();
  });

  it("∞-gram: the next inference skips the withdrawn contribution, pays it nothing, keeps its earnings, and verifies", async () => {
    const before = await serveInference(ctx, await m.pay(user1, m.models.gramA, PROMPT));
    expect(before.record.version).toBe(2);
    expect((before.record as AttributionRecordV2).withdrawalsAt).toBeNull();
    await m.index();
    // The contribution the first answer credited most.
    const [top] = [...before.record.entries].sort((a, b) => b.weightPpm - a.weightPpm || a.contributionId - b.contributionId);
    expect(top).toBeDefined();
    const x = top.contributionId;
    const earnedBefore = await earned(x);
    expect(earnedBefore.total).toBeGreaterThan(0n);

    const artifactFiles = fs.readdirSync(m.artifactDir).sort();
    const served0 = await m.catalog.get(m.models.gramA);
    expect(served0.withdrawals).toBeNull();

    // Its contributor withdraws it from their wallet.
    const who = await contributorIndex(x);
    const receipt = await send(await m.wallets.get(who)!.writeContract({ ...reg(), functionName: "withdraw", args: [BigInt(x)] }));
    const block = await m.client.getBlock({ blockNumber: receipt.blockNumber });
    await m.index();

    // The served model is a view without it over the same index: no artifact was rebuilt.
    const served1 = await m.catalog.get(m.models.gramA);
    expect(served1.artifactHash).toBe(served0.artifactHash);
    expect(served1.withdrawals).not.toBeNull();
    expect(served1.withdrawals!.at).toEqual({ block: Number(receipt.blockNumber), hash: block.hash });
    expect(served1.withdrawals!.ids).toEqual([x]);
    expect(served1.withdrawals!.model).toBe(served1.model); // same loaded artifact
    expect(served1.withdrawals!.view!.has(x)).toBe(false);
    expect([...served1.withdrawals!.view!.contributionIds]).toEqual([...(served1.view?.contributionIds ?? [])].filter((id) => id !== x));
    expect(fs.readdirSync(m.artifactDir).sort()).toEqual(artifactFiles);

    // Its records leave the record viewer; the contributor's list shows it withdrawn, by whom and when.
    const [xRow] = await db().select().from(t.contributions).where(eq(t.contributions.id, x));
    expect((await pageRecords(xRow.datanetId, { contributionId: x })).items).toEqual([]);
    const listed = await pageRecords(xRow.datanetId, { limit: 100 });
    expect(listed.items.length).toBeGreaterThan(0);
    expect(listed.items.map((r) => r.contributionId)).not.toContain(x);
    const mine = (await pageAccountContributions(xRow.contributor)).items.find((c) => c.id === x)!;
    expect(mine).toMatchObject({ withdrawnBy: xRow.contributor, withdrawnReason: "", withdrawnTx: receipt.transactionHash });

    // The next inferences (the same prompt, and others) give it nothing.
    const after = [];
    for (const [user, prompt] of [[user1, PROMPT], [user2, PROMPT], [user1, "A large"], [user2, "a small"]] as const) {
      const s = await serveInference(ctx, await m.pay(user, m.models.gramA, prompt));
      expect(s.record.entries.map((e) => e.contributionId)).not.toContain(x);
      expect((s.record as AttributionRecordV2).withdrawalsAt).toEqual({ block: Number(receipt.blockNumber), hash: block.hash });
      after.push(s);
    }
    await m.index();
    // Earnings already credited stay; no new credit.
    expect(await earned(x)).toEqual(earnedBefore);
    for (const s of after) {
      const rows = await db().select().from(t.ledgerEntries).where(and(eq(t.ledgerEntries.requestId, Number(s.requestId)), eq(t.ledgerEntries.contributionId, x)));
      expect(rows).toEqual([]);
    }

    // Verify recomputes each record from the chain's withdrawal set as of the named block.
    for (const s of [before, ...after]) {
      const report = (await verify(s.requestId))!;
      expect(report.checks.filter((c) => !c.ok), `request ${s.requestId}`).toEqual([]);
      expect(report.ok).toBe(true);
    }
    const withdrawals = (await verify(after[0].requestId))!.checks.find((c) => c.name === "withdrawals")!;
    expect(withdrawals.detail).toContain(`block ${receipt.blockNumber}`);
    expect(withdrawals.detail).toContain("the chain's ContributionWithdrawn logs");
    // Without a chain client (npm run verify offline), the indexed withdrawals give the same set.
    const offline = (await verifyInference(db(), Number(after[0].requestId), { artifactDir: m.artifactDir }))!;
    expect(offline.checks.find((c) => c.name === "withdrawals")!.detail).toContain("indexed withdrawals");
    expect(offline.checks.find((c) => c.name === "record")!.ok).toBe(true);

    // A later takedown (the owner removes another contribution) changes the next records, not the earlier ones.
    const y = [...served1.withdrawals!.view!.contributionIds].find((id) => id !== x)!;
    const removal = await send(await m.wallets.get(ROLES.owner)!.writeContract({ ...reg(), functionName: "remove", args: [BigInt(y), "Takedown request from the rights holder"] }));
    await m.index();
    const [row] = await db().select().from(t.contributions).where(eq(t.contributions.id, y));
    expect(row).toMatchObject({ withdrawnBy: account(ROLES.owner).address.toLowerCase(), withdrawnReason: "Takedown request from the rights holder", withdrawnBlock: Number(removal.blockNumber) });
    const later = await serveInference(ctx, await m.pay(user1, m.models.gramA, PROMPT));
    expect((later.record as AttributionRecordV2).withdrawalsAt!.block).toBe(Number(removal.blockNumber));
    expect(later.record.entries.map((e) => e.contributionId)).not.toContain(y);
    await m.index();
    for (const s of [before, after[0], later]) expect((await verify(s.requestId))!.ok, `request ${s.requestId}`).toBe(true);

    // The watcher's recomputation (public data only): the set as of the record's block, its hash checked.
    const s = after[0];
    const committed = { requestId: Number(s.requestId), modelId: s.modelId, attributionHash: s.attributionHash, outputHash: s.outputHash };
    const [result] = await db().select().from(t.inferenceResults).where(eq(t.inferenceResults.requestHash, (await db().select().from(t.inferences).where(eq(t.inferences.requestId, Number(s.requestId))))[0].requestHash));
    const servedInput = { prompt: result.prompt, params: result.params, output: result.output, attributionRecord: encodeRecord(s.record) };
    const check = committedRecord(committed, servedInput);
    expect(check.ok).toBe(true);
    const at = (s.record as AttributionRecordV2).withdrawalsAt!;
    const withdrawn = await withdrawnAsOf(m.client, m.d.datanetRegistry, at);
    expect([...withdrawn]).toEqual([x]); // y came later: not in the set this record names
    const { loadArtifact } = await import("@/lib/attribution/run");
    const { getArtifact } = await import("@/lib/factory/artifacts");
    const model = loadArtifact(getArtifact(served1.artifactHash, m.artifactDir)!);
    const input = { kind: "infinigram" as const, model, artifactHash: served1.artifactHash, datanetIds: served1.datanetIds, committed, served: servedInput };
    expect(reproduce(check as Extract<typeof check, { ok: true }>, { ...input, withdrawn })).toBeNull();
    expect(reproduce(check as Extract<typeof check, { ok: true }>, input)).toMatch(/withdrawals as of block/);
    // A record naming a block the chain does not have (a dropped fork) is refused.
    await expect(withdrawnAsOf(m.client, m.d.datanetRegistry, { block: at.block, hash: `0x${"ab".repeat(32)}` })).rejects.toBeInstanceOf(WithdrawalsBlockMismatch);
  }, 240_000);

  it("kNN: a withdrawn contribution's records stop voting and earning; the record verifies", async () => {
    const prompt = "a sweet yellow fruit eaten raw or cooked";
    const base = await m.catalog.get(m.models.knn);
    const ids = base.model.format === "knn" ? [...base.model.model.contributionIds] : [];
    expect(ids.length).toBe(2);
    const x = ids[1];
    const who = await contributorIndex(x);
    await send(await m.wallets.get(who)!.writeContract({ ...reg(), functionName: "withdraw", args: [BigInt(x)] }));
    await m.index();
    const s = await serveInference(ctx, await m.pay(user2, m.models.knn, prompt));
    expect(s.record.entries.map((e) => e.contributionId)).not.toContain(x);
    expect((s.record as AttributionRecordV2).withdrawalsAt).not.toBeNull();
    // A version 1 record cannot name a withdrawal set: it is computed on the whole model, as before, and verifies.
    const v1 = await serveInference({ ...ctx, recordVersion: 1 }, await m.pay(user1, m.models.knn, prompt));
    expect(v1.record.version).toBe(1);
    await m.index();
    for (const r of [s, v1]) expect((await verify(r.requestId))!.ok, `request ${r.requestId}`).toBe(true);
  }, 120_000);

  it("the watcher recomputes an epoch root over records served before and after takedowns, from the node's public API and the chain: MATCH", async () => {
    await m.client.request({ method: "evm_mine" } as never); // the epoch covers blocks below the head
    await m.index();
    const posted = await postEpoch({ db: db(), publicClient: m.client, operator: m.operator, deployment: m.d });
    expect(posted.posted, posted.reason).toBe(true);
    await m.index();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ledgerline-takedown-"));
    const saved = { DEPLOYMENT_FILE: process.env.DEPLOYMENT_FILE, RPC_URL: process.env.RPC_URL, PUBLIC_RPC_URL: process.env.PUBLIC_RPC_URL, ARTIFACT_DIR: process.env.ARTIFACT_DIR };
    let node: NodeServer | undefined;
    try {
      const deploymentFile = path.join(tmp, "deployment.json");
      writeDeployment(m.d, deploymentFile);
      Object.assign(process.env, { DEPLOYMENT_FILE: deploymentFile, RPC_URL: m.anvil.rpcUrl, PUBLIC_RPC_URL: m.anvil.rpcUrl, ARTIFACT_DIR: m.artifactDir });
      clearQueryCaches();
      node = await startNodeServer();
      const api = new NodeApi(node.url, { attempts: 1 });
      const d = await api.deployment();
      const { contracts } = await resolveContracts(m.client, d);
      const report = await new Watcher({ client: m.client, node: api, contracts, startBlock: d.startBlock }).checkEpoch(posted.epoch!);
      expect(report.findings).toEqual([]);
      expect(report.verdict).toBe("match");
      expect(report.inferences).toBe(8); // 6 ∞-gram (1 before, 5 after takedowns), 2 kNN (version 2 and version 1)
    } finally {
      await node?.close();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 120_000);
});
