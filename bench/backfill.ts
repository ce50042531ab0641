/**
 * Backfill speed: a chain with ≥ 200,000 Ledgerline events (contributions, reviews, payments and
 * settlements from the real contracts), indexed from scratch into Postgres and PGlite, in events/s — with the
 * undo journal's triggers disabled (the indexer before the journal), with the journal off (triggers fire and
 * return) and on for every range (the whole chain is within INDEXER_JOURNAL_BLOCKS of the head: its worst case).
 * Then a rollback of the last blocks on that history: through the journal, and by the full replay it replaced.
 * "replay" is the journal-on backfill again from the chain's logs recorded once (recorded-chain.ts): the indexer's
 * decode and write side without the node serving getLogs on the same cores.
 * BENCH_EVENTS sets the event count.
 */
import os from "node:os";
import { getTableName, gt, sql } from "drizzle-orm";
import * as t from "../db/schema";
import { openTestDatabase } from "../db/testing";
import { startAnvil } from "../lib/chain/anvil";
import { indexedContracts } from "../lib/indexer/decode";
import { Indexer } from "../lib/indexer/indexer";
import { derivedTables } from "../lib/indexer/journal";
import { recordChain, replayChain } from "./recorded-chain";
import { setupWorkload, WORKLOAD_ANVIL_ARGS } from "./workload";

const TARGET_EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const ROLLBACK_BLOCKS = 2;
const loadavg = () => os.loadavg().map((x) => x.toFixed(2)).join(" ");

type Mode = "no triggers" | "journal off" | "journal on" | "replay";

export async function benchBackfill(log = console.log) {
  const anvil = await startAnvil({ extraArgs: WORKLOAD_ANVIL_ARGS });
  try {
    const work = await setupWorkload(anvil.rpcUrl);
    // 60% contribution events, 40% payment events (each call emits two).
    const contributes = Math.ceil((TARGET_EVENTS * 0.6) / 2);
    const inferences = Math.ceil((TARGET_EVENTS * 0.4) / 2);
    const started = Date.now();
    await work.add({ contributes, inferences });
    const head = Number(await work.client.getBlockNumber({ cacheTime: 0 }));
    log(`chain: ${(contributes + inferences) * 2} workload events in ${head} blocks, made in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const r0 = Date.now();
    const recorded = replayChain(await recordChain(work.client, Object.keys(indexedContracts(work.deployment)) as `0x${string}`[], work.deployment.startBlock));
    log(`recorded its logs, blocks and transactions in ${((Date.now() - r0) / 1000).toFixed(0)} s`);

    const results: Record<string, { events: number; seconds: number; perSecond: number }> = {};
    const rollbacks: Record<string, { journal: number; replay: number; undone: number; history: number }> = {};
    const kinds: ("postgres" | "pglite")[] = process.env.TEST_DATABASE_URL ? ["postgres", "pglite"] : ["pglite"];
    const modes: Mode[] = ["no triggers", "journal off", "journal on", "replay"];
    for (const kind of kinds) {
      for (const mode of modes) {
        const database = await openTestDatabase(kind);
        try {
          if (mode === "no triggers") for (const table of derivedTables) await database.db.execute(sql.raw(`alter table "${getTableName(table)}" disable trigger user`));
          const make = (journalBlocks: number) =>
            new Indexer({ db: database.db, client: mode === "replay" ? recorded : work.client, deployment: work.deployment, maxRange: 2, asyncCommit: kind === "postgres", journalBlocks });
          const indexer = make(mode === "journal on" || mode === "replay" ? head + 1 : 0);
          const t0 = performance.now();
          const res = await indexer.syncOnce();
          const seconds = (performance.now() - t0) / 1000;
          results[`${kind}, ${mode}`] = { events: res.events, seconds, perSecond: res.events / seconds };
          log(`backfill into ${kind}, ${mode}: ${res.events} events in ${seconds.toFixed(1)} s = ${Math.round(res.events / seconds)} events/s (load ${loadavg()})`);
          if (mode !== "journal on") continue;
          // A reorg of the last blocks, as the indexer sees one: the newest blocks it remembers are gone.
          const forget = () => database.db.delete(t.indexerBlocks).where(gt(t.indexerBlocks.number, head - ROLLBACK_BLOCKS));
          await forget();
          const j0 = performance.now();
          await indexer.rollbackToAncestor();
          const journal = performance.now() - j0;
          const undone = res.events - (await database.db.$count(t.chainEvents));
          await indexer.syncOnce();
          await forget();
          const r0 = performance.now();
          await make(0).rollbackToAncestor();
          const replay = performance.now() - r0;
          rollbacks[kind] = { journal, replay, undone, history: res.events };
          log(
            `rollback of the last ${ROLLBACK_BLOCKS} blocks (${undone} events) over ${res.events} events of history, ${kind}: ` +
              `undo journal ${(journal / 1000).toFixed(2)} s, full replay ${(replay / 1000).toFixed(2)} s`,
          );
        } finally {
          await database.close();
        }
      }
    }
    return { backfill: results, rollbacks };
  } finally {
    await anvil.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchBackfill();
}
