/**
 * Claiming a contributor's payout: read the proof of (account, cumulativeAmount) for the latest FINAL epoch —
 * from the web app's `GET /api/accounts/{address}/claim`, from a database directly, or from this
 * process's database through lib/queries/accounts — check it against the chain, then send
 * InferenceMarket.claim(account, cumulativeAmount, proof), which pays cumulativeAmount − claimed.
 *
 * The chain decides: what was already claimed is read on-chain (claimed(account)), not from the indexed
 * claims table, so a claim is never sent twice while the indexer catches up; a proof for an older root
 * than the chain's is reported instead of being sent to revert.
 */
import { eq } from "drizzle-orm";
import {
  createWalletClient,
  custom,
  getAddress,
  parseEventLogs,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type LocalAccount,
  type PublicClient,
  type WalletClient,
} from "viem";
import { inferenceMarketAbi } from "@/contracts-abi";
import type { Db } from "@/db/client";
import { epochBalances } from "@/db/schema";
import type { Deployment } from "@/lib/chain/deploy";
import { buildClaimsTree, verifyClaim } from "@/lib/chain/merkle";
import { getClaimStatus } from "@/lib/queries/accounts";

/** What claim() needs, wherever it was read from. */
export interface ClaimProof {
  /** The epoch the proof is for (null: the source knows no epoch yet). */
  epoch: number | null;
  root: Hex | null;
  cumulativeAmount: bigint;
  proof: Hex[];
  /** Where it came from: the URL, "database" or "process database". */
  source: string;
}

export interface ClaimForOptions {
  /** The web app (e.g. http://127.0.0.1:3000): the proof comes from GET /api/accounts/{address}/claim. */
  baseUrl?: string;
  /** fetch to use with baseUrl (default: global fetch). */
  fetch?: (url: string) => Promise<Response>;
  /** Without baseUrl: read the proof from this database (epoch_balances of the chain's current epoch). */
  db?: Db;
  /** Who sends (and pays gas for) the claim. */
  account: LocalAccount | WalletClient;
  /** Whose payout to claim (default: the sender). Anyone may submit; the tokens always go to this account. */
  beneficiary?: Address;
  publicClient: PublicClient;
  deployment: Deployment;
  log?: (msg: string) => void;
}

export interface ClaimResult {
  /** Paid to the beneficiary by this call (0n when nothing was sent). */
  claimed: bigint;
  tx?: `0x${string}`;
  /** Why nothing was claimed. */
  reason?: string;
  beneficiary: Address;
  epoch?: number;
  cumulativeAmount?: bigint;
  /** Σ claimed by the beneficiary on-chain after this call. */
  totalClaimed?: bigint;
  gasUsed?: bigint;
  /** Proof length (tree depth): the only part of claim gas that grows with the number of contributors. */
  proofLength?: number;
}

/** The claim route's JSON (lib/api/endpoints/ ClaimStatus; amounts as decimal strings). */
interface ClaimStatusJson {
  epoch: number | null;
  root: string | null;
  cumulativeAmount: string;
  proof: string[];
}

