/**
 * What the node's operator needs to know, read now: is the chain reachable, the database answering, the
 * indexer keeping up; the operator key's gas balance; paid requests waiting to be settled or refunded; the
 * epochs; recent errors. /api/health reports the first three, /metrics exports all of it as gauges, and the
 * /operator page shows it.
 */
import { count, desc, eq, inArray, isNotNull } from "drizzle-orm";
import { formatEther, type Address, type PublicClient } from "viem";
import { getDb, type Db } from "@/db/client";
import { epochs, indexerCheckpoints, inferenceJobs, inferences } from "@/db/schema";
import { publicClientFor } from "@/lib/chain/clients";
import { getChainConfig, type ChainConfig } from "@/lib/chain/config";
import { operatorAccount } from "@/lib/chain/operator";
import { serverConfig } from "@/lib/config";
import { errorMessage, log, recentProblems, type Problem } from "./log";
import { renderMetrics, type Sample } from "./metrics";

/** How long a health probe may take before it counts as down. */
export const PROBE_TIMEOUT_MS = 3_000;

export interface Check {
  ok: boolean;
  /** What is wrong, in words (absent when ok). */
  error?: string;
}

export interface HealthReport {
  ok: boolean;
  /** The names of the checks that failed: chain, database, indexer. */
  down: ("chain" | "database" | "indexer")[];
  chainId: number | null;
  head: number | null;
  indexed: number | null;
  lag: number | null;
  maxLag: number;
  checks: { chain: Check; database: Check; indexer: Check };
}

function withTimeout<T>(p: Promise<T>, what: string, ms = PROBE_TIMEOUT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
    }),
  ]);
}

interface Probe {
  cfg: ChainConfig | null;
  client: PublicClient | null;
  db: Db | null;
  report: HealthReport;
}

/** Probes the chain, the database and the indexer's checkpoint in parallel; never throws. */
async function probe(): Promise<Probe> {
  const maxLag = serverConfig().healthMaxIndexerLag;
  let cfg: ChainConfig | null = null;
  let cfgError: string | undefined;
  try {
    cfg = getChainConfig();
  } catch (err) {
    cfgError = errorMessage(err);
  }
  const client = cfg ? publicClientFor(cfg) : null;
  const [head, database] = await Promise.all([
    client
      ? withTimeout(client.getBlockNumber({ cacheTime: 0 }), `the chain's RPC (${new URL(cfg!.rpcUrl).host})`).then(
          (n) => ({ ok: true as const, head: Number(n) }),
          (err) => ({ ok: false as const, error: `chain unreachable: ${errorMessage(err)}` }),
        )
      : Promise.resolve({ ok: false as const, error: cfgError ?? "no chain configured" }),
    withTimeout(
      (async () => {
        const db = await getDb();
        const [cp] = cfg ? await db.select().from(indexerCheckpoints).where(eq(indexerCheckpoints.chainId, cfg.chainId)) : [];
        return { db, indexed: cp?.block ?? null };
      })(),
      "the database",
    ).then(
      (v) => ({ ok: true as const, ...v }),
      (err) => ({ ok: false as const, error: `database unavailable: ${errorMessage(err)}` }),
    ),
  ]);
  const headN = head.ok ? head.head : null;
  const indexed = database.ok ? database.indexed : null;
  const lag = headN !== null && indexed !== null ? Math.max(0, headN - indexed) : null;
  let indexer: Check;
  if (!database.ok) indexer = { ok: false, error: "unknown: the database is unavailable" };
  else if (indexed === null) indexer = { ok: true }; // starting: nothing indexed yet is not an outage
  else if (lag !== null && lag > maxLag) indexer = { ok: false, error: `the indexer is ${lag} blocks behind the chain head (limit ${maxLag}, HEALTH_MAX_INDEXER_LAG)` };
  else indexer = { ok: true };
  const checks = {
    chain: head.ok ? { ok: true } : { ok: false, error: head.error },
    database: database.ok ? { ok: true } : { ok: false, error: database.error },
    indexer,
  };
  const down = (["chain", "database", "indexer"] as const).filter((k) => !checks[k].ok);
  return {
    cfg,
    client,
    db: database.ok ? database.db : null,
    report: { ok: down.length === 0, down: [...down], chainId: cfg?.chainId ?? null, head: headN, indexed, lag, maxLag, checks },
  };
}

