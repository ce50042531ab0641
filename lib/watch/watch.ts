/**
 * The public watcher (issue 13 §4): recomputes an epoch root from the chain and a node's public API, and disputes
 * it when it is wrong. Used by `npm run watch`; anyone can run it, it needs no database and trusts the node for
 * nothing it cannot check. For an epoch e posted on-chain with (root, cumulativeTotal, throughBlock):
 *
 *   a. settlements  every InferenceSettled with block ≤ throughBlock, from the chain (getLogs); their pools must
 *                   sum to the poolThrough the poster declared (the contract bounds the root by it);
 *   b. records      for each, what the node served: the record counts if it hashes to the on-chain attributionHash
 *                   (else its pool is unattributed, as the indexer does); re-running the artifact must reproduce it;
 *                   an inference or artifact the node does not serve makes the root "inputs unavailable";
 *   c. earnings     splitPool(record, pool) per contribution, credited to the contributor the chain registered
 *                   (ContributionSubmitted before the settlement), summed per account;
 *   d. root         the OpenZeppelin Merkle tree of those sums, compared with the posted root; with the node's
 *                   leaves (when they rebuild the posted root), per account;
 *   e. dispute      on a mismatch, while the root is pending inside its window: approve the bond, dispute(e).
 */
import { getAddress, parseEventLogs, type Account, type Address, type Chain, type Hex, type PublicClient, type Transport, type WalletClient } from "viem";
import { inferenceMarketAbi, openTokenAbi } from "@/contracts-abi";
import { splitPool, type PoolShare, type WithdrawalsAt } from "@/lib/attribution/record";
import { loadArtifact, readyModel, type LoadedModel } from "@/lib/attribution/run";
import { buildClaimsTree } from "@/lib/chain/merkle";
import { withdrawnAsOf, WithdrawalsBlockMismatch } from "@/lib/chain/withdrawals";
import { verbatimLimitsOnChain } from "@/lib/chain/terms";
import type { VerbatimLimits } from "@/lib/attribution/terms";
import type { ModelKind } from "@/lib/metadata";
import { committedRecord, reproduce } from "./record";
import {
  readDatanetTreasury,
  contributionsThrough,
  InputsUnavailable,
  readEpoch,
  readModel,
  settlementsThrough,
  type ChainContribution,
  type ChainEpoch,
  type ChainSettlement,
  type Contracts,
  type NodeApi,
} from "./sources";

export type Verdict = "match" | "mismatch" | "inputs unavailable";

/** Something wrong with one inference. */
export interface Finding {
  requestId: number;
  /** unattributed: the committed record is missing or not on-chain (its pool is held by the market, as the
   *  indexer does); not reproducible: re-running the artifact disagrees with what was settled; unavailable: the
   *  node does not serve its inputs. */
  kind: "unattributed" | "not reproducible" | "unavailable";
  detail: string;
}

export interface AccountDiff {
  account: Address;
  expected: bigint;
  /** The account's leaf in the posted root (0 when absent). */
  posted: bigint;
}

export interface EpochReport {
  epoch: ChainEpoch;
  verdict: Verdict;
  /** Settlements the root covers (from the chain). */
  inferences: number;
  expectedRoot: Hex | null;
  expectedTotal: bigint | null;
  /** unattributed findings are normal bookkeeping; the others make the root wrong. */
  findings: Finding[];
  /** Accounts whose expected amount differs from their leaf; null when the node's leaves do not rebuild the posted root. */
  accounts: AccountDiff[] | null;
  /** Why there is no per-account comparison. */
  leavesNote: string | null;
}

export interface WatchContext {
  client: PublicClient;
  node: NodeApi;
  contracts: Contracts;
  /** First block with the contracts (the node's deployment startBlock, checked against the chain). */
  startBlock: number;
  onProgress?: (epoch: number, done: number, total: number) => void;
}

/** What one settlement adds to the earnings: credits per contribution, or nothing (unattributed, unavailable). */
type Outcome = { credits: PoolShare[]; finding: Finding | null; cacheable: boolean };

