/**
 * Next.js calls register() once per server process: npm start runs the indexer in-process here, and the
 * Model Factory's runner (which re-queues builds a previous process left unfinished). NEXT_RUNTIME and
 * NEXT_PHASE are Next's own variables (NEXT_RUNTIME is inlined per bundle); the app's are in lib/config.ts.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  // Invalid configuration stops the server here, with one error naming each variable.
  const { serverConfig } = await import("./lib/config");
  const config = serverConfig();
  const [{ getDb }, { processBuildRunner }] = await Promise.all([import("./db/client"), import("./lib/factory/jobs")]);
  processBuildRunner(await getDb());
  if (!config.indexerInProcess) return;
  const { startIndexer } = await import("./lib/indexer/runtime");
  try {
    await startIndexer();
  } catch (err) {
    console.error(`indexer not started: ${(err as Error).message}`);
    return;
  }
  const [{ startSettlementJob }, { recoverAtStartup }] = await Promise.all([import("./lib/settlement/runtime"), import("./lib/inference/startup")]);
  try {
    await startSettlementJob();
  } catch (err) {
    console.error(`epoch job not started: ${(err as Error).message}`);
  }
  // Payments taken before a crash are served or refunded, never forgotten.
  void recoverAtStartup();
}
