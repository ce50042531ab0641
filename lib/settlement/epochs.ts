/**
 * Contributor payout epochs (DESIGN.md, "Contributor payouts scale"): the operator sums each contributor's
 * earnings off-chain (ledger_entries, role "contributor", all time), builds the Merkle tree of those
 * cumulative amounts (lib/chain/merkle.ts, the leaves InferenceMarket.claim checks) and posts only its root
 * and total with InferenceMarket.postEpoch. Gas is therefore the same for 2 or 200,000 contributors; a
 * contributor claims the difference between their cumulative amount and what they already claimed.
 *
 * Order of writes: epoch_balances for the next epoch number are committed BEFORE postEpoch is sent, so a
 * proof can be served the moment the root is on-chain. Rows for an epoch that never got posted are
 * harmless (the claim route serves the epoch the chain posted, and checks the rebuilt root) and are
 * overwritten by the next attempt.
 *
 * Every check the contract makes is made first, with a reason a person can act on, so nothing is sent
 * that would revert: no earnings, nothing new (same root), a total below the last epoch's
 * (EpochTotalDecreased), a total above the settled contributor pools (EpochInsolvent), an account whose
 * cumulative amount went down, an operator without OPERATOR_ROLE.
 */
import { eq } from "drizzle-orm";
import { parseEventLogs, type Account, type Address, type Chain, type Hex, type PublicClient, type Transport, type WalletClient } from "viem";
import { sendAsOperator } from "@/lib/chain/operator-send";
import { inferenceMarketAbi } from "@/contracts-abi";
import { bulkInsert } from "@/db/bulk";
import type { Db } from "@/db/client";
import { epochBalances, ledgerEntries } from "@/db/schema";
import { OPERATOR_ROLE, type Deployment } from "@/lib/chain/deploy";
import { buildClaimsTree, type ClaimsTree } from "@/lib/chain/merkle";
import { sumWei } from "@/lib/queries/sql";

export const CONTRIBUTOR_ROLE = "contributor";

/** Rows per INSERT when writing epoch_balances (one JSON parameter each; see db/bulk.ts). */
const BALANCE_CHUNK = 20_000;

/**
 * Σ of every ledger row with role "contributor", per account, all time: exact bigint sums (numeric in
 * the database). Accounts are lower-case hex; accounts whose sum is 0 are left out.
 */
