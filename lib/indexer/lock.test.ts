import { describe, expect, it } from "vitest";
import { acquireWriterLock } from "./lock";

const url = process.env.TEST_DATABASE_URL;

describe.skipIf(!url)("indexer writer lock (Postgres)", () => {
  it("lets one writer in; a second waits and takes over when the first lets go", async () => {
    const first = await acquireWriterLock(url!);
    let waited = false;
    let secondHas = false;
    const second = acquireWriterLock(url!, { pollMs: 50, onWait: () => (waited = true) }).then((l) => {
      secondHas = true;
      return l;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(waited).toBe(true);
    expect(secondHas).toBe(false);
    await first.release();
    const lock = await second;
    expect(secondHas).toBe(true);
    await lock.release();
  });

  it("gives up waiting when asked to stop", async () => {
    const first = await acquireWriterLock(url!);
    const ctrl = new AbortController();
    const waiting = acquireWriterLock(url!, { pollMs: 20, signal: ctrl.signal });
    ctrl.abort();
    await expect(waiting).rejects.toThrow(/stopped/);
    await first.release();
  });
});
