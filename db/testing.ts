import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { MIGRATIONS_DIR, openDatabase, type Database } from "./client";

/**
 * The databases every database test runs on: PGlite always, and the real Postgres when
 * TEST_DATABASE_URL is set (each test gets a fresh database there, dropped afterwards).
 */
export const testDatabaseKinds = [
  { kind: "pglite" as const, available: true },
  { kind: "postgres" as const, available: Boolean(process.env.TEST_DATABASE_URL) },
];

/**
 * An empty, migrated PGlite as a tarball, made once per machine and migration set: a test database loads it (about a
 * second) instead of running initdb and every migration (3–5 s on the 2 cores under CI load). Kept in the system's
 * temporary directory under a name that hashes the migrations and PGlite's version, written whole then renamed, so
 * a stale or half-written one is never read.
 */
let template: Promise<Blob> | undefined;
function migratedTemplate(): Promise<Blob> {
  template ??= (async () => {
    const hash = createHash("sha256");
    hash.update(JSON.parse(fs.readFileSync(path.join(process.cwd(), "node_modules", "@electric-sql", "pglite", "package.json"), "utf8")).version);
    for (const file of fs.readdirSync(MIGRATIONS_DIR, { recursive: true, encoding: "utf8" }).sort()) {
      const full = path.join(MIGRATIONS_DIR, file);
      if (fs.statSync(full).isFile()) hash.update(file).update(fs.readFileSync(full));
    }
    const file = path.join(os.tmpdir(), `ledgerline-pglite-template-${hash.digest("hex").slice(0, 16)}.tar`);
    if (fs.existsSync(file)) return new Blob([fs.readFileSync(file)]);
    const db = await openDatabase({ dataDir: "memory://" });
    try {
      await db.migrate();
      const dump = await db.dumpDataDir!();
      const partial = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
      fs.writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
      fs.renameSync(partial, file);
      return dump;
    } finally {
      await db.close();
    }
  })();
  return template;
}

export async function openTestDatabase(kind: "pglite" | "postgres"): Promise<Database & { url?: string }> {
  if (kind === "pglite") {
    const db = await openDatabase({ dataDir: "memory://", loadDataDir: await migratedTemplate() });
    // A no-op on the template's migrations; kept so a test database is migrated by the same call either way.
    await db.migrate();
    return db;
  }
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error("TEST_DATABASE_URL is not set");
  const name = `ledgerline_t_${randomBytes(6).toString("hex")}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const db = await openDatabase({ url: url.toString() });
  await db.migrate();
  return {
    ...db,
    url: url.toString(),
    close: async () => {
      await db.close();
      const a = postgres(base, { max: 1, onnotice: () => {} });
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
