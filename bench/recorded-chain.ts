/**
 * A chain's logs, blocks and transactions recorded once, then served from memory with the four reads the indexer
 * makes. Replaying them measures the indexer's own work (decode and write) without the node's getLogs: same
 * Indexer, same code path, only the reads answer instantly.
 */
import type { Block, Hex, Log, PublicClient, Transaction } from "viem";
import type { ChainReader } from "../lib/indexer/indexer";

export interface RecordedChain {
  head: number;
  logs: Log[];
  blocks: Map<number, Block>;
  transactions: Map<string, Transaction>;
}

/** Reads every log of `addresses` from `from` to the head, every block of that span and every transaction with a log. */
export async function recordChain(client: PublicClient, addresses: Hex[], from: number, step = 4): Promise<RecordedChain> {
  const head = Number(await client.getBlockNumber({ cacheTime: 0 }));
  const logs: Log[] = [];
  for (let b = from; b <= head; b += step) {
    logs.push(...(await client.getLogs({ address: addresses, fromBlock: BigInt(b), toBlock: BigInt(Math.min(head, b + step - 1)) })));
  }
  const blocks = new Map<number, Block>();
  for (let n = 0; n <= head; n++) blocks.set(n, await client.getBlock({ blockNumber: BigInt(n) }));
  const transactions = new Map<string, Transaction>();
  for (const hash of new Set(logs.map((l) => l.transactionHash!))) transactions.set(hash, await client.getTransaction({ hash }));
  return { head, logs, blocks, transactions };
}

/** The recorded chain as the indexer reads a node (logs sorted by block, so a range is two binary searches). */
export function replayChain(rec: RecordedChain): ChainReader {
  const logs = [...rec.logs].sort((a, b) => Number(a.blockNumber! - b.blockNumber!) || a.logIndex! - b.logIndex!);
  const firstAt = (block: bigint) => {
    let lo = 0;
    let hi = logs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (logs[mid].blockNumber! < block) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const reader = {
    getBlockNumber: async () => BigInt(rec.head),
    getBlock: async ({ blockNumber }: { blockNumber: bigint }) => {
      const b = rec.blocks.get(Number(blockNumber));
      if (!b) throw new Error(`recorded chain has no block ${blockNumber}`);
      return b;
    },
    // The indexer sorts the array it gets: hand out a copy.
    getLogs: async ({ fromBlock, toBlock }: { fromBlock: bigint; toBlock: bigint }) => logs.slice(firstAt(fromBlock), firstAt(toBlock + 1n)),
    getTransaction: async ({ hash }: { hash: Hex }) => {
      const tx = rec.transactions.get(hash);
      if (!tx) throw new Error(`recorded chain has no transaction ${hash}`);
      return tx;
    },
  };
  return reader as unknown as ChainReader;
}
