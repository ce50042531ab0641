/**
 * Next.js calls register() once per server process: npm start runs the indexer in-process here, and the
 * Model Factory's runner (which re-queues builds a previous process left unfinished).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  const [{ getDb }, { processBuildRunner }] = await Promise.all([import("./db/client"), import("./lib/factory/jobs")]);
  processBuildRunner(await getDb());
  if (process.env.LEDGERLINE_INDEXER === "off") return;
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
