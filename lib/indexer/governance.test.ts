/**
 * Staked operators and governance, end to end on a real anvil with the real Governor (no `admin`): stakes,
 * settlements, a dispute upheld by a proposal executed through the timelock (slash, new fee schedule), a
 * defeated and a canceled proposal, delegation; the indexed state and the proposal states computed from it
 * match the contracts at every step, a reorg rolls the new tables back, and the API answers hostile input with 4xx.
 */
import { createPublicClient, createWalletClient, http, keccak256, maxUint256, parseUnits, toHex, zeroAddress, type Address, type Hex, type PublicClient } from "viem";
import { foundry } from "viem/chains";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as operatorGetRoute from "@/app/api/operators/[address]/route";
import * as operatorsRoute from "@/app/api/operators/route";
import * as accountsRoute from "@/app/api/governance/accounts/[address]/route";
import * as paramsRoute from "@/app/api/governance/params/route";
import * as proposalRoute from "@/app/api/governance/proposals/[id]/route";
import * as proposalsRoute from "@/app/api/governance/proposals/route";
import { datanetRegistryAbi, inferenceMarketAbi, ledgerlineGovernorAbi, modelRegistryAbi, openTokenAbi, openVotesAbi } from "@/contracts-abi";
import { setDatabaseForTests, type Database } from "@/db/client";
import * as t from "@/db/schema";
import { openTestDatabase, testDatabaseKinds } from "@/db/testing";
import { devAccount, startAnvil, type Anvil } from "@/lib/chain/anvil";
import { deployLedgerline, type Deployment } from "@/lib/chain/deploy";
import { buildClaimsTree, versionRoot } from "@/lib/chain/merkle";
import {
  advanceChainTime,
  castVote,
  execute,
  governanceClient,
  propose,
  proposalStateOnChain,
  queue,
  runProposal,
  wrapAndDelegate,
  type GovernanceClient,
  type ProposedCall,
} from "@/lib/governance/actions";
import { knownContractsOf } from "@/lib/governance/describe";
import { resolveDisputeAction, setFeesAction } from "@/lib/governance/proposals";
import { chainNow, getGovernorSettings, getMarketOverview, getOperator, getProposal, getVotingPower, listOperators, listProposals } from "@/lib/queries";
import { subscribeLive } from "@/lib/live/bus";
import type { LiveEvent } from "@/lib/live/events";
import { Indexer } from "./indexer";
import { dumpReadModel } from "./testing/dump";

const acct = devAccount;
const [operator, alice, bob, carol, dave, erin] = [0, 1, 2, 3, 4, 5].map(acct);
const treasury = acct(9);
const OPEN = (n: number | string) => parseUnits(String(n), 18);

