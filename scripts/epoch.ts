/**
 * `npm run epoch`: posts a contributor payout epoch now (lib/settlement/epochs.ts postEpoch) against the
 * running stack's database and chain: getChainConfig() (RPC_URL, DEPLOYMENT_FILE), the operator's key
 * (OPERATOR_PRIVATE_KEY, or anvil's account 0 locally) and the database (DATABASE_URL, else PGlite).
 *
 * The embedded database (PGlite) can be open in one process only. When the web app holds it, this asks
 * the server to run its epoch job instead: POST $LEDGERLINE_URL/api/settlement/epoch (default
 * http://127.0.0.1:3000), with EPOCH_TRIGGER_TOKEN as a bearer token when set.
 * Exit code: 0 posted or nothing to post, 1 refused or failed, 2 usage.
 */
import fs from "node:fs";
import path from "node:path";
import { formatUnits } from "viem";
import { defaultDataDir, getDatabase } from "../db/client";
import { publicClientFor } from "../lib/chain/clients";
import { getChainConfig } from "../lib/chain/config";
import { operatorWallet } from "../lib/chain/operator";
import { postEpoch, type PostEpochResult } from "../lib/settlement/epochs";

const open = (wei: bigint | string | undefined) => (wei === undefined ? "?" : `${formatUnits(BigInt(wei), 18)} OPEN (${wei} wei)`);

/** The pid of a live process that has the PGlite directory open, if any. */
function pgliteOwner(dataDir: string): number | null {
  const marker = path.join(dataDir, ".ledgerline-open");
  let pid: number;
  try {
    pid = Number(fs.readFileSync(marker, "utf8").trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM" ? pid : null;
  }
}

function report(r: PostEpochResult & { error?: string }): number {
  if (r.posted) {
    console.log(`posted epoch ${r.epoch}`);
    console.log(`  root             ${r.root}`);
    console.log(`  cumulative total ${open(r.cumulativeTotal)}`);
    console.log(`  accounts         ${r.accounts}`);
    console.log(`  tx               ${r.tx} (block ${r.block}, ${r.gasUsed} gas)`);
    return 0;
  }
  console.log(`nothing posted${r.epoch !== undefined ? ` (chain at epoch ${r.epoch})` : ""}: ${r.reason}`);
  if (r.cumulativeTotal !== undefined) console.log(`  ledger total ${open(r.cumulativeTotal)} over ${r.accounts} accounts`);
  // Nothing new is a normal outcome; a refusal or failure is not.
  return r.error || !/^nothing new|^no contributor earnings/.test(r.reason ?? "") ? 1 : 0;
}

async function viaServer(owner: number): Promise<number> {
  const base = (process.env.LEDGERLINE_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");
  const url = `${base}/api/settlement/epoch`;
  console.log(`the web app (pid ${owner}) owns the embedded database: asking it to post (POST ${url})`);
  const token = process.env.EPOCH_TRIGGER_TOKEN;
  let res: Response;
  try {
    res = await fetch(url, { method: "POST", headers: token ? { authorization: `Bearer ${token}` } : {} });
  } catch (err) {
    console.error(`${url} is not reachable (${(err as Error).message}); is the stack running? (LEDGERLINE_URL)`);
    return 1;
  }
  const text = await res.text();
  if (res.status === 404) {
    console.error(
      `${url} is not served by this web app. The server posts epochs itself every EPOCH_INTERVAL_MINUTES; ` +
        "stop it to run this command against its database, or use Postgres (DATABASE_URL).",
    );
    return 1;
  }
  if (!res.ok) {
    console.error(`POST ${url}: HTTP ${res.status} ${text.slice(0, 500)}`);
    return 1;
  }
  return report(JSON.parse(text));
}

async function main(): Promise<number> {
  if (process.argv.length > 2) {
    console.error("usage: npm run epoch   (no arguments; config from RPC_URL, DEPLOYMENT_FILE, DATABASE_URL, OPERATOR_PRIVATE_KEY)");
    return 2;
  }
  const cfg = getChainConfig();
  if (!process.env.DATABASE_URL) {
    const owner = pgliteOwner(defaultDataDir());
    if (owner) return viaServer(owner);
  }
  const database = await getDatabase();
  try {
    const publicClient = publicClientFor(cfg);
    const operator = operatorWallet(cfg);
    console.log(`chain ${cfg.chainId} (${cfg.rpcUrl}) · market ${cfg.deployment.inferenceMarket} · operator ${operator.account.address} · ${database.kind}`);
    return report(await postEpoch({ db: database.db, publicClient, operator, deployment: cfg.deployment, log: (m) => console.log(m) }));
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`epoch failed: ${err.message}`);
    process.exit(1);
  },
);
