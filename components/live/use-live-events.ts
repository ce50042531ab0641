"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import type { LiveEvent } from "@/lib/live/events";
import { staleKeys } from "@/lib/live/query-keys";

export const LIVE_EVENT_TYPES: LiveEvent["type"][] = [
  "datanet.created",
  "contribution.submitted",
  "contribution.reviewed",
  "version.published",
  "model.registered",
  "model.updated",
  "inference.paid",
  "inference.settled",
  "inference.refunded",
  "epoch.posted",
  "claim.paid",
  "indexer.rollback",
];

/**
 * Subscribes to /api/stream and invalidates the TanStack Query keys each event makes stale; `onEvent`
 * lets a component react too (e.g. prepend to a feed). EventSource reconnects by itself.
 */
export function useLiveEvents(onEvent?: (e: LiveEvent) => void, types: LiveEvent["type"][] = LIVE_EVENT_TYPES) {
  const queryClient = useQueryClient();
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
    return () => source.close();
  }, [queryClient, typeList]);
}
