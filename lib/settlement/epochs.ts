/**
 * Contributor payout epochs (DESIGN.md, "Contributor payouts scale"): the root poster sums each contributor's
 * earnings off-chain (ledger_entries, role "contributor", every settlement up to a final block), builds the
 * Merkle tree of those cumulative amounts (lib/chain/merkle.ts, the leaves InferenceMarket.claim checks) and
 * posts only its root, total and covered block with InferenceMarket.postEpoch. Gas is therefore the same for
 * 2 or 200,000 contributors; a contributor claims the difference between their cumulative amount in the latest
 * FINAL root and what they already claimed.
 *
 * Roots are optimistic: pending for the challenge window, during which anyone (`npm run watch`) recomputes
 * them from public data and may dispute; the job finalizes pending roots once their window has passed.
 *
 * Order of writes: epoch_balances for the next epoch number are committed BEFORE postEpoch is sent, so a
 * proof can be served the moment the root is on-chain. Rows for an epoch that never got posted are
 * harmless (the claim route serves the epoch the chain posted, and checks the rebuilt root) and are
 * overwritten by the next attempt.
 *
 * Every check the contract makes is made first, with a reason a person can act on, so nothing is sent
 * that would revert: no earnings, nothing new (same root as the tip), a total below the tip's
 * (EpochTotalDecreased), above the settled contributor pools (EpochInsolvent) or rising by more than was
 * settled since the tip (EpochIncreaseTooLarge), an account whose cumulative amount went down, a poster that
 * is not the staked root poster, a tip under dispute.
 */
import { and, eq, inArray, isNotNull, lte } from "drizzle-orm";
import { parseEventLogs, type Address, type Hex, type PublicClient, type WalletClient } from "viem";
import { EPOCH_STATUS } from "@/lib/chain/market-status";
import { operatorCall } from "@/lib/chain/operator-send";
import { inferenceMarketAbi } from "@/contracts-abi";
import { bulkInsert } from "@/db/bulk";
import type { Db } from "@/db/client";
import { epochBalances, indexerCheckpoints, inferences, ledgerEntries } from "@/db/schema";
import type { Deployment } from "@/lib/chain/deploy";
import { buildClaimsTree, type ClaimsTree } from "@/lib/chain/merkle";
import { sumWei } from "@/lib/queries/sql";
import { CONTRIBUTOR_ROLE, DATANET_TREASURY_ROLE, POOL_ROLES } from "./roles";

export { CONTRIBUTOR_ROLE, DATANET_TREASURY_ROLE, POOL_ROLES };

/** Rows per INSERT when writing epoch_balances (one JSON parameter each; see db/bulk.ts). */
const BALANCE_CHUNK = 20_000;

/**
 * Σ of every ledger row paid from the contributor pools (POOL_ROLES), per account, of settlements in blocks ≤ `throughBlock` (all
 * when omitted): exact bigint sums (numeric in the database). Accounts are lower-case hex; accounts whose sum
 * is 0 are left out.
 */
export async function cumulativeContributorEarnings(db: Db, throughBlock?: number): Promise<Map<`0x${string}`, bigint>> {
  const role = inArray(ledgerEntries.role, [...POOL_ROLES]);
  const rows = await db
    .select({ account: ledgerEntries.account, amount: sumWei(ledgerEntries.amount) })
    .from(ledgerEntries)
    .where(throughBlock === undefined ? role : and(role, lte(ledgerEntries.block, throughBlock)))
    .groupBy(ledgerEntries.account);
  const out = new Map<`0x${string}`, bigint>();
  for (const r of rows) {
    // The indexer stores lower case; merge defensively in case a writer did not.
    const account = r.account.toLowerCase() as `0x${string}`;
    out.set(account, (out.get(account) ?? 0n) + r.amount);
  }
  for (const [account, amount] of out) {
    if (amount < 0n) throw new Error(`ledger: contributor total of ${account} is negative (${amount})`);
    if (amount === 0n) out.delete(account);
  }
  return out;
}

/** The market's epoch state, read in one round of calls: the tip (what the next root builds on) and the final root. */
export interface OnChainEpochState {
  /** Roots posted so far (the next one gets epochCount + 1). */
  epochCount: number;
  tip: { epoch: number; root: Hex; total: bigint; poolThrough: bigint; throughBlock: number; status: number };
  finalEpoch: number;
  /** totalContributorPool: Σ contributor pools of all settled requests (the solvency bound). */
  settledPool: bigint;
  claimedTotal: bigint;
  rootPoster: Address;
  challengeWindow: number;
}


