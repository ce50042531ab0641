import fs from "node:fs";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { is } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { PgliteDatabase, drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { serverConfig } from "@/lib/config";
import { processSlot, singletonPromise } from "@/lib/singleton";
import { OneTripPGlite } from "./pglite";
import * as schema from "./schema";

export { schema };

/** Either driver: PGlite (embedded, the default) or Postgres (DATABASE_URL). Same schema, same queries. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/**
 * Whether `db` is embedded PGlite (one process owns it, so process memory may hold shared state). By drizzle's entity
 * kind, not `instanceof`: Next bundles drizzle more than once, and a database made by one copy is no instance of
 * another copy's class (the built server took every rate limit through the database for that).
 */
export const isPglite = (db: Db): boolean => is(db, PgliteDatabase);

export interface Database {
  db: Db;
  kind: "pglite" | "postgres";
  /**
   * PGlite only: the previous process that had this data directory open died without closing it.
   * PGlite's files are not crash-safe, so chain-derived tables must be rebuilt (see the indexer).
   */
  uncleanShutdown: boolean;
  /** Runs the drizzle-kit migrations in db/migrations (idempotent). */
  migrate(): Promise<void>;
  /** PGlite only: the data directory as an uncompressed tarball (tests start databases from a migrated one). */
  dumpDataDir?(): Promise<Blob>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** postgres://… ; when absent, PGlite is used. */
  url?: string;
  /** PGlite data directory; "memory://" for an in-memory database. */
  dataDir?: string;
  /** PGlite only: start from this dump of a data directory (`dumpDataDir`) instead of an empty cluster. */
  loadDataDir?: Blob;
}

export const MIGRATIONS_DIR = path.join(process.cwd(), "db", "migrations");

export function defaultDataDir(): string {
  return serverConfig().pgliteDir;
}

export async function openDatabase(opts: OpenOptions = {}): Promise<Database> {
  const url = opts.url ?? (opts.dataDir ? undefined : serverConfig().databaseUrl);
  if (url) {
    const sqlClient = postgres(url, {
      max: serverConfig().databasePoolSize,
      onnotice: () => {},
    });
    const db = drizzlePostgres(sqlClient, { schema }) as unknown as Db;
    return {
      db,
      kind: "postgres",
      uncleanShutdown: false,
      migrate: () => migratePostgres(db as never, { migrationsFolder: MIGRATIONS_DIR }),
      close: () => sqlClient.end({ timeout: 5 }),
    };
  }
  const dataDir = opts.dataDir ?? defaultDataDir();
  if (!dataDir.startsWith("memory://")) fs.mkdirSync(dataDir, { recursive: true });
  // A marker that lives while the directory is open: finding it at open means the last owner was killed.
  const marker = dataDir.startsWith("memory://") ? null : path.join(dataDir, ".ledgerline-open");
  const uncleanShutdown = marker ? fs.existsSync(marker) : false;
  let client: PGlite | undefined;
  const open = async () => {
    client = new OneTripPGlite(dataDir, opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : undefined);
    await client.waitReady;
    if (uncleanShutdown) {
      // Read every table once: a torn file fails here, where it can still be set aside.
      const tables = await client.query<{ name: string }>(
        "select quote_ident(schemaname) || '.' || quote_ident(tablename) as name from pg_tables where schemaname in ('public', 'drizzle')",
      );
      for (const { name } of tables.rows) await client.query(`select count(*) from ${name}`);
      // A killed writer can leave an index file empty while its table reads fine (a primary-key lookup then
      // fails on block 0): rebuild every index from the tables just read.
      for (const { name } of tables.rows) await client.query(`reindex table ${name}`);
    }
  };
  try {
    // A torn directory can also hang PGlite instead of failing it: bound the check.
    if (!uncleanShutdown) await open();
    else {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        open(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("opening did not finish within 30 s")), 30_000))),
      ]).finally(() => clearTimeout(timer));
    }
  } catch (err) {
    if (!uncleanShutdown) throw err;
    // Left torn by a killed process and unreadable: keep it aside for inspection, start empty.
    // Chain-derived data comes back by re-indexing; uploads made since are in the moved directory.
    const aside = `${dataDir}.torn-${Date.now()}`;
    console.error(`database: ${dataDir} cannot be opened after an unclean shutdown (${(err as Error).message}); moved to ${aside}`);
    fs.renameSync(dataDir, aside);
    fs.mkdirSync(dataDir, { recursive: true });
    client = new OneTripPGlite(dataDir);
    await client.waitReady;
  }
  const pg = client!;
  if (marker) fs.writeFileSync(marker, String(process.pid));
  const db = drizzlePglite(pg, { schema }) as unknown as Db;
  return {
    db,
    kind: "pglite",
    uncleanShutdown,
    migrate: () => migratePglite(db as never, { migrationsFolder: MIGRATIONS_DIR }),
    dumpDataDir: () => pg.dumpDataDir("none"),
    close: async () => {
      await pg.close();
      if (marker) fs.rmSync(marker, { force: true });
    },
  };
}

const DATABASE = "db";

/** The process-wide database (one PGlite owner per data directory), migrated on first use. */
export function getDatabase(): Promise<Database> {
  return singletonPromise(DATABASE, async () => {
    const database = await openDatabase();
    await database.migrate();
    return database;
  });
}

/**
 * Tests only: makes `database` the process-wide one that getDb() answers (so code reading getDb(), such as
 * lib/queries and the route handlers, runs against a test database). `undefined` forgets it.
 */
export function setDatabaseForTests(database: Database | undefined): void {
  processSlot<Promise<Database>>(DATABASE).set(database ? Promise.resolve(database) : undefined);
}

export async function getDb(): Promise<Db> {
  return (await getDatabase()).db;
}
