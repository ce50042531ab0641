import { getDatabase } from "@/db/client";
import { publicClientFor } from "@/lib/chain/clients";
import { getChainConfig } from "@/lib/chain/config";
import { Indexer } from "./indexer";

const g = globalThis as unknown as { __ledgerlineIndexer?: Indexer };

/** The indexer of this process (npm start runs it inside the web server; `npm run indexer` alone). */
export function runningIndexer(): Indexer | undefined {
  return g.__ledgerlineIndexer;
}

export async function startIndexer(): Promise<Indexer> {
  if (g.__ledgerlineIndexer) return g.__ledgerlineIndexer;
  const cfg = getChainConfig();
  const { db } = await getDatabase();
  const indexer = new Indexer({
    db,
    client: publicClientFor(cfg),
    deployment: cfg.deployment,
    finalityDepth: Number(process.env.FINALITY_DEPTH ?? (cfg.isLocal ? 0 : 64)),
    pollIntervalMs: Number(process.env.INDEXER_POLL_MS ?? (cfg.isLocal ? 250 : 2_000)),
    log: (m) => console.log(m),
  });
  g.__ledgerlineIndexer = indexer;
  indexer.start();
  return indexer;
}
