/** Runs the indexer on its own (for Postgres deployments where web instances run without it). */
import { startIndexer } from "../lib/indexer/runtime";

// startIndexer stops the indexer and closes the database on SIGINT/SIGTERM.
const indexer = await startIndexer();
console.log(`indexer: following chain ${indexer.chainId}`);