export async function readEpochState(publicClient: PublicClient, deployment: Deployment): Promise<OnChainEpochState> {
  const market = { address: deployment.inferenceMarket, abi: inferenceMarketAbi } as const;
  const [epochCount, tipEpoch, finalEpoch, settledPool, claimedTotal, rootPoster, challengeWindow] = await Promise.all([
    publicClient.readContract({ ...market, functionName: "epochCount" }),
    publicClient.readContract({ ...market, functionName: "tipEpoch" }),
    publicClient.readContract({ ...market, functionName: "finalEpoch" }),
    publicClient.readContract({ ...market, functionName: "totalContributorPool" }),
    publicClient.readContract({ ...market, functionName: "claimedTotal" }),
    publicClient.readContract({ ...market, functionName: "rootPoster" }),
    publicClient.readContract({ ...market, functionName: "challengeWindow" }),
  ]);
  const t = await publicClient.readContract({ ...market, functionName: "getEpoch", args: [BigInt(tipEpoch)] });
  return {
    epochCount,
    tip: { epoch: tipEpoch, root: t.root, total: t.cumulativeTotal, poolThrough: t.poolThrough, throughBlock: Number(t.throughBlock), status: t.status },
    finalEpoch,
    settledPool,
    claimedTotal,
    rootPoster,
    challengeWindow: Number(challengeWindow),
  };
}

/**
 * Σ contributor pools of the settlements in blocks ≤ `throughBlock`, from the indexed inferences: the
 * `poolThrough` a root declares (anyone recomputes it from the InferenceSettled logs).
 */
export async function settledPoolThrough(db: Db, throughBlock: number): Promise<bigint> {
  const [row] = await db
    .select({ pool: sumWei(inferences.contributorPool) })
    .from(inferences)
    .where(and(isNotNull(inferences.settledBlock), lte(inferences.settledBlock, throughBlock)));
  return row?.pool ?? 0n;
}

/** The epoch claims tree of the ledger through `throughBlock` (null when no contributor has earned by then). */
export async function buildEpochTree(db: Db, throughBlock?: number): Promise<ClaimsTree | null> {
  const earnings = await cumulativeContributorEarnings(db, throughBlock);
  if (earnings.size === 0) return null;
  return buildClaimsTree([...earnings].map(([account, cumulativeAmount]) => ({ account, cumulativeAmount })));
}

/**
 * The newest block a root may cover: indexed (so the ledger holds all its settlements), final (FINALITY_DEPTH
 * below the head, so no reorg can change them). The contract wants it below the block the root lands in: the
 * transaction is simulated and estimated against the pending block (head + 1).
 */
export async function coverableBlock(db: Db, publicClient: PublicClient, finalityDepth: number): Promise<number | null> {
  const chainId = await publicClient.getChainId();
  const [[checkpoint], head] = await Promise.all([
    db.select({ block: indexerCheckpoints.block }).from(indexerCheckpoints).where(eq(indexerCheckpoints.chainId, chainId)).limit(1),
    publicClient.getBlockNumber(),
  ]);
  if (!checkpoint) return null;
  const block = Math.min(checkpoint.block, Number(head) - finalityDepth);
  return block >= 0 ? block : null;
}

/** Replaces the balances of `epoch` with the tree's leaves, in one transaction. */
export async function writeEpochBalances(db: Db, epoch: number, tree: ClaimsTree): Promise<void> {
  const rows = tree.entries.map((e) => ({ epoch, account: e.account.toLowerCase(), cumulativeAmount: e.cumulativeAmount }));
  await db.transaction(async (tx) => {
    await tx.delete(epochBalances).where(eq(epochBalances.epoch, epoch));
    for (let i = 0; i < rows.length; i += BALANCE_CHUNK) await bulkInsert(tx, epochBalances, rows.slice(i, i + BALANCE_CHUNK));
  });
}

/** The balances stored for `epoch`, lower-case account → cumulative amount. */
export async function readEpochBalances(db: Db, epoch: number): Promise<Map<string, bigint>> {
  const rows = await db
    .select({ account: epochBalances.account, cumulativeAmount: epochBalances.cumulativeAmount })
    .from(epochBalances)
    .where(eq(epochBalances.epoch, epoch));
  return new Map(rows.map((r) => [r.account.toLowerCase(), r.cumulativeAmount]));
}

export interface PostEpochOptions {
  db: Db;
  publicClient: PublicClient;
  /** Signs postEpoch: must be the market's staked root poster (lib/chain/operator.ts operatorWallet). */
  operator: WalletClient;
  deployment: Deployment;
  /** Blocks below the head a settlement must be to count (FINALITY_DEPTH; 0 on the local chain). */
  finalityDepth?: number;
  log?: (msg: string) => void;
}

