/** Runs the indexer on its own (for Postgres deployments where web instances run without it). */
import { startIndexer } from "../lib/indexer/runtime";

const indexer = await startIndexer();
console.log(`indexer: following chain ${indexer.chainId}`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    await indexer.stop();
    process.exit(0);
  });
}
