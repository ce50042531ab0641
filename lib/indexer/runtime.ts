import { log } from "@/lib/ops/log";
import { getDatabase } from "@/db/client";
import { publicClientFor } from "@/lib/chain/clients";
import { finalityDepth, getChainConfig } from "@/lib/chain/config";
import { serverConfig } from "@/lib/config";
import { singletonPromise } from "@/lib/singleton";
import { Indexer } from "./indexer";
import { acquireWriterLock, type WriterLock } from "./lock";

/**
 * Starts this process's indexer (npm start runs it inside the web server; `npm run indexer` alone).
 * On Postgres it first takes the writer lock, so any number of processes may call this safely.
 */
export function startIndexer(): Promise<Indexer> {
  return singletonPromise("indexer", async () => {
    const cfg = getChainConfig();
    const database = await getDatabase();
    let lock: WriterLock | undefined;
    if (database.kind === "postgres") {
      lock = await acquireWriterLock(serverConfig().databaseUrl!, {
        onWait: () => log("indexer").info("indexer: another indexer holds the lock; waiting to take over"),
      });
    }
    const indexer = new Indexer({
      db: database.db,
      client: publicClientFor(cfg),
      deployment: cfg.deployment,
      asyncCommit: database.kind === "postgres",
      finalityDepth: finalityDepth(cfg),
      journalBlocks: serverConfig().indexerJournalBlocks,
      pollIntervalMs: serverConfig().indexerPollMs ?? (cfg.isLocal ? 250 : 2_000),
      log: (m) => log("indexer").info(m),
    });
    if (database.uncleanShutdown) await indexer.reindexFromScratch("the embedded database was not closed cleanly");
    indexer.start();
    // Close the database on a normal stop, so PGlite is known to be clean at the next start.
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      process.once(signal, () => {
        void indexer
          .stop()
          .then(() => database.close())
          .finally(() => process.exit(0));
      });
    }
    const stop = indexer.stop.bind(indexer);
    indexer.stop = async () => {
      await stop();
      await lock?.release();
    };
    return indexer;
  });
}
