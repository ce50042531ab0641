/**
 * Serving a paid inference, exactly once, and settling it on-chain.
 *
 *   check the payment on-chain (getRequest: Paid, same model, hash and payer)
 *   → claim: insert the inference_jobs row (its primary key is the request hash: a second call finds it)
 *   → run the model (∞-gram, kNN, or an external endpoint + span tracing) and build the attribution record
 *   → store answer + record (inference_results) and mark the job served, in one transaction, BEFORE settling,
 *     so the indexer (contributor credits) and the verifier find them
 *   → settle(requestId, outputHash, attributionHash) as the operator, wait for the receipt → settled.
 * A failure before an answer is stored refunds the payment on-chain (the operator may refund at once) and
 * throws {@link InferenceFailed}. Once an answer is stored it is never refunded by this module: it is
 * settled, now or by recovery (see recovery.ts). The contract itself refuses a second settle or a refund of
 * a settled request; every job transition here is also conditional on the worker's lease.
 * Callers may watch (ServeHooks): an ∞-gram's text goes out token by token while it is generated, before
 * the store, so a failure after that is still refunded and says so.
 */
import { randomUUID } from "node:crypto";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { PgUpdateSetSource } from "drizzle-orm/pg-core";
import { parseEventLogs, type Account, type Chain, type PublicClient, type Transport, type WalletClient } from "viem";
import { inferenceMarketAbi } from "@/contracts-abi";
import type { Db } from "@/db/client";
import { contributions, inferenceJobs, inferenceResults, inferences } from "@/db/schema";
import { AttributionError } from "@/lib/attribution/errors";
import { attributionHash, decodeRecord, encodeRecord, splitPool, type AttributionRecord } from "@/lib/attribution/record";
import { outputHash, runAttribution } from "@/lib/attribution/run";
import { decodeGenerator } from "gpt-tokenizer/encoding/r50k_base";
import type { GeneratedToken } from "@/lib/attribution/infinigram";
import { decode, encode } from "@/lib/attribution/tokenizer";
import type { Deployment } from "@/lib/chain/deploy";
import { ModelUnavailable, type ModelCatalog, type ServableModel } from "./models";
import { sendInOrder, sendQueueKey } from "@/lib/chain/send-queue";

type Hex = `0x${string}`;

export interface PaidRequest {
  requestId: bigint;
  requestHash: Hex;
  modelId: number;
  payer: Hex;
  prompt: string;
  params: Record<string, unknown>;
  via: "x402" | "transaction";
  paidTx: Hex;
}

export interface ServeContext {
  db: Db;
  publicClient: PublicClient;
  /** The operator (OPERATOR_ROLE): settles and refunds. Give its account a nonce manager (operatorWallet does). */
  operator: WalletClient<Transport, Chain, Account>;
  deployment: Deployment;
  models: ModelCatalog;
  /** For external models: how long the endpoint may take (default 60 s). */
  timeoutMs?: number;
  /** For external models (tests pass a fake). */
  fetch?: typeof fetch;
  log?: (msg: string) => void;
}

export interface ServedEntry {
  contributionId: number;
  weightPpm: number;
  amount: bigint;
  /** Lower-case address; "" when the contribution is not indexed yet. */
  contributor: string;
  datanetId: number;
}

export interface ServedInference {
  requestId: bigint;
  modelId: number;
  output: string;
  record: AttributionRecord;
  attributionHash: Hex;
  outputHash: Hex;
  settleTx: Hex;
  price: bigint;
  split: { protocol: bigint; operator: bigint; builder: bigint; contributorPool: bigint };
  entries: ServedEntry[];
  usage: { promptTokens: number; completionTokens: number };
  /** The parameters actually used (with the seed), as stored for verification. */
  params: Record<string, unknown>;
}

export type JobStatus = (typeof inferenceJobs.$inferSelect)["status"];
export type JobRow = typeof inferenceJobs.$inferSelect;

