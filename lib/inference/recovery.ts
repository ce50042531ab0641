/**
 * After a crash (or on any start): no payment is forgotten. Jobs left between payment and settlement are
 * finished, by what the chain and the database say:
 *   - already settled or refunded on-chain → the job row is brought in line;
 *   - served (answer and record stored) → settled with the stored answer (never refunded: it was served);
 *   - queued / serving → served again (∞-gram and kNN are deterministic: same seed, same answer) and
 *     settled; an external model's call is not repeated (the caller is gone): refunded;
 *   - failed (refund not sent yet) → refunded.
 * And payments on-chain that never got a job (the payer paid and never sent the prompt, or the server
 * died before claiming it) are refunded once older than a grace period.
 */
import { randomUUID } from "node:crypto";
import { and, eq, inArray, isNull, lt } from "drizzle-orm";
import { inferenceJobs, inferences } from "@/db/schema";
import { InferenceFailed, SettlementPending } from "./failures";
import { failAndRefund, LeaseLost, runJob, settleStoredJob, splitToJson } from "./jobs";
import { chainOutcome, readRequest, REQUEST_STATUS } from "./onchain";
import type { JobRow, ServeContext } from "./types";

export interface RecoveryOptions {
  /** A job untouched for this long is taken over (default 5 minutes: longer than any serve takes). */
  staleAfterMs?: number;
  /** A payment with no job is refunded once it is this old (default 15 minutes: time for the payer to send the prompt). */
  abandonedAfterMs?: number;
  /** Jobs handled at once (default 4). */
  concurrency?: number;
}

export interface RecoveryReport {
  /** Pending jobs looked at. */
  examined: number;
  /** Jobs settled now (with their stored answer, or served again). */
  settled: number;
  /** …of which were served again. */
  reserved: number;
  /** Jobs refunded now. */
  refunded: number;
  /** Jobs found settled or refunded on-chain already; their rows were updated. */
  reconciled: number;
  /** Jobs that could not be finished now (chain trouble): left for the next run. */
  pending: number;
  /** Payments without a job, refunded. */
  abandonedRefunded: number;
}

const PENDING: JobRow["status"][] = ["queued", "serving", "served", "failed"];

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

export async function recoverPendingInferences(ctx: ServeContext, opts: RecoveryOptions = {}): Promise<RecoveryReport> {
  const { db } = ctx;
  const report: RecoveryReport = { examined: 0, settled: 0, reserved: 0, refunded: 0, reconciled: 0, pending: 0, abandonedRefunded: 0 };
  const staleBefore = new Date(Date.now() - (opts.staleAfterMs ?? 5 * 60_000));
  const concurrency = opts.concurrency ?? 4;

  const jobs = await db
    .select()
    .from(inferenceJobs)
    .where(and(inArray(inferenceJobs.status, PENDING), lt(inferenceJobs.updatedAt, staleBefore)))
    .orderBy(inferenceJobs.requestId);
  await inBatches(jobs, concurrency, async (job) => {
    report.examined++;
    // Take the job over: a new lease, only if nobody else changed it since we read it.
    const lease = randomUUID();
    const [taken] = await db
      .update(inferenceJobs)
      .set({ lease, updatedAt: new Date() })
      .where(
        and(
          eq(inferenceJobs.requestHash, job.requestHash),
          eq(inferenceJobs.status, job.status),
          job.lease === null ? isNull(inferenceJobs.lease) : eq(inferenceJobs.lease, job.lease),
        ),
      )
      .returning();
    if (!taken) return;
    try {
      await finish(ctx, taken, lease, report);
    } catch (err) {
      if (err instanceof LeaseLost) return;
      report.pending++;
      ctx.log?.(`recovery: request ${job.requestId}: ${(err as Error).message.split("\n")[0]}`);
    }
  });

  // Payments that never got a job. The indexed inferences are the list; the chain has the last word.
  const abandonedBefore = new Date(Date.now() - (opts.abandonedAfterMs ?? 15 * 60_000));
  const orphans = await db
    .select({ requestId: inferences.requestId, requestHash: inferences.requestHash, modelId: inferences.modelId, payer: inferences.payer, paidTx: inferences.paidTx })
    .from(inferences)
    .leftJoin(inferenceJobs, eq(inferenceJobs.requestHash, inferences.requestHash))
    .where(and(eq(inferences.status, "paid"), lt(inferences.paidAt, abandonedBefore), isNull(inferenceJobs.requestHash)))
    .orderBy(inferences.requestId);
  await inBatches(orphans, concurrency, async (o) => {
    try {
      const r = await readRequest(ctx, BigInt(o.requestId));
      if (r.status !== REQUEST_STATUS.Paid || r.requestHash.toLowerCase() !== o.requestHash.toLowerCase()) return;
      // Claim it like a request would, so a prompt arriving now finds it refunded instead of racing the refund.
      const lease = randomUUID();
      const [job] = await db
        .insert(inferenceJobs)
        .values({ requestHash: o.requestHash.toLowerCase(), requestId: o.requestId, modelId: o.modelId, payer: o.payer, via: "recovery", paidTx: o.paidTx, status: "queued", prompt: "", params: {}, lease })
        .onConflictDoNothing({ target: inferenceJobs.requestHash })
        .returning();
      if (!job) return;
      const failed = await failAndRefund(ctx, job, lease, "No prompt arrived for this payment.", "abandoned: paid on-chain, no request within the grace period");
      if (failed.refunded) report.abandonedRefunded++;
      else report.pending++;
    } catch (err) {
      if (err instanceof LeaseLost) return;
      report.pending++;
      ctx.log?.(`recovery: abandoned request ${o.requestId}: ${(err as Error).message.split("\n")[0]}`);
    }
  });
  if (report.examined || report.abandonedRefunded) {
    ctx.log?.(
      `recovery: ${report.examined} pending job(s): ${report.settled} settled (${report.reserved} served again), ${report.refunded} refunded, ` +
        `${report.reconciled} already final on-chain, ${report.pending} left pending; ${report.abandonedRefunded} abandoned payment(s) refunded`,
    );
  }
  return report;
}

