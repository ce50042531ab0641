/**
 * Invariants under random sequences of calls (fast-check) against one anvil, reset with evm_snapshot /
 * evm_revert between runs: payments (direct, by authorization, front-run and adopted, replayed), settlements
 * and refunds (right or wrong hash, any caller), honest and dishonest roots, disputes resolved by the admin
 * EOA, finalization, claims, stakes, unstakes, withdrawals and time moves. After every step:
 * - the market holds at least what it owes (escrow + credits + unclaimed pool + stakes + dispute bonds), and
 *   exactly that plus the front-run payments not yet adopted;
 * - Σ of every account's OPEN (the market's included) is the constant total supply: nothing minted, nothing lost;
 * - escrow is the sum of the model's paid requests; claims stay within the final root's total;
 * - no request settles twice (or settles after a refund), and nobody claims more than their final-root leaf.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { maxUint256, type Address, type Hex, type LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { inferenceMarketAbi } from "../../contracts-abi";
import { buildClaimsTree, type ClaimsTree } from "../../lib/chain/merkle";
import { marketDefaults } from "../../lib/governance/params";
import {
  EpochStatus,
  OPEN,
  ROLES,
  eventsOf,
  freshAuthorization,
  marketBooks,
  randomHash,
  revertName,
  seedModel,
  setupLedgerline,
  signAuthorization,
  type Authorization,
  type Ledgerline,
  type Role,
} from "./fixture";

const MIN = marketDefaults(31337).minStake;
const REFUND_TIMEOUT = 120;
const PAYERS = ["alice", "bob", "carol"] as const;
const CONTRIBUTORS = ["alice", "bob", "carol", "dave", "eve"] as const;
const OPERATORS = ["operator", "dave"] as const;
const RUNS = 15;
const DEFAULT_SEED = 20261203;
/** INVARIANTS_SEED=<n> explores other sequences. */
const SEED = Number(process.env.INVARIANTS_SEED ?? DEFAULT_SEED);

let ctx: Ledgerline;
let market: Address;
/** Models with prices that exercise rounding: a round price, a few wei, free. */
let models: { id: bigint; price: bigint }[];
let gasless: { account: LocalAccount }[];
let holders: Address[];
let baseline: Hex;

// ---- the model of one run ----

interface Req {
  id: bigint;
  hash: Hex;
  payer: Address;
  price: bigint;
  status: "paid" | "settled" | "refunded";
}
interface FrontRun {
  auth: Authorization;
  sig: Hex;
  modelIndex: number;
  adopted: boolean;
}
interface Run {
  requests: Req[];
  settled: Set<bigint>;
  /** Front-run payments sitting in the market until an operator adopts them. */
  surplus: bigint;
  frontRuns: FrontRun[];
  /** Used authorizations (by the market or adopted): any replay must fail. */
  used: { auth: Authorization; sig: Hex; modelIndex: number }[];
  /** What contributors honestly earned: each settlement's pool goes to one contributor. */
  ledger: Map<Address, bigint>;
  /** Trees of the roots posted, by epoch. */
  trees: Map<number, { tree: ClaimsTree; honest: boolean }>;
  supply: bigint;
}
let run: Run;

// ---- actions ----

type Action =
  | { kind: "pay"; payer: number; model: number }
  | { kind: "payAuth"; payer: number; model: number; by: number }
  | { kind: "frontRun"; payer: number; model: number }
  | { kind: "adopt"; which: number; by: number }
  | { kind: "replay"; which: number; by: number }
  | { kind: "settle"; which: number; by: number; wrongHash: boolean }
  | { kind: "refund"; which: number; by: number; wrongHash: boolean }
  | { kind: "post"; variant: "honest" | "thief" | "inflated" | "excessive" }
  | { kind: "dispute"; which: number }
  | { kind: "resolve"; which: number; verdict: "correct" | "upheld" | "rejected" }
  | { kind: "finalize"; which: number; wait: boolean }
  | { kind: "claim"; who: number }
  | { kind: "stake"; funder: number; operator: number; half: boolean }
  | { kind: "unstake"; operator: number; half: boolean }
  | { kind: "withdrawStake"; operator: number; wait: boolean }
  | { kind: "withdraw"; who: number }
  | { kind: "time"; seconds: number }
  /** A request paid and settled, the honest root posted, its window waited out, finalized, and claimed. */
  | { kind: "round"; who: number };

