/**
 * A paid request's job (inference_jobs, keyed by its request hash) and its states:
 *   queued (claimed) → serving → served (answer + record stored) → settled,
 *   or → failed → refunded when no answer was stored.
 * Every transition is conditional on the worker's lease: one that lost it (recovery took the job over
 * after a stall) stops touching the job. Used by serving (serve.ts) and by recovery (recovery.ts).
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { PgUpdateSetSource } from "drizzle-orm/pg-core";
import type { Db } from "@/db/client";
import { contributions, datanets, inferenceJobs, inferenceResults } from "@/db/schema";
import { attributionHash, datanetShares, decodeRecord, encodeRecord, splitPool, type AttributionRecord } from "@/lib/attribution/record";
import { modelTokenizer, outputHash } from "@/lib/attribution/run";
import type { Tokenizer } from "@/lib/attribution/tokenizer";
import { cardTokenizer } from "./model-tokenizer";
import { AlreadyServed, InferenceFailed, SettlementPending } from "./failures";
import { modelRegistryAbi } from "@/contracts-abi";
import { chainOutcome, readRequest, refundOnChain, settleOnChain } from "./onchain";
import { isPerToken, ratesOf, settledCost } from "./pricing";
import { storedParams } from "./params";
import { failureDetail, failureMessage, runModel, usageIn } from "./run-model";
import { observe, type Hex, type JobRow, type PaidRequest, type Produced, type ServedEntry, type ServedInference, type ServeContext, type ServeHooks, type Split } from "./types";

/** Another worker took this job over (recovery after a stall): this one stops touching it. */
export class LeaseLost extends Error {}

export async function findJob(db: Db, requestHash: string): Promise<JobRow | null> {
  const [row] = await db.select().from(inferenceJobs).where(eq(inferenceJobs.requestHash, requestHash.toLowerCase())).limit(1);
  return row ?? null;
}

/** The claim: one row per request hash. Whoever inserts it serves (the row); everyone else gets null. */
export async function claimJob(db: Db, paid: PaidRequest, requestHash: Hex, lease: string): Promise<JobRow | null> {
  const [job] = await db
    .insert(inferenceJobs)
    .values({
      requestHash,
      requestId: Number(paid.requestId),
      modelId: paid.modelId,
      payer: paid.payer.toLowerCase(),
      via: paid.via,
      paidTx: paid.paidTx,
      status: "queued",
      prompt: paid.prompt,
      params: paid.params ?? {},
      lease,
    })
    .onConflictDoNothing({ target: inferenceJobs.requestHash })
    .returning();
  return job ?? null;
}

/** Updates the job if this worker still holds it; throws LeaseLost otherwise. */
async function transition(db: Db, job: Pick<JobRow, "requestHash">, lease: string, set: PgUpdateSetSource<typeof inferenceJobs>): Promise<void> {
  const rows = await db
    .update(inferenceJobs)
    .set({ ...set, updatedAt: new Date() })
    .where(and(eq(inferenceJobs.requestHash, job.requestHash), eq(inferenceJobs.lease, lease)))
    .returning({ h: inferenceJobs.requestHash });
  if (rows.length === 0) throw new LeaseLost();
}

/**
 * The model's tokenizer for counting a stored answer's tokens (recovery re-settles without running the model): its
 * artifact's, else (the artifact not loadable here) the one its card names, which the same build request wrote.
 */
async function jobTokenizer(ctx: ServeContext, modelId: number): Promise<Tokenizer> {
  try {
    return modelTokenizer((await ctx.models.get(modelId)).model);
  } catch {
    return cardTokenizer(ctx.db, modelId);
  }
}

type Usage = NonNullable<Produced["usage"]>;

/** Prompt and answer tokens in the model's tokenizer: as runModel counted them, or recounted for a stored answer. */
async function usageOf(ctx: ServeContext, job: Pick<JobRow, "modelId" | "prompt">, output: string, counted?: Usage): Promise<Usage> {
  return counted ?? usageIn(await jobTokenizer(ctx, job.modelId), job.prompt, output);
}