/** The inference could not be served. `refunded`: the payment went back to the payer on-chain. */
export class InferenceFailed extends Error {
  override readonly name = "InferenceFailed";
  constructor(
    message: string,
    readonly refunded: boolean,
    readonly refundTx?: Hex,
  ) {
    super(message);
  }
}

/**
 * This payment was already used: served and settled (`result` holds what was served), being served right
 * now by another request, or refunded. Routes answer 409.
 */
export class AlreadyServed extends Error {
  override readonly name = "AlreadyServed";
  constructor(
    message: string,
    readonly status: JobStatus,
    readonly result?: ServedInference,
    readonly refundTx?: Hex,
  ) {
    super(message);
  }
}

/**
 * The paid request does not match the payment on-chain (unknown request, other model, other hash or
 * payer, or no longer in escrow). Nothing was claimed, served or refunded. Routes answer 409 for
 * `not_paid` (settled or refunded already, or not mined yet), 422 for the others.
 */
export class PaymentMismatch extends Error {
  override readonly name = "PaymentMismatch";
  constructor(
    message: string,
    readonly reason: "unknown_request" | "not_paid" | "wrong_model" | "wrong_request_hash" | "wrong_payer" | "bad_request",
  ) {
    super(message);
  }
}

/**
 * The answer is stored (and was streamed) but settling it on-chain failed for now (RPC or chain trouble).
 * The payment stays in escrow; recovery settles it. Routes may answer 202 with `output`.
 */
export class SettlementPending extends Error {
  override readonly name = "SettlementPending";
  constructor(
    message: string,
    readonly requestId: bigint,
    readonly output: string,
    readonly record: AttributionRecord,
  ) {
    super(message);
  }
}

/** What a caller may watch while a request is served; listeners only observe (their errors are ignored). */
export interface ServeHooks {
  /** This request owns the job (the claim row is inserted): from here on it is served or refunded, never refused. */
  onClaimed?: () => void;
  /**
   * The answer's text as it is produced: ∞-gram models token by token while generating; other kinds in
   * pieces once the model answered. The pieces concatenate to the answer.
   */
  onText?: (chunk: string) => void;
  /**
   * The answer and its record are stored (before settling). `tokens`: the ∞-gram's generated tokens
   * with their own credit (null for other kinds).
   */
  onStored?: (stored: { requestId: bigint; output: string; record: AttributionRecord; params: Record<string, unknown>; tokens: GeneratedToken[] | null }) => void;
}

/** Calls a listener; its failure (e.g. a closed connection) is not the inference's problem. */
function observe<A>(fn: ((arg: A) => void) | undefined, arg: A) {
  if (!fn) return;
  try {
    fn(arg);
  } catch {
    /* ignored */
  }
}

/** Another worker took this job over (recovery after a stall): this one stops touching it. */
class LeaseLost extends Error {}

/** What the model produced, before settlement. */
interface Produced {
  output: string;
  record: AttributionRecord;
  params: Record<string, unknown>;
  /** ∞-gram: the generated tokens with their credit. */
  tokens?: GeneratedToken[];
}

/** On-chain request status (InferenceMarket.RequestStatus). */
export const REQUEST_STATUS = { None: 0, Paid: 1, Settled: 2, Refunded: 3 } as const;

const DEFAULT_TIMEOUT_MS = 60_000;
/** How long to wait for a settle or refund to be mined before asking the chain what happened. */
const RECEIPT_TIMEOUT_MS = 120_000;
const HASH_RE = /^0x[0-9a-f]{64}$/;

// -------------------------------------------------------------------------------------------------
// Parameters
// -------------------------------------------------------------------------------------------------

/** The parameters were refused (before or after payment; after payment the request is refunded). */
export class InvalidParams extends Error {
  override readonly name = "InvalidParams";
}

