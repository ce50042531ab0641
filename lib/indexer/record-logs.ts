/**
 * Records a range's raw logs in chain_events, the largest write of a backfill. One JSON parameter built as text
 * (short keys, no per-row objects: values are hex, numbers and names, JSON.stringify'd one by one), and one row back
 * (the count, and the keys of the new logs only when some were already recorded) instead of a row per log.
 */
import { sql } from "drizzle-orm";
import type { Log } from "viem";
import { rowsOf } from "@/db/bulk";
import type { Tx } from "./store";

export interface RawLog {
  log: Log;
  contract: string;
  name: string;
  at: Date;
}

/** Inserts the logs (a recorded one is skipped); returns null when every log was new, else "block:logIndex" of the new ones. */
export async function recordLogs(tx: Tx, chainId: number, logs: readonly RawLog[]): Promise<Set<string> | null> {
  if (logs.length === 0) return null;
  const q = JSON.stringify;
  let json = "[";
  for (let i = 0; i < logs.length; i++) {
    const { log, contract, name, at } = logs[i];
    json +=
      `${i ? "," : ""}{"h":${q(log.transactionHash)},"i":${log.logIndex},"b":${Number(log.blockNumber)},"bh":${q(log.blockHash)},` +
      `"at":"${at.toISOString()}","c":${q(contract)},"a":${q(log.address.toLowerCase())},"n":${q(name)},"t":${q(log.topics)},"d":${q(log.data)}}`;
  }
  json += "]";
  const result = await tx.execute(sql`
    with ins as (
      insert into chain_events (chain_id, tx_hash, log_index, block, block_hash, at, contract, address, name, topics, data)
      select ${chainId}::int, h, i, b, bh, "at", c, a, n, t, d
      from json_to_recordset(${json}::json) as x(h text, i integer, b bigint, bh text, "at" timestamptz, c text, a text, n text, t jsonb, d text)
      on conflict (chain_id, tx_hash, log_index) do nothing
      returning block, log_index
    )
    select count(*)::int as n, case when count(*) < ${logs.length}::int then string_agg(block || ':' || log_index, ',') end as keys from ins`);
  const [row] = rowsOf<{ n: number; keys: string | null }>(result);
  return row.n === logs.length ? null : new Set(row.keys ? row.keys.split(",") : []);
}
