/**
 * Serving an inference paid with an x402 batch-settlement voucher (issue 16). Unlike escrow payments there is no
 * on-chain request (no `requestId`, no `settle` per inference): the request hash is the inference's stable id, the
 * answer and its attribution record are stored (inference_results, keyed by that hash) BEFORE the charge, and the
 * charge is recorded as pending settlement (batch_charges) in the same transaction that takes it
 * (lib/payments/batch-settlement/charges.ts). It is booked on-chain later, in a batch (InferenceMarket.bookBatch).
 *
 * The attribution record's `requestId` is the request hash read as a decimal integer (records name their request
 * by a decimal id; the hash is unique per channel charge and known before the model runs).
 */
import { sql } from "drizzle-orm";
import type { Hex } from "viem";
import { batchCharges, inferenceResults } from "@/db/schema";
import { batchRecordRequestId } from "@/lib/chain/bookings";
import { attributionHash, encodeRecord } from "@/lib/attribution/record";
import { outputHash } from "@/lib/attribution/run";
import { AlreadyServed, InferenceFailed } from "./failures";
import { failureMessage, runModel } from "./run-model";
import { observe, type ServeContext, type ServedInference, type ServeHooks } from "./types";

export interface BatchRequest {
  requestHash: Hex;
  modelId: number;
  payer: Hex;
  prompt: string;
  params: Record<string, unknown>;
  /** The price to charge (the model's flat price today). */
  price: bigint;
}


/**
 * Runs the model and stores the answer with its record; nothing is charged here. Throws {@link AlreadyServed} when
 * this request hash was already charged (its stored answer is kept), {@link InferenceFailed} (refunded: true —
 * nothing was taken) when the model failed.
 *
 * "Already charged?" is asked by the store itself, not by a query before the model: a verified voucher cannot name a
 * charged hash (the hash's nonce is the channel's charged total, which only grows), so the check is a backstop for
 * an impossible case and costs no statement of its own; batch_charges' unique request hash refuses a second charge.
 */
export async function serveBatched(ctx: ServeContext, req: BatchRequest, hooks: ServeHooks = {}): Promise<ServedInference> {
  const requestHash = req.requestHash.toLowerCase() as Hex;
  observe(hooks.onClaimed, undefined);
  let produced;
  try {
    produced = await runModel(ctx, { requestId: batchRecordRequestId(requestHash), requestHash, modelId: req.modelId, prompt: req.prompt, params: req.params }, hooks);
  } catch (err) {
    ctx.log?.(`serve: batch request ${requestHash} (model ${req.modelId}) failed: ${(err as Error).message}`);
    throw new InferenceFailed(`${failureMessage(err)} Nothing was charged.`, true);
  }
  const encoded = encodeRecord(produced.record);
  const values = { requestHash, prompt: req.prompt, output: produced.output, params: produced.params, attributionMethod: produced.record.method, attributionRecord: encoded };
  // A request hash whose charge failed before (nothing charged) may be served again: its answer is replaced; a
  // charged one's never is (no row comes back).
  const stored = await ctx.db
    .insert(inferenceResults)
    .values(values)
    .onConflictDoUpdate({
      target: inferenceResults.requestHash,
      set: { output: values.output, params: values.params, attributionMethod: values.attributionMethod, attributionRecord: values.attributionRecord },
      setWhere: sql`not exists (select 1 from ${batchCharges} where ${batchCharges.requestHash} = ${requestHash})`,
    })
    .returning({ requestHash: inferenceResults.requestHash });
  if (stored.length === 0) throw new AlreadyServed(`Request ${requestHash} was already served and charged.`, "served");
  observe(hooks.onStored, { requestId: batchRecordRequestId(requestHash), output: produced.output, record: produced.record, params: produced.params, tokens: produced.tokens ?? null });
  return {
    requestId: 0n,
    requestHash,
    settlement: "pending",
    modelId: req.modelId,
    output: produced.output,
    record: produced.record,
    attributionHash: attributionHash(produced.record),
    outputHash: outputHash(produced.output),
    settleTx: "0x",
    price: req.price,
    split: { protocol: 0n, operator: 0n, builder: 0n, contributorPool: 0n },
    entries: [],
    // Counted by runModel in the model's own tokenizer.
    usage: produced.usage,
    // The flat price; a per-token model's charge for the tokens used replaces it in paid.ts before the charge.
    cost: { ceiling: req.price, charged: req.price, returned: 0n },
    params: produced.params,
  };
}
