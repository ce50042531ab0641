/**
 * The public watcher against a real node: a real anvil, a real database (PGlite), models built by the Model Factory,
 * inferences paid, served and settled by the operator's own pipeline, credited by the indexer and posted as epoch
 * roots by the epoch job; the node is the app's real route handlers behind a real HTTP server
 * (testing/node-server.ts), and `npm run watch` runs as its own process, seeing only that server and the chain.
 *
 * Cases: an honest root matches (exit 0); a record tampered in the node's database is detected; an inference the
 * node does not serve makes the root "inputs unavailable" and the watcher disputes it; a root the poster wrote to
 * credit itself is a mismatch for exactly the accounts it robs and pays, and the watcher disputes it inside the
 * window (EpochDisputed on-chain, the bond moved from the challenger to the market).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { createWalletClient, formatUnits, http, parseUnits, type Address, type Hex } from "viem";
import { foundry } from "viem/chains";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as inferenceRoute from "@/app/api/models/[id]/inference/route";
import { inferenceMarketAbi, openTokenAbi } from "@/contracts-abi";
import { setDatabaseForTests } from "@/db/client";
import * as t from "@/db/schema";
import { decodeRecord, encodeRecord } from "@/lib/attribution/record";
import { writeDeployment } from "@/lib/chain/config";
import { buildClaimsTree } from "@/lib/chain/merkle";
import { paymentDescription } from "@/lib/inference/paid";
import { serveInference } from "@/lib/inference/serve";
import { PAYMENT_REQUIRED_HEADER } from "@/lib/payments/x402";
import { checkShareRoots, type ClaimWire } from "@/components/account/share-roots";
import { ROLES, setupMarket, type Market } from "@/lib/inference/testing/market";
import { clearQueryCaches } from "@/lib/queries";
import { buildEpochTree, postEpoch, settledPoolThrough, writeEpochBalances } from "@/lib/settlement/epochs";
import { NodeApi, resolveContracts } from "./sources";
import { startNodeServer, type NodeServer } from "./testing/node-server";
import { disputeEpoch, Watcher } from "./watch";

const root = path.resolve(import.meta.dirname, "../..");
const DAY = 86_400;

/** Runs `npm run watch` (scripts/watch.ts) as a separate process; nothing but its arguments tells it where to look. */
function runWatch(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/watch.ts", ...args], { cwd: root, env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "test" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("npm run watch against a real node", () => {
  let m: Market;
  let node: NodeServer;
  let tmp: string;
  const challengerKey = generatePrivateKey();
  const challenger = privateKeyToAccount(challengerKey);
  /** Request ids of the inferences covered by epoch 1, by model kind. */
  const batchA: Record<"gram" | "gramB" | "knn" | "external", bigint> = { gram: 0n, gramB: 0n, knn: 0n, external: 0n };
  const db = () => m.database.db;
  const market = () => ({ address: m.d.inferenceMarket, abi: inferenceMarketAbi }) as const;
  const epochOnChain = (e: number) => m.client.readContract({ ...market(), functionName: "getEpoch", args: [BigInt(e)] });
  const openOf = (a: Address) => m.client.readContract({ address: m.d.token, abi: openTokenAbi, functionName: "balanceOf", args: [a] });
  const cli = (...args: string[]) => runWatch(["--node", node.url, "--rpc", m.anvil.rpcUrl, ...args]);
  /** A fresh watcher (no cache from an earlier check), wired only to the node's URL and the chain. */
  async function watcher(): Promise<Watcher> {
    const api = new NodeApi(node.url, { attempts: 1 });
    const d = await api.deployment();
    const { contracts } = await resolveContracts(m.client, d);
    return new Watcher({ client: m.client, node: api, contracts, startBlock: d.startBlock });
  }
  async function serve(userIndex: number, modelId: number, prompt: string): Promise<bigint> {
    const s = await serveInference(m.ctx, await m.pay(userIndex, modelId, prompt));
    return s.requestId;
  }
  /** Σ per contributor of what the indexer credited for one inference. */
  async function creditsOf(requestId: bigint): Promise<Map<string, bigint>> {
    const rows = await db().select().from(t.attributionEntries).where(eq(t.attributionEntries.requestId, Number(requestId)));
    const out = new Map<string, bigint>();
    for (const r of rows) out.set(r.contributor, (out.get(r.contributor) ?? 0n) + r.amount);
    return out;
  }

  beforeAll(async () => {
    m = await setupMarket("pglite");
    // A day-long challenge window: nothing here races anvil's clock.
    const [bond, reward, poster] = await Promise.all([
      m.client.readContract({ ...market(), functionName: "disputeBond" }),
      m.client.readContract({ ...market(), functionName: "challengerRewardBps" }),
      m.client.readContract({ ...market(), functionName: "rootPoster" }),
    ]);
    await m.client.waitForTransactionReceipt({ hash: await m.operator.writeContract({ ...market(), functionName: "setEpochParams", args: [BigInt(DAY), bond, reward, poster] }) });

    const [u1, u2] = ROLES.users;
    batchA.gram = await serve(u1, m.models.gramA, "The domestic cat is");
    batchA.gramB = await serve(u2, m.models.gramB, "a large");
    batchA.knn = await serve(u1, m.models.knn, "a sweet yellow fruit eaten raw or cooked");
    batchA.external = await serve(u2, m.models.externalOk, "Tell me about owls");
    // The job covers blocks below the head: one more block so epoch 1 covers all four settlements.
    await m.client.request({ method: "evm_mine" } as never);
    await m.index();
    const posted = await postEpoch({ db: db(), publicClient: m.client, operator: m.operator, deployment: m.d });
    expect(posted.posted, posted.reason).toBe(true);
    expect(posted.epoch).toBe(1);
    await m.index();

    // The node: its deployment file, chain, artifact store and database, served over HTTP.
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ledgerline-watch-"));
    const deploymentFile = path.join(tmp, "deployment.json");
    writeDeployment(m.d, deploymentFile);
    Object.assign(process.env, { DEPLOYMENT_FILE: deploymentFile, RPC_URL: m.anvil.rpcUrl, PUBLIC_RPC_URL: m.anvil.rpcUrl, ARTIFACT_DIR: m.artifactDir });
    setDatabaseForTests(m.database);
    clearQueryCaches();
    node = await startNodeServer();

    // The challenger: a stranger with gas and OPEN, nothing else.
    await m.client.waitForTransactionReceipt({ hash: await m.operator.sendTransaction({ to: challenger.address, value: parseUnits("1", 18) }) });
    await m.client.waitForTransactionReceipt({
      hash: await m.operator.writeContract({ address: m.d.token, abi: openTokenAbi, functionName: "faucet", args: [challenger.address, parseUnits("1000", 18)] }),
    });
  }, 120_000);

  afterAll(async () => {
    await node?.close();
    setDatabaseForTests(undefined);
    await m?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("an honest root matches: every account's recomputed amount is its leaf, and the watcher exits 0", async () => {
    const run = await cli("--once");
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/epoch 1 \(pending, window closes in \d+ s\): root 0x[0-9a-f]{64} .* 4 settled inferences/);
    expect(run.stdout).toContain("MATCH: the posted root is the root of the recomputed earnings");
    expect(run.stderr).toContain("epoch 1: 4/4 inferences checked");

    const report = await (await watcher()).checkEpoch(1);
    const e1 = await epochOnChain(1);
    expect(report.verdict).toBe("match");
    expect(report.inferences).toBe(4);
    expect(report.expectedRoot).toBe(e1.root);
    expect(report.expectedTotal).toBe(e1.cumulativeTotal);
    // The node's leaves rebuild the root and agree with the recomputation account by account.
    expect(report.accounts).toEqual([]);
    expect(report.findings).toEqual([]);

    // What the watcher read was public from the start: the 402 answer told the payer so before anything was signed.
    const unpaid = await inferenceRoute.POST(
      new Request(`${node.url}/api/models/${m.models.gramA}/inference`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "The cat is" }) }),
      { params: Promise.resolve({ id: String(m.models.gramA) }) },
    );
    expect(unpaid.status).toBe(402);
    const offer = JSON.parse(Buffer.from(unpaid.headers.get(PAYMENT_REQUIRED_HEADER)!, "base64").toString("utf8")) as { resource: { description: string } };
    expect(offer.resource.description).toBe(paymentDescription(m.models.gramA));
    expect(offer.resource.description).toContain("Public: your prompt, parameters and the answer are published");

    // Each contributor alone, as the dashboard does it: the claim route's leaf and proof, folded with viem against
    // the pending root read from the chain (getEpoch).
    const leaves = (await new NodeApi(node.url).epochBalances(1))!;
    expect(leaves.size).toBeGreaterThan(1);
    for (const [account, amount] of leaves) {
      const status = (await (await fetch(`${node.url}/api/accounts/${account}/claim`)).json()) as ClaimWire;
      const [check] = await checkShareRoots(m.client, m.d.inferenceMarket, account as Address, status);
      expect(check).toMatchObject({ epoch: 1, status: "pending", amount, chainRoot: e1.root, source: "getEpoch(1)", verified: true });
      const inflated = { ...status, pending: { ...status.pending!, cumulativeAmount: String(amount + 1n) } };
      expect((await checkShareRoots(m.client, m.d.inferenceMarket, account as Address, inflated))[0].verified).toBe(false);
    }
  });

  it("detects a record tampered in the node's database: its pool counts as unattributed, and its contributors' leaves no longer add up", async () => {
    const requestId = batchA.gram;
    const [inf] = await db().select().from(t.inferences).where(eq(t.inferences.requestId, Number(requestId)));
    const [row] = await db().select().from(t.inferenceResults).where(eq(t.inferenceResults.requestHash, inf.requestHash));
    const record = decodeRecord(row.attributionRecord);
    // Well-formed, same request and model, but all the weight on one contribution: not the record that was settled.
    const first = record.entries[0].contributionId;
    const other = record.entries.length > 1 ? first : first === 1 ? 2 : 1;
    const tampered = encodeRecord({ ...record, entries: [{ contributionId: other, weightPpm: 1_000_000 }] });
    expect(tampered).not.toBe(row.attributionRecord);
    await db().update(t.inferenceResults).set({ attributionRecord: tampered }).where(eq(t.inferenceResults.requestHash, inf.requestHash));
    try {
      const report = await (await watcher()).checkEpoch(1);
      expect(report.verdict).toBe("mismatch");
      expect(report.findings).toEqual([
        { requestId: Number(requestId), kind: "unattributed", detail: `its attribution record does not hash to the on-chain attributionHash: its pool of ${inf.contributorPool} wei is unattributed` },
      ]);
      // Exactly that inference's contributors differ, each by exactly what the indexer credited them for it.
      const credits = await creditsOf(requestId);
      expect(credits.size).toBeGreaterThan(0);
      expect(new Map(report.accounts!.map((a) => [a.account.toLowerCase(), a.posted - a.expected]))).toEqual(credits);
    } finally {
      await db().update(t.inferenceResults).set({ attributionRecord: row.attributionRecord }).where(eq(t.inferenceResults.requestHash, inf.requestHash));
    }
  });

  it("an inference the node does not serve makes the root 'inputs unavailable', which the watcher disputes inside the window", async () => {
    const requestId = Number(batchA.knn);
    const [inf] = await db().select().from(t.inferences).where(eq(t.inferences.requestId, requestId));
    await db().delete(t.inferences).where(eq(t.inferences.requestId, requestId));
    try {
      const report = await (await watcher()).checkEpoch(1);
      expect(report.verdict).toBe("inputs unavailable");
      expect(report.findings).toEqual([{ requestId, kind: "unavailable", detail: "the node does not serve this settled inference" }]);

      // Disputable: the watcher's dispute step files it (the CLI's --dispute runs the same function, below).
      const w = createWalletClient({ account: challenger, chain: foundry, transport: http(m.anvil.rpcUrl) });
      const before = await openOf(challenger.address);
      const filed = await disputeEpoch(m.client, w, (await watcher()).ctx.contracts, 1);
      expect(filed).toMatchObject({ filed: true, bond: parseUnits("100", 18) });
      const e1 = await epochOnChain(1);
      expect(e1.status).toBe(2); // Disputed
      expect(e1.challenger).toBe(challenger.address);
      expect(before - (await openOf(challenger.address))).toBe(e1.bond);
      // A second dispute is refused before anything is sent.
      expect(await disputeEpoch(m.client, w, (await watcher()).ctx.contracts, 1)).toEqual({ filed: false, reason: `epoch 1 is already disputed (by ${challenger.address})` });
    } finally {
      await db().insert(t.inferences).values(inf);
    }
  });

  it("a root that credits its poster is a mismatch for exactly the accounts it robs and pays, and is disputed inside the window", async () => {
    const [u1, u2] = ROLES.users;
    await serve(u2, m.models.gramA, "The lion is");
    await serve(u1, m.models.knn, "a small bird that sings");
    await m.index();
    // The attack of issue 13: the root poster names itself the only leaf, for the honest total.
    const throughBlock = Number(await m.client.getBlockNumber());
    const honest = (await buildEpochTree(db(), throughBlock))!;
    const operator = m.operator.account.address;
    const robbed = buildClaimsTree([{ account: operator, cumulativeAmount: honest.total }]);
    const tx = await m.operator.writeContract({ ...market(), functionName: "postEpoch", args: [robbed.root, robbed.total, BigInt(throughBlock), await settledPoolThrough(db(), throughBlock)] });
    expect((await m.client.waitForTransactionReceipt({ hash: tx })).status).toBe("success");
    // Its node serves the leaves it posted (as the epoch job would), so the damage shows per account.
    await writeEpochBalances(db(), 2, robbed);
    await m.index();

    const report = await (await watcher()).checkEpoch(2);
    expect(report.verdict).toBe("mismatch");
    expect(report.expectedRoot).toBe(honest.root);
    expect(report.expectedTotal).toBe(honest.total);
    const expectedDiffs = [
      { account: operator, expected: 0n, posted: honest.total },
      ...honest.entries.map((x) => ({ account: x.account, expected: x.cumulativeAmount, posted: 0n })),
    ].sort((a, b) => (a.account < b.account ? -1 : 1));
    expect(report.accounts).toEqual(expectedDiffs);

    const bondsBefore = await m.client.readContract({ ...market(), functionName: "totalDisputeBonds" });
    const before = await openOf(challenger.address);
    const run = await cli("--once", "--dispute", "--key", challengerKey);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/epoch 1 \(disputed\)[^\n]*\n(?:[^\n]*\n)*?\s+MATCH/); // its inputs are served again
    expect(run.stdout).toMatch(/epoch 2 \(pending, window closes in \d+ s\)/);
    expect(run.stdout).toContain(`✗ ${operator}: expected 0 OPEN (0 wei), the root has ${formatUnits(honest.total, 18)} OPEN (${honest.total} wei)`);
    for (const x of honest.entries) expect(run.stdout).toContain(`✗ ${x.account}: expected `);
    expect(run.stdout).toContain("MISMATCH: the posted root is not what the public data gives");
    expect(run.stdout).toMatch(/DISPUTED: approved the bond \(tx 0x[0-9a-f]{64}\), dispute\(2\) tx (0x[0-9a-f]{64})/);
    const disputeTx = run.stdout.match(/dispute\(2\) tx (0x[0-9a-f]{64})/)![1] as Hex;

    // On-chain: the dispute is the watcher's transaction, the root is held, the bond moved to the market.
    const [ev] = await m.client.getContractEvents({ ...market(), eventName: "EpochDisputed", args: { epoch: 2n }, fromBlock: 0n });
    expect(ev.transactionHash).toBe(disputeTx);
    expect(ev.args.challenger).toBe(challenger.address);
    const e2 = await epochOnChain(2);
    expect(e2.status).toBe(2); // Disputed: it cannot finalize until governance resolves it
    expect(before - (await openOf(challenger.address))).toBe(ev.args.bond);
    expect((await m.client.readContract({ ...market(), functionName: "totalDisputeBonds" })) - bondsBefore).toBe(ev.args.bond);
    // Epoch 1 was not disputed twice.
    expect(await m.client.getContractEvents({ ...market(), eventName: "EpochDisputed", args: { epoch: 1n }, fromBlock: 0n })).toHaveLength(1);
  });
});