/**
 * Checks epochs; keeps what it verified (per-inference outcomes, loaded artifacts) so the next epoch, which covers
 * the same settlements and more, only checks the new ones.
 */
export class Watcher {
  private readonly outcomes = new Map<number, Outcome>();
  private readonly models = new Map<number, Promise<{ kind: ModelKind; artifactHash: Hex; datanetIds: number[]; model: LoadedModel }>>();

  /** Withdrawal sets by the block a record names ("block:hash"), read from the chain once each. */
  private readonly withdrawals = new Map<string, Promise<Set<number>>>();

  /** Contributors' verbatim limits from the chain's ContributionTerms logs, read once per epoch check (they only grow). */
  private limits: Promise<VerbatimLimits> | null = null;

  constructor(readonly ctx: WatchContext) {}

  private verbatimLimits(): Promise<VerbatimLimits> {
    if (!this.limits) {
      const p = verbatimLimitsOnChain(this.ctx.client, this.ctx.contracts.datanetRegistry, this.ctx.startBlock);
      this.limits = p;
      p.catch(() => (this.limits = null));
    }
    return this.limits;
  }

  /** The contributions withdrawn as of a record's `withdrawalsAt` block (its hash checked against the chain). */
  private withdrawn(at: WithdrawalsAt): Promise<Set<number>> {
    const key = `${at.block}:${at.hash}`;
    let p = this.withdrawals.get(key);
    if (!p) {
      p = withdrawnAsOf(this.ctx.client, this.ctx.contracts.datanetRegistry, at, this.ctx.startBlock);
      this.withdrawals.set(key, p);
      p.catch(() => this.withdrawals.delete(key));
    }
    return p;
  }

  private model(modelId: number) {
    let m = this.models.get(modelId);
    if (!m) {
      m = (async () => {
        const { kind, artifactHash, datanetIds } = await readModel(this.ctx.client, this.ctx.contracts, modelId);
        const bytes = await this.ctx.node.artifact(modelId, artifactHash);
        // The bytes are the ones committed on-chain: a failure to read them is this watcher's limit, not the node's.
        const model = loadArtifact(bytes);
        await readyModel(model);
        return { kind, artifactHash, datanetIds, model };
      })();
      this.models.set(modelId, m);
      m.catch(() => this.models.delete(modelId));
    }
    return m;
  }

  /** Step b for one settlement. */
  private async outcome(s: ChainSettlement, served: Awaited<ReturnType<NodeApi["settledInferences"]>>): Promise<Outcome> {
    const cached = this.outcomes.get(s.requestId);
    if (cached) return cached;
    const item = served.get(s.requestId);
    const finding = (kind: Finding["kind"], detail: string): Finding => ({ requestId: s.requestId, kind, detail });
    if (!item) return { credits: [], finding: finding("unavailable", "the node does not serve this settled inference"), cacheable: false };
    const committed = { requestId: s.requestId, modelId: s.modelId, attributionHash: s.attributionHash, outputHash: s.outputHash };
    const check = committedRecord(committed, item.served);
    let out: Outcome;
    if (!check.ok) {
      out = { credits: [], finding: finding("unattributed", `${check.why}: its pool of ${s.contributorPool} wei is unattributed`), cacheable: true };
    } else {
      let m: Awaited<ReturnType<Watcher["model"]>>;
      try {
        m = await this.model(s.modelId);
      } catch (err) {
        if (err instanceof InputsUnavailable) return { credits: [], finding: finding("unavailable", err.message), cacheable: false };
        throw err;
      }
      let withdrawn: ReadonlySet<number> | undefined;
      let wrong: string | null = null;
      if (check.record.version === 2 && check.record.withdrawalsAt !== null) {
        try {
          withdrawn = await this.withdrawn(check.record.withdrawalsAt);
        } catch (err) {
          if (!(err instanceof WithdrawalsBlockMismatch)) throw err;
          wrong = err.message;
        }
      }
      const verbatimLimits = check.record.version === 2 ? await this.verbatimLimits() : undefined;
      wrong ??= reproduce(check, { kind: m.kind, model: m.model, artifactHash: m.artifactHash, datanetIds: m.datanetIds, committed, served: item.served!, withdrawn, verbatimLimits });
      out = { credits: splitPool(check.record, s.contributorPool), finding: wrong ? finding("not reproducible", wrong) : null, cacheable: true };
    }
    this.outcomes.set(s.requestId, out);
    return out;
  }

