/**
 * Running a model for a claimed job: its parameters, the answer (∞-gram, kNN, or an external endpoint's
 * answer traced to its spans) and the canonical attribution record. Nothing here touches the job or the chain.
 */
import { decodeGenerator } from "gpt-tokenizer/encoding/r50k_base";
import { AttributionError } from "@/lib/attribution/errors";
import type { GeneratedToken } from "@/lib/attribution/infinigram";
import { CURRENT_RECORD_VERSION, type RecordVersion } from "@/lib/attribution/record";
import { modelTokenizer, runAttribution } from "@/lib/attribution/run";
import { TOKENIZER, type Tokenizer } from "@/lib/attribution/tokenizer";
import { AppError } from "@/lib/errors";
import { endpointKeyFor } from "@/lib/factory/endpoint-keys";
import { endpointUrl, guardedFetch, OutboundError, type GuardedResponse } from "@/lib/net/guarded-fetch";
import { ModelUnavailable, type ServableModel } from "./models";
import { InvalidParams, resolveParams, type ExternalParams, type RagParams } from "./params";
import { ragPrompt, retrieve } from "@/lib/attribution/rag";
import { observe, type JobRow, type Produced, type ServeContext, type ServeHooks } from "./types";

const DEFAULT_TIMEOUT_MS = 60_000;

/** An external model's endpoint failed (down, HTTP error, timeout, no answer). */
export class ExternalModelError extends AppError {
  constructor(message: string) {
    super("model_unavailable", message);
  }
}

/** The most an endpoint's answer may weigh: far above any max_tokens answer, far below memory trouble. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * One chat completion from the builder's endpoint, through the SSRF guard (lib/net/guarded-fetch.ts): public
 * addresses only (checked on the address connected to), no redirects, capped in bytes and time. Errors say
 * what failed, never what an internal host answered.
 */
async function callExternal(ctx: ServeContext, model: ServableModel, prompt: string, params: Pick<ExternalParams, "maxTokens" | "temperature">): Promise<string> {
  const baseUrl = model.parameters.baseUrl;
  const name = model.parameters.model;
  if (typeof baseUrl !== "string" || typeof name !== "string") {
    throw new ExternalModelError(`Model ${model.modelId}'s card names no usable endpoint (baseUrl and model).`);
  }
  const timeoutMs = ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const body = {
    model: name,
    messages: [{ role: "user", content: prompt }],
    max_tokens: params.maxTokens,
    ...(params.temperature !== undefined ? { temperature: params.temperature } : {}),
    stream: false,
  };
  // The builder's key, if it stored one with the build (decrypted only here, sent only to its endpoint).
  const apiKey = await endpointKeyFor(ctx.db, model.modelId);
  let res: GuardedResponse;
  try {
    const url = endpointUrl(baseUrl, "chat/completions");
    res = await guardedFetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
      body: JSON.stringify(body),
      timeoutMs,
      maxBytes: MAX_ANSWER_BYTES,
      allowHosts: ctx.allowHosts,
    });
  } catch (err) {
    if (!(err instanceof OutboundError)) throw err;
    switch (err.kind) {
      case "timeout":
        throw new ExternalModelError(`The model's endpoint did not answer within ${Math.round(timeoutMs / 100) / 10} s.`);
      case "refused":
        throw new ExternalModelError(`The model's endpoint is not allowed: ${err.message}`);
      case "too_large":
        throw new ExternalModelError(`The model's endpoint answered with more than ${MAX_ANSWER_BYTES} bytes.`);
      default:
        throw new ExternalModelError("The model's endpoint could not be reached.");
    }
  }
  if (res.status < 200 || res.status >= 300) throw new ExternalModelError(`The model's endpoint answered HTTP ${res.status}.`);
  let json: unknown;
  try {
    json = JSON.parse(res.body.toString("utf8"));
  } catch {
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
function tokenText(onText: ((chunk: string) => void) | undefined, tokenizer: Tokenizer) {
  let pending: number[] = [];
  const send = () => {
    const piece = tokenizer.decode(pending);
    pending = [];
    if (piece) observe(onText, piece);
  };
  return {
    push(token: number) {
      if (!onText) return;
      pending.push(token);
      if (!tokenizer.decode(pending).endsWith("\uFFFD")) send();
    },
    /** The end: a last token that never completed its character is sent as it decodes. */
    flush() {
      if (onText && pending.length) send();
    },
  };
}

/**
 * Emits a whole answer in pieces, one per token where the text so far is complete (the tokenizer's decoder
 * holds back a split UTF-8 sequence); the pieces concatenate to the answer.
 */
function streamAnswer(output: string, onText: ((chunk: string) => void) | undefined, tokenizer: Tokenizer) {
  if (!onText) return;
  const emit = (chunk: string) => {
    if (chunk) observe(onText, chunk);
  };
  let sent = 0;
  for (const piece of tokenizer.name === TOKENIZER ? decodeGenerator(tokenizer.encode(output)) : pieces(tokenizer, output)) {
    if (!output.startsWith(piece, sent)) break;
    emit(piece);
    sent += piece.length;
  }
  emit(output.slice(sent));
}

/** A text's pieces, one per token where the text so far is complete (as gpt-tokenizer's decodeGenerator, any tokenizer). */
function* pieces(tokenizer: Tokenizer, output: string): Generator<string> {
  const tokens = tokenizer.encode(output);
  let pending: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    pending.push(tokens[i]);
    const piece = tokenizer.decode(pending);
    if (piece.endsWith("\uFFFD") && i + 1 < tokens.length) continue;
    pending = [];
    if (piece) yield piece;
  }
}

