/**
 * The events of a paid inference streamed as server-sent events (`POST /api/models/{id}/inference` with
 * `Accept: text/event-stream`): one typed union, encoded by the route and decoded by the Playground, so
 * neither side re-parses with casts. Browser-safe (type imports only).
 *
 *   payment     the payment is in escrow and this request owns it
 *   token       generated text, in order (∞-gram: token by token)
 *   answer      stored with its record; spans = traced spans
 *   settlement  pending → confirmed (result = the JSON answer of the plain POST), or pending with
 *               reason settlement_pending when recovery will settle it later
 *   error       the model failed after payment (refunded, or refund pending)
 *
 * Anything refused before the payment is taken (402, 409 replay, 422…) is a plain HTTP error response.
 */
import type { z } from "zod";
import type { modelInference } from "@/lib/api/endpoints";
import type { ErrorCode } from "@/lib/errors";
import type { DescribedSpan } from "./spans";

/** The JSON answer of a paid inference, as it is on the wire. */
export type InferenceResultWire = z.input<(typeof modelInference)["response"]>;

export type InferenceStreamEvent =
  | { event: "payment"; data: { status: "accepted"; requestId: string; payer: string; txHash: string; via: "x402" | "transaction" } }
  | { event: "token"; data: { text: string } }
  | { event: "answer"; data: { requestId: string; output: string; method: string; spans: DescribedSpan[] } }
  | { event: "settlement"; data: { status: "pending" } }
  | { event: "settlement"; data: { status: "confirmed"; tx: string; result: InferenceResultWire } }
  | { event: "settlement"; data: { status: "pending"; reason: "settlement_pending"; message: string } }
  | { event: "error"; data: { error: string; reason: ErrorCode | "failed"; refunded: boolean; refundTx: string | null } };

export type InferenceStreamEventName = InferenceStreamEvent["event"];
const EVENT_NAMES: ReadonlySet<string> = new Set<InferenceStreamEventName>(["payment", "token", "answer", "settlement", "error"]);

const encoder = new TextEncoder();

/** One SSE frame (`event:` + one `data:` line of JSON; bigint as decimal strings). */
export function encodeEvent(e: InferenceStreamEvent): Uint8Array {
  return encodeFrame(e.event, e.data);
}

/** Any named SSE frame: the one framing every stream of the app uses. */
export function encodeFrame(event: string, data: unknown): Uint8Array {
  return encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}\n\n`);
}

/** Raw SSE frames of a byte stream, as they arrive (`event` defaults to "message"). */
export async function* readFrames(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event: string; data: string }> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data.push(line.slice(6));
      }
      if (data.length) yield { event, data: data.join("\n") };
    }
  }
}

/** The inference events of a response body; frames of other names are skipped. */
export async function* decodeEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<InferenceStreamEvent> {
  for await (const frame of readFrames(body)) {
    if (!EVENT_NAMES.has(frame.event)) continue;
    yield { event: frame.event, data: JSON.parse(frame.data) } as InferenceStreamEvent;
  }
}