export async function cumulativeContributorEarnings(db: Db): Promise<Map<`0x${string}`, bigint>> {
  const rows = await db
    .select({ account: ledgerEntries.account, amount: sumWei(ledgerEntries.amount) })
    .from(ledgerEntries)
    .where(eq(ledgerEntries.role, CONTRIBUTOR_ROLE))
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

/** The market's epoch state, read in one round of calls. */
export interface OnChainEpochState {
  epoch: number;
  root: Hex;
  total: bigint;
  /** totalContributorPool: Σ contributor pools of all settled requests (the solvency bound). */
  settledPool: bigint;
  claimedTotal: bigint;
}

export async function readEpochState(publicClient: PublicClient, deployment: Deployment): Promise<OnChainEpochState> {
  const market = { address: deployment.inferenceMarket, abi: inferenceMarketAbi } as const;
  const [epoch, root, total, settledPool, claimedTotal] = await Promise.all([
    publicClient.readContract({ ...market, functionName: "epoch" }),
    publicClient.readContract({ ...market, functionName: "epochRoot" }),
    publicClient.readContract({ ...market, functionName: "epochTotal" }),
    publicClient.readContract({ ...market, functionName: "totalContributorPool" }),
    publicClient.readContract({ ...market, functionName: "claimedTotal" }),
  ]);
  return { epoch: Number(epoch), root, total, settledPool, claimedTotal };
}

/** The epoch claims tree of the ledger as it is now (null when no contributor has earned yet). */
export async function buildEpochTree(db: Db): Promise<ClaimsTree | null> {
  const earnings = await cumulativeContributorEarnings(db);
  if (earnings.size === 0) return null;
  return buildClaimsTree([...earnings].map(([account, cumulativeAmount]) => ({ account, cumulativeAmount })));
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
  /** Signs postEpoch: must hold OPERATOR_ROLE on the market (lib/chain/operator.ts operatorWallet). */
  operator: WalletClient;
  deployment: Deployment;
  log?: (msg: string) => void;
}

export interface PostEpochResult {
  posted: boolean;
  /** The epoch posted (posted) or the chain's current one (not posted). */
  epoch?: number;
  root?: `0x${string}`;
  cumulativeTotal?: bigint;
  /** Leaves in the tree (contributors with earnings). */
  accounts?: number;
  tx?: `0x${string}`;
  /** Gas of the postEpoch transaction: independent of `accounts` (only the root goes on-chain). */
  gasUsed?: bigint;
  block?: bigint;
  /** Why nothing was posted. */
  reason?: string;
}

const short = (h: string) => `${h.slice(0, 10)}…`;

/**
 * Posts the next epoch if the ledger has anything new. Never throws for a state the contract would
 * refuse (returns `{ posted: false, reason }` without sending); throws on RPC/database failures or a
 * reverted transaction.
 */
export async function postEpoch(opts: PostEpochOptions): Promise<PostEpochResult> {
  const { db, publicClient, operator, deployment } = opts;
  const log = opts.log ?? (() => {});
  const market = { address: deployment.inferenceMarket, abi: inferenceMarketAbi } as const;
  const account = operator.account;
  if (!account) throw new Error("postEpoch: the operator wallet client has no account");

  const [tree, chain] = await Promise.all([buildEpochTree(db), readEpochState(publicClient, deployment)]);
  if (!tree) return { posted: false, epoch: chain.epoch, reason: "no contributor earnings in the ledger yet" };
  const base = { root: tree.root, cumulativeTotal: tree.total, accounts: tree.entries.length };

  if (chain.epoch > 0 && tree.root.toLowerCase() === chain.root.toLowerCase()) {
    // Nothing new. Make sure the posted epoch's proofs can be served (e.g. after a database restore).
    const stored = await readEpochBalances(db, chain.epoch);
    const complete = stored.size === tree.entries.length && tree.entries.every((e) => stored.get(e.account.toLowerCase()) === e.cumulativeAmount);
    if (!complete) {
      await writeEpochBalances(db, chain.epoch, tree);
      log(`epoch: restored the balances of epoch ${chain.epoch} (${tree.entries.length} accounts)`);
    }
    return {
      posted: false,
      epoch: chain.epoch,
      ...base,
      reason: `nothing new since epoch ${chain.epoch}: same ${tree.entries.length} balances, same total ${tree.total}`,
    };
  }
  if (tree.total < chain.total) {
    return {
      posted: false,
      epoch: chain.epoch,
      ...base,
      reason:
        `the ledger's contributor total ${tree.total} is below epoch ${chain.epoch}'s total ${chain.total}: ` +
        "the contract refuses a decreasing total (EpochTotalDecreased); the ledger is behind the chain or was rolled back",
    };
  }
  if (tree.total > chain.settledPool) {
    return {
      posted: false,
      epoch: chain.epoch,
      ...base,
      reason:
        `insolvent: the ledger credits contributors ${tree.total} but the settled contributor pools hold only ` +
        `${chain.settledPool} (totalContributorPool); the contract would revert with EpochInsolvent`,
    };
  }
  if (chain.epoch > 0) {
    // Cumulative amounts only grow. If one went down, an account could have claimed more than it is owed
    // and the others could no longer claim theirs in full.
    const previous = await readEpochBalances(db, chain.epoch);
    if (previous.size > 0) {
      const prevTree = buildClaimsTree([...previous].map(([a, cumulativeAmount]) => ({ account: a as Address, cumulativeAmount })));
      if (prevTree.root.toLowerCase() === chain.root.toLowerCase()) {
        const decreased = [...previous].filter(([a, amount]) => (tree.amountOf(a as Address) ?? 0n) < amount);
        if (decreased.length > 0) {
          const [a, amount] = decreased[0];
          return {
            posted: false,
            epoch: chain.epoch,
            ...base,
            reason:
              `${decreased.length} account(s) would go down from epoch ${chain.epoch} (e.g. ${a}: ${amount} → ` +
              `${tree.amountOf(a as Address) ?? 0n}); cumulative amounts must never decrease`,
          };
        }
      } else {
        log(`epoch: stored balances of epoch ${chain.epoch} do not rebuild its root; skipping the per-account check`);
      }
    }
  }
  const isOperator = await publicClient.readContract({ ...market, functionName: "hasRole", args: [OPERATOR_ROLE, account.address] });
  if (!isOperator) {
    return { posted: false, epoch: chain.epoch, ...base, reason: `${account.address} does not hold OPERATOR_ROLE on the market` };
  }

  // Balances first, then the root: a proof exists as soon as the chain has the root.
  const next = chain.epoch + 1;
  await writeEpochBalances(db, next, tree);
  const { request } = await publicClient.simulateContract({
    ...market,
    functionName: "postEpoch",
    args: [tree.root, tree.total],
    account,
    chain: operator.chain ?? publicClient.chain,
  });
  const tx = await sendAsOperator(operator as WalletClient<Transport, Chain, Account>, publicClient, (nonce) =>
    (operator as WalletClient<never, Chain | undefined, Account>).writeContract({ ...request, ...(nonce === undefined ? {} : { nonce }) } as never),
  );
  const receipt = await publicClient.waitForTransactionReceipt({ hash: tx });
  if (receipt.status !== "success") throw new Error(`postEpoch transaction ${tx} reverted`);
  const [posted] = parseEventLogs({ abi: inferenceMarketAbi, eventName: "EpochPosted", logs: receipt.logs });
  const epoch = posted ? Number(posted.args.epoch) : next;
  if (epoch !== next) {
    // Another poster got epoch `next` first; ours is `epoch`: store its balances under that number.
    await writeEpochBalances(db, epoch, tree);
  }
  log(
    `epoch ${epoch}: root ${short(tree.root)} total ${tree.total} over ${tree.entries.length} accounts ` +
      `(tx ${short(tx)}, ${receipt.gasUsed} gas)`,
  );
  return { posted: true, epoch, ...base, tx, gasUsed: receipt.gasUsed, block: receipt.blockNumber };
}