export async function fetchClaimProof(
  baseUrl: string,
  account: Address,
  fetchFn: (url: string) => Promise<Response> = (u) => fetch(u),
): Promise<ClaimProof> {
  const url = `${baseUrl.replace(/\/+$/, "")}/api/accounts/${account.toLowerCase()}/claim`;
  const res = await fetchFn(url);
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${text.slice(0, 300)}`);
  const body = JSON.parse(text) as ClaimStatusJson;
  return {
    epoch: body.epoch,
    root: (body.root as Hex | null) ?? null,
    cumulativeAmount: BigInt(body.cumulativeAmount),
    proof: body.proof as Hex[],
    source: url,
  };
}

/** The proof against the chain's latest final epoch, built from `db`'s epoch_balances (no indexer needed). */
export async function claimProofFromDb(db: Db, publicClient: PublicClient, deployment: Deployment, account: Address): Promise<ClaimProof> {
  const market = { address: deployment.inferenceMarket, abi: inferenceMarketAbi } as const;
  const [epoch, root] = await Promise.all([
    publicClient.readContract({ ...market, functionName: "finalEpoch" }),
    publicClient.readContract({ ...market, functionName: "epochRoot" }),
  ]);
  const e = Number(epoch);
  if (e === 0) return { epoch: null, root: null, cumulativeAmount: 0n, proof: [], source: "database" };
  const rows = await db
    .select({ account: epochBalances.account, cumulativeAmount: epochBalances.cumulativeAmount })
    .from(epochBalances)
    .where(eq(epochBalances.epoch, e));
  if (rows.length === 0) return { epoch: e, root, cumulativeAmount: 0n, proof: [], source: "database" };
  const tree = buildClaimsTree(rows.map((r) => ({ account: r.account as Address, cumulativeAmount: r.cumulativeAmount })));
  // A tree that does not rebuild the posted root cannot prove anything: report the stored root instead.
  if (tree.root.toLowerCase() !== root.toLowerCase()) return { epoch: e, root: tree.root, cumulativeAmount: 0n, proof: [], source: "database" };
  const cumulativeAmount = tree.amountOf(account) ?? 0n;
  return { epoch: e, root, cumulativeAmount, proof: cumulativeAmount > 0n ? tree.proofFor(account) : [], source: "database" };
}

/** The proof from this process's database, through the claim route's query. */
async function claimProofFromQueries(account: Address): Promise<ClaimProof> {
  const s = await getClaimStatus(account);
  return { epoch: s.epoch, root: (s.root as Hex | null) ?? null, cumulativeAmount: s.cumulativeAmount, proof: s.proof, source: "process database" };
}

const isLocalAccount = (a: LocalAccount | WalletClient): a is LocalAccount => a.type === "local";

function senderWallet(account: LocalAccount | WalletClient, publicClient: PublicClient): WalletClient<never, Chain | undefined, Account> {
  if (isLocalAccount(account)) {
    return createWalletClient({ account, chain: publicClient.chain, transport: custom(publicClient) }) as never;
  }
  const wallet = account as WalletClient;
  if (!wallet.account) throw new Error("claimFor: the wallet client has no account");
  return wallet as never;
}

/**
 * Claims what `beneficiary` (default: the sender) can claim against the latest final epoch. Nothing to claim
 * (no final epoch, no earnings, already claimed, proof behind the chain) → `{ claimed: 0n, reason }`, no
 * transaction.
 */
export async function claimFor(opts: ClaimForOptions): Promise<ClaimResult> {
  const { publicClient, deployment } = opts;
  const wallet = senderWallet(opts.account, publicClient);
  const beneficiary = getAddress(opts.beneficiary ?? wallet.account.address);
  const market = { address: deployment.inferenceMarket, abi: inferenceMarketAbi } as const;

  const [proof, chainEpoch, chainRoot, already] = await Promise.all([
    opts.baseUrl
      ? fetchClaimProof(opts.baseUrl, beneficiary, opts.fetch)
      : opts.db
        ? claimProofFromDb(opts.db, publicClient, deployment, beneficiary)
        : claimProofFromQueries(beneficiary),
    publicClient.readContract({ ...market, functionName: "finalEpoch" }),
    publicClient.readContract({ ...market, functionName: "epochRoot" }),
    publicClient.readContract({ ...market, functionName: "claimed", args: [beneficiary] }),
  ]);
  const epoch = Number(chainEpoch);
  const none = (reason: string): ClaimResult => ({
    claimed: 0n,
    reason,
    beneficiary,
    epoch: epoch || undefined,
    cumulativeAmount: proof.cumulativeAmount,
    totalClaimed: already,
  });

  if (epoch === 0) return none("no epoch is final yet (roots are claimable once their challenge window has passed)");
  if (proof.epoch === null || !proof.root) return none(`${proof.source} knows no epoch yet (the indexer may be behind the chain's epoch ${epoch})`);
  if (proof.root.toLowerCase() !== chainRoot.toLowerCase()) {
    return none(
      `${proof.source} has epoch ${proof.epoch} (root ${proof.root.slice(0, 10)}…) but the chain is at epoch ${epoch} ` +
        `(root ${chainRoot.slice(0, 10)}…): retry once the indexer has caught up`,
    );
  }
  if (proof.cumulativeAmount === 0n) return none(`nothing to claim: ${beneficiary} has no earnings in epoch ${epoch}`);
  if (proof.cumulativeAmount <= already) {
    return none(`nothing to claim: ${beneficiary} already claimed ${already} of its cumulative ${proof.cumulativeAmount} in epoch ${epoch}`);
  }
  if (!verifyClaim(chainRoot, beneficiary, proof.cumulativeAmount, proof.proof)) {
    return none(`the proof from ${proof.source} does not verify against epoch ${epoch}'s root`);
  }

  const { request } = await publicClient.simulateContract({
    ...market,
    functionName: "claim",
    args: [beneficiary, proof.cumulativeAmount, proof.proof],
    account: wallet.account,
    chain: wallet.chain ?? publicClient.chain,
  });
  const tx = await wallet.writeContract(request as never);
  const receipt = await publicClient.waitForTransactionReceipt({ hash: tx });
  if (receipt.status !== "success") throw new Error(`claim transaction ${tx} reverted`);
  const [event] = parseEventLogs({ abi: inferenceMarketAbi, eventName: "Claimed", logs: receipt.logs });
  const claimed = event ? event.args.amount : proof.cumulativeAmount - already;
  opts.log?.(`claim: ${claimed} to ${beneficiary} (epoch ${epoch}, tx ${tx}, ${receipt.gasUsed} gas)`);
  return {
    claimed,
    tx,
    beneficiary,
    epoch,
    cumulativeAmount: proof.cumulativeAmount,
    totalClaimed: proof.cumulativeAmount,
    gasUsed: receipt.gasUsed,
    proofLength: proof.proof.length,
  };
}
