/** The OpenAI-compatible routes under /v1 (OpenAI's error shape). */
import { z } from "zod";
import { inferenceParamsSchema } from "@/lib/payments/request";
import { endpoint, named } from "../spec";

const chatContent = z.union([
  z.string(),
  z.array(z.object({ type: z.string(), text: z.string().optional() })).transform((parts) => parts.map((p) => p.text ?? "").join("")),
]);

export const openaiModels = endpoint({
  method: "GET",
  path: "/v1/models",
  operationId: "listOpenAiModels",
  tag: "OpenAI-compatible",
  summary: "Active models, as OpenAI's `GET /v1/models` lists them (id `model-<id>`).",
  errorFormat: "openai",
  response: named(
    "OpenAiModelList",
    z.object({ object: z.literal("list"), data: z.array(z.object({ id: z.string(), object: z.literal("model"), created: z.number(), owned_by: z.string() }).passthrough()) }),
  ),
});

export const openaiChatCompletions = endpoint({
  method: "POST",
  path: "/v1/chat/completions",
  operationId: "createChatCompletion",
  tag: "OpenAI-compatible",
  summary: "OpenAI-compatible chat completion, paid with x402 (the `openai` client with a paying fetch). The answer continues (∞-gram) or classifies (kNN) the last user message; `ledgerline` carries the request id, cost and attribution. `stream: true` answers Server-Sent Events like OpenAI.",
  errorFormat: "openai",
  paid: true,
  unprocessable: true,
  notFound: true,
  body: z.object({
    model: z.string().min(1, "name a model: GET /v1/models lists them").max(100),
    messages: z
      .array(z.object({ role: z.enum(["system", "developer", "user", "assistant", "tool"]), content: chatContent.nullable().optional() }))
      .min(1, "messages must hold at least one message"),
    max_tokens: inferenceParamsSchema.shape.maxTokens.nullable(),
    max_completion_tokens: inferenceParamsSchema.shape.maxTokens.nullable(),
    temperature: inferenceParamsSchema.shape.temperature.nullable(),
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable().optional(),
    n: z.literal(1, { error: "n must be 1: one payment buys one answer" }).nullable().optional(),
    stream: z.boolean().nullable().optional(),
    top_k: inferenceParamsSchema.shape.topK.nullable(),
  }),
  response: { contentType: "application/json", description: "An OpenAI chat.completion (or text/event-stream of chat.completion.chunk when stream is true), plus `ledgerline: { request_id, cost, attribution, settle_tx }`." },
});
