/**
 * The server's epoch job: one per process, started from instrumentation.ts next to the indexer.
 * Chain and contracts from getChainConfig(), the process database, the operator's wallet (the same
 * nonce manager as settlements). On Postgres, several web instances may run it: a Postgres advisory lock
 * (on its own connection, held only during a run) makes one of them post at a time.
 */
import postgres from "postgres";
import { getDatabase } from "@/db/client";
import { publicClientFor } from "@/lib/chain/clients";
import { getChainConfig } from "@/lib/chain/config";
import { operatorWallet } from "@/lib/chain/operator";
import { serverConfig } from "@/lib/config";
import { processSlot, singletonPromise } from "@/lib/singleton";
import { epochIntervalMs, startEpochJob, type EpochJob, type Release } from "./job";

/** Advisory lock key of the epoch job ("LLEPOCH\0"); the indexer's is "LEDGERLN". */
export const EPOCH_LOCK_KEY = 0x4c4c45504f434800n;

/** Takes the epoch lock if free (no waiting): a release function, or null when another process has it. */
export async function tryEpochLock(url: string): Promise<Release | null> {
  const sql = postgres(url, { max: 1, idle_timeout: 0, onnotice: () => {} });
  try {
    const [row] = await sql`select pg_try_advisory_lock(${EPOCH_LOCK_KEY.toString()}::bigint) as ok`;
    if (!row.ok) {
      await sql.end({ timeout: 2 });
      return null;
    }
  } catch (err) {
    await sql.end({ timeout: 2 }).catch(() => {});
    throw err;
  }
  return async () => {
    await sql`select pg_advisory_unlock(${EPOCH_LOCK_KEY.toString()}::bigint)`.catch(() => {});
    await sql.end({ timeout: 2 });
  };
}

const EPOCH_JOB = "epochJob";

export interface SettlementJobOptions {
  /** Default: EPOCH_INTERVAL_MINUTES (10; 0 or "off" = on demand only). */
  intervalMs?: number;
  /** Before the first scheduled run (default: the interval). */
  initialDelayMs?: number;
  log?: (msg: string) => void;
}

/** Starts this process's epoch job (idempotent: later calls return the same job). */
export function startSettlementJob(opts: SettlementJobOptions = {}): Promise<EpochJob> {
  return singletonPromise(EPOCH_JOB, async () => {
    const cfg = getChainConfig();
    const database = await getDatabase();
    const url = serverConfig().databaseUrl;
    const log = opts.log ?? ((m: string) => console.log(m));
    const job = startEpochJob({
      db: database.db,
      publicClient: publicClientFor(cfg),
      operator: operatorWallet(cfg),
      deployment: cfg.deployment,
      intervalMs: opts.intervalMs ?? epochIntervalMs(),
      initialDelayMs: opts.initialDelayMs,
      lock: database.kind === "postgres" && url ? () => tryEpochLock(url) : undefined,
      log,
    });
    log(
      job.intervalMs > 0
        ? `epoch job: every ${job.intervalMs / 60_000} min (EPOCH_INTERVAL_MINUTES) and on demand`
        : "epoch job: on demand only (EPOCH_INTERVAL_MINUTES=0)",
    );
    return job;
  });
}

/** This process's epoch job if it was started, else null. */
export function settlementJob(): Promise<EpochJob> | null {
  return processSlot<Promise<EpochJob>>(EPOCH_JOB).get() ?? null;
}
