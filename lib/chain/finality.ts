/**
 * Waiting for a transaction to be final: `depth` blocks on top of the block that mined it, and still there
 * (a reorg can drop it or move it). Used before serving a payment on chains with FINALITY_DEPTH > 0, so the
 * operator never answers for money a reorganization takes back.
 */
import type { Hex, PublicClient } from "viem";

export type Finality = { final: true; blockNumber: bigint; blockHash: Hex } | { final: false; reason: string };

export async function awaitFinality(
  client: PublicClient,
  txHash: Hex,
  depth: number,
  opts: { timeoutMs?: number; pollMs?: number } = {},
): Promise<Finality> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15 * 60_000);
  const pollMs = opts.pollMs ?? Math.max(client.pollingInterval, 1_000);
  for (;;) {
    const receipt = await client.getTransactionReceipt({ hash: txHash }).catch(() => null);
    if (!receipt) return { final: false, reason: `transaction ${txHash} is no longer on the chain (reorganized away)` };
    if (receipt.status !== "success") return { final: false, reason: `transaction ${txHash} reverted after a reorganization` };
    const head = await client.getBlockNumber({ cacheTime: 0 });
    if (head >= receipt.blockNumber + BigInt(depth)) {
      const block = await client.getBlock({ blockNumber: receipt.blockNumber });
      // The receipt we read may predate a reorg at that height: the canonical block must be the receipt's.
      if (block.hash === receipt.blockHash) return { final: true, blockNumber: receipt.blockNumber, blockHash: receipt.blockHash };
      continue;
    }
    if (Date.now() > deadline) return { final: false, reason: `transaction ${txHash} was not ${depth} blocks deep in time` };
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