export interface PostEpochResult {
  posted: boolean;
  /** The epoch posted (posted) or the chain's tip (not posted). */
  epoch?: number;
  root?: `0x${string}`;
  cumulativeTotal?: bigint;
  /** The last block whose settlements the root covers. */
  throughBlock?: number;
  /** Σ contributor pools of those settlements (declared with the root). */
  poolThrough?: bigint;
  /** Leaves in the tree (contributors with earnings). */
  accounts?: number;
  tx?: `0x${string}`;
  /** Gas of the postEpoch transaction: independent of `accounts` (only the root goes on-chain). */
  gasUsed?: bigint;
  block?: bigint;
  /** Epochs this run finalized (their challenge windows had passed). */
  finalized?: number[];
  /** Seconds until the posted root can finalize (its challenge window). */
  finalizesInSeconds?: number;
  /** Why nothing was posted. */
  reason?: string;
}

const short = (h: string) => `${h.slice(0, 10)}…`;

async function sendMarketTx(opts: PostEpochOptions, functionName: "postEpoch" | "finalizeEpoch", args: readonly unknown[]) {
  const { publicClient, operator, deployment } = opts;
  const call = { address: deployment.inferenceMarket, abi: inferenceMarketAbi, functionName, args };
  // Simulated first so a refusal names its custom error; both against the pending block: a root may cover the
  // head block itself (it lands in a later one).
  await publicClient.simulateContract({ ...call, account: operator.account!, blockTag: "pending" } as never);
  return operatorCall(operator, publicClient, call, { blockTag: "pending" });
}

/**
 * Finalizes, in chain order, every pending root whose challenge window has passed and whose predecessor is
 * final (anyone may; the poster does it so claims open without anyone else acting). Stops at the first root
 * that cannot finalize yet (disputed, window open).
 */
export async function finalizeEpochs(opts: PostEpochOptions): Promise<number[]> {
  const { publicClient, deployment } = opts;
  const market = { address: deployment.inferenceMarket, abi: inferenceMarketAbi } as const;
  const done: number[] = [];
  const [count, final] = await Promise.all([
    publicClient.readContract({ ...market, functionName: "epochCount" }),
    publicClient.readContract({ ...market, functionName: "finalEpoch" }),
  ]);
  let head = final;
  // The block a finalization would land in: an idle local chain's latest block can be far behind the clock.
  const now = (await publicClient.getBlock({ blockTag: "pending" })).timestamp;
  for (let e = final + 1; e <= count; e++) {
    const x = await publicClient.readContract({ ...market, functionName: "getEpoch", args: [BigInt(e)] });
    // A discarded root never finalizes, and the roots after it build on its predecessor: step over it.
    if (x.status === EPOCH_STATUS.Discarded) continue;
    if (x.prev !== head) continue; // orphaned by a discarded predecessor
    if (x.status !== EPOCH_STATUS.Pending || now < x.finalizesAt) break;
    const receipt = await sendMarketTx(opts, "finalizeEpoch", [e]);
    opts.log?.(`epoch ${e}: final (tx ${short(receipt.transactionHash)})`);
    done.push(e);
    head = e;
  }
  return done;
}

/**
 * Finalizes what is due, then posts the next root if the ledger has anything new. Never throws for a state
 * the contract would refuse (returns `{ posted: false, reason }` without sending); throws on RPC/database
 * failures or a reverted transaction.
 */