/** The seed an ∞-gram request gets when it names none: the first 8 bytes of its request hash, so it is recorded and reproducible. */
export function seedFromRequestHash(requestHash: string): string {
  return BigInt(`0x${requestHash.slice(2, 18)}`).toString();
}

const KEYS_BY_KIND = {
  infinigram: { use: ["seed", "maxTokens", "temperature", "topK", "maxSupport"], ignore: ["k"] },
  knn: { use: ["k"], ignore: ["seed", "maxTokens", "temperature", "topK"] },
  external: { use: ["maxTokens", "temperature"], ignore: ["seed", "topK", "k"] },
} as const;

function numberParam(
  value: unknown,
  name: string,
  opts: { min: number; max: number; int?: boolean; fallback: number },
): number {
  if (value === undefined || value === null) return opts.fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || (opts.int && !Number.isInteger(value)) || value < opts.min || value > opts.max) {
    throw new InvalidParams(`${name} must be ${opts.int ? "a whole number" : "a number"} between ${opts.min} and ${opts.max}, got ${JSON.stringify(value)}.`);
  }
  return value;
}

/** A model-card default, or the factory's when the card has none or an unusable one. */
function cardNumber(parameters: Record<string, unknown>, key: string, fallback: number): number {
  const v = parameters[key];
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

/**
 * The parameters an inference runs with, as stored with it (inference_results.params) so anyone can
 * recompute it: the request's values where given, the model card's defaults otherwise, and for ∞-gram a
 * seed derived from the request hash when none was given. Keys of another model kind (e.g. `k` for an
 * ∞-gram model) are ignored; unknown keys are refused. Routes may call this before asking for payment.
 */
export function resolveParams(
  model: Pick<ServableModel, "kind" | "parameters">,
  requestHash: string,
  params: Record<string, unknown>,
): Record<string, unknown> {
  if (params === null || typeof params !== "object" || Array.isArray(params)) throw new InvalidParams("params must be an object.");
  const keys = KEYS_BY_KIND[model.kind];
  const unknown = Object.keys(params).filter(
    (k) => params[k] !== undefined && !(keys.use as readonly string[]).includes(k) && !(keys.ignore as readonly string[]).includes(k),
  );
  if (unknown.length) throw new InvalidParams(`Unknown parameter${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")} for a ${model.kind} model; allowed: ${keys.use.join(", ")}.`);
  const card = model.parameters ?? {};
  switch (model.kind) {
    case "infinigram": {
      let seed: string;
      const s = params.seed;
      if (s === undefined || s === null) seed = seedFromRequestHash(requestHash);
      else if (typeof s === "number" && Number.isSafeInteger(s) && s >= 0) seed = String(s);
      else if (typeof s === "bigint" && s >= 0n && s < 2n ** 64n) seed = s.toString();
      else if (typeof s === "string" && /^[0-9]{1,20}$/.test(s) && BigInt(s) < 2n ** 64n) seed = BigInt(s).toString();
      else throw new InvalidParams(`seed must be a whole number in 0..2^64-1 (a number or a decimal string), got ${JSON.stringify(String(s))}.`);
      const cardSupport = cardNumber(card, "maxSupport", 1_000);
      return {
        seed,
        maxTokens: numberParam(params.maxTokens, "maxTokens", { min: 1, max: 1_024, int: true, fallback: cardNumber(card, "maxTokens", 64) }),
        temperature: numberParam(params.temperature, "temperature", { min: 0, max: 5, fallback: cardNumber(card, "temperature", 0.8) }),
        topK: numberParam(params.topK, "topK", { min: 1, max: 1_000, int: true, fallback: cardNumber(card, "topK", 40) }),
        // More support costs more work per token: at most what the builder set.
        maxSupport: numberParam(params.maxSupport, "maxSupport", { min: 1, max: Math.max(1, Math.min(100_000, cardSupport)), int: true, fallback: cardSupport }),
      };
    }
    case "knn":
      return { k: numberParam(params.k, "k", { min: 1, max: 100, int: true, fallback: cardNumber(card, "k", 5) }) };
    case "external": {
      const out: Record<string, unknown> = {
        maxTokens: numberParam(params.maxTokens, "maxTokens", { min: 1, max: 4_096, int: true, fallback: cardNumber(card, "maxTokens", 256) }),
        // Attribution parameters are the model's, not the caller's.
        minSpanTokens: cardNumber(card, "minSpanTokens", 4),
        maxSupport: cardNumber(card, "maxSupport", 1_000),
      };
      if (params.temperature !== undefined) out.temperature = numberParam(params.temperature, "temperature", { min: 0, max: 2, fallback: 1 });
      return out;
    }
  }
}

// -------------------------------------------------------------------------------------------------
// Running a model
// -------------------------------------------------------------------------------------------------

/** An external model's endpoint failed (down, HTTP error, timeout, no answer). */
export class ExternalModelError extends Error {
  override readonly name = "ExternalModelError";
}

async function callExternal(ctx: ServeContext, model: ServableModel, prompt: string, params: Record<string, unknown>): Promise<string> {
  const baseUrl = model.parameters.baseUrl;
  const name = model.parameters.model;
  if (typeof baseUrl !== "string" || !/^https?:\/\//.test(baseUrl) || typeof name !== "string") {
    throw new ExternalModelError(`Model ${model.modelId}'s card names no usable endpoint (baseUrl and model).`);
  }
  const timeoutMs = ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  const url = `${baseUrl.replace(/\/+$/, "")}/chat/completions`;
  const body = {
    model: name,
    messages: [{ role: "user", content: prompt }],
    max_tokens: params.maxTokens,
    ...(params.temperature !== undefined ? { temperature: params.temperature } : {}),
    stream: false,
  };
  const timedOut = () => new ExternalModelError(`The model's endpoint did not answer within ${Math.round(timeoutMs / 100) / 10} s.`);
  let res: Response;
  try {
    res = await (ctx.fetch ?? fetch)(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal });
  } catch (err) {
    if (signal.aborted) throw timedOut();
    throw new ExternalModelError(`The model's endpoint could not be reached (${(err as Error).message}).`);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw new ExternalModelError(`The model's endpoint answered HTTP ${res.status}.`);
  }
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    if (signal.aborted) throw timedOut();
    throw new ExternalModelError("The model's endpoint answered with something that is not JSON.");
  }
  const content = (json as { choices?: { message?: { content?: unknown } }[] })?.choices?.[0]?.message?.content;
  if (typeof content !== "string" || content.length === 0) throw new ExternalModelError("The model's endpoint returned no answer.");
  return content;
}

