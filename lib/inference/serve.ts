/**
 * Serving a paid inference, exactly once, and settling it on-chain.
 *
 *   check the payment on-chain (getRequest: Paid, same model, hash and payer)           onchain.ts
 *   → claim: insert the inference_jobs row (its primary key is the request hash: a second call finds it)
 *   → run the model (∞-gram, kNN, or an external endpoint + span tracing) and build the attribution record
 *                                                                                       run-model.ts
 *   → store answer + record (inference_results) and mark the job served, in one transaction, BEFORE settling,
 *     so the indexer (contributor credits) and the verifier find them                   jobs.ts
 *   → settle(requestId, outputHash, attributionHash) as the operator, wait for the receipt → settled.
 * A failure before an answer is stored refunds the payment on-chain (the operator may refund at once) and
 * throws {@link InferenceFailed}. Once an answer is stored it is never refunded by this module: it is
 * settled, now or by recovery (see recovery.ts). The contract itself refuses a second settle or a refund of
 * a settled request; every job transition is also conditional on the worker's lease (jobs.ts).
 * Callers may watch (ServeHooks): an ∞-gram's text goes out token by token while it is generated, before
 * the store, so a failure after that is still refunded and says so.
 */
import { randomUUID } from "node:crypto";
import { PaymentMismatch } from "./failures";
import { alreadyServed, claimJob, findJob, LeaseLost, runJob } from "./jobs";
import { checkPayment } from "./onchain";
import { errorMessage, log } from "@/lib/ops/log";
import { serveSeconds } from "@/lib/ops/metrics";
import { observe, type Hex, type PaidRequest, type ServedInference, type ServeContext, type ServeHooks } from "./types";

export type { PaidRequest, ServeContext, ServedEntry, ServedInference, ServeHooks } from "./types";
export { AlreadyServed, InferenceFailed, PaymentMismatch, SettlementPending } from "./failures";
export { InvalidParams, resolveParams, type InferenceParams } from "./params";

const HASH_RE = /^0x[0-9a-f]{64}$/;

/**
 * Serves a paid request exactly once. Throws {@link AlreadyServed} (409) when the payment was used before
 * or is being used right now, {@link PaymentMismatch} when it does not match the chain, {@link InferenceFailed}
 * when the model failed (refunded: true when the payment went back), {@link SettlementPending} when the
 * answer is stored but not yet settled.
 */
export async function serveInference(ctx: ServeContext, paid: PaidRequest, opts: ServeHooks = {}): Promise<ServedInference> {
  const { db } = ctx;
  const requestHash = String(paid.requestHash).toLowerCase() as Hex;
  if (!HASH_RE.test(requestHash)) throw new PaymentMismatch("The request hash must be 0x followed by 64 hex digits.", "bad_request");
  if (typeof paid.prompt !== "string" || paid.prompt.trim() === "") throw new PaymentMismatch("The prompt is empty.", "bad_request");
  if (typeof paid.requestId !== "bigint" || paid.requestId <= 0n) throw new PaymentMismatch("The request id must be a positive integer.", "bad_request");

  const existing = await findJob(db, requestHash);
  if (existing) throw await alreadyServed(db, existing);
  await checkPayment(ctx, paid, requestHash);

  // Whoever inserts the claim row serves; everyone else gets AlreadyServed.
  const lease = randomUUID();
  const job = await claimJob(db, paid, requestHash, lease);
  if (!job) throw await alreadyServed(db, (await findJob(db, requestHash))!);
  observe(opts.onClaimed, undefined);
  const l = log("serve");
  l.info({ requestId: String(paid.requestId), modelId: paid.modelId, payer: paid.payer, via: paid.via }, `serving request ${paid.requestId} (model ${paid.modelId})`);
  const started = performance.now();
  let outcome = "error";
  try {
    const served = await runJob(ctx, job, lease, opts);
    outcome = "settled";
    l.info({ requestId: String(paid.requestId), settleTx: served.settleTx, ms: Math.round(performance.now() - started) }, `request ${paid.requestId} served and settled`);
    return served;
  } catch (err) {
    outcome = (err as { name?: string }).name === "SettlementPending" ? "pending" : (err as { refunded?: boolean }).refunded ? "refunded" : "error";
    l.warn({ requestId: String(paid.requestId), outcome, ms: Math.round(performance.now() - started) }, `request ${paid.requestId} not settled (${outcome}): ${errorMessage(err)}`);
    if (err instanceof LeaseLost) throw await alreadyServed(db, (await findJob(db, requestHash))!);
    throw err;
  } finally {
    serveSeconds.observe((performance.now() - started) / 1000, { outcome });
  }
}
