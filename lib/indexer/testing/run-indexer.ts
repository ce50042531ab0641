/**
 * A child process that indexes to the head and exits: the crash test SIGKILLs it at random moments.
 * Env: RPC_URL, DEPLOYMENT_JSON, and DATABASE_URL (Postgres) or PGLITE_DIR.
 */
import { createPublicClient, http, type PublicClient } from "viem";
import { foundry } from "viem/chains";
import { openDatabase } from "../../../db/client";
import { deploymentSchema } from "../../chain/deploy";
import { Indexer } from "../indexer";

const deployment = deploymentSchema.parse(JSON.parse(process.env.DEPLOYMENT_JSON!));
const database = await openDatabase(process.env.DATABASE_URL ? { url: process.env.DATABASE_URL } : { dataDir: process.env.PGLITE_DIR! });
await database.migrate();
const client = createPublicClient({ chain: foundry, transport: http(process.env.RPC_URL!) }) as PublicClient;
const indexer = new Indexer({ db: database.db, client, deployment, maxRange: Number(process.env.MAX_RANGE ?? 1), asyncCommit: database.kind === "postgres" });
if (database.uncleanShutdown) await indexer.reindexFromScratch("the embedded database was not closed cleanly");
process.stdout.write("ready\n");
const res = await indexer.syncOnce();
await database.close();
process.stdout.write(`done ${res.events}\n`);
// On Postgres the live bus's NOTIFY connection (opened when a range was near the head) would keep the process alive.
process.exit(0);