const idx = fc.nat({ max: 1_000 });
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("pay" as const), payer: idx, model: idx }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("payAuth" as const), payer: idx, model: idx, by: idx }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("frontRun" as const), payer: idx, model: idx }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("adopt" as const), which: idx, by: idx }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("replay" as const), which: idx, by: idx }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant("settle" as const), which: idx, by: idx, wrongHash: fc.constantFrom(false, false, false, true) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("refund" as const), which: idx, by: idx, wrongHash: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("post" as const), variant: fc.constantFrom("honest", "honest", "honest", "thief", "inflated", "excessive") }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("dispute" as const), which: idx }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("resolve" as const), which: idx, verdict: fc.constantFrom("correct", "correct", "upheld", "rejected") }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("finalize" as const), which: idx, wait: fc.constantFrom(true, true, false) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("claim" as const), who: idx }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("round" as const), who: idx }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("stake" as const), funder: idx, operator: idx, half: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("unstake" as const), operator: idx, half: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("withdrawStake" as const), operator: idx, wait: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("withdraw" as const), who: idx }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("time" as const), seconds: fc.integer({ min: 1, max: 200 }) }) },
);

/** Successful and refused calls per kind of step, over all runs: the property must not hold vacuously. */
const stats = new Map<string, { ok: number; refused: number; why: Map<string, number> }>();
let currentStep = "";

/** The priced model half the time, the few-wei and the free one a quarter each. */
const modelIndexOf = (i: number) => [0, 0, 1, 2][i % 4];

const pick = <T>(xs: readonly T[], i: number): T | undefined => (xs.length ? xs[i % xs.length] : undefined);

/** Sends a transaction; a revert must be a named custom error (a refusal), anything else fails the run. */
async function attempt(tx: () => Promise<Hex>): Promise<{ ok: true; receipt: Awaited<ReturnType<Ledgerline["send"]>> } | { ok: false; error: string }> {
  const s = stats.get(currentStep) ?? { ok: 0, refused: 0, why: new Map() };
  stats.set(currentStep, s);
  try {
    const receipt = await ctx.send(tx());
    s.ok++;
    return { ok: true, receipt };
  } catch (err) {
    const name = revertName(err);
    if (!name || name.startsWith("unknown error") || name.startsWith("reason:")) throw err;
    s.refused++;
    s.why.set(name, (s.why.get(name) ?? 0) + 1);
    return { ok: false, error: name };
  }
}

/** The operators whose stake satisfies `test`. */
async function withStake(test: (s: { active: bigint; unbonding: bigint }) => boolean): Promise<Role[]> {
  const stakes = await Promise.all(OPERATORS.map((o) => ctx.read.market.read.getStake([ctx.addr[o]])));
  return OPERATORS.filter((_, i) => test(stakes[i]));
}

/** Some epoch (1-based) with `status`, chosen by `i`; undefined when none. */
async function epochsWithStatus(
  status: number,
  i: number,
  also: (x: { prev: number }) => boolean = () => true,
): Promise<number | undefined> {
  const count = await ctx.read.market.read.epochCount();
  const all = await Promise.all(Array.from({ length: count }, (_, k) => ctx.read.market.read.getEpoch([BigInt(k + 1)])));
  const matching = all.flatMap((x, k) => (x.status === status && also(x) ? [k + 1] : []));
  // Prefer the oldest (it is the one that can finalize) half of the time.
  return i % 2 === 0 ? matching[0] : pick(matching, i >> 1);
}

async function anyEpoch(i: number): Promise<number | undefined> {
  const count = await ctx.read.market.read.epochCount();
  return count === 0 ? undefined : 1 + (i % count);
}

/** Mostly a request still paid (something can happen to it), sometimes any (settling twice must fail). */
function pickRequest(i: number): Req | undefined {
  const paid = run.requests.filter((r) => r.status === "paid");
  return (i % 4 !== 0 ? pick(paid, i >> 2) : undefined) ?? pick(run.requests, i);
}

function honestTree(): ClaimsTree {
  const entries = [...run.ledger.entries()].map(([account, cumulativeAmount]) => ({ account, cumulativeAmount }));
  return buildClaimsTree(entries.length ? entries : [{ account: ctx.addr.alice, cumulativeAmount: 0n }]);
}

