/**
 * OpenAI's chat-completion shapes for a served inference: what the `openai` client parses, plus a
 * `ledgerline` field with the request id, cost and attribution.
 */
import type { Hex } from "viem";
import { AppError } from "@/lib/errors";
import type { InferenceParams } from "@/lib/payments";
import { publicRequestId, servedJson } from "./paid";
import { costJson } from "./pricing";
import type { ServedInference } from "./types";

export interface ChatBody {
  model: string;
  messages: { role: string; content?: string | null }[];
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  seed?: number | null;
  top_k?: number | null;
  stream?: boolean | null;
}

/** `model-12`, `12` → 12. */
export function modelIdOf(model: string): number {
  const m = /^(?:model-)?([1-9][0-9]{0,15})$/.exec(model.trim());
  if (!m) throw new AppError("not_found", `The model "${model}" does not exist: use an id from GET /v1/models, such as "model-1".`);
  return Number(m[1]);
}

/** The model continues (∞-gram) or classifies (kNN) the last user message. */
export function promptOf(body: ChatBody): string {
  const last = [...body.messages].reverse().find((m) => m.role === "user" && m.content && m.content.trim());
  if (!last?.content) throw new AppError("bad_request", "messages need a user message with text: the model answers the last one.");
  return last.content;
}

export function paramsOf(body: ChatBody): InferenceParams {
  const params: InferenceParams = {};
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens != null) params.maxTokens = maxTokens;
  if (body.temperature != null) params.temperature = body.temperature;
  if (body.seed != null) params.seed = String(body.seed);
  if (body.top_k != null) params.topK = body.top_k;
  return params;
}

export function ledgerlineField(s: ServedInference, extra: { payer: Hex; paymentTx: Hex; via: string }) {
  const j = servedJson(s, extra);
  return {
    request_id: j.requestId,
    cost: j.price,
    currency: "OPEN (wei)",
    split: j.split,
    attribution: j.attribution,
    settlement: j.settlement,
    settle_tx: j.settleTx,
    payment_tx: j.paymentTx,
    output_hash: j.outputHash,
  };
}

/** OpenAI's finish_reason: "length" when the answer was cut at max_tokens, "stop" when the model ended it. */
export function finishReason(s: ServedInference): "length" | "stop" {
  const max = (s.params as { maxTokens?: unknown }).maxTokens;
  return typeof max === "number" && s.usage.completionTokens >= max ? "length" : "stop";
}

/** OpenAI's `usage` and the wei `cost` (charged, ceiling, returned): the completion's and the last stream chunk's. */
export function usageAndCost(s: ServedInference) {
  return {
    usage: { prompt_tokens: s.usage.promptTokens, completion_tokens: s.usage.completionTokens, total_tokens: s.usage.promptTokens + s.usage.completionTokens },
    cost: costJson(s.cost),
  };
}

export function completionJson(body: ChatBody, s: ServedInference, extra: { payer: Hex; paymentTx: Hex; via: string }) {
  return {
    id: `chatcmpl-${publicRequestId(s)}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: `model-${s.modelId}`,
    choices: [{ index: 0, message: { role: "assistant", content: s.output, refusal: null }, logprobs: null, finish_reason: finishReason(s) }],
    ...usageAndCost(s),
    ledgerline: ledgerlineField(s, extra),
  };
}

export function chunkJson(id: string, modelId: number, delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) {
  return { id, object: "chat.completion.chunk", created: Math.floor(Date.now() / 1000), model: `model-${modelId}`, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra };
}

/** One chunk as OpenAI streams it: a `data:` line of JSON, no event name. */
export const chunkFrame = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;

/** The end of an OpenAI stream. */
export const DONE_FRAME = "data: [DONE]\n\n";