export async function postEpoch(opts: PostEpochOptions): Promise<PostEpochResult> {
  const { db, publicClient, operator, deployment } = opts;
  const log = opts.log ?? (() => {});
  const account = operator.account;
  if (!account) throw new Error("postEpoch: the operator wallet client has no account");

  const finalized = await finalizeEpochs(opts);
  const [chain, throughBlock] = await Promise.all([readEpochState(publicClient, deployment), coverableBlock(db, publicClient, opts.finalityDepth ?? 0)]);
  const tipEpoch = chain.tip.epoch;
  const none = (reason: string, extra: Partial<PostEpochResult> = {}): PostEpochResult => ({ posted: false, epoch: tipEpoch, finalized, reason, ...extra });
  if (chain.rootPoster.toLowerCase() !== account.address.toLowerCase()) {
    return none(`${account.address} is not the market's root poster (${chain.rootPoster})`);
  }
  const isOperator = await publicClient.readContract({ address: deployment.inferenceMarket, abi: inferenceMarketAbi, functionName: "isOperator", args: [account.address] });
  if (!isOperator) return none(`${account.address} has not staked the minimum: only staked operators post roots`);
  if (chain.tip.status === EPOCH_STATUS.Disputed) {
    return none(`epoch ${tipEpoch} is under dispute: a new root waits for governance's verdict`);
  }
  if (throughBlock === null) return none("the indexer has not indexed a final block yet");
  if (throughBlock < chain.tip.throughBlock) return none(`the indexer (block ${throughBlock}) is behind epoch ${tipEpoch} (block ${chain.tip.throughBlock})`);

  const [tree, poolThrough] = await Promise.all([buildEpochTree(db, throughBlock), settledPoolThrough(db, throughBlock)]);
  if (!tree) return none("no contributor earnings in the ledger yet");
  const base = { root: tree.root, cumulativeTotal: tree.total, accounts: tree.entries.length, throughBlock, poolThrough };

  if (tipEpoch > 0 && tree.root.toLowerCase() === chain.tip.root.toLowerCase()) {
    // Nothing new. Make sure the tip's proofs can be served (e.g. after a database restore).
    const stored = await readEpochBalances(db, tipEpoch);
    const complete = stored.size === tree.entries.length && tree.entries.every((e) => stored.get(e.account.toLowerCase()) === e.cumulativeAmount);
    if (!complete) {
      await writeEpochBalances(db, tipEpoch, tree);
      log(`epoch: restored the balances of epoch ${tipEpoch} (${tree.entries.length} accounts)`);
    }
    return none(`nothing new since epoch ${tipEpoch}: same ${tree.entries.length} balances, same total ${tree.total}`, base);
  }
  if (tree.total < chain.tip.total) {
    return none(
      `the ledger's contributor total ${tree.total} is below epoch ${tipEpoch}'s total ${chain.tip.total}: ` +
        "the contract refuses a decreasing total (EpochTotalDecreased); the ledger is behind the chain or was rolled back",
      base,
    );
  }
  if (poolThrough > chain.settledPool || poolThrough < chain.tip.poolThrough) {
    return none(
      `the indexed contributor pools through block ${throughBlock} (${poolThrough}) disagree with the chain ` +
        `(settled ${chain.settledPool}, epoch ${tipEpoch} covered ${chain.tip.poolThrough}): the index is behind or wrong`,
      base,
    );
  }
  if (tree.total > poolThrough) {
    return none(
      `insolvent: the ledger credits contributors ${tree.total} but the settled contributor pools hold only ` +
        `${poolThrough} through block ${throughBlock}; the contract would revert with EpochInsolvent`,
      base,
    );
  }
  if (tree.total - chain.tip.total > poolThrough - chain.tip.poolThrough) {
    return none(
      `the total rises by ${tree.total - chain.tip.total} but only ${poolThrough - chain.tip.poolThrough} was settled ` +
        `since epoch ${tipEpoch} (EpochIncreaseTooLarge)`,
      base,
    );
  }
  if (tipEpoch > 0) {
    // Cumulative amounts only grow. If one went down, an account could have claimed more than it is owed
    // and the others could no longer claim theirs in full.
    const previous = await readEpochBalances(db, tipEpoch);
    if (previous.size > 0) {
      const prevTree = buildClaimsTree([...previous].map(([a, cumulativeAmount]) => ({ account: a as Address, cumulativeAmount })));
      if (prevTree.root.toLowerCase() === chain.tip.root.toLowerCase()) {
        const decreased = [...previous].filter(([a, amount]) => (tree.amountOf(a as Address) ?? 0n) < amount);
        if (decreased.length > 0) {
          const [a, amount] = decreased[0];
          return none(
            `${decreased.length} account(s) would go down from epoch ${tipEpoch} (e.g. ${a}: ${amount} → ` +
              `${tree.amountOf(a as Address) ?? 0n}); cumulative amounts must never decrease`,
            base,
          );
        }
      } else {
        log(`epoch: stored balances of epoch ${tipEpoch} do not rebuild its root; skipping the per-account check`);
      }
    }
  }

  // Balances first, then the root: a proof exists as soon as the chain has the root.
  const next = chain.epochCount + 1;
  await writeEpochBalances(db, next, tree);
  const receipt = await sendMarketTx(opts, "postEpoch", [tree.root, tree.total, BigInt(throughBlock), poolThrough]);
  const tx = receipt.transactionHash;
  const [posted] = parseEventLogs({ abi: inferenceMarketAbi, eventName: "EpochPosted", logs: receipt.logs });
  const epoch = posted ? Number(posted.args.epoch) : next;
  if (epoch !== next) await writeEpochBalances(db, epoch, tree);
  log(
    `epoch ${epoch}: root ${short(tree.root)} total ${tree.total} over ${tree.entries.length} accounts through block ${throughBlock}, ` +
      `pending for ${chain.challengeWindow} s (tx ${short(tx)}, ${receipt.gasUsed} gas)`,
  );
  return { posted: true, epoch, ...base, tx, gasUsed: receipt.gasUsed, block: receipt.blockNumber, finalized, finalizesInSeconds: chain.challengeWindow };
}
