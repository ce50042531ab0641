/**
 * One backfill into a fresh database, for backfill-compare.ts: the Indexer and database code are imported from the
 * checkout this process runs in (its cwd), so an older checkout is measured with its own code. Prints one JSON line:
 * events, seconds, and the CPU seconds of this process and of the Postgres backends (robust on a loaded machine).
 * Env: RPC_URL, DEPLOYMENT (JSON), KIND (postgres | pglite), MODE (chain | replay).
 * Also prints `answers`: an md5 of every table's rows, so checkouts can be checked to index the same thing.
 */
import fs from "node:fs";
import path from "node:path";
import { createPublicClient, http, type Hex, type PublicClient } from "viem";
import { foundry } from "viem/chains";
import { recordChain, replayChain } from "./recorded-chain";

const root = process.cwd();
const { openTestDatabase } = (await import(path.join(root, "db/testing.ts"))) as typeof import("../db/testing");
const { Indexer } = (await import(path.join(root, "lib/indexer/indexer.ts"))) as typeof import("../lib/indexer/indexer");
const { indexedContracts } = (await import(path.join(root, "lib/indexer/decode.ts"))) as typeof import("../lib/indexer/decode");
const { sql } = await import("drizzle-orm");

const deployment = JSON.parse(process.env.DEPLOYMENT!);
const kind = process.env.KIND as "postgres" | "pglite";
const client = createPublicClient({ chain: foundry, transport: http(process.env.RPC_URL!) }) as PublicClient;
const head = Number(await client.getBlockNumber({ cacheTime: 0 }));
const source = process.env.MODE === "replay" ? replayChain(await recordChain(client, Object.keys(indexedContracts(deployment)) as Hex[], deployment.startBlock)) : client;
const database = await openTestDatabase(kind);

/** CPU seconds of this database's backends so far (/proc: Postgres runs on this machine). */
async function postgresCpu(): Promise<number> {
  if (kind !== "postgres") return 0;
  const result = await database.db.execute(sql`select pid from pg_stat_activity where datname = current_database()`);
  let ticks = 0;
  for (const { pid } of result as unknown as { pid: number }[]) {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
  }
  return ticks / 100;
}

// Journal on for every range, as the bench's "journal on" (the worst case).
const indexer = new Indexer({ db: database.db, client: source as PublicClient, deployment, maxRange: 2, asyncCommit: kind === "postgres", journalBlocks: head + 1 });
const pg0 = await postgresCpu();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const res = await indexer.syncOnce();
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const pgCpu = (await postgresCpu()) - pg0;

/**
 * md5 per table of its rows as text, sorted (insertion order and serial ids aside): the checkpoint's updated_at and
 * the journal's seq are when and in which order rows were written, not what was indexed.
 */
async function answers(): Promise<Record<string, string>> {
  const rows = (r: unknown) => (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows) as Record<string, string>[];
  const tables = rows(await database.db.execute(sql`select tablename from pg_tables where schemaname = 'public' order by 1`)).map((r) => r.tablename);
  const out: Record<string, string> = {};
  for (const name of tables) {
    const drop = name === "indexer_checkpoints" ? " - 'updated_at'" : name === "indexer_journal" ? " - 'seq'" : "";
    const [r] = rows(await database.db.execute(sql.raw(`select md5(coalesce(string_agg(x, E'\\n' order by x), '')) as h from (select (to_jsonb(t)${drop})::text as x from "${name}" t) s`)));
    out[name] = r.h;
  }
  return out;
}
const digest = await answers();
await database.close();
console.log(JSON.stringify({ events: res.events, seconds, nodeCpu: (cpu.user + cpu.system) / 1e6, pgCpu, answers: digest }));
