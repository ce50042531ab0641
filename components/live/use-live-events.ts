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

/**
 * Subscribes to /api/stream and invalidates the TanStack Query keys each event makes stale; `onEvent`
 * lets a component react too (e.g. prepend to a feed). EventSource reconnects by itself. Returns whether the
 * stream is open now (the server subscribes before it answers, so from then on no event is missed).
 */
export function useLiveEvents(onEvent?: (e: LiveEvent) => void, types: LiveEvent["type"][] = LIVE_EVENT_TYPES): boolean {
  const queryClient = useQueryClient();
  const [connected, setConnected] = useState(false);
  const handler = useRef(onEvent);
  useEffect(() => {
    handler.current = onEvent;
  });
  const typeList = types.join(",");
  useEffect(() => {
    const source = new EventSource(`/api/stream?types=${encodeURIComponent(typeList)}`);
    const listener = (msg: MessageEvent<string>) => {
      const event = JSON.parse(msg.data) as LiveEvent;
      for (const queryKey of staleKeys(event)) void queryClient.invalidateQueries({ queryKey: [...queryKey] });
      handler.current?.(event);
    };
    for (const t of typeList.split(",")) source.addEventListener(t, listener as EventListener);
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(source.readyState === EventSource.OPEN);
    return () => {
      source.close();
      setConnected(false);
    };
  }, [queryClient, typeList]);
  return connected;
}
