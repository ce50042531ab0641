/**
 * Contributors' "no verbatim over N tokens" terms, read from public data only: the ContributionTerms events
 * DatanetRegistry logged (terms are fixed at registration, so every block's set is the latest one's subset).
 */
import type { Address, PublicClient } from "viem";
import { datanetRegistryAbi } from "@/contracts-abi";
import type { VerbatimLimits } from "@/lib/attribution/terms";
import { inSpans } from "./log-spans";

const NO_VERBATIM = 2;

export async function verbatimLimitsOnChain(client: PublicClient, datanetRegistry: Address, fromBlock = 0): Promise<VerbatimLimits> {
  const head = Number(await client.getBlockNumber());
  const logs = await inSpans(fromBlock, head, (from, to) =>
    client.getContractEvents({ address: datanetRegistry, abi: datanetRegistryAbi, eventName: "ContributionTerms", fromBlock: from, toBlock: to, strict: true }),
  );
  const limits = new Map<number, number>();
  for (const l of logs) if (l.args.kind === NO_VERBATIM) limits.set(Number(l.args.contributionId), l.args.maxVerbatimTokens);
  return limits;
}