/** Finishes one taken-over job. */
async function finish(ctx: ServeContext, job: JobRow, lease: string, report: RecoveryReport): Promise<void> {
  const { db } = ctx;
  const requestId = BigInt(job.requestId);
  const r = await readRequest(ctx, requestId);
  const set = (values: Partial<typeof inferenceJobs.$inferInsert>) =>
    db
      .update(inferenceJobs)
      .set({ ...values, updatedAt: new Date() })
      .where(and(eq(inferenceJobs.requestHash, job.requestHash), eq(inferenceJobs.lease, lease)));

  if (r.status === REQUEST_STATUS.Settled || r.status === REQUEST_STATUS.Refunded) {
    // Finished on-chain by an earlier attempt (a lost receipt) or by the payer (refund after the timeout).
    const outcome = await chainOutcome(ctx, requestId);
    if (outcome?.kind === "settled") {
      await set({ status: "settled", settleTx: outcome.tx, price: outcome.price, split: splitToJson(outcome.split, outcome.ceiling), finishedAt: new Date() });
    } else {
      await set({ status: "refunded", refundTx: outcome?.tx ?? null, finishedAt: new Date() });
    }
    report.reconciled++;
    return;
  }
  if (r.status !== REQUEST_STATUS.Paid) {
    // Not paid on this chain at all (e.g. the local chain was reset): nothing to settle or refund.
    await set({ error: "the request is not paid on this chain" });
    report.pending++;
    return;
  }

  if (job.status === "served" && job.output !== null && job.record !== null) {
    try {
      await settleStoredJob(ctx, { ...job, output: job.output, record: job.record }, lease);
      report.settled++;
    } catch (err) {
      if (err instanceof InferenceFailed && err.refunded) report.reconciled++;
      else if (err instanceof SettlementPending) report.pending++;
      else throw err;
    }
    return;
  }

  if (job.status === "failed") {
    const failed = await failAndRefund(ctx, job, lease, "The model failed to answer.", job.error ?? "failed");
    if (failed.refunded) report.refunded++;
    else report.pending++;
    return;
  }

  // queued or serving: interrupted before an answer was stored. An abandoned payment claimed by recovery
  // has no prompt: it is refunded, never served.
  if (job.via === "recovery") {
    const failed = await failAndRefund(ctx, job, lease, "No prompt arrived for this payment.", "abandoned: refunded by recovery");
    if (failed.refunded) report.refunded++;
    else report.pending++;
    return;
  }
  let external = false;
  try {
    const served = await ctx.models.get(job.modelId);
    // An endpoint may have answered already (and would answer differently): refund rather than call it twice.
    external = served.kind === "external" || (served.kind === "rag" && typeof served.parameters.baseUrl === "string");
  } catch {
    // Unavailable model: runJob below fails and refunds with the reason.
  }
  if (external) {
    const failed = await failAndRefund(ctx, job, lease, "The inference was interrupted before the model answered.", "interrupted (external model): refunded by recovery");
    if (failed.refunded) report.refunded++;
    else report.pending++;
    return;
  }
  try {
    await runJob(ctx, job, lease);
    report.settled++;
    report.reserved++;
  } catch (err) {
    if (err instanceof InferenceFailed) {
      if (err.refunded) report.refunded++;
      else report.pending++;
    } else if (err instanceof SettlementPending) report.pending++;
    else throw err;
  }
}

/**
 * Runs recovery now and then every `intervalMs` (default 60 s) until stopped: at startup it finishes what a
 * crash left; afterwards it catches payments that were abandoned or jobs whose worker stalled. Errors are
 * logged, never thrown. Run it in one process per database (e.g. next to the indexer).
 */
export function startRecovery(ctx: ServeContext, opts: RecoveryOptions & { intervalMs?: number } = {}): { stop(): Promise<void>; runs: () => number } {
  let stopped = false;
  let runs = 0;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> = Promise.resolve();
  const tick = () => {
    current = recoverPendingInferences(ctx, opts)
      .catch((err: unknown) => ctx.log?.(`recovery: ${(err as Error).message.split("\n")[0]}`))
      .finally(() => {
        runs++;
        if (!stopped) timer = setTimeout(tick, opts.intervalMs ?? 60_000);
      });
  };
  tick();
  return {
    runs: () => runs,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
