/**
 * The one server-sent-events writer of every stream the app answers with (the paid inference stream,
 * `/v1/chat/completions` with `stream: true`, `/api/stream`): the headers, frames sent before the body
 * is read kept in order, a client that leaves (its sends are dropped; `signal` tells the producer), and
 * the close. Callers frame their own data (lib/inference/stream-events.ts, OpenAI's `data:` lines).
 */

/** Sends one or more whole SSE frames (or comments); a no-op once the client is gone or the stream closed. */
export type SseSend = (frame: Uint8Array | string) => void;

/** What every event stream answers with; a stream adds its own (e.g. CORS exposure). */
const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
} as const;

const encoder = new TextEncoder();

export interface SseOptions {
  /** Extra response headers (e.g. `connection: keep-alive`, `Access-Control-Expose-Headers`). */
  headers?: Record<string, string>;
  /** The request's signal: when the client aborts, the stream closes and `signal` aborts too. */
  signal?: AbortSignal;
}

/**
 * An SSE channel whose frames may be sent before its response exists (a hook that fires before the
 * route decided to stream); they go out first, in order.
 */
export function sseChannel() {
  const buffered: Uint8Array[] = [];
  let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  let done = false;
  const gone = new AbortController();

  const send: SseSend = (frame) => {
    if (done) return;
    const chunk = typeof frame === "string" ? encoder.encode(frame) : frame;
    if (!controller) return void buffered.push(chunk);
    try {
      controller.enqueue(chunk);
    } catch {
      // The reader went away; the producer goes on regardless.
    }
  };
  const close = () => {
    if (done) return;
    done = true;
    if (!gone.signal.aborted) gone.abort();
    try {
      controller?.close();
    } catch {
      /* already closed by the reader */
    }
  };

  /**
   * The streaming response: `run` produces until it settles (then the stream closes) or the client leaves
   * (`signal` aborts; later sends are dropped). A failure of `run` is logged and closes the stream.
   */
  function response(run: (signal: AbortSignal) => void | Promise<void>, opts: SseOptions = {}): Response {
    const body = new ReadableStream<Uint8Array>({
      async start(c) {
        controller = c;
        for (const chunk of buffered.splice(0)) c.enqueue(chunk);
        if (opts.signal?.aborted) return close();
        opts.signal?.addEventListener("abort", close, { once: true });
        try {
          await run(gone.signal);
        } catch (err) {
          console.error("[sse] stream producer failed", err);
        }
        close();
      },
      cancel() {
        done = true;
        gone.abort();
      },
    });
    return new Response(body, { headers: { ...SSE_HEADERS, ...opts.headers } });
  }

  return { send, response };
}

/** A response streaming what `start` sends, closed when it settles or the client leaves. */
export function sseResponse(start: (send: SseSend, signal: AbortSignal) => void | Promise<void>, opts: SseOptions = {}): Response {
  const channel = sseChannel();
  return channel.response((signal) => start(channel.send, signal), opts);
}
