/**
 * The epoch job: posts an epoch every `intervalMs` and on demand (runNow), one run at a time. A runNow
 * during a run queues ONE more run after it (earnings may have arrived after the running one read the
 * ledger); further calls share that queued run. Errors are logged and returned, never thrown, so the
 * job cannot crash the server it runs in. The timer is unref'd: it never keeps a process alive.
 */
import { parseConfig, serverConfig, type Env } from "@/lib/config";
import type { Release } from "@/lib/jobs/exclusive";
import { postEpoch, type PostEpochOptions, type PostEpochResult } from "./epochs";

export { DEFAULT_EPOCH_INTERVAL_MINUTES } from "@/lib/config";

/** EPOCH_INTERVAL_MINUTES (default 10) in ms; 0 or "off" = on demand only (returns 0). `env`: tests. */
export function epochIntervalMs(env?: Env): number {
  return (env ? parseConfig(env) : serverConfig()).epochIntervalMs;
}

export interface EpochRun extends PostEpochResult {
  /** The error's message when the run failed (posted is then false and reason says so). */
  error?: string;
  startedAt: Date;
  durationMs: number;
}

/** Releases a lock taken for one run (lib/jobs/exclusive.ts). */
export type { Release };

export interface EpochJobOptions extends PostEpochOptions {
  /** Between the end of one scheduled run and the start of the next; 0 = on demand only. */
  intervalMs: number;
  /** Before the first scheduled run (default: intervalMs). */
  initialDelayMs?: number;
  /**
   * Taken around each run, e.g. a Postgres advisory lock so that one of several web instances posts;
   * null = another holder has it, the run is skipped.
   */
  lock?: () => Promise<Release | null>;
  /** What a run does (default: postEpoch with these options); tests replace it. */
  run?: (opts: PostEpochOptions) => Promise<PostEpochResult>;
}

export interface EpochJob {
  /** Runs now (or right after the run in progress) and resolves with what it did. Never rejects. */
  runNow(): Promise<EpochRun>;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
  /** The last finished run. */
  readonly last: EpochRun | null;
  readonly intervalMs: number;
}

export function startEpochJob(opts: EpochJobOptions): EpochJob {
  const log = opts.log ?? ((m: string) => console.log(m));
  const run = opts.run ?? postEpoch;
  let running: Promise<EpochRun> | null = null;
  let queued: Promise<EpochRun> | null = null;
  let timer: NodeJS.Timeout | undefined;
  const followUps = new Set<NodeJS.Timeout>();
  let stopped = false;
  let last: EpochRun | null = null;

  const execute = async (): Promise<EpochRun> => {
    const startedAt = new Date();
    const done = (r: PostEpochResult & { error?: string }): EpochRun => (last = { ...r, startedAt, durationMs: Date.now() - startedAt.getTime() });
    let release: Release | null | undefined;
    try {
      if (opts.lock) {
        release = await opts.lock();
        if (!release) return done({ posted: false, reason: "another process holds the epoch lock" });
      }
      const result = await run({ db: opts.db, publicClient: opts.publicClient, operator: opts.operator, deployment: opts.deployment, finalityDepth: opts.finalityDepth, log });
      if (!result.posted) log(`epoch: not posted: ${result.reason}`);
      else if (result.finalizesInSeconds !== undefined) finalizeLater(result.finalizesInSeconds);
      return done(result);
    } catch (err) {
      const message = (err as Error)?.message ?? String(err);
      log(`epoch: run failed: ${message.split("\n")[0]}`);
      return done({ posted: false, reason: `failed: ${message.split("\n")[0]}`, error: message });
    } finally {
      await release?.().catch((err: Error) => log(`epoch: releasing the lock failed: ${err.message}`));
    }
  };

  const start = (): Promise<EpochRun> => {
    running = execute().finally(() => {
      running = null;
    });
    return running;
  };

  // A posted root can finalize once its challenge window has passed: run again then, not a whole interval later.
  const finalizeLater = (seconds: number) => {
    if (stopped || seconds > 24 * 3600) return;
    const t = setTimeout(() => void runNow(), (seconds + 1) * 1000);
    t.unref?.();
    followUps.add(t);
  };

  const stoppedRun = (): EpochRun => ({ posted: false, reason: "the epoch job is stopped", startedAt: new Date(), durationMs: 0 });

  const runNow = (): Promise<EpochRun> => {
    if (stopped) return Promise.resolve(stoppedRun());
    if (!running) return start();
    queued ??= running.then(() => {
      queued = null;
      return stopped ? stoppedRun() : start();
    });
    return queued;
  };

  const schedule = (delay: number) => {
    if (stopped || opts.intervalMs <= 0) return;
    timer = setTimeout(() => {
      void runNow().then(() => schedule(opts.intervalMs));
    }, delay);
    timer.unref?.();
  };
  schedule(opts.initialDelayMs ?? opts.intervalMs);

  return {
    runNow,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      for (const t of followUps) clearTimeout(t);
      await queued;
      await running;
    },
    get last() {
      return last;
    },
    intervalMs: opts.intervalMs,
  };
}
