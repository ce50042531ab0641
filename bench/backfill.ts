/**
 * Backfill speed: a chain with ≥ 200,000 Ledgerline events (contributions, reviews, payments and
 * settlements from the real contracts), indexed from scratch into Postgres and PGlite, in events/s.
 */
import { openTestDatabase } from "../db/testing";
import { startAnvil } from "../lib/chain/anvil";
import { Indexer } from "../lib/indexer/indexer";
import { setupWorkload, WORKLOAD_ANVIL_ARGS } from "./workload";

const TARGET_EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);

export async function benchBackfill(log = console.log) {
  const anvil = await startAnvil({ extraArgs: WORKLOAD_ANVIL_ARGS });
  try {
    const work = await setupWorkload(anvil.rpcUrl);
    // 60% contribution events, 40% payment events (each call emits two).
    const contributes = Math.ceil((TARGET_EVENTS * 0.6) / 2);
    const inferences = Math.ceil((TARGET_EVENTS * 0.4) / 2);
    const started = Date.now();
    await work.add({ contributes, inferences });
    const head = await work.client.getBlockNumber({ cacheTime: 0 });
    log(`chain: ${(contributes + inferences) * 2} workload events in ${head} blocks, made in ${((Date.now() - started) / 1000).toFixed(0)} s`);

    const results: Record<string, { events: number; seconds: number; perSecond: number }> = {};
    const kinds: ("postgres" | "pglite")[] = process.env.TEST_DATABASE_URL ? ["postgres", "pglite"] : ["pglite"];
    for (const kind of kinds) {
      const database = await openTestDatabase(kind);
      try {
        const indexer = new Indexer({ db: database.db, client: work.client, deployment: work.deployment, maxRange: 2, asyncCommit: kind === "postgres" });
        const t0 = performance.now();
        const res = await indexer.syncOnce();
        const seconds = (performance.now() - t0) / 1000;
        results[kind] = { events: res.events, seconds, perSecond: res.events / seconds };
        log(`backfill into ${kind}: ${res.events} events in ${seconds.toFixed(1)} s = ${Math.round(res.events / seconds)} events/s`);
      } finally {
        await database.close();
      }
    }
    return results;
  } finally {
    await anvil.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchBackfill();
}