function recordPaid(receipt: Awaited<ReturnType<Ledgerline["send"]>>) {
  for (const ev of eventsOf(inferenceMarketAbi, receipt, "InferencePaid")) {
    run.requests.push({ id: ev.args.requestId, hash: ev.args.requestHash, payer: ev.args.payer, price: ev.args.price, status: "paid" });
  }
}

async function step(a: Action): Promise<void> {
  currentStep = a.kind === "post" ? `post ${a.variant}` : a.kind;
  const m = (r: Role) => ctx.as[r].market.write;
  switch (a.kind) {
    case "pay": {
      const payer = pick(PAYERS, a.payer)!;
      const model = models[modelIndexOf(a.model)];
      const r = await attempt(() => m(payer).pay([model.id, randomHash(), model.price]));
      if (r.ok) recordPaid(r.receipt);
      return;
    }
    case "payAuth":
    case "frontRun": {
      const g = pick(gasless, a.payer)!;
      const modelIndex = modelIndexOf(a.model);
      const model = models[modelIndex];
      const auth = await freshAuthorization(ctx, g.account.address, market, model.price);
      const sig = await signAuthorization(g.account, ctx.deployment.token, auth);
      if (a.kind === "frontRun") {
        const r = await attempt(() =>
          ctx.as.eve.token.write.transferWithAuthorization([auth.from, auth.to, auth.value, auth.validAfter, auth.validBefore, auth.nonce, sig]),
        );
        if (r.ok) {
          run.surplus += auth.value;
          run.frontRuns.push({ auth, sig, modelIndex, adopted: false });
        }
        return;
      }
      const by = pick(["operator", "operator", "operator", "dave"] as const, a.by)!;
      const r = await attempt(() =>
        m(by).payWithAuthorization([model.id, randomHash(), model.price, auth.from, auth.value, auth.validAfter, auth.validBefore, auth.nonce, sig]),
      );
      if (r.ok) {
        recordPaid(r.receipt);
        run.used.push({ auth, sig, modelIndex });
      }
      return;
    }
    case "adopt": {
      // Mostly a front-run still waiting (sometimes any: adopting twice must fail).
      const waiting = run.frontRuns.filter((x) => !x.adopted);
      const f = a.which % 3 === 0 ? pick(run.frontRuns, a.which) : (pick(waiting, a.which) ?? pick(run.frontRuns, a.which));
      if (!f) return;
      const by = pick(["operator", "operator", "operator", "dave"] as const, a.by)!;
      const model = models[f.modelIndex];
      const r = await attempt(() =>
        m(by).payWithAuthorization([model.id, randomHash(), model.price, f.auth.from, f.auth.value, f.auth.validAfter, f.auth.validBefore, f.auth.nonce, f.sig]),
      );
      if (r.ok) {
        expect(f.adopted, "an authorization was adopted twice").toBe(false);
        expect(eventsOf(inferenceMarketAbi, r.receipt, "AuthorizationAdopted")).toHaveLength(1);
        f.adopted = true;
        run.surplus -= f.auth.value;
        recordPaid(r.receipt);
        run.used.push({ auth: f.auth, sig: f.sig, modelIndex: f.modelIndex });
      }
      return;
    }
    case "replay": {
      const u = pick(run.used, a.which);
      if (!u) return;
      const model = models[u.modelIndex];
      const r = await attempt(() =>
        m(pick(OPERATORS, a.by)!).payWithAuthorization([model.id, randomHash(), model.price, u.auth.from, u.auth.value, u.auth.validAfter, u.auth.validBefore, u.auth.nonce, u.sig]),
      );
      expect(r.ok, "a used authorization opened a second request").toBe(false);
      return;
    }
    case "settle": {
      const req = pickRequest(a.which);
      if (!req) return;
      const by = pick(["operator", "operator", "operator", "dave"] as const, a.by)!;
      const hash = a.wrongHash ? randomHash() : req.hash;
      const r = await attempt(() => m(by).settle([req.id, hash, randomHash(), randomHash()]));
      if (!r.ok) {
        // An unstaked caller is refused first; otherwise the request's state decides.
        if (req.status !== "paid") expect(["NotOperator", "RequestNotPaid"]).toContain(r.error);
        else if (a.wrongHash) expect(["NotOperator", "RequestHashMismatch"]).toContain(r.error);
        else expect(["NotOperator", "NotRequestOperator"]).toContain(r.error);
        return;
      }
      expect(req.status, `request ${req.id} settled while ${req.status}`).toBe("paid");
      expect(a.wrongHash, "settled with another request's hash").toBe(false);
      expect(run.settled.has(req.id), `request ${req.id} settled twice`).toBe(false);
      const [ev] = eventsOf(inferenceMarketAbi, r.receipt, "InferenceSettled");
      expect(ev.args.requestId).toBe(req.id);
      expect(ev.args.protocolFee + ev.args.operatorFee + ev.args.builderFee + ev.args.contributorPool).toBe(req.price);
      run.settled.add(req.id);
      req.status = "settled";
      const to = CONTRIBUTORS[Number(req.id % BigInt(CONTRIBUTORS.length))];
      run.ledger.set(ctx.addr[to], (run.ledger.get(ctx.addr[to]) ?? 0n) + ev.args.contributorPool);
      return;
    }
    case "refund": {
      const req = pickRequest(a.which);
      if (!req) return;
      const by = pick(["operator", "eve", "alice"] as const, a.by)!;
      const hash = a.wrongHash ? randomHash() : req.hash;
      const before = await ctx.balanceOf(req.payer);
      const r = await attempt(() => m(by).refund([req.id, hash]));
      if (!r.ok) {
        if (req.status !== "paid") expect(r.error).toBe("RequestNotPaid");
        else if (a.wrongHash) expect(r.error).toBe("RequestHashMismatch");
        else expect(["NotRefundableYet"]).toContain(r.error);
        return;
      }
      expect(req.status, `request ${req.id} refunded while ${req.status}`).toBe("paid");
      expect(a.wrongHash, "refunded with another request's hash").toBe(false);
      req.status = "refunded";
      expect(eventsOf(inferenceMarketAbi, r.receipt, "InferenceRefunded")[0].args.amount).toBe(req.price);
      // Back to the payer, whoever called (gas is ETH).
      expect(await ctx.balanceOf(req.payer)).toBe(before + req.price);
      return;
    }
    case "post": {
      const honest = honestTree();
      let tree = honest;
      let total = honest.total;
      if (a.variant === "thief") tree = buildClaimsTree([{ account: ctx.addr.operator, cumulativeAmount: honest.total }]);
      if (a.variant === "inflated") {
        tree = buildClaimsTree([...honest.entries, { account: ctx.addr.operator, cumulativeAmount: honest.total + 1n }]);
      }
      if (a.variant === "excessive") total = honest.total + 1n + (await ctx.read.market.read.totalContributorPool());
      const throughBlock = await ctx.blockNumber();
      const poolThrough = await ctx.read.market.read.totalContributorPool();
      const r = await attempt(() => m("operator").postEpoch([tree.root, total, throughBlock, poolThrough]));
      if (r.ok) {
        expect(a.variant, "a total above the settled pool was accepted").not.toBe("excessive");
        const e = Number(eventsOf(inferenceMarketAbi, r.receipt, "EpochPosted")[0].args.epoch);
        run.trees.set(e, { tree, honest: a.variant === "honest" });
      }
      return;
    }
    case "dispute": {
      // Mostly a pending root (the interesting case), sometimes any root.
      const e = (await epochsWithStatus(EpochStatus.Pending, a.which)) ?? (await anyEpoch(a.which));
      if (e) await attempt(() => m("eve").dispute([e]));
      return;
    }
    case "resolve": {
      const e = (await epochsWithStatus(EpochStatus.Disputed, a.which)) ?? (await anyEpoch(a.which));
      if (!e) return;
      const upheld = a.verdict === "correct" ? !run.trees.get(e)?.honest : a.verdict === "upheld";
      await attempt(() => ctx.as.admin.market.write.resolveDispute([e, upheld]));
      return;
    }
    case "finalize": {
      // Mostly the pending root that builds on the final one (the one that can finalize), else any.
      const final = await ctx.read.market.read.finalEpoch();
      const next = await epochsWithStatus(EpochStatus.Pending, 0, (x) => x.prev === final);
      const e = (a.which % 4 !== 0 ? next : undefined) ?? (await epochsWithStatus(EpochStatus.Pending, a.which)) ?? (await anyEpoch(a.which));
      if (!e) return;
      if (a.wait) {
        // Wait out its window first (as a keeper would).
        const x = await ctx.read.market.read.getEpoch([BigInt(e)]);
        const left = Number(x.postedAt + (await ctx.read.market.read.challengeWindow()) - (await ctx.now()));
        if (left > 0) await ctx.increaseTime(left);
      }
      await attempt(() => m("eve").finalizeEpoch([e]));
      return;
    }
    case "claim": {
      const final = await ctx.read.market.read.finalEpoch();
      const posted = run.trees.get(final);
      if (!posted) return;
      // Someone in the final root (a thief's root names the operator): half the time the one with the most
      // left to claim, otherwise anyone.
      let account = pick(posted.tree.entries, a.who)!.account;
      if (a.who % 2 === 0) {
        const left = await Promise.all(
          posted.tree.entries.map(async (x) => x.cumulativeAmount - (await ctx.read.market.read.claimed([x.account]))),
        );
        account = posted.tree.entries[left.indexOf(left.reduce((p, c) => (c > p ? c : p)))].account;
      }
      const leaf = posted.tree.amountOf(account)!;
      const before = await ctx.balanceOf(account);
      const claimedBefore = await ctx.read.market.read.claimed([account]);
      const r = await attempt(() => m("eve").claim([account, leaf, posted.tree.proofFor(account)]));
      if (!r.ok) {
        expect(["NothingToClaim", "ClaimExceedsEpochTotal"]).toContain(r.error);
        if (r.error === "NothingToClaim") expect(leaf <= claimedBefore).toBe(true);
        return;
      }
      // Exactly the leaf of the final root, cumulatively: the difference is paid, to the account.
      expect(await ctx.read.market.read.claimed([account])).toBe(leaf);
      expect(await ctx.balanceOf(account)).toBe(before + leaf - claimedBefore);
      return;
    }
    case "stake": {
      const funder = pick(["alice", "dave"] as const, a.funder)!;
      // Mostly whichever operator has fallen below the minimum (slashed or unstaked), with enough to act again.
      const below = await withStake((st) => st.active < MIN);
      const operator = a.operator % 4 === 0 ? pick(OPERATORS, a.operator >> 2)! : (pick(below, a.operator) ?? "operator");
      await attempt(() => m(funder).stake([ctx.addr[operator], a.half ? MIN / 2n : MIN]));
      return;
    }
    case "unstake": {
      const amount = a.half ? MIN / 2n : MIN;
      const able = await withStake((st) => st.active >= amount);
      await attempt(() => m(a.operator % 4 === 0 ? pick(OPERATORS, a.operator >> 2)! : (pick(able, a.operator) ?? "dave")).requestUnstake([amount]));
      return;
    }
    case "withdrawStake": {
      const unbonding = await withStake((st) => st.unbonding > 0n);
      const who = a.operator % 4 === 0 ? pick(OPERATORS, a.operator >> 2)! : (pick(unbonding, a.operator) ?? "dave");
      if (a.wait) {
        const st = await ctx.read.market.read.getStake([ctx.addr[who]]);
        const until = st.releaseAt > st.lockedUntil ? st.releaseAt : st.lockedUntil;
        const left = Number(until - (await ctx.now()));
        if (left > 0 && left < 1_000) await ctx.increaseTime(left);
      }
      await attempt(() => m(who).withdrawStake());
      return;
    }
    case "withdraw":
      await attempt(() => m(pick(["treasury", "operator", "builder", "dave"] as const, a.who)!).withdraw());
      return;
    case "time":
      await ctx.increaseTime(a.seconds);
      return;
    case "round":
      await step({ kind: "pay", payer: a.who, model: 0 });
      // pickRequest(1 + 4k) is the k-th paid request: here the last one, just paid.
      await step({ kind: "settle", which: 1 + 4 * (run.requests.filter((r) => r.status === "paid").length - 1), by: 0, wrongHash: false });
      await step({ kind: "post", variant: "honest" });
      await step({ kind: "finalize", which: 1, wait: true });
      await step({ kind: "claim", who: 0 });
      return;
  }
}

