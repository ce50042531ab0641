/**
 * The withdrawal set a version-2 record names (`withdrawalsAt`), read from public data only: every
 * ContributionWithdrawn that DatanetRegistry logged up to and including that block, after checking that the chain's
 * block at that number has the hash the record names (so a record computed on a dropped fork cannot pass).
 */
import type { Address, PublicClient } from "viem";
import { datanetRegistryAbi } from "@/contracts-abi";
import type { WithdrawalsAt } from "@/lib/attribution/record";
import { inSpans } from "./log-spans";

/** The record's block is not the chain's block at that number (a dropped fork, or a made-up block). */
export class WithdrawalsBlockMismatch extends Error {}

export async function withdrawnAsOf(
  client: PublicClient,
  datanetRegistry: Address,
  at: WithdrawalsAt,
  fromBlock = 0,
): Promise<Set<number>> {
  const checkBlock = async () => {
    const block = await client.getBlock({ blockNumber: BigInt(at.block) }).catch(() => null);
    if (!block) throw new WithdrawalsBlockMismatch(`the chain has no block ${at.block}, which the record names for its withdrawals`);
    if (block.hash?.toLowerCase() !== at.hash.toLowerCase()) {
      throw new WithdrawalsBlockMismatch(`the chain's block ${at.block} is ${block.hash}, not ${at.hash} as the record names for its withdrawals`);
    }
  };
  await checkBlock();
  const logs = await inSpans(fromBlock, at.block, (from, to) =>
    client.getContractEvents({ address: datanetRegistry, abi: datanetRegistryAbi, eventName: "ContributionWithdrawn", fromBlock: from, toBlock: to, strict: true }),
  );
  const ids = new Set(logs.map((l) => Number(l.args.contributionId)));
  // Again after reading: a reorg between the two reads would mix forks.
  await checkBlock();
  return ids;
}