  /** Steps a–d for epoch `e`. */
  async checkEpoch(e: number): Promise<EpochReport> {
    const { client, node, contracts, startBlock } = this.ctx;
    const epoch = await readEpoch(client, contracts, e);
    this.limits = null;
    if (epoch.status === "none") throw new Error(`epoch ${e} does not exist on-chain`);

    // a. What the root must cover, from the chain.
    const [settlements, contributions] = await Promise.all([
      settlementsThrough(client, contracts, startBlock, epoch.throughBlock),
      contributionsThrough(client, contracts, startBlock, epoch.throughBlock),
    ]);
    const pools = settlements.reduce((sum, s) => sum + s.contributorPool, 0n);
    const poolMismatch =
      pools === epoch.poolThrough ? null : `the root declares ${epoch.poolThrough} wei of contributor pools through block ${epoch.throughBlock}; the chain's settlements hold ${pools}`;
    const todo = settlements.filter((s) => !this.outcomes.has(s.requestId));
    const served = todo.length ? await node.settledInferences(Math.min(...todo.map((s) => s.block)), epoch.throughBlock) : new Map();

    // b + c. Each settlement's credits, summed per account in chain order.
    const earnings = new Map<string, bigint>();
    const findings: Finding[] = [];
    let done = 0;
    for (const s of settlements) {
      const o = await this.outcome(s, served);
      if (o.finding) findings.push(o.finding);
      for (const share of o.credits) {
        const { amount } = share;
        if (share.datanetId !== undefined) {
          // A treasury fallback (record version 2): the Datanet's treasury, fixed at its creation.
          const account = (await readDatanetTreasury(client, contracts, share.datanetId)).toLowerCase();
          earnings.set(account, (earnings.get(account) ?? 0n) + amount);
          continue;
        }
        const contributionId = share.contributionId;
        const c: ChainContribution | undefined = contributions.get(contributionId);
        // The indexer credits a contribution it has seen: registered before this settlement (else unattributed).
        if (!c || c.block > s.block || (c.block === s.block && c.logIndex > s.logIndex)) {
          if (amount > 0n) findings.push({ requestId: s.requestId, kind: "unattributed", detail: `contribution ${contributionId} is not registered before it: its ${amount} wei are unattributed` });
          continue;
        }
        const account = c.contributor.toLowerCase();
        earnings.set(account, (earnings.get(account) ?? 0n) + amount);
      }
      done++;
      if (done === settlements.length || done % Math.max(1, Math.ceil(settlements.length / 10)) === 0) this.ctx.onProgress?.(e, done, settlements.length);
    }

    if (poolMismatch) findings.push({ requestId: 0, kind: "not reproducible", detail: poolMismatch });
    const report: EpochReport = { epoch, verdict: "match", inferences: settlements.length, expectedRoot: null, expectedTotal: null, findings, accounts: null, leavesNote: null };
    if (findings.some((f) => f.kind === "unavailable")) {
      report.verdict = "inputs unavailable";
      return report;
    }

    // d. The root of the recomputed earnings.
    for (const [a, v] of earnings) if (v === 0n) earnings.delete(a);
    const entries = [...earnings].map(([account, cumulativeAmount]) => ({ account: account as Address, cumulativeAmount }));
    report.expectedTotal = entries.reduce((sum, x) => sum + x.cumulativeAmount, 0n);
    report.expectedRoot = entries.length ? buildClaimsTree(entries).root : null;
    const rootMatches = report.expectedRoot?.toLowerCase() === epoch.root.toLowerCase() && report.expectedTotal === epoch.cumulativeTotal;
    if (!rootMatches || findings.some((f) => f.kind === "not reproducible")) report.verdict = "mismatch";

    // Per account, against the node's leaves if they are the posted root's.
    const leaves = await node.epochBalances(e).catch((err: Error) => {
      report.leavesNote = `the node's leaves could not be read (${err.message})`;
      return null;
    });
    if (leaves && buildClaimsTree([...leaves].map(([account, cumulativeAmount]) => ({ account: account as Address, cumulativeAmount }))).root.toLowerCase() === epoch.root.toLowerCase()) {
      const accounts = new Set([...earnings.keys(), ...leaves.keys()]);
      report.accounts = [...accounts]
        .map((a) => ({ account: getAddress(a), expected: earnings.get(a) ?? 0n, posted: leaves.get(a) ?? 0n }))
        .filter((d) => d.expected !== d.posted)
        .sort((x, y) => (x.account < y.account ? -1 : 1));
    } else if (!report.leavesNote) {
      report.leavesNote = leaves ? "the node's leaves for this epoch do not rebuild its posted root" : "the node serves no leaves for this epoch";
    }
    return report;
  }
}