/**
 * Emits generated tokens as text: a token that ends inside a UTF-8 sequence waits for the one that
 * completes it, so every piece is whole text and the pieces concatenate to decode(all tokens).
 */
function tokenText(onText: ((chunk: string) => void) | undefined) {
  let pending: number[] = [];
  const send = () => {
    const piece = decode(pending);
    pending = [];
    if (piece) observe(onText, piece);
  };
  return {
    push(token: number) {
      if (!onText) return;
      pending.push(token);
      if (!decode(pending).endsWith("\uFFFD")) send();
    },
    /** The end: a last token that never completed its character is sent as it decodes. */
    flush() {
      if (onText && pending.length) send();
    },
  };
}

/** Runs the model for a job: parameters, answer, canonical record. ∞-gram tokens go to `onText` as they are generated. */
async function produce(ctx: ServeContext, job: Pick<JobRow, "requestId" | "requestHash" | "modelId" | "prompt" | "params">, hooks: ServeHooks = {}): Promise<Produced> {
  const model = await ctx.models.get(job.modelId);
  const params = resolveParams(model, job.requestHash, job.params);
  const output = model.kind === "external" ? await callExternal(ctx, model, job.prompt, params) : undefined;
  const tokens: GeneratedToken[] = [];
  const emit = tokenText(hooks.onText);
  const run = runAttribution({
    kind: model.kind,
    model: model.model,
    view: model.view,
    modelId: model.modelId,
    artifactHash: model.artifactHash,
    requestId: BigInt(job.requestId),
    prompt: job.prompt,
    params,
    output,
    onToken:
      model.kind === "infinigram"
        ? (t) => {
            tokens.push(t);
            emit.push(t.token);
          }
        : undefined,
  });
  if (model.kind === "infinigram") {
    emit.flush();
    return { output: run.output, record: run.record, params, tokens };
  }
  stream(run.output, hooks.onText);
  return { output: run.output, record: run.record, params };
}

