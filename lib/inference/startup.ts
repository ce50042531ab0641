/** At server start: payments a crashed process took are served and settled, or refunded. */
import { log } from "@/lib/ops/log";
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
    log("recovery").info({ report: JSON.parse(JSON.stringify(report, (_k, v) => (typeof v === "bigint" ? v.toString() : v))) }, "inference recovery");
  } catch (err) {
    log("recovery").error({ err }, `inference recovery failed: ${(err as Error).message}`);
  } finally {
    await release?.().catch(() => {});
  }
}
