/**
 * Governance from a script: wrap OPEN into vOPEN and delegate, propose, vote, queue and execute, with viem
 * and the generated ABIs. The demo seed and the tests share these; the browser sends the same calls through
 * components/wallet/use-transaction.ts.
 *
 *   const g = governanceClient({ publicClient, walletClient, deployment });
 *   await wrapAndDelegate(g, { amount: parseUnits("1000", 18) });     // voting power from the next second on
 *   const p = await propose(g, { actions: [setFeesAction(d.inferenceMarket, 400, 1000)], description: "Fees 4 %" });
 *   await waitForProposal(g, p.proposalId, "active", { anvil: true }); // anvil: move the clock; else wait
 *   await castVote(g, p.proposalId, "for");
 *   await waitForProposal(g, p.proposalId, "succeeded", { anvil: true });
 *   await queue(g, p);  await waitForEta(g, p.proposalId, { anvil: true });  await execute(g, p);
 *
 * `runProposal` does all of that in one call.
 */
import type { Account, Address, Chain, Hex, PublicClient, TransactionReceipt, WalletClient } from "viem";
import { ledgerlineGovernorAbi } from "@/contracts-abi/LedgerlineGovernor";
import { openTokenAbi } from "@/contracts-abi/OpenToken";
import { openVotesAbi } from "@/contracts-abi/OpenVotes";
import type { Deployment } from "@/lib/chain/deploy";
import { withGasHeadroom } from "./gas";
import { proposalCall, VOTE_SUPPORT, type ProposalCall, type ProposalDraft, type VoteChoice } from "./proposals";
import { PROPOSAL_STATES, type ProposalState } from "./state";

export interface GovernanceClient {
  publicClient: PublicClient;
  /** Sends every transaction; must carry an account. */
  walletClient: WalletClient;
  deployment: Pick<Deployment, "token" | "openVotes" | "governor">;
}

export function governanceClient(c: GovernanceClient): GovernanceClient {
  if (!c.walletClient.account) throw new Error("governance: the wallet client has no account");
  return c;
}

function sender(c: GovernanceClient): { account: Account; chain: Chain | null } {
  const account = c.walletClient.account;
  if (!account) throw new Error("governance: the wallet client has no account");
  return { account, chain: c.walletClient.chain ?? null };
}

async function confirm(c: GovernanceClient, hash: Hex, what: string): Promise<TransactionReceipt> {
  const receipt = await c.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`governance: ${what} reverted (tx ${hash})`);
  return receipt;
}

async function write(c: GovernanceClient, address: Address, abi: readonly unknown[], functionName: string, args: readonly unknown[], what: string) {
  // Simulate first: a revert then names its custom error (e.g. GovernorUnexpectedProposalState) instead of a bare
  // status. Then send with gas headroom (lib/governance/gas.ts).
  const call = { address, abi, functionName, args, ...sender(c) } as never;
  const { request } = await c.publicClient.simulateContract(call);
  const gas = withGasHeadroom(await c.publicClient.estimateContractGas(call));
  const hash = await c.walletClient.writeContract({ ...(request as object), gas } as never);
  return { hash, receipt: await confirm(c, hash, what) };
}

/**
 * Wraps `amount` OPEN into vOPEN for the sender (approve + depositFor) and delegates its votes (to itself by
 * default). Votes count from the second after the delegation: propose or vote in a later block.
 */
export async function wrapAndDelegate(c: GovernanceClient, opts: { amount: bigint; delegatee?: Address }): Promise<{ delegatee: Address; txs: Hex[] }> {
  const { account } = sender(c);
  const d = c.deployment;
  const txs: Hex[] = [];
  if (opts.amount > 0n) {
    const allowance = await c.publicClient.readContract({ address: d.token, abi: openTokenAbi, functionName: "allowance", args: [account.address, d.openVotes] });
    if (allowance < opts.amount) txs.push((await write(c, d.token, openTokenAbi, "approve", [d.openVotes, opts.amount], "approving vOPEN")).hash);
    txs.push((await write(c, d.openVotes, openVotesAbi, "depositFor", [account.address, opts.amount], "wrapping OPEN into vOPEN")).hash);
  }
  const delegatee = opts.delegatee ?? account.address;
  const current = await c.publicClient.readContract({ address: d.openVotes, abi: openVotesAbi, functionName: "delegates", args: [account.address] });
  if (current.toLowerCase() !== delegatee.toLowerCase()) {
    txs.push((await write(c, d.openVotes, openVotesAbi, "delegate", [delegatee], "delegating votes")).hash);
  }
  return { delegatee, txs };
}