/** The pool's shares (cumulative rounding, as the indexer credits them) with who is paid and the Datanet. */
async function entriesOf(db: Db, record: AttributionRecord, pool: bigint): Promise<ServedEntry[]> {
  const ids = record.entries.map((e) => e.contributionId);
  const treasuryIds = datanetShares(record).map((d) => d.datanetId);
  const [rows, treasuries] = await Promise.all([
    ids.length
      ? db.select({ id: contributions.id, contributor: contributions.contributor, datanetId: contributions.datanetId }).from(contributions).where(inArray(contributions.id, ids))
      : [],
    treasuryIds.length ? db.select({ id: datanets.id, treasury: datanets.treasury }).from(datanets).where(inArray(datanets.id, treasuryIds)) : [],
  ]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const treasuryOf = new Map(treasuries.map((r) => [r.id, r.treasury]));
  return splitPool(record, pool).map((share) =>
    share.datanetId !== undefined
      ? { contributionId: null, weightPpm: share.weightPpm, amount: share.amount, contributor: treasuryOf.get(share.datanetId) ?? "", datanetId: share.datanetId }
      : {
          contributionId: share.contributionId,
          weightPpm: share.weightPpm,
          amount: share.amount,
          contributor: byId.get(share.contributionId)?.contributor ?? "",
          datanetId: byId.get(share.contributionId)?.datanetId ?? 0,
        },
  );
}

async function servedResult(
  db: Db,
  job: Pick<JobRow, "requestId" | "modelId" | "prompt">,
  s: Omit<Produced, "tokens" | "usage"> & { settleTx: Hex; price: bigint; ceiling: bigint; split: Split; usage: Usage },
): Promise<ServedInference> {
  return {
    requestId: BigInt(job.requestId),
    modelId: job.modelId,
    output: s.output,
    record: s.record,
    attributionHash: attributionHash(s.record),
    outputHash: outputHash(s.output),
    settleTx: s.settleTx,
    price: s.price,
    split: s.split,
    entries: await entriesOf(db, s.record, s.split.contributorPool),
    usage: s.usage,
    cost: { ceiling: s.ceiling, charged: s.price, returned: s.ceiling - s.price },
    params: s.params,
  };
}

/**
 * A split as the job row keeps it (decimal strings), with the request's ceiling (what it escrowed; absent: the
 * price, a flat-price request) so a replayed answer reports its cost.
 */
export const splitToJson = (s: Split, ceiling?: bigint): Record<string, string> => ({
  protocol: String(s.protocol),
  operator: String(s.operator),
  builder: String(s.builder),
  contributorPool: String(s.contributorPool),
  ...(ceiling !== undefined ? { ceiling: String(ceiling) } : {}),
});
const splitFromJson = (j: Record<string, string>): Split => ({
  protocol: BigInt(j.protocol),
  operator: BigInt(j.operator),
  builder: BigInt(j.builder),
  contributorPool: BigInt(j.contributorPool),
});

/** The parameters a job ran with, as stored with its answer (the request's own when no answer is stored). */
async function paramsOfJob(db: Db, job: Pick<JobRow, "requestHash" | "params">) {
  const [stored] = await db.select({ params: inferenceResults.params }).from(inferenceResults).where(eq(inferenceResults.requestHash, job.requestHash)).limit(1);
  return storedParams(stored?.params ?? job.params);
}

/** The stored result of a settled job. */
export async function settledResultOf(db: Db, job: JobRow): Promise<ServedInference | undefined> {
  if (job.status !== "settled" || job.output === null || job.record === null || !job.split || job.price === null || !job.settleTx) return undefined;
  return servedResult(db, job, {
    usage: usageIn(await cardTokenizer(db, job.modelId), job.prompt, job.output),
    output: job.output,
    record: decodeRecord(job.record),
    params: await paramsOfJob(db, job),
    settleTx: job.settleTx as Hex,
    price: job.price,
    ceiling: job.split.ceiling ? BigInt(job.split.ceiling) : job.price,
    split: splitFromJson(job.split),
  });
}

/** The refusal for a request whose job exists: why its payment cannot serve it (again). */
export async function alreadyServed(db: Db, job: JobRow): Promise<AlreadyServed> {
  switch (job.status) {
    case "settled":
      return new AlreadyServed(`Request ${job.requestId} was already served and settled.`, job.status, await settledResultOf(db, job));
    case "refunded":
      return new AlreadyServed(`Request ${job.requestId} could not be served and its payment was refunded.`, job.status, undefined, (job.refundTx ?? undefined) as Hex | undefined);
    case "failed":
      return new AlreadyServed(`Request ${job.requestId} could not be served; its payment is being refunded.`, job.status);
    default:
      return new AlreadyServed(`Request ${job.requestId} is already being served.`, job.status);
  }
}

/**
 * Marks the job failed, refunds on-chain, marks it refunded. Only for jobs without a stored answer.
 * Returns the InferenceFailed to throw.
 */
export async function failAndRefund(ctx: ServeContext, job: Pick<JobRow, "requestHash" | "requestId">, lease: string, message: string, detail: string): Promise<InferenceFailed> {
  const { db } = ctx;
  // Conditional on not served: an answer that was stored is settled, never refunded.
  const marked = await db
    .update(inferenceJobs)
    .set({ status: "failed", error: detail, updatedAt: new Date() })
    .where(and(eq(inferenceJobs.requestHash, job.requestHash), eq(inferenceJobs.lease, lease), inArray(inferenceJobs.status, ["queued", "serving", "failed"])))
    .returning({ h: inferenceJobs.requestHash });
  if (marked.length === 0) throw new LeaseLost();
  const requestId = BigInt(job.requestId);
  let refundTx: Hex | undefined;
  try {
    refundTx = await refundOnChain(ctx, requestId, job.requestHash as Hex);
  } catch (err) {
    const outcome = await chainOutcome(ctx, requestId).catch(() => null);
    if (outcome?.kind === "refunded") refundTx = outcome.tx;
    else {
      ctx.log?.(`serve: refund of request ${requestId} failed: ${(err as Error).message.split("\n")[0]}`);
      if (outcome?.kind === "settled") {
        // Cannot happen through this module (no answer was stored); record what the chain says.
        await transition(db, job, lease, { status: "settled", settleTx: outcome.tx, price: outcome.price, split: splitToJson(outcome.split, outcome.ceiling), finishedAt: new Date() });
        return new InferenceFailed(`${message} The request was settled on-chain by another process.`, false);
      }
      return new InferenceFailed(`${message} The refund could not be sent yet; it will be retried.`, false);
    }
  }
  await transition(db, job, lease, { status: "refunded", refundTx: refundTx ?? null, finishedAt: new Date() });
  return new InferenceFailed(`${message} Your payment was refunded.`, true, refundTx);
}

/** Answer and record first (the indexer and the verifier read them), in the same transaction as "served". */
async function storeAnswer(db: Db, job: JobRow, lease: string, produced: Produced): Promise<void> {
  const encoded = encodeRecord(produced.record);
  await db.transaction(async (tx) => {
    const values = {
      requestHash: job.requestHash,
      prompt: job.prompt,
      output: produced.output,
      params: produced.params,
      attributionMethod: produced.record.method,
      attributionRecord: encoded,
    };
    await tx
      .insert(inferenceResults)
      .values(values)
      .onConflictDoUpdate({ target: inferenceResults.requestHash, set: { prompt: values.prompt, output: values.output, params: values.params, attributionMethod: values.attributionMethod, attributionRecord: values.attributionRecord } });
    const rows = await tx
      .update(inferenceJobs)
      .set({ status: "served", output: produced.output, record: encoded, servedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(inferenceJobs.requestHash, job.requestHash), eq(inferenceJobs.lease, lease), eq(inferenceJobs.status, "serving")))
      .returning({ h: inferenceJobs.requestHash });
    if (rows.length === 0) throw new LeaseLost();
  });
}

/**
 * Runs a claimed job to the end: serving → served (result stored) → settled, or refunded on failure.
 * `lease` is this worker's claim. Used by serveInference and by recovery.
 */
export async function runJob(ctx: ServeContext, job: JobRow, lease: string, hooks: ServeHooks = {}): Promise<ServedInference> {
  await transition(ctx.db, job, lease, { status: "serving", attempts: sql`${inferenceJobs.attempts} + 1`, error: null });
  let produced: Produced;
  try {
    produced = await runModel(ctx, job, hooks);
  } catch (err) {
    ctx.log?.(`serve: request ${job.requestId} (model ${job.modelId}) failed: ${failureDetail(err)}`);
    throw await failAndRefund(ctx, job, lease, failureMessage(err), failureDetail(err));
  }
  await storeAnswer(ctx.db, job, lease, produced);
  observe(hooks.onStored, { requestId: BigInt(job.requestId), output: produced.output, record: produced.record, params: produced.params, tokens: produced.tokens ?? null });
  return settleJob(ctx, job, lease, produced);
}

/**
 * What a per-token request is charged (Fee = T_in·R_in + T_out·R_out + F, the tokens counted with the model's
 * tokenizer, at most the ceiling it escrowed); undefined for a flat-price model (the whole escrow is charged).
 * Recomputed the same way by recovery, from the stored answer.
 *
 * The rates are the model's as of the payment's block: a builder raising them after a request was paid cannot
 * charge it more. A node that no longer holds that block's state (recovery long after, on a pruned node) answers
 * with the rates now, still capped by the ceiling the payer signed.
 */
async function perTokenCharge(ctx: ServeContext, job: Pick<JobRow, "requestId" | "modelId" | "prompt" | "paidTx">, output: string, counted?: Produced["usage"]): Promise<bigint | undefined> {
  const registry = { address: ctx.deployment.modelRegistry, abi: modelRegistryAbi } as const;
  const read = (blockNumber?: bigint) =>
    ctx.publicClient.readContract({ ...registry, functionName: "pricing", args: [BigInt(job.modelId)], ...(blockNumber !== undefined ? { blockNumber } : {}) });
  const paidIn = job.paidTx ? await ctx.publicClient.getTransactionReceipt({ hash: job.paidTx as Hex }).then((r) => r.blockNumber, () => undefined) : undefined;
  const rates = ratesOf(paidIn !== undefined ? await read(paidIn).catch(() => read()) : await read());
  if (!isPerToken(rates)) return undefined;
  const { price: ceiling } = await readRequest(ctx, BigInt(job.requestId));
  const usage = await usageOf(ctx, job, output, counted);
  return settledCost(rates, ceiling, usage.promptTokens, usage.completionTokens).charged;
}

/** Settles a served job (its stored answer and record) and marks it settled. */
async function settleJob(ctx: ServeContext, job: JobRow, lease: string, produced: Produced): Promise<ServedInference> {
  const requestId = BigInt(job.requestId);
  let charged: bigint | undefined;
  try {
    charged = await perTokenCharge(ctx, job, produced.output, produced.usage);
  } catch (err) {
    // The chain could not be read: like a failed settle, recovery retries with the stored answer.
    const error = `reading the model's pricing: ${(err as Error).message.split("\n")[0]}`;
    await transition(ctx.db, job, lease, { error: `settle: ${error}` });
    throw new SettlementPending("The answer is stored; settling it on-chain failed for now and will be retried.", requestId, produced.output, produced.record);
  }
  const outcome = await settleOnChain(ctx, requestId, job.requestHash as Hex, outputHash(produced.output), attributionHash(produced.record), charged);
  switch (outcome.kind) {
    case "settled":
      await transition(ctx.db, job, lease, { status: "settled", settleTx: outcome.tx, price: outcome.price, split: splitToJson(outcome.split, outcome.ceiling), finishedAt: new Date() });
      return servedResult(ctx.db, job, { ...produced, usage: await usageOf(ctx, job, produced.output, produced.usage), settleTx: outcome.tx, price: outcome.price, ceiling: outcome.ceiling, split: outcome.split });
    case "refunded":
      // The payer took the escrow back (after the contract's timeout) before we settled.
      await transition(ctx.db, job, lease, { status: "refunded", refundTx: outcome.tx ?? null, error: "refunded on-chain before settlement", finishedAt: new Date() });
      throw new InferenceFailed("The payment was refunded on-chain before the answer could be settled.", true, outcome.tx);
    case "pending":
      ctx.log?.(`serve: settling request ${requestId} failed for now (${outcome.error}); recovery will retry`);
      await transition(ctx.db, job, lease, { error: `settle: ${outcome.error}` });
      throw new SettlementPending("The answer is stored; settling it on-chain failed for now and will be retried.", requestId, produced.output, produced.record);
  }
}

/** Settles a served job with the answer it stored (recovery, after a crash between store and settle). */
export async function settleStoredJob(ctx: ServeContext, job: JobRow & { output: string; record: string }, lease: string): Promise<ServedInference> {
  return settleJob(ctx, job, lease, { output: job.output, record: decodeRecord(job.record), params: await paramsOfJob(ctx.db, job) });
}
