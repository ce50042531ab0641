/**
 * `npm start`: the whole stack in the foreground. Its children (anvil, next-server and what they spawn)
 * die with this process whatever kills it (lib/process/children.ts); Ctrl-C stops them in order: the web
 * app and its indexer, then the chain. A second Ctrl-C kills them at once.
 */
import path from "node:path";
import { killAllChildren } from "../lib/process/children";
import { portInUse } from "../lib/process/ports";
import { startStack, type Stack } from "./stack";

const port = Number(process.env.PORT ?? 3000);
const anvilPort = Number(process.env.ANVIL_PORT ?? 8545);
const dataDir = process.env.LEDGERLINE_DATA_DIR ?? path.join(process.cwd(), ".data");

const aborter = new AbortController();
let stack: Stack | undefined;
let stoppingSince = 0;

async function shutdown(reason: string) {
  if (stoppingSince) {
    // npm and the terminal both deliver one Ctrl-C: only a later one means "now".
    if (Date.now() - stoppingSince < 1_000) return;
    console.log(`\n${reason} again: killing the web app and the chain now.`);
    killAllChildren();
    process.exit(130);
  }
  stoppingSince = Date.now();
  console.log(`\n${reason}: stopping the web app and its indexer, then the chain… (Ctrl-C again to force)`);
  if (!stack) return aborter.abort(new Error(`stopped by ${reason}`)); // startStack stops what it started, then rejects
  await stack.stop();
  console.log("Ledgerline stopped.");
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGHUP", () => void shutdown("SIGHUP"));

// If whatever ran us (npm, a shell wrapper) dies without a signal to us, we stop too.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid && !stoppingSince) void shutdown("parent process gone");
}, 1_000).unref();

// Refuse before starting anything: a server already on these ports would answer in our place.
const taken = [
  { port, what: "the web app", variable: "PORT" },
  ...(process.env.RPC_URL ? [] : [{ port: anvilPort, what: "the local chain (anvil)", variable: "ANVIL_PORT" }]),
];
for (const p of taken) {
  if (await portInUse(p.port)) {
    console.error(
      `Ledgerline could not start: port ${p.port} (${p.what}) is in use — another Ledgerline? See \`lsof -i :${p.port}\`. Stop it or set ${p.variable}=….`,
    );
    process.exit(1);
  }
}

try {
  stack = await startStack({ port, anvilPort, dataDir, seed: process.env.LEDGERLINE_SEED !== "off", signal: aborter.signal });
} catch (err) {
  if (aborter.signal.aborted) {
    console.log("Ledgerline stopped.");
    process.exit(0);
  }
  console.error(`\nLedgerline could not start: ${(err as Error).message}`);
  process.exit(1);
}
if (stoppingSince) {
  // A stop signal arrived as the start finished.
  await stack.stop();
  console.log("Ledgerline stopped.");
  process.exit(0);
}
console.log(`\nLedgerline is running on http://localhost:${port}  (Ctrl-C stops everything)\n`);