async function checkInvariants(): Promise<void> {
  const b = await marketBooks(ctx);
  // Solvent, and nothing unaccounted beyond the front-run payments waiting to be adopted.
  expect(b.balance >= b.owed, `market holds ${b.balance} < owed ${b.owed}`).toBe(true);
  expect(b.balance - b.owed).toBe(run.surplus);
  // Escrow is exactly the paid requests.
  expect(b.escrow).toBe(run.requests.filter((r) => r.status === "paid").reduce((s, r) => s + r.price, 0n));
  // Claims within the final root, the final root within the settled pool.
  expect(b.claimed <= b.epochTotal).toBe(true);
  expect(b.epochTotal <= b.pool).toBe(true);
  // Σ of everyone's OPEN, the market's included, is the (constant) supply.
  const balances = await Promise.all(holders.map((h) => ctx.balanceOf(h)));
  const sum = balances.reduce((s, v) => s + v, 0n);
  expect(sum).toBe(run.supply);
  expect(await ctx.read.token.read.totalSupply()).toBe(run.supply);
}

beforeAll(async () => {
  // The operator starts with three times the minimum: an unstake alone does not stop it (a slash does).
  ctx = await setupLedgerline({ market: { refundTimeoutSeconds: REFUND_TIMEOUT }, operatorStake: 3n * MIN });
  market = ctx.deployment.inferenceMarket;
  for (const r of ["alice", "bob", "carol", "dave", "eve"] as const) {
    await ctx.send(ctx.as[r].token.write.approve([market, maxUint256]));
  }
  models = [];
  for (const [price, builderBps] of [[10n * OPEN + 3n, 2000], [7n, 5000], [0n, 0]] as const) {
    models.push({ id: await seedModel(ctx, price, builderBps), price });
  }
  gasless = [];
  for (let i = 0; i < 3; i++) {
    const account = privateKeyToAccount(generatePrivateKey());
    await ctx.fund(account.address, 1_000n * OPEN);
    gasless.push({ account });
  }
  const d = ctx.deployment;
  holders = [
    ...ROLES.map((r) => ctx.addr[r]),
    ...gasless.map((g) => g.account.address),
    d.inferenceMarket,
    d.datanetRegistry,
    d.openVotes,
    d.timelock,
    d.governor,
  ];
  baseline = await ctx.snapshot();
});
afterAll(async () => {
  await ctx?.stop();
});

