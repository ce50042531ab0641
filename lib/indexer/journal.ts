/**
 * The undo journal (Ponder's reorg handling): a rollback undoes only what was written above the common ancestor.
 *
 * A range's store flushes in bulk, and one rollup row can take events from many blocks of the range, so no row
 * knows the block that wrote it. The journal keeps, per flushed range instead, the previous image of every
 * derived-table row the flush inserted, updated or deleted (statement triggers, db/migrations/0017, write it while
 * the indexer's transaction sets `ledgerline.range` to "from:to"; other writers leave the setting unset).
 *
 * An insert's entry holds only the row's primary key (migration 0019): its undo is a delete.
 *
 * Rollback to ancestor A: restore, for every row a flush ending above A touched, its image before the OLDEST such
 * flush (absent → delete). Ranges do not overlap, so that leaves the tables as of block L - 1, L the first block of
 * the lowest flush undone (L ≤ A + 1); replaying the kept chain_events of [L, A] brings them to A.
 *
 * The journal reaches as far back as indexer_checkpoints.journal_from: every flush ending at or above it is in the
 * journal. Flushes ending journalBlocks (or finalityDepth, if larger) or more below the head are not journaled and
 * older entries are pruned; a reorg deeper than that (or journal off) takes the full replay instead.
 */
import { getTableConfig, type PgTable } from "drizzle-orm/pg-core";
import { getTableName, gt, lte, sql } from "drizzle-orm";
import * as t from "@/db/schema";
import { rowsOf } from "@/db/bulk";
import type { Tx } from "./store";

/**
 * Tables the chain alone determines: wiped on a redeployment, journaled, and rolled back on a reorg. A table added
 * here needs the journal's three triggers in a migration (journal.test.ts checks).
 */
export const derivedTables = [
  t.datanets,
  t.contributions,
  t.datanetVersions,
  t.models,
  t.modelDatanets,
  t.inferences,
  t.attributionEntries,
  t.ledgerEntries,
  t.earningsHourly,
  t.modelUsageHourly,
  t.datanetUsageHourly,
  t.epochs,
  t.claims,
  t.operators,
  t.operatorEvents,
  t.feeSchedules,
  t.marketParams,
  t.governorSettings,
  t.voteSupply,
  t.voteAccounts,
  t.proposals,
  t.proposalVotes,
] as const;

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

export function keyColumns(table: PgTable): string[] {
  const cfg = getTableConfig(table);
  const composite = cfg.primaryKeys[0]?.columns.map((c) => c.name);
  return composite ?? cfg.columns.filter((c) => c.primary).map((c) => c.name);
}

/** Turns journaling on for the rest of this transaction: the triggers tag what follows with [from, to]. */
export async function journalRange(tx: Tx, from: number, to: number): Promise<void> {
  await tx.execute(sql`select set_config('ledgerline.range', ${`${from}:${to}`}, true)`);
}

/** Whether the journal can undo everything above `ancestor`. */
export function journalReaches(journalFrom: number | null, ancestor: number): boolean {
  return journalFrom !== null && ancestor + 1 >= journalFrom;
}

/**
 * Undoes every flush that ended above `ancestor` and forgets those entries. Returns the first block whose events
 * must be replayed (the tables now stand as of the block before it).
 */
export async function undoAbove(tx: Tx, ancestor: number): Promise<number> {
  const j = t.indexerJournal;
  const touched = rowsOf<{ name: string; from: string }>(
    await tx.execute(sql`select ${j.tableName} as name, min(${j.rangeFrom})::text as "from" from ${j} where ${j.rangeTo} > ${ancestor} group by ${j.tableName}`),
  );
  let replayFrom = ancestor + 1;
  for (const { name, from } of touched) {
    replayFrom = Math.min(replayFrom, Number(from));
    const table = derivedTables.find((x) => getTableName(x) === name);
    if (!table) throw new Error(`indexer_journal names ${name}, which is not a derived table`);
    const keys = keyColumns(table).map((k) => `p.${quote(k)}`).join(", ");
    const T = quote(name);
    const entries = sql.raw(
      `from indexer_journal j, lateral jsonb_populate_record(null::${T}, j."row") p where j.table_name = '${name}' and j.range_to > ${Number(ancestor)}`,
    );
    // Every touched row goes; the image before the oldest undone write comes back (none when that write inserted it).
    await tx.execute(sql`delete from ${sql.raw(T)} where (${sql.raw(keyColumns(table).map(quote).join(", "))}) in (select ${sql.raw(keys)} ${entries})`);
    await tx.execute(
      sql`insert into ${sql.raw(T)} select (x.p).* from (select distinct on (${sql.raw(keys)}) p, j.existed ${entries} order by ${sql.raw(keys)}, j.seq) x where x.existed`,
    );
  }
  await tx.delete(j).where(gt(j.rangeTo, ancestor));
  return replayFrom;
}

/** Forgets entries of flushes that ended at or below `block`: no rollback will go below it through the journal. */
export async function pruneJournal(tx: Tx, block: number): Promise<void> {
  await tx.delete(t.indexerJournal).where(lte(t.indexerJournal.rangeTo, block));
}

export async function clearJournal(tx: Tx): Promise<void> {
  await tx.delete(t.indexerJournal);
}
