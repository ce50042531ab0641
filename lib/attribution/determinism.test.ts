import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { transcript } from "./testing/determinism";

const run = promisify(execFile);
const script = path.join(import.meta.dirname, "testing", "determinism.ts");

/** A fresh Node process: its own V8 heap, hash seed and environment. */
async function child(env: Record<string, string>, v8Flags: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [...v8Flags, "--import", "tsx", script], {
    cwd: process.cwd(),
    env: { ...process.env, ...env },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

describe("determinism across processes", () => {
  it("two Node processes produce byte-identical kNN and ∞-gram records and hashes", async () => {
    const [a, b] = await Promise.all([
      child({ TZ: "UTC", LANG: "C" }, ["--hash-seed=1"]),
      child({ TZ: "Pacific/Chatham", LANG: "tr_TR.UTF-8", LEDGERLINE_SHUFFLE: "1" }, ["--hash-seed=987654"]),
    ]);
    expect(a.length).toBeGreaterThan(0);
    expect(b).toBe(a);
    // And the same as this process computes.
    expect(a).toBe(transcript() + "\n");
    const lines = a.trim().split("\n");
    expect(lines[0]).toMatch(/^knn artifact 0x[0-9a-f]{64} \d+$/);
    // The query with no known words falls back explicitly, to the Datanet treasury.
    expect(lines.some((l) => l.includes('"method":"fallback-datanet-treasury"'))).toBe(true);
    expect(lines.some((l) => l.includes('"method":"knn-shapley"'))).toBe(true);
    expect(lines.some((l) => l.startsWith("infinigram artifact 0x"))).toBe(true);
    expect(lines.filter((l) => l.includes('"method":"infinigram"')).length).toBeGreaterThan(0);
  });
});