/** What a person should read when their inference failed (details stay in the job row). */
function userMessage(err: unknown): string {
  if (err instanceof ExternalModelError || err instanceof ModelUnavailable || err instanceof InvalidParams || err instanceof AttributionError) {
    return err.message;
  }
  return "The model failed to answer.";
}

// -------------------------------------------------------------------------------------------------
// Chain
// -------------------------------------------------------------------------------------------------

export interface OnchainRequest {
  payer: Hex;
  modelId: bigint;
  price: bigint;
  builderBps: number;
  status: number;
  requestHash: Hex;
  outputHash: Hex;
  attributionHash: Hex;
}

export async function readRequest(ctx: Pick<ServeContext, "publicClient" | "deployment">, requestId: bigint): Promise<OnchainRequest> {
  return ctx.publicClient.readContract({ address: ctx.deployment.inferenceMarket, abi: inferenceMarketAbi, functionName: "getRequest", args: [requestId] });
}

type Split = ServedInference["split"];

/**
 * Sends an operator transaction to the market. Gas is estimated first (a call that would revert fails
 * here, before the nonce manager hands out a nonce) and passed explicitly, so no nonce is ever skipped;
 * the send itself goes through the account's queue so transactions arrive in nonce order (lib/chain/send-queue.ts).
 */
async function operatorTx(ctx: ServeContext, call: { functionName: "settle"; args: readonly [bigint, Hex, Hex] } | { functionName: "refund"; args: readonly [bigint] }) {
  const { publicClient, operator, deployment } = ctx;
  const base = { address: deployment.inferenceMarket, abi: inferenceMarketAbi, account: operator.account } as const;
  const gas = await publicClient.estimateContractGas({ ...base, ...call } as Parameters<PublicClient["estimateContractGas"]>[0]);
  const hash = await sendInOrder(sendQueueKey(operator), () =>
    operator.writeContract({ ...base, ...call, gas: (gas * 6n) / 5n + 10_000n, chain: operator.chain } as Parameters<typeof operator.writeContract>[0]),
  );
  const receipt = await publicClient.waitForTransactionReceipt({ hash, timeout: RECEIPT_TIMEOUT_MS });
  if (receipt.status !== "success") throw new Error(`${call.functionName} transaction ${hash} reverted`);
  return receipt;
}

/**
 * The settlement of a request found already settled: its event (one indexed-topic query), else the indexed
 * row, else the split recomputed with the market's current fees (its transaction then unknown: zero hash).
 */
