/** At server start: payments a crashed process took are served and settled, or refunded. */
import { serverConfig } from "@/lib/config";
import { tryLock, type Release } from "@/lib/jobs/exclusive";
import { recoverPendingInferences } from "./recovery";
import { serveContext } from "./runtime";

const EVERY_MS = 5 * 60_000;

/** Runs recovery now, then every 5 minutes (a payment whose prompt never arrived is refunded). */
export async function recoverAtStartup(): Promise<void> {
  await recoverOnce();
  setInterval(() => void recoverOnce(), EVERY_MS).unref();
}

/** One recovery at a time among the web instances on a database (lib/jobs/exclusive.ts). */
async function recoverOnce(): Promise<void> {
  let release: Release | null = null;
  try {
    release = await tryLock("recovery", serverConfig().databaseUrl);
    if (!release) return;
    const ctx = await serveContext();
    const report = await recoverPendingInferences(ctx);
    console.log(`inference recovery: ${JSON.stringify(report, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}`);
  } catch (err) {
    console.error(`inference recovery failed: ${(err as Error).message}`);
  } finally {
    await release?.().catch(() => {});
  }
}