type Handler = (request: Request, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;

for (const { kind, available } of testDatabaseKinds) {
  describe.skipIf(!available)(`operators and governance indexed on ${kind}`, () => {
    let anvil: Anvil;
    let database: Database;
    let client: PublicClient;
    let d: Deployment;
    let deploymentFile: string;
    const wallet = (a: ReturnType<typeof acct>) => createWalletClient({ account: a, chain: foundry, transport: http(anvil.rpcUrl) });
    const gov = (a: ReturnType<typeof acct>): GovernanceClient => governanceClient({ publicClient: client, walletClient: wallet(a), deployment: d });
    const send = async (hash: Hex) => {
      const r = await client.waitForTransactionReceipt({ hash });
      expect(r.status).toBe("success");
      return r;
    };
    const market = () => ({ address: d.inferenceMarket, abi: inferenceMarketAbi }) as const;
    const sync = () => new Indexer({ db: database.db, client, deployment: d, maxRange: 7 }).syncOnce();
    const chainTime = async () => new Date(Number((await client.getBlock({ blockTag: "latest" })).timestamp) * 1000);
    const contracts = () => knownContractsOf(d);
    /** Our state (computed from the index at the latest block's time) next to the Governor's own. */
    const states = async (id: bigint) => {
      await sync();
      const ours = await getProposal(id.toString(), { now: await chainTime(), contracts: contracts() });
      return { ours: ours?.state, chain: await proposalStateOnChain(gov(alice), id) };
    };
    const call = async (handler: Handler, url: string, params: Record<string, string> = {}) => {
      const res = await handler(new Request(`http://test${url}`), { params: Promise.resolve(params) });
      return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
    };

    let requestHashes: Hex[] = [];
    let feesAndVerdict: ProposedCall;

    beforeAll(async () => {
      anvil = await startAnvil();
      database = await openTestDatabase(kind);
      setDatabaseForTests(database);
      client = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) }) as PublicClient;
      // No `admin`: every parameter belongs to the timelock, so only the Governor can change it.
      d = await deployLedgerline({ publicClient: client, walletClient: wallet(operator), operator: operator.address, protocolTreasury: treasury.address });
      deploymentFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ll-gov-")), "deployment.json");
      fs.writeFileSync(deploymentFile, JSON.stringify(d));
      process.env.DEPLOYMENT_FILE = deploymentFile;
      for (const a of [alice, bob, carol, dave, erin]) {
        await send(await wallet(a).writeContract({ address: d.token, abi: openTokenAbi, functionName: "faucet", args: [a.address, OPEN(10_000)] }));
        await send(await wallet(a).writeContract({ address: d.token, abi: openTokenAbi, functionName: "approve", args: [d.inferenceMarket, maxUint256] }));
      }
    }, 120_000);

    afterAll(async () => {
      setDatabaseForTests(undefined);
      delete process.env.DEPLOYMENT_FILE;
      await database?.close();
      await anvil?.stop();
    });

    it("indexes stakes, settlements per operator, unstaking and withdrawal as the market holds them", async () => {
      // erin stakes for itself; alice tops up the demo operator's stake (anyone may fund a stake).
      await send(await wallet(erin).writeContract({ ...market(), functionName: "stake", args: [erin.address, OPEN(1_500)] }));
      await send(await wallet(alice).writeContract({ ...market(), functionName: "stake", args: [operator.address, OPEN(200)] }));
      // A Datanet, a model and two paid requests: one settled by each operator.
      const reg = { address: d.datanetRegistry, abi: datanetRegistryAbi } as const;
      await send(await wallet(bob).writeContract({ ...reg, functionName: "createDatanet", args: [keccak256(toHex("meta")), "ledgerline:meta", 0n, false, zeroAddress] }));
      const content = keccak256(toHex("content"));
      await send(await wallet(carol).writeContract({ ...reg, functionName: "contribute", args: [1n, content, 100n, 2, 0n, 0n, "0x"] }));
      await send(await wallet(bob).writeContract({ ...reg, functionName: "publishVersion", args: [1n, versionRoot([{ id: 1n, contentHash: content }]), 1] }));
      await send(
        await wallet(bob).writeContract({
          address: d.modelRegistry,
          abi: modelRegistryAbi,
          functionName: "registerModel",
          args: ["ledgerline:model", keccak256(toHex("model-meta")), keccak256(toHex("artifact")), [1n], [1], OPEN("1.000000000000000007"), 2000, 0],
        }),
      );
      requestHashes = [keccak256(toHex("request one")), keccak256(toHex("request two"))];
      for (const h of requestHashes) await send(await wallet(dave).writeContract({ ...market(), functionName: "pay", args: [1n, h, maxUint256] }));
      for (const [i, who] of [operator, erin].entries()) {
        await send(await wallet(who).writeContract({ ...market(), functionName: "settle", args: [BigInt(i + 1), requestHashes[i], keccak256(toHex(`out ${i}`)), keccak256(toHex(`attr ${i}`))] }));
      }
      // erin unstakes a third, waits out the challenge window plus the unbonding delay, and withdraws.
      await send(await wallet(erin).writeContract({ ...market(), functionName: "requestUnstake", args: [OPEN(500)] }));
      await advanceChainTime(client, 61);
      await send(await wallet(erin).writeContract({ ...market(), functionName: "withdrawStake" }));
      await sync();

      for (const who of [operator, erin]) {
        const onChain = await client.readContract({ ...market(), functionName: "getStake", args: [who.address] });
        const o = await getOperator(who.address);
        expect(o, who.address).not.toBeNull();
        expect(o!.active).toBe(onChain.active);
        expect(o!.unbonding).toBe(onChain.unbonding);
        expect(o!.requestsServed).toBe(1);
        expect(o!.feesEarned).toBe(await client.readContract({ ...market(), functionName: "credits", args: [who.address] }));
        expect(o!.isOperator).toBe(await client.readContract({ ...market(), functionName: "isOperator", args: [who.address] }));
      }
      const e = (await getOperator(erin.address))!;
      expect(e).toMatchObject({ staked: OPEN(1_500), withdrawn: OPEN(500), slashed: 0n, releaseAt: null, isRootPoster: false });
      expect(e.events.map((x) => x.kind)).toEqual(["stake_withdrawn", "unstake_requested", "staked"]);
      expect(e.events[1]).toMatchObject({ amount: OPEN(500), active: OPEN(1_000) });
      const page = await listOperators({ limit: 1 });
      expect(page.items.map((x) => x.address)).toEqual([operator.address.toLowerCase()]);
      expect(page.items[0]).toMatchObject({ isRootPoster: true, active: OPEN(1_200), staked: OPEN(1_200) });
      const rest = await listOperators({ limit: 5, cursor: page.nextCursor! });
      expect(rest.items.map((x) => x.address)).toEqual([erin.address.toLowerCase()]);
      expect(rest.nextCursor).toBeNull();
      const overview = await getMarketOverview();
      expect(overview.params).toMatchObject({ minStake: OPEN(1_000), rootPoster: operator.address.toLowerCase(), protocolTreasury: treasury.address.toLowerCase(), challengeWindow: 30, unbondingDelay: 30 });
      expect(overview.feeSchedules.map((f) => [f.version, f.protocolBps, f.operatorBps])).toEqual([[0, 500, 1000]]);
      expect(overview.totalStaked).toBe(await client.readContract({ ...market(), functionName: "totalStaked" }));
      expect(overview.activeOperators).toBe(2);
    }, 120_000);

    it("follows a proposal through pending, active, succeeded, queued and executed exactly as the Governor reports it", async () => {
      // Voting power: alice 600, bob 300 + dave's 50 delegated to him, carol 100 (supply 1050, quorum 25 %).
      await wrapAndDelegate(gov(alice), { amount: OPEN(600) });
      await wrapAndDelegate(gov(bob), { amount: OPEN(300) });
      await wrapAndDelegate(gov(carol), { amount: OPEN(100) });
      await wrapAndDelegate(gov(dave), { amount: OPEN(50), delegatee: bob.address });
      // A malicious root (the operator credits itself the whole pool), disputed by carol.
      const pool = await client.readContract({ ...market(), functionName: "totalContributorPool" });
      const tree = buildClaimsTree([{ account: operator.address, cumulativeAmount: pool }]);
      const head = await client.getBlockNumber();
      await send(await wallet(operator).writeContract({ ...market(), functionName: "postEpoch", args: [tree.root as Hex, pool, head, pool] }));
      await send(await wallet(carol).writeContract({ ...market(), functionName: "dispute", args: [1] }));
      await advanceChainTime(client, 1); // votes are counted from the second after delegation

      const description = "# Fees 4 % and uphold the dispute of epoch 1\n\nThe root credits its poster.\u0000 (a NUL, stored as U+FFFD)";
      feesAndVerdict = await propose(gov(alice), {
        actions: [setFeesAction(d.inferenceMarket, 400, 1000), resolveDisputeAction(d.inferenceMarket, 1, true)],
        description,
      });
      expect(await states(feesAndVerdict.proposalId)).toEqual({ ours: "pending", chain: "pending" });
      await advanceChainTime(client, 2);
      expect(await states(feesAndVerdict.proposalId)).toEqual({ ours: "active", chain: "active" });

      await castVote(gov(alice), feesAndVerdict.proposalId, "for", "the root is wrong\u0000");
      await castVote(gov(bob), feesAndVerdict.proposalId, "against");
      // carol abstains with params (VoteCastWithParams).
      await send(
        await wallet(carol).writeContract({
          address: d.governor,
          abi: ledgerlineGovernorAbi,
          functionName: "castVoteWithReasonAndParams",
          args: [feesAndVerdict.proposalId, 2, "", "0x1234"],
        }),
      );
      expect(await states(feesAndVerdict.proposalId)).toEqual({ ours: "active", chain: "active" });
      const active = (await getProposal(feesAndVerdict.proposalId.toString(), { now: await chainTime(), contracts: contracts() }))!;
      const [against, forVotes, abstain] = await client.readContract({ address: d.governor, abi: ledgerlineGovernorAbi, functionName: "proposalVotes", args: [feesAndVerdict.proposalId] });
      expect([active.forVotes, active.againstVotes, active.abstainVotes]).toEqual([forVotes, against, abstain]);
      expect([forVotes, against, abstain]).toEqual([OPEN(600), OPEN(350), OPEN(100)]);
      expect(active.quorum).toBe(await client.readContract({ address: d.governor, abi: ledgerlineGovernorAbi, functionName: "quorum", args: [feesAndVerdict.voteStart] }));
      expect(active.quorum).toBe((OPEN(1_050) * 25n) / 100n);
      expect(active.quorumReached).toBe(true);
      expect(active.voteCount).toBe(3);
      expect(active.votes.map((v) => [v.voter, v.support, v.weight])).toEqual([
        [alice.address.toLowerCase(), "for", OPEN(600)],
        [bob.address.toLowerCase(), "against", OPEN(350)],
        [carol.address.toLowerCase(), "abstain", OPEN(100)],
      ]);
      expect(active.votes[0].reason).toBe("the root is wrong\uFFFD");
      expect(active.description).toBe(description.replace("\u0000", "\uFFFD"));
      expect(active.descriptionHash).toBe(feesAndVerdict.descriptionHash);
      expect(active.title).toBe("Fees 4 % and uphold the dispute of epoch 1");
      expect(active.calls.map((c) => [c.contract, c.function])).toEqual([
        ["InferenceMarket", "setFees"],
        ["InferenceMarket", "resolveDispute"],
      ]);
      expect(active.calls[0].summary).toContain("protocol 4 % (400 bps) and operator 10 % (1000 bps)");
      expect(active.calls[1].summary).toContain("Uphold the dispute of epoch #1");
      expect(active.nextTransitionAt!.getTime()).toBe((Number(feesAndVerdict.voteEnd) + 1) * 1000);

      await advanceChainTime(client, 31);
      expect(await states(feesAndVerdict.proposalId)).toEqual({ ours: "succeeded", chain: "succeeded" });
      const { eta } = await queue(gov(bob), feesAndVerdict); // anyone may queue and execute
      expect(await states(feesAndVerdict.proposalId)).toEqual({ ours: "queued", chain: "queued" });
      expect((await getProposal(feesAndVerdict.proposalId.toString(), { contracts: contracts() }))!.eta!.getTime()).toBe(Number(eta) * 1000);
      await advanceChainTime(client, 6);
      expect(await states(feesAndVerdict.proposalId)).toEqual({ ours: "queued", chain: "queued" });
      await execute(gov(bob), feesAndVerdict);
      expect(await states(feesAndVerdict.proposalId)).toEqual({ ours: "executed", chain: "executed" });

      // The verdict slashed the poster's whole stake (half to carol), and later payments get the new fees.
      const op = (await getOperator(operator.address))!;
      expect(op).toMatchObject({ active: 0n, unbonding: 0n, slashed: OPEN(1_200), slashCount: 1, isOperator: false, disputes: 1, disputesUpheld: 1, disputesOpen: 0, rootsPosted: 1 });
      expect(op.events[0]).toMatchObject({ kind: "slashed", amount: OPEN(1_200), epoch: 1, challenger: carol.address.toLowerCase(), toChallenger: OPEN(600), toTreasury: OPEN(600) });
      expect(op.disputeList).toMatchObject([{ epoch: 1, status: "discarded", challenger: carol.address.toLowerCase(), upheld: true }]);
      const overview = await getMarketOverview();
      expect(overview.feeSchedules.map((f) => [f.version, f.protocolBps, f.operatorBps])).toEqual([
        [1, 400, 1000],
        [0, 500, 1000],
      ]);
    }, 180_000);

    it("computes defeated (quorum missed) and canceled like the Governor, and indexes delegation and voting power", async () => {
      // carol's 100 votes meet the proposal threshold but not the quorum (262.5 of 1050).
      const lonely = await propose(gov(carol), { actions: [setFeesAction(d.inferenceMarket, 300, 1000)], description: "Fees 3 %" });
      await advanceChainTime(client, 2);
      await castVote(gov(carol), lonely.proposalId, "for");
      await advanceChainTime(client, 31);
      expect(await states(lonely.proposalId)).toEqual({ ours: "defeated", chain: "defeated" });
      const defeated = (await getProposal(lonely.proposalId.toString(), { now: await chainTime(), contracts: contracts() }))!;
      expect(defeated).toMatchObject({ quorumReached: false, forVotes: OPEN(100), nextTransitionAt: null });

      const withdrawn = await propose(gov(alice), { actions: [setFeesAction(d.inferenceMarket, 0, 0)], description: "No fees at all" });
      // A proposer may cancel only while pending: mine the cancel at the snapshot second itself, however slow the machine.
      await client.request({ method: "evm_setNextBlockTimestamp" as never, params: [Number(withdrawn.voteStart)] as never });
      await send(
        await wallet(alice).writeContract({
          address: d.governor,
          abi: ledgerlineGovernorAbi,
          functionName: "cancel",
          args: [withdrawn.targets, withdrawn.values, withdrawn.calldatas, withdrawn.descriptionHash],
        }),
      );
      expect(await states(withdrawn.proposalId)).toEqual({ ours: "canceled", chain: "canceled" });

      const page = await listProposals({ limit: 2, contracts: contracts() });
      expect(page.items.map((p) => p.id)).toEqual([withdrawn.proposalId.toString(), lonely.proposalId.toString()]);
      const last = await listProposals({ limit: 2, cursor: page.nextCursor!, contracts: contracts() });
      expect(last.items.map((p) => [p.id, p.state])).toEqual([[feesAndVerdict.proposalId.toString(), "executed"]]);

      const bobPower = await getVotingPower(bob.address);
      expect(bobPower).toMatchObject({ balance: OPEN(300), delegate: bob.address.toLowerCase(), votes: OPEN(350), delegators: 2, votesCast: 1 });
      expect(bobPower.votes).toBe(await client.readContract({ address: d.openVotes, abi: openVotesAbi, functionName: "getVotes", args: [bob.address] }));
      expect(await getVotingPower(dave.address)).toMatchObject({ balance: OPEN(50), delegate: bob.address.toLowerCase(), votes: 0n, delegators: 0 });
      expect(await getVotingPower(erin.address)).toMatchObject({ balance: 0n, delegate: null, votes: 0n });
      const settings = (await getGovernorSettings())!;
      expect(settings).toMatchObject({ votingDelay: 1, votingPeriod: 30, proposalThreshold: OPEN(100), quorumNumerator: 25, timelock: d.timelock.toLowerCase(), totalSupply: OPEN(1_050) });
      expect(settings.totalSupply).toBe(await client.readContract({ address: d.openVotes, abi: openVotesAbi, functionName: "totalSupply" }));
    }, 180_000);

    it("sends delegations with gas headroom: a bare estimate made in the second of the last checkpoint runs out of gas a second later", async () => {
      const outer = (await client.request({ method: "evm_snapshot" as never })) as Hex;
      try {
        await wrapAndDelegate(gov(erin), { amount: OPEN(10) });
        // erin's own checkpoint at second t; dave moves his votes to erin, estimated while the chain still says t.
        await send(await wallet(erin).writeContract({ address: d.token, abi: openTokenAbi, functionName: "approve", args: [d.openVotes, OPEN(1)] }));
        const t = Number((await client.getBlock({ blockTag: "latest" })).timestamp) + 10;
        await client.request({ method: "evm_setNextBlockTimestamp" as never, params: [t] as never });
        // One transaction, so its block is exactly second t.
        await send(await wallet(erin).writeContract({ address: d.openVotes, abi: openVotesAbi, functionName: "depositFor", args: [erin.address, OPEN(1)] }));
        expect((await client.getBlock({ blockTag: "latest" })).timestamp).toBe(BigInt(t));
        const call = { address: d.openVotes, abi: openVotesAbi, functionName: "delegate", args: [erin.address], account: dave } as const;
        // The pending block stays at second t however long the machine takes (anvil's clock would move on).
        await client.request({ method: "anvil_setBlockTimestampInterval" as never, params: [0] as never });
        const estimate = await client.estimateContractGas(call).finally(() => client.request({ method: "anvil_removeBlockTimestampInterval" as never }));
        const inner = (await client.request({ method: "evm_snapshot" as never })) as Hex;
        await client.request({ method: "evm_setNextBlockTimestamp" as never, params: [t + 1] as never });
        const bare = await client.waitForTransactionReceipt({ hash: await wallet(dave).writeContract({ ...call, gas: estimate }) });
        expect(bare.status).toBe("reverted");
        await client.request({ method: "evm_revert" as never, params: [inner] as never });
        await client.request({ method: "evm_setNextBlockTimestamp" as never, params: [t + 1] as never });
        await wrapAndDelegate(gov(dave), { amount: 0n, delegatee: erin.address });
        expect(await client.readContract({ address: d.openVotes, abi: openVotesAbi, functionName: "delegates", args: [dave.address] })).toBe(erin.address);
      } finally {
        await client.request({ method: "evm_revert" as never, params: [outer] as never });
      }
    }, 60_000);

    it("reads the chain's clock from the index, also when the chain runs ahead of the wall clock", async () => {
      await advanceChainTime(client, 100_000);
      await sync();
      const latest = await chainTime();
      const now = await chainNow();
      expect(now.getTime()).toBeGreaterThanOrEqual(latest.getTime());
      expect(now.getTime()).toBeGreaterThan(Date.now() + 90_000_000);
    });

    it("rolls the new tables back on a reorg: the database equals a fresh index of the final chain", async () => {
      await advanceChainTime(client, 1);
      const next = await propose(gov(alice), { actions: [setFeesAction(d.inferenceMarket, 450, 900)], description: "Fees 4.5 %" });
      await advanceChainTime(client, 2);
      await sync();
      const snapshot = (await client.request({ method: "evm_snapshot" as never })) as Hex;
      // The branch that will be dropped: a vote, a stake, a wrap, a delegation.
      await castVote(gov(alice), next.proposalId, "against");
      await send(await wallet(dave).writeContract({ ...market(), functionName: "stake", args: [dave.address, OPEN(2_000)] }));
      await wrapAndDelegate(gov(erin), { amount: OPEN(10) });
      await sync();
      expect((await getProposal(next.proposalId.toString(), { contracts: contracts() }))!.againstVotes).toBe(OPEN(600));
      expect(await getOperator(dave.address)).not.toBeNull();
      await client.request({ method: "evm_revert" as never, params: [snapshot] as never });
      // The branch that stays: other votes, no stake.
      await castVote(gov(alice), next.proposalId, "for");
      await castVote(gov(bob), next.proposalId, "abstain");
      await sync();
      const kept = (await getProposal(next.proposalId.toString(), { contracts: contracts() }))!;
      expect([kept.forVotes, kept.againstVotes, kept.abstainVotes, kept.voters]).toEqual([OPEN(600), 0n, OPEN(350), 2]);
      expect(await getOperator(dave.address)).toBeNull();
      expect(await getVotingPower(erin.address)).toMatchObject({ balance: 0n, votes: 0n });
      const fresh = await openTestDatabase(kind);
      try {
        await new Indexer({ db: fresh.db, client, deployment: d }).syncOnce();
        const [mine, theirs] = [await dumpReadModel(database.db), await dumpReadModel(fresh.db)];
        expect(mine).toEqual(theirs);
        // The new tables are in the comparison, and hold the kept branch's rows.
        expect(mine.proposalVotes.length).toBe((await database.db.select().from(t.proposalVotes)).length);
        expect(mine.proposalVotes.length).toBe(3 + 1 + 2);
        expect(mine.operators.length).toBe(2);
      } finally {
        await fresh.close();
      }
    }, 180_000);

    it("runProposal takes a fee change from proposal to execution, and the indexer tells the live stream each step", async () => {
      const seen: LiveEvent[] = [];
      const unsubscribe = subscribeLive((events) => seen.push(...events));
      try {
        const run = await runProposal(gov(alice), { actions: [setFeesAction(d.inferenceMarket, 350, 900)], description: "Fees 3.5 % / 9 %" }, { voters: [wallet(bob)], anvil: true });
        expect(await proposalStateOnChain(gov(alice), run.proposalId)).toBe("executed");
        await sync();
        const id = run.proposalId.toString();
        expect((await getProposal(id, { contracts: contracts() }))!).toMatchObject({ state: "executed", executedTx: run.executeTx, queuedTx: run.queueTx, voters: 2 });
        expect((await getMarketOverview()).feeSchedules[0]).toMatchObject({ protocolBps: 350, operatorBps: 900 });
        const mine = seen.filter((e) => "proposalId" in e && e.proposalId === id).map((e) => e.type);
        expect(mine).toEqual(["proposal.created", "proposal.voted", "proposal.voted", "proposal.updated", "proposal.updated"]);
        expect(seen.some((e) => e.type === "params.changed")).toBe(true);
      } finally {
        unsubscribe();
      }
    }, 120_000);

    it("serves the API, and answers bad ids and forged query parameters with a 4xx and a message", async () => {
      const list = await call(operatorsRoute.GET, "/api/operators?limit=1");
      expect(list.status).toBe(200);
      expect(list.body.items).toHaveLength(1);
      expect(typeof list.body.items[0].active).toBe("string");
      const one = await call(operatorGetRoute.GET, `/api/operators/${operator.address}`, { address: operator.address });
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ slashCount: 1, slashed: OPEN(1_200).toString(), requestsServed: 1 });
      const params = await call(paramsRoute.GET, "/api/governance/params");
      expect(params.status).toBe(200);
      expect(params.body.governor).toMatchObject({ quorumNumerator: 25, totalSupply: OPEN(1_050).toString() });
      expect(params.body.feeSchedules[1]).toMatchObject({ version: 1, protocolBps: 400 });
      const proposals = await call(proposalsRoute.GET, "/api/governance/proposals?limit=10");
      expect(proposals.status).toBe(200);
      expect(proposals.body.items.length).toBe(5);
      const id = feesAndVerdict.proposalId.toString();
      const detail = await call(proposalRoute.GET, `/api/governance/proposals/${id}`, { id });
      expect(detail.status).toBe(200);
      // The deployment file names the market, so the calls are described.
      expect(detail.body).toMatchObject({ id, state: "executed", forVotes: OPEN(600).toString(), voteCount: 3 });
      expect(detail.body.calls[0]).toMatchObject({ contract: "InferenceMarket", function: "setFees", target: d.inferenceMarket.toLowerCase() });
      const power = await call(accountsRoute.GET, `/api/governance/accounts/${bob.address}`, { address: bob.address });
      expect(power.body).toMatchObject({ votes: OPEN(350).toString(), delegators: 2 });

      const foreign = list.body.nextCursor as string;
      const tampered = Buffer.from(JSON.stringify(["operators:stake", "-1", "x"])).toString("base64url");
      const cases: [Handler, string, Record<string, string>, number][] = [
        [operatorsRoute.GET, "/api/operators?limit=0", {}, 400],
        [operatorsRoute.GET, "/api/operators?limit=101", {}, 400],
        [operatorsRoute.GET, "/api/operators?limit=1;drop%20table%20operators", {}, 400],
        [operatorsRoute.GET, `/api/operators?cursor=${tampered}`, {}, 400],
        [operatorsRoute.GET, `/api/operators?cursor=${"A".repeat(2000)}`, {}, 400],
        [operatorGetRoute.GET, "/api/operators/0x1234", { address: "0x1234" }, 400],
        [operatorGetRoute.GET, "/api/operators/x", { address: "' or 1=1 --" }, 400],
        [operatorGetRoute.GET, "/api/operators/u", { address: "0xFB6916095ca1df60bB79Ce92cE3Ea74c37c5d359" }, 400], // bad EIP-55 checksum
        [operatorGetRoute.GET, `/api/operators/${treasury.address}`, { address: treasury.address }, 404], // never staked
        [proposalsRoute.GET, `/api/governance/proposals?cursor=${foreign}`, {}, 400], // a cursor of another list
        [proposalsRoute.GET, "/api/governance/proposals?limit=-1", {}, 400],
        [proposalsRoute.GET, "/api/governance/proposals?cursor=!!", {}, 400],
        [proposalRoute.GET, "/api/governance/proposals/abc", { id: "abc" }, 404],
        [proposalRoute.GET, "/api/governance/proposals/-1", { id: "-1" }, 404],
        [proposalRoute.GET, "/api/governance/proposals/1.5", { id: "1.5" }, 404],
        [proposalRoute.GET, "/api/governance/proposals/0x12", { id: "0x12" }, 404],
        [proposalRoute.GET, "/api/governance/proposals/big", { id: (2n ** 256n).toString() }, 404],
        [proposalRoute.GET, "/api/governance/proposals/long", { id: "9".repeat(79) }, 404],
        [proposalRoute.GET, "/api/governance/proposals/1", { id: "1" }, 404], // well-formed, unknown
        [accountsRoute.GET, "/api/governance/accounts/0x12", { address: "0x12" }, 400],
        [accountsRoute.GET, "/api/governance/accounts/nul", { address: `0x${"0".repeat(39)}\u0000` }, 400],
      ];
      const failures: string[] = [];
      for (const [handler, url, p, status] of cases) {
        const res = await call(handler, url, p);
        if (res.status !== status || typeof res.body.error !== "string" || res.body.error.length < 5) failures.push(`${url} ${JSON.stringify(p)} → ${res.status} ${JSON.stringify(res.body)}`);
      }
      expect(failures).toEqual([]);
      // Leading zeros name the same proposal.
      expect((await call(proposalRoute.GET, "/api/governance/proposals/x", { id: `000${id}` })).body.id).toBe(id);
      // An account that never touched vOPEN has no power (200, zeros), not an error.
      const nobody = "0x000000000000000000000000000000000000dead" as Address;
      expect((await call(accountsRoute.GET, `/api/governance/accounts/${nobody}`, { address: nobody })).body).toMatchObject({ votes: "0", delegate: null });
    }, 60_000);
  });
}