/** Token counts of a prompt and its answer in the model's own tokenizer (issue 17): what per-token prices charge and `usage` reports. */
export function usageIn(tokenizer: Tokenizer, prompt: string, output: string): { promptTokens: number; completionTokens: number } {
  return { promptTokens: tokenizer.encode(prompt).length, completionTokens: tokenizer.encode(output).length };
}

/** Runs the model for a job: parameters, answer, canonical record. ∞-gram tokens go to `onText` as they are generated. */
export async function runModel(
  ctx: ServeContext,
  job: Pick<JobRow, "requestHash" | "modelId" | "prompt" | "params"> & { requestId: number | bigint },
  hooks: ServeHooks = {},
): Promise<Produced & { usage: NonNullable<Produced["usage"]> }> {
  const model = await ctx.models.get(job.modelId);
  const params = resolveParams(model, job.requestHash, job.params);
  const output =
    model.kind === "external"
      ? await callExternal(ctx, model, job.prompt, params as ExternalParams)
      : model.kind === "rag" && (params as RagParams).llm
        ? await callExternal(ctx, model, ragContextPrompt(model, job.prompt, params as RagParams), { maxTokens: (params as RagParams).maxTokens ?? 256, temperature: (params as RagParams).temperature })
        : undefined;
  const tokens: GeneratedToken[] = [];
  const tokenizer = modelTokenizer(model.model);
  const emit = tokenText(hooks.onText, tokenizer);
  // Takedowns: from record version 2 on, the model runs without its withdrawn contributions (its view as of the
  // indexed final head; no rebuild) and the record names the block whose withdrawal set applied. Version 1 records
  // cannot name it, so they are computed on the whole model as before.
  const recordVersion: RecordVersion = ctx.recordVersion ?? CURRENT_RECORD_VERSION;
  const withdrawals = recordVersion === 2 ? model.withdrawals : null;
  const run = runAttribution({
    kind: model.kind,
    model: withdrawals ? withdrawals.model : model.model,
    view: withdrawals ? withdrawals.view : model.view,
    recordVersion,
    withdrawalsAt: withdrawals?.at ?? null,
    verbatimLimits: recordVersion === 2 ? model.verbatimLimits : undefined,
    datanetIds: model.datanetIds,
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
  const usage = usageIn(tokenizer, job.prompt, run.output);
  if (model.kind === "infinigram") {
    emit.flush();
    return { output: run.output, record: run.record, params, tokens, usage };
  }
  streamAnswer(run.output, hooks.onText, tokenizer);
  return { output: run.output, record: run.record, params, usage };
}

/**
 * What a RAG model's endpoint is asked: the records retrieval finds for the question (the same retrieval the record
 * is computed from, on the same view), then the question.
 */
function ragContextPrompt(model: ServableModel, question: string, params: RagParams): string {
  const served = model.withdrawals ?? model;
  if (served.model.format !== "corpus") throw new AttributionError("A RAG model needs a corpus index artifact.");
  return ragPrompt(question, retrieve(served.model.index, served.view, question, params.k));
}

/** What went wrong when running a model, as logged and kept in the job row. */
export function failureDetail(err: unknown): string {
  return err instanceof ModelUnavailable ? err.problem : (err as Error).message;
}

/** What a person should read when their inference failed (details stay in the job row). */
export function failureMessage(err: unknown): string {
  if (err instanceof ModelUnavailable) return err.problem;
  if (err instanceof ExternalModelError || err instanceof InvalidParams || err instanceof AttributionError) return err.message;
  return "The model failed to answer.";
}