/** Liveness of the chain, the database and the indexer (GET /api/health). */
export async function health(): Promise<HealthReport> {
  const { report } = await probe();
  // Logged when what is down changes, or at most once a minute while it stays down (npm start polls 4 times a second).
  const key = report.down.join(",");
  if (!report.ok && (key !== lastDown.key || Date.now() - lastDown.at > 60_000)) {
    lastDown.at = Date.now();
    log("health").warn({ down: report.down, checks: report.checks }, `health: down: ${report.down.join(", ")}`);
  } else if (report.ok && lastDown.key) {
    log("health").info("health: everything is up again");
  }
  lastDown.key = key;
  return report;
}

const lastDown = { key: "", at: 0 };

export interface OperatorBalance {
  address: Address;
  /** Wei of the chain's gas token. */
  balance: bigint | null;
  threshold: bigint;
  low: boolean;
  error?: string;
}

export interface JobCounts {
  queued: number;
  serving: number;
  served: number;
  failed: number;
}

export interface EpochSummary {
  latest: { epoch: number; status: string; throughBlock: number; cumulativeTotal: bigint; postedAt: Date; finalizesAt: Date } | null;
  byStatus: Record<string, number>;
  intervalMs: number;
}

export interface RecentError {
  at: Date;
  requestId: number;
  status: string;
  error: string;
}

export interface OperatorStatus {
  health: HealthReport;
  operator: OperatorBalance | null;
  jobs: JobCounts | null;
  /** Payments in escrow on-chain (indexed as paid), not yet settled or refunded. */
  unsettledPayments: number | null;
  epochs: EpochSummary | null;
  jobErrors: RecentError[];
  problems: Problem[];
}

const lowBalanceWarned = new Map<string, number>();

async function operatorBalance(client: PublicClient | null, cfg: ChainConfig | null): Promise<OperatorBalance | null> {
  if (!cfg) return null;
  let address: Address;
  try {
    address = operatorAccount(cfg.chainId).address;
  } catch (err) {
    return { address: "0x0000000000000000000000000000000000000000", balance: null, threshold: serverConfig().operatorLowBalance, low: false, error: errorMessage(err) };
  }
  const threshold = serverConfig().operatorLowBalance;
  try {
    const balance = await withTimeout(client!.getBalance({ address }), "the chain's RPC");
    const low = balance < threshold;
    if (low) {
      // Warn in the logs at most once a minute per address, whoever asks (page, scrape, health).
      const last = lowBalanceWarned.get(address) ?? 0;
      if (Date.now() - last > 60_000) {
        lowBalanceWarned.set(address, Date.now());
        log("operator").warn(
          { operator: address, balanceWei: balance.toString(), thresholdWei: threshold.toString() },
          `operator gas balance is low: ${formatEther(balance)} < ${formatEther(threshold)} (OPERATOR_LOW_BALANCE); settlements and refunds will fail when it runs out`,
        );
      }
    }
    return { address, balance, threshold, low };
  } catch (err) {
    return { address, balance: null, threshold, low: false, error: errorMessage(err) };
  }
}

const OPEN_JOB_STATUSES = ["queued", "serving", "served", "failed"] as const;

async function jobCounts(db: Db): Promise<JobCounts> {
  const rows = await db
    .select({ status: inferenceJobs.status, n: count() })
    .from(inferenceJobs)
    .where(inArray(inferenceJobs.status, [...OPEN_JOB_STATUSES]))
    .groupBy(inferenceJobs.status);
  const out: JobCounts = { queued: 0, serving: 0, served: 0, failed: 0 };
  for (const r of rows) out[r.status as keyof JobCounts] = Number(r.n);
  return out;
}

async function epochSummary(db: Db): Promise<EpochSummary> {
  const [latest] = await db.select().from(epochs).orderBy(desc(epochs.epoch)).limit(1);
  const rows = await db.select({ status: epochs.status, n: count() }).from(epochs).groupBy(epochs.status);
  return {
    latest: latest
      ? { epoch: latest.epoch, status: latest.status, throughBlock: latest.throughBlock, cumulativeTotal: latest.cumulativeTotal, postedAt: latest.postedAt, finalizesAt: latest.finalizesAt }
      : null,
    byStatus: Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])),
    intervalMs: serverConfig().epochIntervalMs,
  };
}

