/** The epoch job's scheduling alone (what a run does is tested against anvil in settlement.test.ts). */
import { describe, expect, it } from "vitest";
import type { PostEpochResult } from "./epochs";
import { epochIntervalMs, startEpochJob, type EpochJobOptions } from "./job";

const deps = { db: {}, publicClient: {}, operator: {}, deployment: {} } as unknown as Pick<EpochJobOptions, "db" | "publicClient" | "operator" | "deployment">;

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("epoch job", () => {
  it("runs one at a time: calls during a run share ONE follow-up run", async () => {
    const gates = [deferred<PostEpochResult>(), deferred<PostEpochResult>()];
    let calls = 0;
    let active = 0;
    let maxActive = 0;
    const job = startEpochJob({
      ...deps,
      intervalMs: 0,
      log: () => {},
      run: async () => {
        const gate = gates[calls++];
        active++;
        maxActive = Math.max(maxActive, active);
        try {
          return await gate.promise;
        } finally {
          active--;
        }
      },
    });
    const first = job.runNow();
    const second = job.runNow();
    const third = job.runNow();
    await sleep(5);
    expect(calls).toBe(1);
    gates[0].resolve({ posted: true, epoch: 1 });
    expect(await first).toMatchObject({ posted: true, epoch: 1 });
    await sleep(5);
    expect(calls).toBe(2);
    gates[1].resolve({ posted: false, reason: "nothing new since epoch 1" });
    const [r2, r3] = await Promise.all([second, third]);
    expect(r2).toBe(r3);
    expect(r2).toMatchObject({ posted: false, reason: "nothing new since epoch 1" });
    expect(maxActive).toBe(1);
    expect(job.last).toBe(r2);
    await job.stop();
  });

  it("logs and returns errors instead of throwing, and keeps running", async () => {
    const logs: string[] = [];
    let n = 0;
    const job = startEpochJob({
      ...deps,
      intervalMs: 0,
      log: (m) => logs.push(m),
      run: async () => {
        if (n++ === 0) throw new Error("RPC down\nstack…");
        return { posted: true, epoch: 2 };
      },
    });
    const failed = await job.runNow();
    expect(failed).toMatchObject({ posted: false, reason: "failed: RPC down", error: "RPC down\nstack…" });
    expect(logs).toContain("epoch: run failed: RPC down");
    expect(await job.runNow()).toMatchObject({ posted: true, epoch: 2 });
    await job.stop();
  });

  it("runs on its interval until stopped; stop waits for the run in progress", async () => {
    let calls = 0;
    let finished = 0;
    const job = startEpochJob({
      ...deps,
      intervalMs: 15,
      initialDelayMs: 1,
      log: () => {},
      run: async () => {
        calls++;
        await sleep(10);
        finished++;
        return { posted: false, reason: "nothing new" };
      },
    });
    await sleep(120);
    await job.stop();
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(finished).toBe(calls);
    const after = calls;
    await sleep(50);
    expect(calls).toBe(after);
    expect(await job.runNow()).toMatchObject({ posted: false, reason: "the epoch job is stopped" });
  });

  it("takes the lock around each run and skips the run when another process holds it", async () => {
    const events: string[] = [];
    let free = false;
    const job = startEpochJob({
      ...deps,
      intervalMs: 0,
      log: () => {},
      lock: async () => (free ? async () => void events.push("release") : null),
      run: async () => {
        events.push("run");
        return { posted: true, epoch: 1 };
      },
    });
    expect(await job.runNow()).toMatchObject({ posted: false, reason: "another process holds the epoch lock" });
    free = true;
    expect(await job.runNow()).toMatchObject({ posted: true });
    expect(events).toEqual(["run", "release"]);
    await job.stop();
  });

  it("reads EPOCH_INTERVAL_MINUTES (default 10; 0 or off = on demand only)", () => {
    expect(epochIntervalMs({})).toBe(600_000);
    expect(epochIntervalMs({ EPOCH_INTERVAL_MINUTES: "2" })).toBe(120_000);
    expect(epochIntervalMs({ EPOCH_INTERVAL_MINUTES: "0.5" })).toBe(30_000);
    expect(epochIntervalMs({ EPOCH_INTERVAL_MINUTES: "0" })).toBe(0);
    expect(epochIntervalMs({ EPOCH_INTERVAL_MINUTES: "off" })).toBe(0);
    expect(() => epochIntervalMs({ EPOCH_INTERVAL_MINUTES: "soon" })).toThrow(/EPOCH_INTERVAL_MINUTES/);
  });
});
