/**
 * The demo's governance, so /governance is not empty on first start: the operator, the curator and two users
 * wrap OPEN into vOPEN and delegate (one user to the curator), and one proposal — lower the protocol fee to
 * 4 % — goes through the Governor and the timelock to execution, with votes for and against. Runs on the
 * local chain only (it moves anvil's clock through the voting period and the timelock delay). Idempotent: a
 * proposal already made is not made again.
 */
import { createWalletClient, http, parseUnits, type PublicClient, type WalletClient } from "viem";
import { ledgerlineGovernorAbi, openTokenAbi } from "@/contracts-abi";
import { devAccount } from "@/lib/chain/anvil";
import { chainFor } from "@/lib/chain/config";
import type { Deployment } from "@/lib/chain/deploy";
import { advanceChainTime, castVote, governanceClient, proposalStateOnChain, propose, queue, waitForEta, waitForProposal, wrapAndDelegate, execute } from "@/lib/governance/actions";
import { hashProposal, descriptionHash, proposalCall, setFeesAction, type ProposalDraft } from "@/lib/governance/proposals";
import { DEMO_ACCOUNTS } from "./seed";

const OPEN = (n: string) => parseUnits(n, 18);

export function demoProposal(d: Deployment): ProposalDraft {
  return {
    actions: [setFeesAction(d.inferenceMarket, 400, 1000)],
    description: "Lower the protocol fee from 5 % to 4 %\n\nMore of each fee reaches operators, builders and data contributors. Requests paid before this executes keep the fees they were paid under.",
  };
}

export async function seedGovernance(opts: { rpcUrl: string; deployment: Deployment; publicClient: PublicClient; log?: (m: string) => void }): Promise<{ proposalId: bigint | null }> {
  const { deployment: d, publicClient } = opts;
  const log = opts.log ?? (() => {});
  const chain = chainFor({ chainId: d.chainId, publicRpcUrl: opts.rpcUrl });
  const wallet = (i: number): WalletClient => createWalletClient({ account: devAccount(i), chain, transport: http(opts.rpcUrl) });
  const draft = demoProposal(d);
  const call = proposalCall(draft);
  const proposalId = hashProposal(call.targets, call.values, call.calldatas, descriptionHash(draft.description));
  const exists = await publicClient
    .readContract({ address: d.governor, abi: ledgerlineGovernorAbi, functionName: "proposalSnapshot", args: [proposalId] })
    .then((snapshot) => snapshot > 0n);
  if (exists) return { proposalId: null };

  const g = (i: number) => governanceClient({ publicClient, walletClient: wallet(i), deployment: d });
  const faucet = async (i: number, amount: bigint) => {
    const hash = await wallet(DEMO_ACCOUNTS.operator).writeContract({ address: d.token, abi: openTokenAbi, functionName: "faucet", args: [devAccount(i).address, amount], account: devAccount(DEMO_ACCOUNTS.operator), chain });
    await publicClient.waitForTransactionReceipt({ hash });
  };
  const [curator, delegator, dissenter] = [DEMO_ACCOUNTS.curator, DEMO_ACCOUNTS.users[0], DEMO_ACCOUNTS.users[1]];
  await wrapAndDelegate(g(DEMO_ACCOUNTS.operator), { amount: OPEN("1000000") });
  await faucet(curator, OPEN("60000"));
  await wrapAndDelegate(g(curator), { amount: OPEN("50000") });
  await faucet(delegator, OPEN("30000"));
  await wrapAndDelegate(g(delegator), { amount: OPEN("20000"), delegatee: devAccount(curator).address });
  await faucet(dissenter, OPEN("20000"));
  await wrapAndDelegate(g(dissenter), { amount: OPEN("10000") });
  // The Governor counts the proposer's votes at the second before the proposal: on a fast machine all of the
  // above lands within one second, so move the clock past the delegations first.
  await advanceChainTime(publicClient, 1);

  const p = await propose(g(DEMO_ACCOUNTS.operator), draft);
  await waitForProposal(g(DEMO_ACCOUNTS.operator), p.proposalId, "active", { anvil: true });
  await castVote(g(DEMO_ACCOUNTS.operator), p.proposalId, "for", "Contributors and builders keep more of every call.");
  await castVote(g(curator), p.proposalId, "for");
  await castVote(g(dissenter), p.proposalId, "against", "The protocol treasury pays for audits.");
  await waitForProposal(g(DEMO_ACCOUNTS.operator), p.proposalId, "closed", { anvil: true });
  const state = await proposalStateOnChain(g(DEMO_ACCOUNTS.operator), p.proposalId);
  if (state !== "succeeded") throw new Error(`seed: the demo proposal ended ${state}`);
  await queue(g(DEMO_ACCOUNTS.operator), p);
  await waitForEta(g(DEMO_ACCOUNTS.operator), p.proposalId, { anvil: true });
  await execute(g(DEMO_ACCOUNTS.operator), p);
  log(`seed: governance — 4 accounts delegated vOPEN, proposal ${String(p.proposalId).slice(0, 12)}… (protocol fee 5 % → 4 %) executed through the timelock`);
  return { proposalId: p.proposalId };
}
