/**
 * Jobs that must run once however many web instances share the database (epochs, Model Factory builds,
 * inference recovery) take one named lock per run: a Postgres advisory lock on its own connection, held for
 * the run and released by its end or by the holder's death (the connection closes). On PGlite there is one
 * process: an in-process flag does the same.
 */
import { createHash } from "node:crypto";
import postgres from "postgres";

/** Releases a lock taken for one run. */
export type Release = () => Promise<void>;

export type JobName = "epochs" | "builds" | "recovery" | "bookings";

/** The advisory lock key of a job: the first 8 bytes of sha-256("ledgerline:<name>"), as a signed bigint. */
export function lockKey(name: JobName): bigint {
  return createHash("sha256").update(`ledgerline:${name}`).digest().readBigInt64BE(0);
}

const held = new Set<JobName>();

/** Takes the job's lock if free (no waiting): a release function, or null while another run holds it. */
export async function tryLock(name: JobName, databaseUrl: string | undefined): Promise<Release | null> {
  if (!databaseUrl) {
    if (held.has(name)) return null;
    held.add(name);
    return async () => void held.delete(name);
  }
  const key = lockKey(name).toString();
  const sql = postgres(databaseUrl, { max: 1, idle_timeout: 0, onnotice: () => {} });
  try {
    const [row] = await sql`select pg_try_advisory_lock(${key}::bigint) as ok`;
    if (!row.ok) {
      await sql.end({ timeout: 2 });
      return null;
    }
  } catch (err) {
    await sql.end({ timeout: 2 }).catch(() => {});
    throw err;
  }
  return async () => {
    await sql`select pg_advisory_unlock(${key}::bigint)`.catch(() => {});
    await sql.end({ timeout: 2 });
  };
}