/** Roots worth checking now: the latest final one and every later one not discarded. */
export async function currentEpochs(client: PublicClient, c: Contracts): Promise<number[]> {
  const market = { address: c.market, abi: inferenceMarketAbi } as const;
  const [count, final] = await Promise.all([client.readContract({ ...market, functionName: "epochCount" }), client.readContract({ ...market, functionName: "finalEpoch" })]);
  const out: number[] = final > 0 ? [final] : [];
  for (let e = final + 1; e <= count; e++) {
    const x = await readEpoch(client, c, e);
    if (x.status === "pending" || x.status === "disputed") out.push(e);
  }
  return out;
}

export type DisputeResult =
  | { filed: true; tx: Hex; approveTx: Hex | null; bond: bigint }
  | { filed: false; reason: string };

/** Step e: dispute epoch `e` if it is still pending inside its window (approving the bond first if needed). */
export async function disputeEpoch(client: PublicClient, wallet: WalletClient<Transport, Chain | undefined, Account>, c: Contracts, e: number): Promise<DisputeResult> {
  const market = { address: c.market, abi: inferenceMarketAbi } as const;
  const [epoch, bond, block] = await Promise.all([
    readEpoch(client, c, e),
    client.readContract({ ...market, functionName: "disputeBond" }),
    client.getBlock(),
  ]);
  if (epoch.status === "disputed") return { filed: false, reason: `epoch ${e} is already disputed (by ${epoch.challenger})` };
  if (epoch.status !== "pending") return { filed: false, reason: `epoch ${e} is ${epoch.status}: only a pending root can be disputed` };
  const closesAt = BigInt(epoch.finalizesAt);
  if (block.timestamp >= closesAt) return { filed: false, reason: `epoch ${e}'s challenge window closed at ${new Date(Number(closesAt) * 1000).toISOString()}` };
  const me = wallet.account.address;
  const token = { address: c.token, abi: openTokenAbi } as const;
  const [balance, allowance] = await Promise.all([
    client.readContract({ ...token, functionName: "balanceOf", args: [me] }),
    client.readContract({ ...token, functionName: "allowance", args: [me, c.market] }),
  ]);
  if (balance < bond) return { filed: false, reason: `${me} holds ${balance} wei of OPEN; the dispute bond is ${bond}` };
  const send = async (hash: Hex) => {
    const r = await client.waitForTransactionReceipt({ hash });
    if (r.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return r;
  };
  let approveTx: Hex | null = null;
  if (allowance < bond) {
    approveTx = await wallet.writeContract({ ...token, functionName: "approve", args: [c.market, bond], chain: wallet.chain ?? null, account: wallet.account });
    await send(approveTx);
  }
  const { request } = await client.simulateContract({ ...market, functionName: "dispute", args: [e], account: wallet.account });
  const tx = await wallet.writeContract({ ...request, chain: wallet.chain ?? null, account: wallet.account });
  const receipt = await send(tx);
  const [ev] = parseEventLogs({ abi: inferenceMarketAbi, eventName: "EpochDisputed", logs: receipt.logs });
  if (!ev) throw new Error(`dispute(${e}) was mined in ${tx} without an EpochDisputed event`);
  return { filed: true, tx, approveTx, bond: ev.args.bond };
}