async function jobErrors(db: Db, limit = 10): Promise<RecentError[]> {
  const rows = await db
    .select({ at: inferenceJobs.updatedAt, requestId: inferenceJobs.requestId, status: inferenceJobs.status, error: inferenceJobs.error })
    .from(inferenceJobs)
    .where(isNotNull(inferenceJobs.error))
    .orderBy(desc(inferenceJobs.updatedAt))
    .limit(limit);
  return rows.map((r) => ({ at: r.at, requestId: r.requestId, status: r.status, error: r.error ?? "" }));
}

/** Everything the /operator page shows; parts that cannot be read are null (the health report says why). */
export async function operatorStatus(): Promise<OperatorStatus> {
  const p = await probe();
  const db = p.db;
  const safe = <T>(f: () => Promise<T>): Promise<T | null> => f().catch((err) => (log("operator").error({ err }, `operator status: ${errorMessage(err)}`), null));
  const [operator, jobs, unsettled, epochSum, errors] = await Promise.all([
    p.report.checks.chain.ok ? operatorBalance(p.client, p.cfg) : Promise.resolve(null),
    db ? safe(() => jobCounts(db)) : null,
    db ? safe(async () => Number((await db.select({ n: count() }).from(inferences).where(eq(inferences.status, "paid")))[0]?.n ?? 0)) : null,
    db ? safe(() => epochSummary(db)) : null,
    db ? safe(() => jobErrors(db)) : null,
  ]);
  return { health: p.report, operator, jobs, unsettledPayments: unsettled, epochs: epochSum, jobErrors: errors ?? [], problems: recentProblems() };
}

/** The exposition text of GET /metrics: the process's counters plus gauges read now. */
export async function metricsText(): Promise<string> {
  const s = await operatorStatus();
  const h = s.health;
  const gauges: Sample[] = [
    { name: "ledgerline_up", help: "Whether a dependency is up (1) or down (0): chain, database, indexer.", type: "gauge", samples: (["chain", "database", "indexer"] as const).map((c) => ({ labels: { component: c }, value: h.checks[c].ok ? 1 : 0 })) },
  ];
  if (h.head !== null) gauges.push({ name: "ledgerline_chain_head_block", help: "The chain's latest block number.", type: "gauge", samples: [{ value: h.head }] });
  if (h.indexed !== null) gauges.push({ name: "ledgerline_indexer_block", help: "The last block the indexer committed.", type: "gauge", samples: [{ value: h.indexed }] });
  if (h.lag !== null) gauges.push({ name: "ledgerline_indexer_lag_blocks", help: "Blocks the indexer is behind the chain head.", type: "gauge", samples: [{ value: h.lag }] });
  if (s.jobs) {
    gauges.push(
      { name: "ledgerline_job_queue_depth", help: "Paid requests claimed and not yet answered (queued + serving).", type: "gauge", samples: [{ value: s.jobs.queued + s.jobs.serving }] },
      { name: "ledgerline_inference_jobs", help: "Inference jobs not finished, by status (served: settlement pending; failed: refund pending).", type: "gauge", samples: OPEN_JOB_STATUSES.map((st) => ({ labels: { status: st }, value: s.jobs![st] })) },
    );
  }
  if (s.unsettledPayments !== null) gauges.push({ name: "ledgerline_unsettled_payments", help: "Payments in escrow on-chain (indexed) not yet settled or refunded.", type: "gauge", samples: [{ value: s.unsettledPayments }] });
  if (s.operator?.balance !== null && s.operator?.balance !== undefined) {
    gauges.push(
      { name: "ledgerline_operator_balance_wei", help: "The operator key's gas balance in wei (a float: exact to about 16 digits).", type: "gauge", samples: [{ labels: { address: s.operator.address.toLowerCase() }, value: Number(s.operator.balance) }] },
      { name: "ledgerline_operator_balance_low", help: "1 when the operator key's gas balance is below OPERATOR_LOW_BALANCE.", type: "gauge", samples: [{ labels: { address: s.operator.address.toLowerCase() }, value: s.operator.low ? 1 : 0 }] },
    );
  }
  if (s.epochs) {
    gauges.push({ name: "ledgerline_epochs", help: "Posted epoch roots by status.", type: "gauge", samples: Object.entries(s.epochs.byStatus).map(([st, n]) => ({ labels: { status: st }, value: n })) });
    if (s.epochs.latest) gauges.push({ name: "ledgerline_epoch_latest", help: "The latest posted epoch's number.", type: "gauge", samples: [{ value: s.epochs.latest.epoch }] });
  }
  return renderMetrics(gauges);
}

