import { z } from "zod";
import { route } from "@/lib/api/route";
import type { LiveEvent } from "@/lib/live/events";
import { subscribeLive } from "@/lib/live/bus";

export const dynamic = "force-dynamic";

const HEARTBEAT_MS = 15_000;

const query = z.object({
  /** Only events of these types (comma-separated), e.g. `inference.settled,epoch.posted`. */
  types: z
    .string()
    .regex(/^[a-z.,]+$/, "must be a comma-separated list of event types")
    .max(500)
    .optional(),
});

/**
 * Server-Sent Events: every change the indexer commits, as small typed events. Heartbeat comments keep
 * proxies from closing the connection; the subscription ends when the client goes away.
 */
export const GET = route({ query }, async ({ request, query }) => {
  const wanted = query.types ? new Set(query.types.split(",")) : null;
  const encoder = new TextEncoder();
  let cleanup = () => {};
  const stream = new ReadableStream<Uint8Array>({
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
  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    },
  });
});