export interface ProposedCall extends ProposalCall {
  tx: Hex;
  voteStart: bigint;
  voteEnd: bigint;
}

/** Proposes the draft; the id is computed like the Governor's hashProposal (and checked against its answer). */
export async function propose(c: GovernanceClient, draft: ProposalDraft): Promise<ProposedCall> {
  const call = proposalCall(draft);
  const g = c.deployment.governor;
  const { hash } = await write(c, g, ledgerlineGovernorAbi, "propose", [call.targets, call.values, call.calldatas, call.description], "proposing");
  const [voteStart, voteEnd] = await Promise.all([
    c.publicClient.readContract({ address: g, abi: ledgerlineGovernorAbi, functionName: "proposalSnapshot", args: [call.proposalId] }),
    c.publicClient.readContract({ address: g, abi: ledgerlineGovernorAbi, functionName: "proposalDeadline", args: [call.proposalId] }),
  ]);
  if (voteStart === 0n) throw new Error(`governance: proposal ${call.proposalId} is unknown to the Governor after proposing (tx ${hash})`);
  return { ...call, tx: hash, voteStart, voteEnd };
}

export async function castVote(c: GovernanceClient, proposalId: bigint, choice: VoteChoice, reason = ""): Promise<Hex> {
  const g = c.deployment.governor;
  const support = VOTE_SUPPORT[choice];
  const { hash } = reason
    ? await write(c, g, ledgerlineGovernorAbi, "castVoteWithReason", [proposalId, support, reason], `voting ${choice}`)
    : await write(c, g, ledgerlineGovernorAbi, "castVote", [proposalId, support], `voting ${choice}`);
  return hash;
}

type CallArgs = Pick<ProposalCall, "targets" | "values" | "calldatas" | "descriptionHash">;
const callArgs = (p: CallArgs) => [p.targets, p.values, p.calldatas, p.descriptionHash] as const;

/** Queues a succeeded proposal in the timelock; answers when it becomes executable. */
export async function queue(c: GovernanceClient, p: CallArgs): Promise<{ tx: Hex; eta: bigint }> {
  const g = c.deployment.governor;
  const { hash } = await write(c, g, ledgerlineGovernorAbi, "queue", [...callArgs(p)], "queueing");
  const id = await c.publicClient.readContract({ address: g, abi: ledgerlineGovernorAbi, functionName: "hashProposal", args: [...callArgs(p)] });
  const eta = await c.publicClient.readContract({ address: g, abi: ledgerlineGovernorAbi, functionName: "proposalEta", args: [id] });
  return { tx: hash, eta };
}

/** Executes a queued proposal whose timelock delay has passed (the timelock makes the calls). */
export async function execute(c: GovernanceClient, p: CallArgs): Promise<Hex> {
  const { hash } = await write(c, c.deployment.governor, ledgerlineGovernorAbi, "execute", [...callArgs(p)], "executing");
  return hash;
}

/** The Governor's own answer (for scripts and tests; pages compute it from the index). */
export async function proposalStateOnChain(c: Pick<GovernanceClient, "publicClient" | "deployment">, proposalId: bigint): Promise<ProposalState> {
  const s = await c.publicClient.readContract({ address: c.deployment.governor, abi: ledgerlineGovernorAbi, functionName: "state", args: [proposalId] });
  // OZ's enum: Pending, Active, Canceled, Defeated, Succeeded, Queued, Expired, Executed.
  const names = ["pending", "active", "canceled", "defeated", "succeeded", "queued", "expired", "executed"] as const;
  const name = names[s];
  if (!name || name === "expired") throw new Error(`governance: unexpected proposal state ${s}`);
  return name;
}

/** Anvil only: moves the chain's clock forward and mines a block, so time-based states change at once. */
export async function advanceChainTime(publicClient: PublicClient, seconds: number): Promise<void> {
  if (seconds > 0) await publicClient.request({ method: "evm_increaseTime" as never, params: [seconds] as never });
  await publicClient.request({ method: "evm_mine" as never, params: [] as never });
}

