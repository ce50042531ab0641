import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { openDatabase, type Database } from "./client";

/**
 * The databases every database test runs on: PGlite always, and the real Postgres when
 * TEST_DATABASE_URL is set (each test gets a fresh database there, dropped afterwards).
 */
export const testDatabaseKinds = [
  { kind: "pglite" as const, available: true },
  { kind: "postgres" as const, available: Boolean(process.env.TEST_DATABASE_URL) },
];

export async function openTestDatabase(kind: "pglite" | "postgres"): Promise<Database & { url?: string }> {
  if (kind === "pglite") {
    const db = await openDatabase({ dataDir: "memory://" });
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
