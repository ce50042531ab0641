/**
 * The server's booking job, one per process (started from instrumentation.ts where the chain has batch-settlement):
 * the serving context's database, chain client and operator, this process's batch-settlement server. Every web
 * instance runs it; the shared "bookings" lock makes one of them book at a time.
 */
import { serverConfig } from "@/lib/config";
import { tryLock } from "@/lib/jobs/exclusive";
import { log as logger } from "@/lib/ops/log";
import { processSlot, singletonPromise } from "@/lib/singleton";
import { paymentChain } from "@/lib/inference/paid";
import { serveContext } from "@/lib/inference/runtime";
import { startBookingJob, type BookingJob } from "./booking-job";
import { batchServerFor } from "./scheme";

const BOOKING_JOB = "bookingJob";

/** Starts this process's booking job (idempotent); null where the chain has no batch-settlement contracts. */
export function startBookingRuntime(): Promise<BookingJob | null> {
  return singletonPromise(BOOKING_JOB, async () => {
    const ctx = await serveContext();
    const chain = paymentChain(ctx);
    const server = await batchServerFor(chain);
    if (!server) return null;
    const config = serverConfig();
    const log = (m: string) => (/fail|error|could not/i.test(m) ? logger("booking").warn(m) : logger("booking").info(m));
    const job = startBookingJob({
      db: ctx.db,
      publicClient: ctx.publicClient,
      operator: ctx.operator,
      server,
      market: chain.market,
      token: chain.token,
      bound: { maxDelayMs: config.bookingMaxDelayMs, minRecords: config.bookingMinRecords },
      lock: () => tryLock("bookings", config.databaseUrl),
      log,
    });
    log(`booking job: each channel's batch-settlement charges booked within ${config.bookingMaxDelayMs / 1000} s, or once it has ${config.bookingMinRecords} pending`);
    return job;
  });
}

/** This process's booking job if it was started. */
export function bookingJob(): Promise<BookingJob | null> | null {
  return processSlot<Promise<BookingJob | null>>(BOOKING_JOB).get() ?? null;
}