async function latestTimestamp(publicClient: PublicClient): Promise<bigint> {
  return (await publicClient.getBlock({ blockTag: "latest" })).timestamp;
}

/**
 * Gets the chain's clock past `timestamp`: on anvil by moving it (`anvil: true`), elsewhere by waiting for blocks.
 * A chain that mines only on transactions (anvil's default) gets an empty block once the time has come, so reads
 * and simulations see it.
 */
export async function passTimestamp(publicClient: PublicClient, timestamp: bigint, opts: { anvil?: boolean } = {}): Promise<void> {
  let now = await latestTimestamp(publicClient);
  if (now > timestamp) return;
  if (opts.anvil) return advanceChainTime(publicClient, Number(timestamp - now) + 1);
  let waitMs = (Number(timestamp - now) + 1) * 1000;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    now = await latestTimestamp(publicClient);
    if (now > timestamp) return;
    await publicClient.request({ method: "evm_mine" as never, params: [] as never }).catch(() => {});
    now = await latestTimestamp(publicClient);
    if (now > timestamp) return;
    waitMs = 1000;
  }
}

/** Waits (or, on anvil, moves time) until the proposal can reach `state` by time alone: active after the snapshot, closed after the deadline. */
export async function waitForProposal(
  c: Pick<GovernanceClient, "publicClient" | "deployment">,
  proposalId: bigint,
  state: "active" | "closed",
  opts: { anvil?: boolean } = {},
): Promise<void> {
  const g = c.deployment.governor;
  const fn = state === "active" ? "proposalSnapshot" : "proposalDeadline";
  const t = await c.publicClient.readContract({ address: g, abi: ledgerlineGovernorAbi, functionName: fn, args: [proposalId] });
  await passTimestamp(c.publicClient, t, opts);
}

/** Waits (or moves anvil's clock) until a queued proposal's timelock delay has passed. */
export async function waitForEta(c: Pick<GovernanceClient, "publicClient" | "deployment">, proposalId: bigint, opts: { anvil?: boolean } = {}): Promise<void> {
  const eta = await c.publicClient.readContract({ address: c.deployment.governor, abi: ledgerlineGovernorAbi, functionName: "proposalEta", args: [proposalId] });
  if (eta === 0n) throw new Error(`governance: proposal ${proposalId} is not queued`);
  await passTimestamp(c.publicClient, eta - 1n, opts);
}

export interface RunProposalOptions {
  /** Wallets (with vOPEN delegated) that vote for it, besides the proposer. */
  voters?: WalletClient[];
  /** Whether the proposer votes for it too (default true). */
  proposerVotes?: boolean;
  /** Move anvil's clock instead of waiting out the voting delay, voting period and timelock delay. */
  anvil?: boolean;
  log?: (msg: string) => void;
}

/**
 * propose → vote for → queue → execute, waiting out each period. Throws if the proposal does not pass (e.g. the
 * voters' power misses quorum), naming the state it ended in.
 */
export async function runProposal(
  c: GovernanceClient,
  draft: ProposalDraft,
  opts: RunProposalOptions = {},
): Promise<ProposedCall & { queueTx: Hex; executeTx: Hex }> {
  const log = opts.log ?? (() => {});
  const p = await propose(c, draft);
  log(`governance: proposed ${p.proposalId} (${p.tx})`);
  await waitForProposal(c, p.proposalId, "active", opts);
  const voters = [...(opts.proposerVotes === false ? [] : [c.walletClient]), ...(opts.voters ?? [])];
  for (const w of voters) await castVote({ ...c, walletClient: w }, p.proposalId, "for");
  log(`governance: ${voters.length} vote(s) for ${p.proposalId}`);
  await waitForProposal(c, p.proposalId, "closed", opts);
  const state = await proposalStateOnChain(c, p.proposalId);
  if (state !== "succeeded") throw new Error(`governance: proposal ${p.proposalId} ended ${state}, not succeeded`);
  const { tx: queueTx } = await queue(c, p);
  await waitForEta(c, p.proposalId, opts);
  const executeTx = await execute(c, p);
  log(`governance: executed ${p.proposalId} (${executeTx})`);
  return { ...p, queueTx, executeTx };
}

export { PROPOSAL_STATES };
export type { ProposalCall, ProposalDraft, ProposalState, VoteChoice };
