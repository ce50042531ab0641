import { stream } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import type { LiveEvent } from "@/lib/live/events";
import { subscribeLive } from "@/lib/live/bus";

export const dynamic = "force-dynamic";

const HEARTBEAT_MS = 15_000;

/**
 * Server-Sent Events: every change the indexer commits, as small typed events. Heartbeat comments keep
 * proxies from closing the connection; the subscription ends when the client goes away.
 */
export const GET = route(stream, async ({ request, query }) => {
  const wanted = query.types ? new Set(query.types.split(",")) : null;
  const encoder = new TextEncoder();
  let cleanup = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          cleanup();
        }
      };
      send(`retry: 2000\n: connected\n\n`);
      const unsubscribe = subscribeLive((events: LiveEvent[]) => {
        for (const e of events) {
          if (wanted && !wanted.has(e.type)) continue;
          send(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
        }
      });
      const heartbeat = setInterval(() => send(`: heartbeat ${Date.now()}\n\n`), HEARTBEAT_MS);
      cleanup = () => {
        clearInterval(heartbeat);
        unsubscribe();
        try {
          controller.close();
        } catch {
          /* already closed */
        }
      };
      request.signal.addEventListener("abort", () => cleanup());
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    },
  });
});
