/**
 * The booking job: every `checkMs` it asks {@link bookingDue} and, when due, runs {@link bookPending}, one run at a
 * time (and one instance at a time: `lock`). Errors are logged and kept in `last`, never thrown: a failed run leaves
 * its charges pending for the next. The timer is unref'd.
 */
import type { Release } from "@/lib/jobs/exclusive";
import { bookingDue, bookPending, type BookingOptions, type BookingRun } from "./booker";

export interface BookingJobOptions extends BookingOptions {
  /** The settle-latency bound, per channel: book a channel when its oldest charge is this old or this many are pending. */
  bound: { maxDelayMs: number; minRecords: number };
  /** How often the bound is checked (default: a tenth of maxDelayMs, between 1 and 10 s). */
  checkMs?: number;
  lock?: () => Promise<Release | null>;
}

export interface BookingJobRun extends Partial<BookingRun> {
  ran: boolean;
  reason: string;
  error?: string;
  at: Date;
}

export interface BookingJob {
  /** Checks now (books when due, or always with `force`); resolves with what it did. Never rejects. */
  runNow(force?: boolean): Promise<BookingJobRun>;
  stop(): Promise<void>;
  readonly last: BookingJobRun | null;
}

export function startBookingJob(opts: BookingJobOptions): BookingJob {
  const log = opts.log ?? (() => {});
  const checkMs = opts.checkMs ?? Math.min(10_000, Math.max(1_000, Math.floor(opts.bound.maxDelayMs / 10)));
  /** Runs queue one after another (execute never rejects). */
  let chain: Promise<unknown> = Promise.resolve();
  let last: BookingJobRun | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const execute = async (force: boolean): Promise<BookingJobRun> => {
    const at = new Date();
    let release: Release | null | undefined;
    try {
      if (opts.lock) {
        release = await opts.lock();
        if (!release) return { ran: false, reason: "another process holds the booking lock", at };
      }
      const due = await bookingDue(opts, opts.bound);
      if (!due.due && !(force && due.pending > 0)) return { ran: false, reason: due.reason, at };
      // Asked: every channel with pending charges; otherwise only the due ones (see booker.ts on why per channel).
      const run = await bookPending({ ...opts, log, channels: force ? undefined : due.channels });
      return { ran: true, reason: force ? "asked" : due.reason, ...run, at };
    } catch (err) {
      const message = (err as Error)?.message ?? String(err);
      log(`booking: run failed: ${message.split("\n")[0]}`);
      return { ran: false, reason: `failed: ${message.split("\n")[0]}`, error: message, at };
    } finally {
      await release?.().catch(() => {});
    }
  };

  const runNow = (force = false): Promise<BookingJobRun> => {
    if (stopped) return Promise.resolve({ ran: false, reason: "the booking job is stopped", at: new Date() });
    // A check asked for during a run waits for it, then checks again (charges may have arrived meanwhile).
    const next = chain.then(() => execute(force)).then((r) => (last = r));
    chain = next;
    return next;
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void runNow().finally(schedule), checkMs);
    timer.unref?.();
  };
  schedule();

  return {
    runNow,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await chain;
    },
    get last() {
      return last;
    },
  };
}
