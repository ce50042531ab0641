import { getTableName, sql } from "drizzle-orm";
import type { Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "@/db/bulk";
import type { Database } from "@/db/client";
import * as t from "@/db/schema";
import { openTestDatabase, testDatabaseKinds } from "@/db/testing";
import { startAnvil, type Anvil } from "@/lib/chain/anvil";
import { Indexer, type IndexerOptions } from "./indexer";
import { derivedTables, keyColumns } from "./journal";
import { dumpReadModel } from "./testing/dump";
import { prng, setupScenario, type Scenario } from "./testing/scenario";

for (const { kind, available } of testDatabaseKinds) {
  describe.skipIf(!available)(`indexer undo journal (${kind})`, () => {
    let anvil: Anvil;
    let s: Scenario;
    const open: Database[] = [];

    beforeAll(async () => {
      anvil = await startAnvil();
      s = await setupScenario(anvil.rpcUrl);
    }, 120_000);
    afterAll(async () => {
      for (const d of open) await d.close();
      await anvil?.stop();
    });

    const database = async () => {
      const d = await openTestDatabase(kind);
      open.push(d);
      return d;
    };
    const indexer = (d: Database, o: Partial<IndexerOptions> = {}) => new Indexer({ db: d.db, client: s.client, deployment: s.deployment, maxRange: 4, ...o });
    const rpc = (method: string, params: unknown[] = []) => s.client.request({ method: method as never, params: params as never });
    const head = async () => Number(await s.client.getBlockNumber({ cacheTime: 0 }));
    /** At least `n` transactions (an action may send none). */
    const act = async (n: number, rand: ReturnType<typeof prng>) => {
      let sent = 0;
      while (sent < n) sent += await s.randomActions(n - sent, rand);
      return sent;
    };
    const expectFreshIndex = async (d: Database) => {
      const fresh = await openTestDatabase(kind);
      try {
        await new Indexer({ db: fresh.db, client: s.client, deployment: s.deployment }).syncOnce();
        const a = await dumpReadModel(d.db);
        const b = await dumpReadModel(fresh.db);
        // Table by table, so a failure names the table.
        for (const table of Object.keys(b)) expect(a[table], table).toEqual(b[table]);
      } finally {
        await fresh.close();
      }
    };
    const journal = async (d: Database, table: string, existed: boolean) =>
      Number(
        rowsOf<{ n: string }>(await d.db.execute(sql`select count(*)::text as n from indexer_journal where table_name = ${table} and existed = ${existed}`))[0].n,
      );

    it("every derived table has the journal's triggers", async () => {
      const d = await database();
      const rows = rowsOf<{ table: string; n: string }>(
        await d.db.execute(sql`select c.relname as "table", count(*)::text as n from pg_trigger g join pg_class c on c.oid = g.tgrelid where g.tgname like '%\_journal\_%' group by c.relname`),
      );
      const byTable = Object.fromEntries(rows.map((r) => [r.table, Number(r.n)]));
      for (const table of derivedTables) expect(byTable[getTableName(table)], getTableName(table)).toBe(3);
    });

    it("undoes a reorg deeper than one range, whose ancestor is inside a flushed range, and equals a fresh index", async () => {
      const rand = prng(kind === "pglite" ? 3 : 4);
      const d = await database();
      await act(12, rand);
      await indexer(d).syncOnce();
      const synced = await head();
      // History the next sync flushes together with the blocks the reorg drops: the ancestor lands inside a range.
      await act(3, rand);
      if ((await head()) - synced === 4) await rpc("evm_mine");
      const snapshot = (await rpc("evm_snapshot")) as Hex;
      const ancestor = await head();
      const dropped = await act(9, rand); // more blocks than one 4-block range
      await indexer(d).syncOnce();
      // Rollups and the operator's stats were written below the ancestor and again by the dropped branch.
      expect(await journal(d, "earnings_hourly", true)).toBeGreaterThan(0);
      expect(await journal(d, "operators", true)).toBeGreaterThan(0);
      // An insert's undo is a delete: its entry holds the row's primary key only (migration 0019).
      const inserted = rowsOf<{ table: string; keys: string }>(
        await d.db.execute(sql`select distinct table_name as "table", (select string_agg(k, ',' order by k) from jsonb_object_keys("row") k) as keys from indexer_journal where not existed`),
      );
      expect(inserted.length).toBeGreaterThan(0);
      for (const r of inserted) expect(r.keys, r.table).toBe(keyColumns(derivedTables.find((x) => getTableName(x) === r.table)!).sort().join(","));
      await rpc("evm_revert", [snapshot]);
      await act(dropped + 2, rand);
      const reorged = indexer(d);
      await reorged.syncOnce();
      expect(reorged.lastRollback?.via).toBe("journal");
      expect(reorged.lastRollback!.ancestor).toBeLessThanOrEqual(ancestor);
      expect(reorged.lastRollback!.ancestor).toBeGreaterThan(synced);
      // Events of the flushed range at or below the ancestor were replayed: the ancestor was inside a range.
      expect(reorged.lastRollback!.replayed).toBeGreaterThan(0);
      await expectFreshIndex(d);

      // A second reorg right away undoes the replayed range too (it was journaled like any other).
      const again = (await rpc("evm_snapshot")) as Hex;
      const n = await act(4, rand);
      await indexer(d).syncOnce();
      await rpc("evm_revert", [again]);
      await act(n + 1, rand);
      const second = indexer(d);
      await second.syncOnce();
      expect(second.lastRollback?.via).toBe("journal");
      await expectFreshIndex(d);
    }, 240_000);

    it("falls back to the full replay when the ancestor is older than the journal reaches", async () => {
      const rand = prng(kind === "pglite" ? 7 : 8);
      // Case 1: the journal was turned on after the ancestor (blocks remembered through finalityDepth only).
      const d = await database();
      await act(6, rand);
      const snapshot = (await rpc("evm_snapshot")) as Hex;
      await act(3, rand);
      await indexer(d, { journalBlocks: 0, finalityDepth: 64 }).syncOnce();
      await act(3, rand);
      await indexer(d, { finalityDepth: 64 }).syncOnce();
      const [cp] = await d.db.select().from(t.indexerCheckpoints);
      await rpc("evm_revert", [snapshot]);
      await act(8, rand);
      const reorged = indexer(d, { finalityDepth: 64 });
      await reorged.syncOnce();
      expect(reorged.lastRollback?.via).toBe("replay");
      // A real ancestor, just below where the journal starts.
      expect(reorged.lastRollback!.ancestor).toBeGreaterThanOrEqual(s.deployment.startBlock);
      expect(reorged.lastRollback!.ancestor + 1).toBeLessThan(cp.journalFrom!);
      await expectFreshIndex(d);
      // The journal starts again above the ancestor: the next reorg goes through it.
      const next = (await rpc("evm_snapshot")) as Hex;
      const n = await act(3, rand);
      await indexer(d, { finalityDepth: 64 }).syncOnce();
      await rpc("evm_revert", [next]);
      await act(n + 1, rand);
      const third = indexer(d, { finalityDepth: 64 });
      await third.syncOnce();
      expect(third.lastRollback?.via).toBe("journal");
      await expectFreshIndex(d);

      // Case 2: a reorg deeper than a 2-block journal (entries and remembered blocks pruned).
      const e = await database();
      const deep = (await rpc("evm_snapshot")) as Hex;
      const m = await act(6, rand);
      await indexer(e, { journalBlocks: 2 }).syncOnce();
      await rpc("evm_revert", [deep]);
      await act(m + 1, rand);
      const pruned = indexer(e, { journalBlocks: 2 });
      await pruned.syncOnce();
      expect(pruned.lastRollback?.via).toBe("replay");
      await expectFreshIndex(e);
    }, 240_000);

    it("a rollback rewrites only the rows the dropped ranges touched, however long the history", async () => {
      const rand = prng(kind === "pglite" ? 13 : 14);
      const d = await database();
      await act(30, rand);
      const idx = indexer(d);
      await idx.syncOnce();
      // Each row's xmin (the transaction that wrote its version) and content, at the ancestor.
      const rows = async () => {
        const out = new Map<string, string>();
        for (const table of derivedTables) {
          const name = getTableName(table);
          const res = rowsOf<{ xmin: string; row: string }>(await d.db.execute(sql.raw(`select xmin::text as xmin, to_jsonb(x)::text as "row" from "${name}" x`)));
          for (const r of res) out.set(`${name} ${r.row}`, r.xmin);
        }
        return out;
      };
      const before = await rows();
      const ancestor = await head();
      const snapshot = (await rpc("evm_snapshot")) as Hex;
      await act(4, rand);
      await idx.syncOnce();
      const restored = rowsOf<{ n: string }>(await d.db.execute(sql`select count(*)::text as n from indexer_journal where existed and range_to > ${ancestor}`));
      await rpc("evm_revert", [snapshot]);
      await rpc("evm_mine");
      await idx.rollbackToAncestor();
      expect(idx.lastRollback).toMatchObject({ via: "journal", replayed: 0 });
      const after = await rows();
      // The same rows as at the ancestor…
      expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
      // …and only the ones the dropped blocks had updated were written again (a truncate-and-replay rewrites all).
      const rewritten = [...after].filter(([k, xmin]) => before.get(k) !== xmin);
      expect(before.size).toBeGreaterThan(60);
      expect(rewritten.length).toBeLessThanOrEqual(Number(restored[0].n));
      expect(rewritten.length).toBeLessThan(before.size / 4);
      expect(rewritten.filter(([k]) => k.startsWith("ledger_entries ") || k.startsWith("attribution_entries "))).toEqual([]);
      await idx.syncOnce();
      await expectFreshIndex(d);
    }, 240_000);
  });
}