async function settledOnChain(ctx: ServeContext, requestId: bigint, r: OnchainRequest): Promise<{ tx: Hex; price: bigint; split: Split }> {
  const market = { address: ctx.deployment.inferenceMarket, abi: inferenceMarketAbi } as const;
  try {
    const logs = await ctx.publicClient.getContractEvents({ ...market, eventName: "InferenceSettled", args: { requestId }, fromBlock: BigInt(ctx.deployment.startBlock) });
    const e = logs[0];
    if (e) {
      const a = e.args;
      return { tx: e.transactionHash, price: a.price!, split: { protocol: a.protocolFee!, operator: a.operatorFee!, builder: a.builderFee!, contributorPool: a.contributorPool! } };
    }
  } catch (err) {
    ctx.log?.(`serve: reading the settlement of request ${requestId} failed (${(err as Error).message.split("\n")[0]}); using the index`);
  }
  const [row] = await ctx.db.select().from(inferences).where(eq(inferences.requestId, Number(requestId))).limit(1);
  if (row?.status === "settled" && row.settledTx && row.contributorPool !== null) {
    return { tx: row.settledTx as Hex, price: row.price, split: { protocol: row.protocolFee!, operator: row.operatorFee!, builder: row.builderFee!, contributorPool: row.contributorPool } };
  }
  const [protocolBps, operatorBps] = await Promise.all([
    ctx.publicClient.readContract({ ...market, functionName: "protocolBps" }),
    ctx.publicClient.readContract({ ...market, functionName: "operatorBps" }),
  ]);
  const [protocol, operator, builder, contributorPool] = await ctx.publicClient.readContract({
    ...market,
    functionName: "splitFees",
    args: [r.price, protocolBps, operatorBps, r.builderBps],
  });
  return { tx: `0x${"0".repeat(64)}`, price: r.price, split: { protocol, operator, builder, contributorPool } };
}

/** The refund transaction of a request found already refunded (undefined when it cannot be read). */
async function refundedOnChain(ctx: ServeContext, requestId: bigint): Promise<Hex | undefined> {
  const logs = await ctx.publicClient
    .getContractEvents({ address: ctx.deployment.inferenceMarket, abi: inferenceMarketAbi, eventName: "InferenceRefunded", args: { requestId }, fromBlock: BigInt(ctx.deployment.startBlock) })
    .catch(() => []);
  return logs[0]?.transactionHash;
}

type SettleOutcome = { kind: "settled"; tx: Hex; price: bigint; split: Split } | { kind: "refunded"; tx?: Hex } | { kind: "pending"; error: string };

/** settle(requestId, outputHash, attributionHash), or what the chain says happened instead. */
async function settleOnChain(ctx: ServeContext, requestId: bigint, out: Hex, attr: Hex): Promise<SettleOutcome> {
  let lastError = "";
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const receipt = await operatorTx(ctx, { functionName: "settle", args: [requestId, out, attr] });
      const [ev] = parseEventLogs({ abi: inferenceMarketAbi, logs: receipt.logs, eventName: "InferenceSettled" });
      const a = ev.args;
      return { kind: "settled", tx: receipt.transactionHash, price: a.price, split: { protocol: a.protocolFee, operator: a.operatorFee, builder: a.builderFee, contributorPool: a.contributorPool } };
    } catch (err) {
      lastError = (err as Error).message.split("\n")[0];
    }
    // Not settled by this call: maybe by an earlier one (a lost receipt), maybe refunded meanwhile.
    const outcome = await chainOutcome(ctx, requestId).catch(() => null);
    if (outcome) return outcome;
  }
  return { kind: "pending", error: lastError };
}

/** Settled or refunded on-chain already (with the transaction), or null while still Paid (or unreadable). */
export async function chainOutcome(ctx: ServeContext, requestId: bigint): Promise<Exclude<SettleOutcome, { kind: "pending" }> | null> {
  const r = await readRequest(ctx, requestId);
  if (r.status === REQUEST_STATUS.Settled) return { kind: "settled", ...(await settledOnChain(ctx, requestId, r)) };
  if (r.status === REQUEST_STATUS.Refunded) return { kind: "refunded", tx: await refundedOnChain(ctx, requestId) };
  return null;
}

// -------------------------------------------------------------------------------------------------
// Jobs
// -------------------------------------------------------------------------------------------------

