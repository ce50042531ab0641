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
import { sseChannel } from "@/lib/api/sse";
import { AppError, type ErrorCode } from "@/lib/errors";
import { X402_CORS_HEADERS } from "@/lib/payments";
import { paidInference, servedJson, type PaidInferenceInput, type PaidOutcome } from "./paid";
import { serveContext } from "./runtime";
import { describeSpans, storedAnswerSpans, type DescribedSpan } from "./spans";
import { encodeEvent, type InferenceResultWire, type InferenceStreamEvent } from "./stream-events";
import type { StoredAnswer } from "./types";

/** The traced spans of a stored answer, with contributor and Datanet (none rather than failing the stream). */
async function answerSpans(modelId: number, stored: StoredAnswer): Promise<DescribedSpan[]> {
  try {
    const ctx = await serveContext();
    const spans = storedAnswerSpans(await ctx.models.get(modelId), stored);
    return await describeSpans(ctx.db, spans);
  } catch (err) {
    console.error("[inference] traced spans failed", err);
    return [];
  }
}

/** What the stream says about a failure after the claim; null when it is ours (a bug: logged, told generically). */
function failureOf(err: unknown): { code: ErrorCode; message: string; refundTx: string | null } | null {
  if (err instanceof AppError) return { code: err.code, message: err.message, refundTx: (err.details?.refundTx as string | undefined) ?? null };
  return null;
}

export async function streamInference(request: Request, input: PaidInferenceInput): Promise<Response> {
  const channel = sseChannel();
  const send = (e: InferenceStreamEvent) => channel.send(encodeEvent(e));

  let payment: { requestId: bigint; payer: string; txHash: string; via: "x402" | "transaction" } | null = null;
  let claimed!: () => void;
  const started = new Promise<null>((resolve) => (claimed = () => resolve(null)));
  // The answer event needs a database read: later events wait for it, so the order holds.
  let answered: Promise<void> = Promise.resolve();

  const run = paidInference(request, input, {
    onPaid: (p) => (payment = p),
    onClaimed: () => {
      if (payment) send({ event: "payment", data: { status: "accepted", requestId: String(payment.requestId), payer: payment.payer.toLowerCase(), txHash: payment.txHash, via: payment.via } });
      claimed();
    },
    onText: (text) => send({ event: "token", data: { text } }),
    onStored: (stored) => {
      answered = answerSpans(input.modelId, stored).then((spans) => {
        send({ event: "answer", data: { requestId: String(stored.requestId), output: stored.output, method: stored.record.method, spans } });
        send({ event: "settlement", data: { status: "pending" } });
      });
    },
  });

  // Refusals before the claim are plain HTTP errors (thrown here, answered by route()).
  const first = await Promise.race([started, run]);
  if (first?.kind === "response") return first.response;

  return channel.response(
    async () => {
      try {
        const outcome = (await run) as Extract<PaidOutcome, { kind: "served" }>;
        await answered;
        send({ event: "settlement", data: { status: "confirmed", tx: outcome.served.settleTx, result: servedJson(outcome.served, outcome) as InferenceResultWire } });
      } catch (err) {
        await answered;
        const failure = failureOf(err);
        if (!failure) console.error("[inference] streamed inference failed", err);
        if (failure?.code === "settlement_pending") send({ event: "settlement", data: { status: "pending", reason: "settlement_pending", message: failure.message } });
        else {
          send({
            event: "error",
            data: { error: failure?.message ?? "The inference failed on our side.", reason: failure?.code ?? "failed", refunded: failure?.code === "refunded", refundTx: failure?.refundTx ?? null },
          });
        }
      }
    },
    { headers: { "Access-Control-Expose-Headers": X402_CORS_HEADERS["Access-Control-Expose-Headers"] } },
  );
}

/** The client asked for the event stream. */
export function wantsEventStream(request: Request): boolean {
  return (request.headers.get("accept") ?? "").split(",").some((t) => t.trim().split(";")[0].toLowerCase() === "text/event-stream");
}
