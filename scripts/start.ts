import path from "node:path";
import { startStack } from "./stack";

const port = Number(process.env.PORT ?? 3000);
const dataDir = process.env.LEDGERLINE_DATA_DIR ?? path.join(process.cwd(), ".data");

let stopping = false;
const stack = await startStack({ port, dataDir }).catch((err: Error) => {
  console.error(`\nLedgerline could not start: ${err.message}`);
  process.exit(1);
});
console.log(`\nLedgerline is running on http://localhost:${port}  (Ctrl-C stops everything)\n`);

async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the web app and the chain…`);
  await stack.stop();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