export async function findJob(db: Db, requestHash: string): Promise<JobRow | null> {
  const [row] = await db.select().from(inferenceJobs).where(eq(inferenceJobs.requestHash, requestHash.toLowerCase())).limit(1);
  return row ?? null;
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

function usageOf(prompt: string, output: string) {
  return { promptTokens: encode(prompt).length, completionTokens: encode(output).length };
}

/** Per-contribution amounts of the pool (cumulative rounding, as the indexer credits them) with contributor and Datanet. */
async function entriesOf(db: Db, record: AttributionRecord, pool: bigint): Promise<ServedEntry[]> {
  const ids = record.entries.map((e) => e.contributionId);
  const rows = ids.length
    ? await db.select({ id: contributions.id, contributor: contributions.contributor, datanetId: contributions.datanetId }).from(contributions).where(inArray(contributions.id, ids))
    : [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  const weights = new Map(record.entries.map((e) => [e.contributionId, e.weightPpm]));
  return splitPool(record, pool).map(({ contributionId, amount }) => ({
    contributionId,
    weightPpm: weights.get(contributionId)!,
    amount,
    contributor: byId.get(contributionId)?.contributor ?? "",
    datanetId: byId.get(contributionId)?.datanetId ?? 0,
  }));
}

async function servedResult(
  db: Db,
  job: Pick<JobRow, "requestId" | "modelId" | "prompt">,
  s: { output: string; record: AttributionRecord; params: Record<string, unknown>; settleTx: Hex; price: bigint; split: Split },
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
    usage: usageOf(job.prompt, s.output),
    params: s.params,
  };
}

export const splitToJson = (s: Split) => ({ protocol: String(s.protocol), operator: String(s.operator), builder: String(s.builder), contributorPool: String(s.contributorPool) });
const splitFromJson = (j: Record<string, string>): Split => ({
  protocol: BigInt(j.protocol),
  operator: BigInt(j.operator),
  builder: BigInt(j.builder),
  contributorPool: BigInt(j.contributorPool),
});

/** The stored result of a settled job. */
export async function settledResultOf(db: Db, job: JobRow): Promise<ServedInference | undefined> {
  if (job.status !== "settled" || job.output === null || job.record === null || !job.split || job.price === null || !job.settleTx) return undefined;
  const [stored] = await db.select({ params: inferenceResults.params }).from(inferenceResults).where(eq(inferenceResults.requestHash, job.requestHash)).limit(1);
  return servedResult(db, job, {
    output: job.output,
    record: decodeRecord(job.record),
    params: stored?.params ?? job.params,
    settleTx: job.settleTx as Hex,
    price: job.price,
    split: splitFromJson(job.split),
  });
}

async function alreadyServed(db: Db, job: JobRow): Promise<AlreadyServed> {
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
    refundTx = (await operatorTx(ctx, { functionName: "refund", args: [requestId] })).transactionHash;
  } catch (err) {
    const outcome = await chainOutcome(ctx, requestId).catch(() => null);
    if (outcome?.kind === "refunded") refundTx = outcome.tx;
    else {
      ctx.log?.(`serve: refund of request ${requestId} failed: ${(err as Error).message.split("\n")[0]}`);
      if (outcome?.kind === "settled") {
        // Cannot happen through this module (no answer was stored); record what the chain says.
        await transition(db, job, lease, { status: "settled", settleTx: outcome.tx, price: outcome.price, split: splitToJson(outcome.split), finishedAt: new Date() });
        return new InferenceFailed(`${message} The request was settled on-chain by another process.`, false);
      }
      return new InferenceFailed(`${message} The refund could not be sent yet; it will be retried.`, false);
    }
  }
  await transition(db, job, lease, { status: "refunded", refundTx: refundTx ?? null, finishedAt: new Date() });
  return new InferenceFailed(`${message} Your payment was refunded.`, true, refundTx);
}

/**
 * Emits the answer in pieces, one per generated token where the text so far is complete (the tokenizer's
 * decoder holds back a split UTF-8 sequence); the pieces concatenate to the answer. A failing listener
 * (e.g. a closed connection) is ignored: it is not the inference's problem.
 */
