"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import type { LiveEvent } from "@/lib/live/events";
import { staleKeys } from "@/lib/live/query-keys";

export const LIVE_EVENT_TYPES: LiveEvent["type"][] = [
  "datanet.created",
  "contribution.submitted",
  "contribution.reviewed",
  "contribution.withdrawn",
  "version.published",
  "model.registered",
  "model.updated",
  "inference.paid",
  "inference.settled",
  "inference.refunded",
  "epoch.posted",
  "epoch.changed",
  "claim.paid",
  "operator.changed",
  "params.changed",
  "proposal.created",
  "proposal.voted",
  "proposal.updated",
  "votes.changed",
  "indexer.rollback",
];

/** How long the page's own requests must have been quiet before the stream opens (Playwright's networkidle waits 500 ms). */
export const LIVE_QUIET_MS = 1_000;

/**
 * Calls `open` once the page has loaded and its queries have been quiet for LIVE_QUIET_MS. An event stream is a
 * request that never ends: opened during load it keeps the page "loading" for crawlers, link previewers and
 * anything that waits for network idle. Returns a cancel function.
 */
function afterPageSettles(isFetching: () => number, open: () => void): () => void {
  let interval: ReturnType<typeof setInterval> | undefined;
  let quietSince = 0;
  const watch = () => {
    quietSince = Date.now();
    interval = setInterval(() => {
      if (isFetching() > 0) quietSince = Date.now();
      else if (Date.now() - quietSince >= LIVE_QUIET_MS) {
        clearInterval(interval);
        interval = undefined;
        open();
      }
    }, 100);
  };
  if (document.readyState === "complete") watch();
  else window.addEventListener("load", watch, { once: true });
  return () => {
    window.removeEventListener("load", watch);
    if (interval) clearInterval(interval);
  };
}

/**
 * Subscribes to /api/stream and invalidates the TanStack Query keys each event makes stale; `onEvent`
 * lets a component react too (e.g. prepend to a feed). EventSource reconnects by itself. Returns whether the
 * stream is open now (the server subscribes before it answers, so from then on no event is missed).
 *
 * The stream opens after the page has loaded and gone quiet (afterPageSettles), not during load. Each time it
 * opens (the first time, and after a reconnect) the queries it keeps live are refetched once and `onOpen` runs,
 * so an event that happened while it was closed is not lost.
 */
export function useLiveEvents(onEvent?: (e: LiveEvent) => void, types: LiveEvent["type"][] = LIVE_EVENT_TYPES, onOpen?: () => void): boolean {
  const queryClient = useQueryClient();
  const [connected, setConnected] = useState(false);
  const handler = useRef(onEvent);
  const opened = useRef(onOpen);
  useEffect(() => {
    handler.current = onEvent;
    opened.current = onOpen;
  });
  const typeList = types.join(",");
  useEffect(() => {
    let source: EventSource | undefined;
    const cancel = afterPageSettles(
      () => queryClient.isFetching(),
      () => {
        source = new EventSource(`/api/stream?types=${encodeURIComponent(typeList)}`);
        const listener = (msg: MessageEvent<string>) => {
          const event = JSON.parse(msg.data) as LiveEvent;
          for (const queryKey of staleKeys(event)) void queryClient.invalidateQueries({ queryKey: [...queryKey] });
          handler.current?.(event);
        };
        for (const t of typeList.split(",")) source.addEventListener(t, listener as EventListener);
        source.onopen = () => {
          setConnected(true);
          // Catch up on what happened before the stream (re)opened: refetch what it keeps live.
          void queryClient.invalidateQueries({ predicate: (q) => q.getObserversCount() > 0 });
          opened.current?.();
        };
        source.onerror = () => setConnected(source?.readyState === EventSource.OPEN);
      },
    );
    return () => {
      cancel();
      source?.close();
      setConnected(false);
    };
  }, [queryClient, typeList]);
  return connected;
}
