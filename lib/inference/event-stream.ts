/**
 * A paid inference as a server-sent event stream (`POST /api/models/{id}/inference` with
 * `Accept: text/event-stream`), for the Playground:
 *
 *   payment     { status: "accepted", requestId, payer, txHash, via }   the payment is in escrow and this request owns it
 *   token       { text }                                               generated text, in order (∞-gram: token by token)
 *   answer      { requestId, output, method, spans }                   stored with its record; spans = traced spans
 *   settlement  { status: "pending" }                                  settling on-chain…
 *   settlement  { status: "confirmed", tx, result }                    …mined (result = the JSON answer of the plain POST)
 *            or { status: "pending", reason: "settlement_pending", message }   not mined yet; recovery settles it
 *   error       { error, reason?, refunded, refundTx? }                the model failed after payment
 *
 * Anything refused before this request owns the payment (402 with requirements, 409 replay, 422…) is a
 * plain HTTP error response, exactly as without streaming: the 200 stream starts only at the claim.
 */
import { ApiError } from "@/lib/api/route";
import { paidInference, servedJson, type PaidInferenceInput, type PaidOutcome } from "./paid";
import { serveContext } from "./runtime";
import type { ServeHooks } from "./serve";
import { computeSpans, describeSpans, spansFromTokens, type DescribedSpan } from "./spans";
import { X402_CORS_HEADERS } from "@/lib/payments";

type Stored = Parameters<NonNullable<ServeHooks["onStored"]>>[0];

const encoder = new TextEncoder();

function frame(event: string, data: unknown): Uint8Array {
  return encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}\n\n`);
}

/** The traced spans of a stored answer, with contributor and Datanet (none rather than failing the stream). */
async function answerSpans(modelId: number, stored: Stored): Promise<DescribedSpan[]> {
  try {
    const ctx = await serveContext();
    let spans;
    if (stored.tokens) spans = spansFromTokens(stored.tokens, stored.output);
    else {
      const model = await ctx.models.get(modelId);
      spans = computeSpans({ ...model, requestId: stored.requestId, prompt: "", params: stored.params, output: stored.output });
    }
    return await describeSpans(ctx.db, spans);
  } catch (err) {
    console.error("[inference] traced spans failed", err);
    return [];
  }
}

export async function streamInference(request: Request, input: PaidInferenceInput): Promise<Response> {
  const buffered: Uint8Array[] = [];
  let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  let gone = false;
  const send = (event: string, data: unknown) => {
    if (gone) return;
    const chunk = frame(event, data);
    if (!controller) return void buffered.push(chunk);
    try {
      controller.enqueue(chunk);
    } catch {
      // The reader went away; serving and settling go on regardless.
    }
  };

  let payment: { requestId: bigint; payer: string; txHash: string; via: string } | null = null;
  let claimed!: () => void;
  const started = new Promise<null>((resolve) => (claimed = () => resolve(null)));
  // The answer event needs a database read: later events wait for it, so the order holds.
  let answered: Promise<void> = Promise.resolve();

  const run = paidInference(request, input, {
    onPaid: (p) => (payment = p),
    onClaimed: () => {
      send("payment", { status: "accepted", ...payment, payer: payment?.payer.toLowerCase() });
      claimed();
    },
    onText: (text) => send("token", { text }),
    onStored: (stored) => {
      answered = answerSpans(input.modelId, stored).then((spans) => {
        send("answer", { requestId: stored.requestId, output: stored.output, method: stored.record.method, spans });
        send("settlement", { status: "pending" });
      });
    },
  });

  // Refusals before the claim are plain HTTP errors (thrown here, answered by route()).
  const first = await Promise.race([started, run]);
  if (first?.kind === "response") return first.response;

  const body = new ReadableStream<Uint8Array>({
    async start(c) {
      controller = c;
      for (const chunk of buffered.splice(0)) c.enqueue(chunk);
      try {
        const outcome = (await run) as Extract<PaidOutcome, { kind: "served" }>;
        await answered;
        send("settlement", { status: "confirmed", tx: outcome.served.settleTx, result: servedJson(outcome.served, outcome) });
      } catch (err) {
        await answered;
        const details = (err instanceof ApiError ? err.details : undefined) as { reason?: string; refundTx?: string } | undefined;
        const message = err instanceof ApiError ? err.message : "The inference failed on our side.";
        if (details?.reason === "settlement_pending") send("settlement", { status: "pending", reason: "settlement_pending", message });
        else send("error", { error: message, reason: details?.reason ?? "failed", refunded: details?.reason === "refunded", refundTx: details?.refundTx ?? null });
        if (!(err instanceof ApiError)) console.error("[inference] streamed inference failed", err);
      }
      try {
        c.close();
      } catch {
        /* already closed by the reader */
      }
    },
    cancel() {
      gone = true;
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
      "Access-Control-Expose-Headers": X402_CORS_HEADERS["Access-Control-Expose-Headers"],
    },
  });
}

/** The client asked for the event stream. */
export function wantsEventStream(request: Request): boolean {
  return (request.headers.get("accept") ?? "").split(",").some((t) => t.trim().split(";")[0].toLowerCase() === "text/event-stream");
}
