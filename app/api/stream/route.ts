import { stream } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { sseResponse } from "@/lib/api/sse";
import type { LiveEvent } from "@/lib/live/events";
import { subscribeLive } from "@/lib/live/bus";
import { encodeFrame } from "@/lib/inference/stream-events";
import { sseSubscribers } from "@/lib/ops/metrics";

export const dynamic = "force-dynamic";

const HEARTBEAT_MS = 15_000;

/**
 * Server-Sent Events: every change the indexer commits, as small typed events. Heartbeat comments keep
 * proxies from closing the connection; the subscription ends when the client goes away.
 */
export const GET = route(stream, async ({ request, query }) => {
  const wanted = query.types ? new Set(query.types.split(",")) : null;
  return sseResponse(
    (send, signal) =>
      new Promise<void>((resolve) => {
        send(`retry: 2000\n: connected\n\n`);
        const unsubscribe = subscribeLive((events: LiveEvent[]) => {
          for (const e of events) if (!wanted || wanted.has(e.type)) send(encodeFrame(e.type, e));
        });
        const heartbeat = setInterval(() => send(`: heartbeat ${Date.now()}\n\n`), HEARTBEAT_MS);
        sseSubscribers.inc();
        const end = () => {
          clearInterval(heartbeat);
          unsubscribe();
          sseSubscribers.inc({}, -1);
          resolve();
        };
        if (signal.aborted) end();
        else signal.addEventListener("abort", end, { once: true });
      }),
    { signal: request.signal, headers: { connection: "keep-alive" } },
  );
});
