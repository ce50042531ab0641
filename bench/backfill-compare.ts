/**
 * `npm run bench -- backfill-compare <checkout> [<checkout>…]`: the same chain backfilled (and replayed from its
 * recorded logs) by each checkout's indexer in turn, alternating the order every round because the machine is
 * shared and noisy; prints every run and the medians side by side. A checkout is a git worktree with node_modules
 * (e.g. `git worktree add --detach /tmp/base main`). BENCH_EVENTS, ROUNDS, KINDS (postgres,pglite), MODES (chain,replay),
 * CPU_PROF (a directory: each run writes a .cpuprofile there).
 * Every run's tables must hash the same as the first run's of its kind (backfill-run.ts `answers`), else it throws.
 */
import { execFileSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { startAnvil } from "../lib/chain/anvil";
import { setupWorkload, WORKLOAD_ANVIL_ARGS } from "./workload";

export async function benchBackfillCompare(checkouts: string[], log = console.log) {
  const events = Number(process.env.BENCH_EVENTS ?? 200_000);
  const rounds = Number(process.env.ROUNDS ?? 2);
  const kinds = (process.env.KINDS ?? (process.env.TEST_DATABASE_URL ? "postgres" : "pglite")).split(",");
  const modes = (process.env.MODES ?? "chain,replay").split(",");
  const anvil = await startAnvil({ extraArgs: WORKLOAD_ANVIL_ARGS });
  try {
    const work = await setupWorkload(anvil.rpcUrl);
    await work.add({ contributes: Math.ceil((events * 0.6) / 2), inferences: Math.ceil((events * 0.4) / 2) });
    const rates: Record<string, number[]> = {};
    const cpu: Record<string, number[]> = {};
    const first: Record<string, { dir: string; answers: Record<string, string> }> = {};
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 ? [...checkouts].reverse() : checkouts;
      for (const kind of kinds)
        for (const mode of modes)
          for (const dir of order) {
            const prof = process.env.CPU_PROF ? ["--cpu-prof", "--cpu-prof-dir", process.env.CPU_PROF] : [];
            const out = execFileSync(process.execPath, [...prof, "--import", "tsx", path.join(import.meta.dirname, "backfill-run.ts")], {
              cwd: dir,
              env: { ...process.env, RPC_URL: anvil.rpcUrl, DEPLOYMENT: JSON.stringify(work.deployment), KIND: kind, MODE: mode },
              encoding: "utf8",
            });
            const r = JSON.parse(out.trim().split("\n").pop()!) as { events: number; seconds: number; nodeCpu: number; pgCpu: number; answers: Record<string, string> };
            (rates[`${kind}, ${mode}, ${dir}`] ??= []).push(r.events / r.seconds);
            (cpu[`${kind}, ${mode}, ${dir}`] ??= []).push(((r.nodeCpu + r.pgCpu) / r.events) * 1e6);
            const ref = (first[kind] ??= { dir, answers: r.answers });
            const differ = Object.keys({ ...ref.answers, ...r.answers }).filter((name) => ref.answers[name] !== r.answers[name]);
            if (differ.length) throw new Error(`${kind} ${mode} ${dir}: tables ${differ.join(", ")} differ from ${ref.dir}'s`);
            log(
              `round ${round + 1} ${kind} ${mode} ${dir}: ${r.events} events in ${r.seconds.toFixed(1)} s = ${Math.round(r.events / r.seconds)} events/s; ` +
                `CPU node ${r.nodeCpu.toFixed(1)} s + postgres ${r.pgCpu.toFixed(1)} s = ${Math.round((r.nodeCpu / r.events) * 1e6)} + ${Math.round((r.pgCpu / r.events) * 1e6)} µs/event; same tables (load ${os.loadavg().map((x) => x.toFixed(2)).join(" ")})`,
            );
          }
    }
    const median = (v: number[]) => Math.round([...v].sort((a, b) => a - b)[v.length >> 1]);
    for (const [key, v] of Object.entries(rates)) log(`${key}: ${v.map(Math.round).join(", ")} events/s, median ${median(v)}; CPU µs/event median ${median(cpu[key])}`);
    return rates;
  } finally {
    await anvil.stop();
  }
}
