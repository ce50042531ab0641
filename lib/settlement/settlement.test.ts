/**
 * Contributor payouts end to end on a real anvil and a real database (PGlite, and Postgres with
 * TEST_DATABASE_URL): real paid and settled inferences fill the contributor pools on-chain, contributor
 * credits in the ledger, postEpoch, the indexer, GET /api/accounts/{address}/claim (its route handler),
 * claimFor, and the gas of posting and claiming. Roots are pending for the challenge window (the test moves
 * anvil's clock) and claimable only once final.
 *
 * Contributor credits: until the indexer writes them on InferenceSettled, this test writes them itself,
 * splitting each settled request's real pool; a request the indexer already credited is left alone.
 */
import { and, eq, inArray } from "drizzle-orm";
import {
  createWalletClient,
  getAddress,
  http,
  keccak256,
  maxUint256,
  parseEventLogs,
  toHex,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as claimRoute from "@/app/api/accounts/[address]/claim/route";
import { inferenceMarketAbi, openTokenAbi } from "@/contracts-abi";
import { bulkInsert } from "@/db/bulk";
import { setDatabaseForTests, type Database, type Db } from "@/db/client";
import * as t from "@/db/schema";
import { openTestDatabase, testDatabaseKinds } from "@/db/testing";
import { devAccount, startAnvil, type Anvil } from "@/lib/chain/anvil";
import type { Deployment } from "@/lib/chain/deploy";
import { buildClaimsTree, verifyClaim } from "@/lib/chain/merkle";
import { Indexer } from "@/lib/indexer/indexer";
import { setupScenario, type Scenario } from "@/lib/indexer/testing/scenario";
import { clearClaimTreeCache } from "@/lib/queries/accounts";
import { claimFor } from "./claim";
import { cumulativeContributorEarnings, finalizeEpochs, postEpoch, readEpochBalances } from "./epochs";
import { startEpochJob } from "./job";

const acct = devAccount;
// setupScenario: 0 operator (admin, OPERATOR_ROLE), 1 Datanet owner and builder, 2-4 contributors, 5-6 users.
const [A2, A3, A4] = [acct(2), acct(3), acct(4)];
const USER = acct(5);
const BIG_MODEL = 2n; // price 2.5 OPEN + 7 wei, builder 33.33 %
const TINY_MODEL = 1n; // price 1234 wei

let anvil: Anvil;
beforeAll(async () => {
  anvil = await startAnvil();
});
afterAll(async () => {
  await anvil?.stop();
  setDatabaseForTests(undefined);
});

const wallet = (a: ReturnType<typeof acct>) => createWalletClient({ account: a, chain: foundry, transport: http(anvil.rpcUrl) });

/** An economy on a fresh deployment: pays and settles real requests, credits contributors in a database. */
function economy(sc: Scenario, db: Db, tag: string) {
  const client = sc.client;
  const d = sc.deployment;
  const market = { address: d.inferenceMarket, abi: inferenceMarketAbi } as const;
  let n = 0;
  const receipt = async (hash: Hex) => {
    const r = await client.waitForTransactionReceipt({ hash });
    expect(r.status).toBe("success");
    return r;
  };
  /** Pays and settles `count` requests; returns each request's real contributor pool. */
  async function settle(count: number, modelId = BIG_MODEL) {
    const out: { requestId: number; modelId: number; pool: bigint; block: number; tx: Hex }[] = [];
    for (let i = 0; i < count; i++) {
      const paid = await receipt(await wallet(USER).writeContract({ ...market, functionName: "pay", args: [modelId, keccak256(toHex(`${tag} ${n++}`)), maxUint256] }));
      const [p] = parseEventLogs({ abi: inferenceMarketAbi, eventName: "InferencePaid", logs: paid.logs });
      const settled = await receipt(
        await wallet(acct(0)).writeContract({ ...market, functionName: "settle", args: [p.args.requestId, p.args.requestHash, keccak256(toHex("out")), keccak256(toHex("attr"))] }),
      );
      const [s] = parseEventLogs({ abi: inferenceMarketAbi, eventName: "InferenceSettled", logs: settled.logs });
      out.push({ requestId: Number(s.args.requestId), modelId: Number(modelId), pool: s.args.contributorPool, block: Number(settled.blockNumber), tx: settled.transactionHash });
    }
    return out;
  }
  /** Splits each request's pool over `shares` (cumulative rounding: nothing lost) as contributor ledger rows. */
  async function credit(requests: Awaited<ReturnType<typeof settle>>, shares: [Address, bigint][]) {
    const ids = requests.map((r) => r.requestId);
    const already = await db
      .select({ requestId: t.ledgerEntries.requestId })
      .from(t.ledgerEntries)
      .where(and(eq(t.ledgerEntries.role, "contributor"), inArray(t.ledgerEntries.requestId, ids)));
    const done = new Set(already.map((r) => r.requestId));
    const weightSum = shares.reduce((s, [, w]) => s + w, 0n);
    const rows: (typeof t.ledgerEntries.$inferInsert)[] = [];
    for (const r of requests) {
      if (done.has(r.requestId)) continue; // the indexer credited it
      let cum = 0n;
      let prev = 0n;
      for (const [account, w] of shares) {
        cum += w;
        const upTo = (r.pool * cum) / weightSum;
        const amount = upTo - prev;
        prev = upTo;
        if (amount === 0n) continue;
        rows.push({
          id: `test:settle:${r.requestId}:contributor:${account.toLowerCase()}`,
          account: account.toLowerCase(),
          role: "contributor",
          amount,
          requestId: r.requestId,
          modelId: r.modelId,
          datanetId: 1,
          contributionId: null,
          block: r.block,
          tx: r.tx,
          at: new Date(),
        });
      }
    }
    await bulkInsert(db, t.ledgerEntries, rows);
  }
  const openBalance = (a: Address) => client.readContract({ address: d.token, abi: openTokenAbi, functionName: "balanceOf", args: [a] });
  const read = <F extends "epochCount" | "finalEpoch" | "epochRoot" | "epochTotal" | "totalContributorPool" | "claimedTotal">(functionName: F) =>
    client.readContract({ ...market, functionName } as never).then((v) => (typeof v === "number" ? BigInt(v) : v)) as Promise<F extends "epochRoot" ? Hex : bigint>;
  /** Moves the chain's clock past the challenge window (the next post() then finalizes what is due). */
  const passWindow = async () => {
    const window = await client.readContract({ ...market, functionName: "challengeWindow" });
    await client.request({ method: "evm_increaseTime", params: [Number(window)] } as never);
    await client.request({ method: "evm_mine", params: [] } as never);
  };
  return { client, d, settle, credit, openBalance, read, passWindow };
}

const ledgerTotal = (m: Map<string, bigint>) => [...m.values()].reduce((s, v) => s + v, 0n);

for (const { kind, available } of testDatabaseKinds) {
  describe.skipIf(!available)(`contributor payouts on ${kind}`, () => {
    let database: Database;
    let sc: Scenario;
    let client: PublicClient;
    let d: Deployment;
    let eco: ReturnType<typeof economy>;
    let indexer: Indexer;
    const operator = () => wallet(acct(0));
    const post = () => postEpoch({ db: database.db, publicClient: client, operator: operator(), deployment: d });
    /** Past the challenge window, then a run that finalizes what is due. */
    const finalize = async () => {
      await eco.passWindow();
      return (await finalizeEpochs({ db: database.db, publicClient: client, operator: operator(), deployment: d })).at(-1);
    };
    const sync = async () => {
      // A root covers blocks below the head only: mine one so the latest settlements are coverable.
      await client.request({ method: "evm_mine", params: [] } as never);
      for (;;) {
        const r = await indexer.syncOnce();
        if (r.block >= Number(await client.getBlockNumber({ cacheTime: 0 }))) return;
      }
    };
    /** The route handler, called as Next would; claimFor reads its proof through it. */
    const apiFetch = async (url: string) => {
      const address = decodeURIComponent(new URL(url).pathname.split("/")[3]);
      const GET = claimRoute.GET as unknown as (r: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
      return GET(new Request(url), { params: Promise.resolve({ address }) });
    };
    const api = async (a: Address) => {
      const res = await apiFetch(`http://test/api/accounts/${a}/claim`);
      expect(res.status).toBe(200);
      return (await res.json()) as {
        epoch: number | null;
        root: Hex | null;
        cumulativeAmount: string;
        claimed: string;
        claimable: string;
        proof: Hex[];
        treeMatchesRoot: boolean | null;
        pending: { epoch: number; status: string; cumulativeAmount: string; proof: Hex[] } | null;
      };
    };
    const viaApi = { baseUrl: "http://test", fetch: apiFetch };
    // Each contributor's OPEN balance before its first claim, to check Σ received == Σ ledger.
    const start = new Map<string, bigint>();
    const received = async (a: string) => (await eco.openBalance(a as Address)) - start.get(a.toLowerCase())!;
    /** Records the balance of contributors seen for the first time (call after crediting, before claiming). */
    const snapshot = async () => {
      for (const a of (await cumulativeContributorEarnings(database.db)).keys()) {
        if (!start.has(a)) start.set(a, await eco.openBalance(a));
      }
    };
    const own = new Map([A2, A3, A4].map((a) => [a.address.toLowerCase(), a]));
    /** A contributor signs its own claim when the test has its key (a LocalAccount); else the operator submits it (a WalletClient). */
    const sender = (a: string) => own.get(a.toLowerCase()) ?? operator();
    /** claimFor every account of the ledger. */
    const claimAll = async (source: { baseUrl: string; fetch: typeof apiFetch } | { db: Db }) => {
      const out = new Map<string, Awaited<ReturnType<typeof claimFor>>>();
      for (const a of (await cumulativeContributorEarnings(database.db)).keys()) {
        out.set(a, await claimFor({ ...source, account: sender(a), beneficiary: a, publicClient: client, deployment: d }));
      }
      return out;
    };

    beforeAll(async () => {
      database = await openTestDatabase(kind);
      setDatabaseForTests(database);
      clearClaimTreeCache();
      sc = await setupScenario(anvil.rpcUrl);
      client = sc.client;
      d = sc.deployment;
      eco = economy(sc, database.db, kind);
      indexer = new Indexer({ db: database.db, client, deployment: d });
    });
    afterAll(async () => {
      setDatabaseForTests(undefined);
      await database?.close();
    });

    it("posts an epoch of every contributor's cumulative earnings, backed by the settled pools; it is claimable once final", async () => {
      expect(await post()).toMatchObject({ posted: false, epoch: 0, reason: "the indexer has not indexed a final block yet" });
      await sync();
      expect(await post()).toMatchObject({ posted: false, epoch: 0, reason: "no contributor earnings in the ledger yet" });
      const settled = [...(await eco.settle(3)), ...(await eco.settle(1, TINY_MODEL))];
      await sync();
      await eco.credit(settled, [[A2.address, 5n], [A3.address, 3n]]);
      const pools = settled.reduce((s, r) => s + r.pool, 0n);
      expect(await eco.read("totalContributorPool")).toBe(pools);

      // Exact bigint sums of numeric rows (prices of 2.5 OPEN + 7 wei: far beyond 2^53).
      const earnings = await cumulativeContributorEarnings(database.db);
      expect(ledgerTotal(earnings)).toBe(pools);
      await snapshot();

      const r = await post();
      expect(r).toMatchObject({ posted: true, epoch: 1, cumulativeTotal: pools, accounts: earnings.size });
      expect(r.gasUsed).toBeGreaterThan(0n);
      expect(Object.fromEntries(await readEpochBalances(database.db, 1))).toEqual(Object.fromEntries(earnings));
      // Pending: nothing is claimable until its challenge window has passed.
      expect(await eco.read("finalEpoch")).toBe(0n);
      expect(await eco.read("epochTotal")).toBe(0n);
      await sync();
      const [top] = [...earnings].sort((x, y) => (y[1] > x[1] ? 1 : -1))[0];
      const waiting = await api(top);
      expect(waiting).toMatchObject({ epoch: null, claimable: "0", pending: { epoch: 1, status: "pending", cumulativeAmount: earnings.get(top)!.toString() } });
      expect(verifyClaim(r.root!, getAddress(top), earnings.get(top)!, waiting.pending!.proof)).toBe(true);
      const early = await claimFor({ ...viaApi, account: sender(top), beneficiary: top, publicClient: client, deployment: d });
      expect(early).toMatchObject({ claimed: 0n });
      expect(early.reason).toMatch(/^no epoch is final yet/);
      expect((await database.db.select().from(t.epochs))[0]).toMatchObject({ epoch: 1, status: "pending" });

      expect(await finalize()).toBe(1);
      expect(await eco.read("epochRoot")).toBe(r.root);
      expect(await eco.read("epochTotal")).toBe(pools);
      await sync();
      const rows = await database.db.select().from(t.epochs);
      expect(rows).toEqual([expect.objectContaining({ epoch: 1, prev: 0, root: r.root!.toLowerCase(), cumulativeTotal: pools, tx: r.tx, status: "final", throughBlock: r.throughBlock })]);
    });

    it("posts nothing when nothing is new (no transaction)", async () => {
      const block = await client.getBlockNumber({ cacheTime: 0 });
      const r = await post();
      expect(r.posted).toBe(false);
      expect(r.reason).toMatch(/^nothing new since epoch 1/);
      expect(r.tx).toBeUndefined();
      expect(await client.getBlockNumber({ cacheTime: 0 })).toBe(block);
      expect(await eco.read("epochCount")).toBe(1n);
    });

    it("serves the proof through GET /api/accounts/{address}/claim; claimFor pays it once", async () => {
      const earnings = await cumulativeContributorEarnings(database.db);
      const [top, cum] = [...earnings].sort((x, y) => (y[1] > x[1] ? 1 : -1))[0];
      const status = await api(top);
      expect(status).toMatchObject({ epoch: 1, cumulativeAmount: cum.toString(), claimed: "0", claimable: cum.toString(), treeMatchesRoot: true });
      expect(verifyClaim(status.root!, getAddress(top), cum, status.proof)).toBe(true);

      const r = await claimFor({ ...viaApi, account: sender(top), beneficiary: top, publicClient: client, deployment: d });
      expect(r).toMatchObject({ claimed: cum, epoch: 1, cumulativeAmount: cum, totalClaimed: cum, proofLength: status.proof.length });
      expect(r.tx).toMatch(/^0x[0-9a-f]{64}$/);
      expect(await received(top)).toBe(cum);

      // Again, before the indexer has seen the claim (the API still says claimable): the chain says no.
      const block = await client.getBlockNumber({ cacheTime: 0 });
      const again = await claimFor({ ...viaApi, account: sender(top), beneficiary: top, publicClient: client, deployment: d });
      expect(again.claimed).toBe(0n);
      expect(again.tx).toBeUndefined();
      expect(again.reason).toMatch(/^nothing to claim: .* already claimed/);
      expect(await client.getBlockNumber({ cacheTime: 0 })).toBe(block);

      // Someone without earnings.
      const stranger = privateKeyToAccount(generatePrivateKey());
      expect(await claimFor({ ...viaApi, account: stranger, publicClient: client, deployment: d })).toMatchObject({
        claimed: 0n,
        reason: `nothing to claim: ${stranger.address} has no earnings in epoch 1`,
      });

      // Everyone else; each contributor's OPEN balance rises by exactly its cumulative amount.
      await claimAll(viaApi);
      for (const [a, amount] of earnings) expect(await received(a)).toBe(amount);
      await sync();
      expect(await api(top)).toMatchObject({ claimed: cum.toString(), claimable: "0" });
    });

    it("the next epoch pays only the difference; Σ received == Σ ledger", async () => {
      const before = await cumulativeContributorEarnings(database.db);
      const settled = await eco.settle(2);
      await sync();
      await eco.credit(settled, [[A2.address, 1n], [A4.address, 2n]]);
      await snapshot();
      const after = await cumulativeContributorEarnings(database.db);
      const r = await post();
      expect(r).toMatchObject({ posted: true, epoch: 2, cumulativeTotal: ledgerTotal(after), accounts: after.size });
      // Still nothing new a second time.
      expect((await post()).reason).toMatch(/^nothing new since epoch 2/);

      // Pending: claims still go against epoch 1, which everyone has claimed.
      const [first] = [...before.keys()];
      expect((await claimFor({ ...viaApi, account: sender(first), beneficiary: first, publicClient: client, deployment: d })).reason).toMatch(/already claimed/);
      // Final on-chain; the API answers from the indexed epoch: until the indexer has it, claimFor says to retry.
      expect(await finalize()).toBe(2);
      const stale = await claimFor({ ...viaApi, account: sender(first), beneficiary: first, publicClient: client, deployment: d });
      expect(stale).toMatchObject({ claimed: 0n });
      expect(stale.tx).toBeUndefined();
      expect(stale.reason).toMatch(/has epoch 1 .* but the chain is at epoch 2 .* retry once the indexer has caught up/);
      await sync();

      const results = await claimAll(viaApi);
      for (const [a, amount] of after) {
        const diff = amount - (before.get(a) ?? 0n);
        expect(results.get(a)!.claimed, a).toBe(diff);
        if (diff === 0n) expect(results.get(a)!.reason).toMatch(/already claimed/);
        expect(await received(a)).toBe(amount);
      }
      expect([...results.values()].some((x) => x.claimed === 0n)).toBe(true); // A3 earned nothing new
      const sumReceived = (await Promise.all([...after.keys()].map(received))).reduce((s, v) => s + v, 0n);
      expect(sumReceived).toBe(ledgerTotal(after));
      expect(await eco.read("claimedTotal")).toBe(ledgerTotal(after));
      await sync();
      const claims = await database.db.select().from(t.claims);
      expect(claims.reduce((s, c) => s + c.amount, 0n)).toBe(ledgerTotal(after));
    });

    it("the epoch job posts on demand, one run at a time; claims read from the database directly", async () => {
      const job = startEpochJob({ db: database.db, publicClient: client, operator: operator(), deployment: d, intervalMs: 0, log: () => {} });
      expect((await job.runNow()).reason).toMatch(/^nothing new since epoch 2/);
      await eco.credit(await eco.settle(1), [[A3.address, 1n]]);
      await snapshot();
      await sync();
      const [first, second] = await Promise.all([job.runNow(), job.runNow()]);
      expect(first).toMatchObject({ posted: true, epoch: 3 });
      expect(second.reason).toMatch(/^nothing new since epoch 3/);
      // The next run after the challenge window finalizes it.
      await eco.passWindow();
      expect(await job.runNow()).toMatchObject({ posted: false, finalized: [3] });
      await job.stop();
      // No indexer needed: epoch_balances of the chain's current epoch.
      await claimAll({ db: database.db });
      const earnings = await cumulativeContributorEarnings(database.db);
      for (const [a, amount] of earnings) expect(await received(a)).toBe(amount);
      expect(await eco.read("claimedTotal")).toBe(ledgerTotal(earnings));
    });

    it("refuses, before sending anything, an insolvent epoch and a decreasing one", async () => {
      const db = database.db;
      const epochBefore = await eco.read("epochCount");
      const block = await client.getBlockNumber({ cacheTime: 0 });
      const pool = await eco.read("totalContributorPool");
      const total = ledgerTotal(await cumulativeContributorEarnings(db));
      const stranger = privateKeyToAccount(generatePrivateKey()).address.toLowerCase();
      const row = { account: stranger, role: "contributor", requestId: null, modelId: null, datanetId: null, contributionId: null, block: 1, tx: "0x00", at: new Date() };

      // The ledger credits 1 wei more than the settled pools hold.
      await db.insert(t.ledgerEntries).values({ ...row, id: "test:insolvent", amount: pool - total + 1n });
      const insolvent = await post();
      expect(insolvent.posted).toBe(false);
      expect(insolvent.reason).toMatch(/^insolvent: the ledger credits contributors \d+ but the settled contributor pools hold only \d+/);
      expect(insolvent.reason).toContain(`${pool + 1n}`);
      await db.delete(t.ledgerEntries).where(eq(t.ledgerEntries.id, "test:insolvent"));

      // A ledger total below the last epoch's (e.g. rows lost): EpochTotalDecreased, refused here.
      const a4 = A4.address.toLowerCase();
      const saved = await db.select().from(t.ledgerEntries).where(and(eq(t.ledgerEntries.account, a4), eq(t.ledgerEntries.role, "contributor")));
      await db.delete(t.ledgerEntries).where(eq(t.ledgerEntries.account, a4));
      const lower = await post();
      expect(lower.posted).toBe(false);
      expect(lower.reason).toMatch(/is below epoch \d+'s total .*EpochTotalDecreased/);

      // Same total, but one account went down (moved to a stranger): refused as well.
      const moved = saved.reduce((s, r) => s + r.amount, 0n);
      await db.insert(t.ledgerEntries).values({ ...row, id: "test:moved", amount: moved });
      const down = await post();
      expect(down.posted).toBe(false);
      expect(down.reason).toMatch(/would go down from epoch \d+ \(e\.g\. 0x[0-9a-f]{40}: \d+ → 0\)/);
      await db.delete(t.ledgerEntries).where(eq(t.ledgerEntries.id, "test:moved"));
      await bulkInsert(db, t.ledgerEntries, saved);

      expect(await eco.read("epochCount")).toBe(epochBefore);
      expect(await client.getBlockNumber({ cacheTime: 0 })).toBe(block);
      expect((await post()).reason).toMatch(/^nothing new/);
    });

    it("after a discarded root, the next honest root finalizes and pays (finalization steps over the discarded root)", async () => {
      const market = { address: d.inferenceMarket, abi: inferenceMarketAbi } as const;
      const send = async (hash: Hex) => expect((await client.waitForTransactionReceipt({ hash })).status).toBe("success");
      const final = Number(await eco.read("finalEpoch"));
      const tip = await client.readContract({ ...market, functionName: "getEpoch", args: [await eco.read("epochCount")] });
      // The poster credits itself the tip's total; a stranger disputes; the admin (governance in production) upholds.
      const bad = buildClaimsTree([{ account: acct(0).address, cumulativeAmount: tip.cumulativeTotal }]);
      await send(await operator().writeContract({ ...market, functionName: "postEpoch", args: [bad.root as Hex, tip.cumulativeTotal, await client.getBlockNumber({ cacheTime: 0 }), tip.poolThrough] }));
      const badEpoch = Number(await eco.read("epochCount"));
      const challenger = acct(7);
      const bond = await client.readContract({ ...market, functionName: "disputeBond" });
      await send(await wallet(challenger).writeContract({ address: d.token, abi: openTokenAbi, functionName: "faucet", args: [challenger.address, bond] }));
      await send(await wallet(challenger).writeContract({ address: d.token, abi: openTokenAbi, functionName: "approve", args: [d.inferenceMarket, bond] }));
      await send(await wallet(challenger).writeContract({ ...market, functionName: "dispute", args: [badEpoch] }));
      await send(await operator().writeContract({ ...market, functionName: "resolveDispute", args: [badEpoch, true] }));
      // The slash took the poster's whole stake: it stakes again before serving and posting.
      const minStake = await client.readContract({ ...market, functionName: "minStake" });
      await send(await operator().writeContract({ address: d.token, abi: openTokenAbi, functionName: "approve", args: [d.inferenceMarket, minStake] }));
      await send(await operator().writeContract({ ...market, functionName: "stake", args: [acct(0).address, minStake] }));

      await eco.credit(await eco.settle(1), [[A2.address, 1n], [A4.address, 1n]]);
      await snapshot();
      await sync();
      const honest = await post();
      expect(honest).toMatchObject({ posted: true, epoch: badEpoch + 1 });
      expect((await client.readContract({ ...market, functionName: "getEpoch", args: [BigInt(badEpoch + 1)] })).prev).toBe(final);
      expect(await finalize()).toBe(badEpoch + 1);
      expect(Number(await eco.read("finalEpoch"))).toBe(badEpoch + 1);
      await claimAll({ db: database.db });
      const earnings = await cumulativeContributorEarnings(database.db);
      for (const [a, amount] of earnings) expect(await received(a)).toBe(amount);
      expect(await eco.read("claimedTotal")).toBe(ledgerTotal(earnings));
    });

    it("gas: postEpoch is the same for 2, 200 and 2,000 contributors; claim grows with the proof depth only", async () => {
      // A deployment and database of its own, so the numbers compare like with like.
      const gasDb = await openTestDatabase(kind);
      try {
        const sc2 = await setupScenario(anvil.rpcUrl);
        const e2 = economy(sc2, gasDb.db, `${kind} gas`);
        const ix2 = new Indexer({ db: gasDb.db, client: sc2.client, deployment: sc2.deployment });
        const [settled] = await e2.settle(1);
        const fresh = (count: number) => Array.from({ length: count }, () => privateKeyToAccount(generatePrivateKey()).address);
        let seq = 0;
        const add = (accounts: Address[], amount: bigint) =>
          bulkInsert(
            gasDb.db,
            t.ledgerEntries,
            accounts.map((a) => ({ id: `test:gas:${seq++}`, account: a.toLowerCase(), role: "contributor", amount, requestId: settled.requestId, modelId: 2, datanetId: 1, contributionId: null, block: settled.block, tx: settled.tx, at: new Date() })),
          );
        const postIt = async () => {
          // A root may only rise by what was settled since the last one: settle a request first.
          await e2.settle(1);
          await sc2.client.request({ method: "evm_mine", params: [] } as never);
          await ix2.syncOnce();
          const opts = { db: gasDb.db, publicClient: sc2.client, operator: operator(), deployment: sc2.deployment };
          const r = await postEpoch(opts);
          expect(r.posted, r.reason).toBe(true);
          await e2.passWindow();
          expect(await finalizeEpochs(opts)).toEqual([r.epoch]);
          return r;
        };
        // The operator submits every claim (anyone may); each beneficiary is a fresh account claiming for the first time.
        const claimOnce = async (beneficiary: Address) => {
          const r = await claimFor({ db: gasDb.db, account: acct(0), beneficiary, publicClient: sc2.client, deployment: sc2.deployment });
          expect(r.claimed, r.reason).toBeGreaterThan(0n);
          return r;
        };
        const [a, b] = fresh(2);
        // Epoch 1 and a first claim write the zero slots (epochRoot, epochTotal, claimedTotal) once.
        await add([a, b], 1000n);
        await postIt();
        await claimOnce(a);

        await add([a, b], 10n);
        const post2 = await postIt();
        const claim2 = await claimOnce(b);

        const c200 = fresh(198);
        await add([a, b], 10n);
        await add(c200, 1000n);
        const post200 = await postIt();
        const claim200 = await claimOnce(c200[0]);

        const c2000 = fresh(1800);
        await add([a, b], 10n);
        await add(c2000, 1000n);
        const post2000 = await postIt();
        const claim2000 = await claimOnce(c2000[0]);

        const figures = {
          postEpoch: { 2: post2.gasUsed, 200: post200.gasUsed, 2000: post2000.gasUsed },
          claim: {
            2: { gas: claim2.gasUsed, proof: claim2.proofLength },
            200: { gas: claim200.gasUsed, proof: claim200.proofLength },
            2000: { gas: claim2000.gasUsed, proof: claim2000.proofLength },
          },
        };
        console.log(`gas (${kind}): ${JSON.stringify(figures, (_k, v) => (typeof v === "bigint" ? Number(v) : v))}`);
        expect([post2.accounts, post200.accounts, post2000.accounts]).toEqual([2, 200, 2000]);
        // Only the root and the total go on-chain: the same gas up to calldata byte values (±16 gas a byte).
        for (const g of [post200.gasUsed!, post2000.gasUsed!]) {
          expect(Math.abs(Number(g - post2.gasUsed!))).toBeLessThan(600);
        }
        // A claim costs a fixed part plus one hash (32 calldata bytes + keccak) per level: O(log N).
        expect(claim2.proofLength).toBe(1);
        expect(claim200.proofLength).toBeGreaterThanOrEqual(7); // ⌊log2 200⌋ or ⌈log2 200⌉
        expect(claim2000.proofLength).toBeGreaterThanOrEqual(10);
        const perLevel = (x: typeof claim2) => Number(x.gasUsed! - claim2.gasUsed!) / (x.proofLength! - claim2.proofLength!);
        for (const x of [claim200, claim2000]) {
          expect(perLevel(x)).toBeGreaterThan(200);
          expect(perLevel(x)).toBeLessThan(1200);
        }
      } finally {
        await gasDb.close();
      }
    });
  });
}