describe("market invariants under random call sequences", () => {
  it(`hold after every step (${RUNS} runs of 30–45 steps)`, async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 30, maxLength: 45 }), async (actions) => {
        await ctx.revert(baseline);
        baseline = await ctx.snapshot();
        run = {
          requests: [],
          settled: new Set(),
          surplus: 0n,
          frontRuns: [],
          used: [],
          ledger: new Map(),
          trees: new Map(),
          supply: await ctx.read.token.read.totalSupply(),
        };
        await checkInvariants();
        for (const a of actions) {
          await step(a);
          await checkInvariants();
        }
        // The chain agrees with the model on every request's fate.
        const statuses = await Promise.all(run.requests.map((r) => ctx.read.market.read.getRequest([r.id])));
        const code = { paid: 1, settled: 2, refunded: 3 } as const;
        expect(statuses.map((x) => x.status)).toEqual(run.requests.map((r) => code[r.status]));
        runs++;
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    expect(runs).toBe(RUNS);
    const table = Object.fromEntries(
      [...stats.entries()].sort().map(([k, v]) => [k, `${v.ok} ok / ${v.refused} refused ${JSON.stringify(Object.fromEntries(v.why))}`]),
    );
    console.log(`invariants (seed ${SEED}): calls per kind of step`, table);
    // The default seed is fixed and the chain's clock deterministic, so this run is the same every time; it
    // must not hold vacuously. (Other seeds, for exploring, only report.)
    if (SEED !== DEFAULT_SEED) return;
    // Every kind of call that can succeed did, somewhere; a replay and an insolvent total never did.
    for (const kind of ["pay", "payAuth", "frontRun", "adopt", "settle", "refund", "post honest", "post thief", "post inflated", "dispute", "resolve", "finalize", "claim", "stake", "unstake", "withdrawStake", "withdraw"]) {
      expect(stats.get(kind)?.ok ?? 0, `no successful ${kind}`).toBeGreaterThan(0);
    }
    expect(stats.get("replay")?.ok ?? 0).toBe(0);
    expect(stats.get("post excessive")?.ok ?? 0).toBe(0);
  }, 180_000);
});
