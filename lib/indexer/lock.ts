import postgres from "postgres";

/** One writer per database: the key every Ledgerline indexer takes (a Postgres advisory lock). */
export const INDEXER_LOCK_KEY = 0x4c45444745524c4en; // "LEDGERLN"

export interface WriterLock {
  release(): Promise<void>;
}

/**
 * Waits until this process holds the indexer lock. The lock lives on its own connection, so when a
 * holder dies its connection closes, Postgres releases the lock, and a waiting indexer takes over.
 * PGlite needs none: one process owns the data directory.
 */
export async function acquireWriterLock(
  url: string,
  opts: { pollMs?: number; signal?: AbortSignal; onWait?: () => void } = {},
): Promise<WriterLock> {
  const sql = postgres(url, { max: 1, idle_timeout: 0, onnotice: () => {} });
  let waited = false;
  for (;;) {
    if (opts.signal?.aborted) {
      await sql.end();
      throw new Error("stopped while waiting for the indexer lock");
    }
    const [row] = await sql`select pg_try_advisory_lock(${INDEXER_LOCK_KEY.toString()}::bigint) as ok`;
    if (row.ok) break;
    if (!waited) opts.onWait?.();
    waited = true;
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 1_000));
  }
  return {
    release: async () => {
      await sql`select pg_advisory_unlock(${INDEXER_LOCK_KEY.toString()}::bigint)`.catch(() => {});
      await sql.end({ timeout: 2 });
    },
  };
}
