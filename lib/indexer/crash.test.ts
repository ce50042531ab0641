import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "@/db/client";
import { openTestDatabase, testDatabaseKinds } from "@/db/testing";
import { setupWorkload, WORKLOAD_ANVIL_ARGS, type Workload } from "@/bench/workload";
import { startAnvil, type Anvil } from "@/lib/chain/anvil";
import { Indexer } from "./indexer";
import { dumpReadModel } from "./testing/dump";

const child = path.join(import.meta.dirname, "testing", "run-indexer.ts");

/** Runs the indexer in a child; kills it with SIGKILL after `killAfterMs` (or lets it finish). */
function runChild(env: Record<string, string>, killAfterMs?: number, guardMs = 90_000): Promise<"killed" | "finished"> {
  return new Promise((resolve, reject) => {
    // The indexer is this process (node with tsx's loader), not a tsx CLI parent: a SIGKILL to the CLI left its node
    // child running as an orphan, still writing to the same database while the next child started.
    const p = spawn(process.execPath, ["--import", "tsx", child], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    p.stderr.on("data", (d) => (err += d));
    let timer: NodeJS.Timeout | undefined;
    p.stdout.on("data", (d) => {
      if (killAfterMs !== undefined && String(d).includes("ready") && !timer) timer = setTimeout(() => p.kill("SIGKILL"), killAfterMs);
    });
    // A child stuck on a torn PGlite directory is killed like any other; the next one recovers.
    const guard = setTimeout(() => p.kill("SIGKILL"), guardMs);
    p.on("exit", (code, signal) => {
      clearTimeout(guard);
      clearTimeout(timer);
      if (signal === "SIGKILL") resolve("killed");
      else if (code === 0) resolve("finished");
      else reject(new Error(`indexer child exited ${code}: ${err}`));
    });
  });
}

describe("indexer crash safety", () => {
  let anvil: Anvil;
  let work: Workload;

  beforeAll(async () => {
    anvil = await startAnvil({ extraArgs: WORKLOAD_ANVIL_ARGS });
    work = await setupWorkload(anvil.rpcUrl);
    // ~3,000 events over ~75 blocks: each block is its own committed range in the child.
    await work.add({ contributes: 900, inferences: 600, perTx: 20 });
  }, 180_000);

  afterAll(async () => {
    await anvil?.stop();
  });

  for (const { kind, available } of testDatabaseKinds) {
    it.skipIf(!available)(`SIGKILLed at random points during a backfill, it resumes to exactly a fresh index (${kind})`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ledgerline-crash-"));
      let target: (Database & { url?: string }) | undefined;
      let env: Record<string, string>;
      if (kind === "postgres") {
        target = await openTestDatabase("postgres");
        const url = target.url;
        env = { DATABASE_URL: url! };
      } else {
        env = { PGLITE_DIR: path.join(dir, "pglite"), DATABASE_URL: "" };
      }
      env = { ...env, RPC_URL: anvil.rpcUrl, DEPLOYMENT_JSON: JSON.stringify(work.deployment), MAX_RANGE: "1" };
      try {
        let kills = 0;
        // Deterministic "random" delays so a failure reproduces.
        let seed = 7;
        const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
        for (let i = 0; i < 5; i++) {
          if ((await runChild(env, 300 + Math.floor(next() * 1500))) === "killed") kills++;
        }
        expect(kills).toBeGreaterThan(0);
        // The last run indexes everything left, one block per range, on a loaded CI machine: it took over 90 s once.
        expect(await runChild(env, undefined, 420_000)).toBe("finished");

        const indexed = kind === "postgres" ? target! : await openDatabase({ dataDir: path.join(dir, "pglite") });
        const fresh = await openTestDatabase("pglite");
        try {
          await new Indexer({ db: fresh.db, client: work.client, deployment: work.deployment }).syncOnce();
          const a = await dumpReadModel(indexed.db);
          const b = await dumpReadModel(fresh.db);
          expect(a.contributions.length).toBe(901);
          // Table by table, so a failure names the table.
          for (const table of Object.keys(b)) expect(a[table], table).toEqual(b[table]);
        } finally {
          await fresh.close();
          if (kind === "pglite") await indexed.close();
        }
      } finally {
        await target?.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }, 600_000);
  }
});
