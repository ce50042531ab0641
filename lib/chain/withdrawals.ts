/**
 * The withdrawal set a version-2 record names (`withdrawalsAt`), read from public data only: every
 * ContributionWithdrawn that DatanetRegistry logged up to and including that block, after checking that the chain's
 * block at that number has the hash the record names (so a record computed on a dropped fork cannot pass).
 */
import type { Address, PublicClient } from "viem";
import { datanetRegistryAbi } from "@/contracts-abi";
import type { WithdrawalsAt } from "@/lib/attribution/record";

/** The record's block is not the chain's block at that number (a dropped fork, or a made-up block). */
export class WithdrawalsBlockMismatch extends Error {}

/** getLogs spans: public RPCs limit a query's block range. */
const SPAN = 50_000;

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
  const ids = new Set<number>();
  for (let a = fromBlock; a <= at.block; a += SPAN) {
    const logs = await client.getContractEvents({
      address: datanetRegistry,
      abi: datanetRegistryAbi,
      eventName: "ContributionWithdrawn",
      fromBlock: BigInt(a),
      toBlock: BigInt(Math.min(at.block, a + SPAN - 1)),
      strict: true,
    });
    for (const l of logs) ids.add(Number(l.args.contributionId));
  }
  // Again after reading: a reorg between the two reads would mix forks.
  await checkBlock();
  return ids;
}