function stream(output: string, onText: ((chunk: string) => void) | undefined) {
  if (!onText) return;
  const emit = (chunk: string) => {
    if (!chunk) return;
    try {
      onText(chunk);
    } catch {
      /* ignored */
    }
  };
  let sent = 0;
  for (const piece of decodeGenerator(encode(output))) {
    if (!output.startsWith(piece, sent)) break;
    emit(piece);
    sent += piece.length;
  }
  emit(output.slice(sent));
}

/**
 * Runs a claimed job to the end: serving → served (result stored) → settled, or refunded on failure.
 * `lease` is this worker's claim. Used by serveInference and by recovery.
 */
export async function runJob(ctx: ServeContext, job: JobRow, lease: string, opts: ServeHooks = {}): Promise<ServedInference> {
  const { db } = ctx;
  await transition(db, job, lease, { status: "serving", attempts: sql`${inferenceJobs.attempts} + 1`, error: null });
  let produced: Produced;
  try {
    produced = await produce(ctx, job, opts);
  } catch (err) {
    ctx.log?.(`serve: request ${job.requestId} (model ${job.modelId}) failed: ${(err as Error).message}`);
    throw await failAndRefund(ctx, job, lease, userMessage(err), (err as Error).message);
  }
  const encoded = encodeRecord(produced.record);
  // Answer and record first (the indexer and the verifier read them), in the same transaction as "served".
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
  observe(opts.onStored, { requestId: BigInt(job.requestId), output: produced.output, record: produced.record, params: produced.params, tokens: produced.tokens ?? null });
  return settleJob(ctx, job, lease, produced);
}

/** Settles a served job (its stored answer and record) and marks it settled. */
export async function settleJob(ctx: ServeContext, job: JobRow, lease: string, produced: Produced): Promise<ServedInference> {
  const requestId = BigInt(job.requestId);
  const outcome = await settleOnChain(ctx, requestId, outputHash(produced.output), attributionHash(produced.record));
  switch (outcome.kind) {
    case "settled":
      await transition(ctx.db, job, lease, { status: "settled", settleTx: outcome.tx, price: outcome.price, split: splitToJson(outcome.split), finishedAt: new Date() });
      return servedResult(ctx.db, job, { ...produced, settleTx: outcome.tx, price: outcome.price, split: outcome.split });
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

  const r = await readRequest(ctx, paid.requestId);
  if (r.status === REQUEST_STATUS.None) throw new PaymentMismatch(`Request ${paid.requestId} has not been paid on-chain.`, "unknown_request");
  if (r.requestHash.toLowerCase() !== requestHash) throw new PaymentMismatch(`Request ${paid.requestId} was paid for another request hash.`, "wrong_request_hash");
  if (r.modelId !== BigInt(paid.modelId)) throw new PaymentMismatch(`Request ${paid.requestId} was paid for model ${r.modelId}, not ${paid.modelId}.`, "wrong_model");
  if (r.payer.toLowerCase() !== String(paid.payer).toLowerCase()) throw new PaymentMismatch(`Request ${paid.requestId} was paid by another account.`, "wrong_payer");
  if (r.status !== REQUEST_STATUS.Paid) {
    throw new PaymentMismatch(`Request ${paid.requestId} is no longer in escrow (${r.status === REQUEST_STATUS.Settled ? "settled" : "refunded"}).`, "not_paid");
  }

  // The claim: one row per request hash. Whoever inserts it serves; everyone else gets AlreadyServed.
  const lease = randomUUID();
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
  if (!job) throw await alreadyServed(db, (await findJob(db, requestHash))!);
  observe(opts.onClaimed, undefined);
  try {
    return await runJob(ctx, job, lease, opts);
  } catch (err) {
    if (err instanceof LeaseLost) throw await alreadyServed(db, (await findJob(db, requestHash))!);
    throw err;
  }
}

export { LeaseLost };
