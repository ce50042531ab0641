/**
 * Next.js calls register() once per server process: the indexer runs in-process here (unless
 * LEDGERLINE_INDEXER=off, when `npm run indexer` runs it alone), and the jobs every instance runs under a
 * shared lock (lib/jobs/exclusive.ts): Model Factory builds, epochs, batch-settlement bookings, inference recovery. NEXT_RUNTIME and
 * NEXT_PHASE are Next's own variables (NEXT_RUNTIME is inlined per bundle); the app's are in lib/config.ts.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  // Invalid configuration stops the server here, with one error naming each variable.
  const { serverConfig } = await import("./lib/config");
  const config = serverConfig();
  const { log } = await import("./lib/ops/log");
  // Keccak and signature recovery in native code for the jobs this layer runs (indexer, booker, claims).
  await (await import("./lib/chain/native-crypto")).installNativeCrypto();
  const [{ getDb }, { processBuildRunner }] = await Promise.all([import("./db/client"), import("./lib/factory/jobs")]);
  processBuildRunner(await getDb());
  if (config.indexerInProcess) {
    const { startIndexer } = await import("./lib/indexer/runtime");
    try {
      await startIndexer();
    } catch (err) {
      log("indexer").error({ err }, `indexer not started: ${(err as Error).message}`);
      return;
    }
  }
  // Every web instance runs the jobs; each run takes a shared lock, so on one database they run once.
  const [{ startSettlementJob }, { recoverAtStartup }] = await Promise.all([import("./lib/settlement/runtime"), import("./lib/inference/startup")]);
  try {
    await startSettlementJob();
  } catch (err) {
    log("epochs").error({ err }, `epoch job not started: ${(err as Error).message}`);
  }
  // Batch-settlement charges are claimed and booked on-chain within the configured bound.
  try {
    const { startBookingRuntime } = await import("./lib/payments/batch-settlement/booking-runtime");
    await startBookingRuntime();
  } catch (err) {
    log("booking").error({ err }, `booking job not started: ${(err as Error).message}`);
  }
  // Payments taken before a crash are served or refunded, never forgotten.
  void recoverAtStartup();
}
