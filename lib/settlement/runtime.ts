/**
 * The server's epoch job: one per process, started from instrumentation.ts. Chain and contracts from
 * getChainConfig(), the process database, the operator's wallet (the same nonce manager as settlements).
 * Every web instance runs it; the shared "epochs" lock (lib/jobs/exclusive.ts, held only during a run)
 * makes one of them post at a time.
 */
import { log as logger } from "@/lib/ops/log";
import { getDatabase } from "@/db/client";
import { publicClientFor } from "@/lib/chain/clients";
import { finalityDepth, getChainConfig } from "@/lib/chain/config";
import { operatorWallet } from "@/lib/chain/operator";
import { serverConfig } from "@/lib/config";
import { processSlot, singletonPromise } from "@/lib/singleton";
import { tryLock } from "@/lib/jobs/exclusive";
import { epochIntervalMs, startEpochJob, type EpochJob } from "./job";

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
    const log = opts.log ?? ((m: string) => (/fail|error|could not/i.test(m) ? logger("epochs").warn(m) : logger("epochs").info(m)));
    const job = startEpochJob({
      db: database.db,
      publicClient: publicClientFor(cfg),
      operator: operatorWallet(cfg),
      deployment: cfg.deployment,
      finalityDepth: finalityDepth(cfg),
      intervalMs: opts.intervalMs ?? epochIntervalMs(),
      initialDelayMs: opts.initialDelayMs,
      lock: () => tryLock("epochs", database.kind === "postgres" ? url : undefined),
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
