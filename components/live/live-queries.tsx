"use client";

import { useCallback, useState } from "react";
import type { LiveEvent } from "@/lib/live/events";
import { useLiveEvents } from "./use-live-events";

/**
 * Keeps a page's TanStack queries live: subscribes to the event types the page shows (each invalidates the query
 * keys it makes stale, lib/live/query-keys.ts) and shows that the stream is connected.
 */
export function LiveQueries({ types }: { types: LiveEvent["type"][] }) {
  const [lastBlock, setLastBlock] = useState<number | null>(null);
  const onEvent = useCallback((e: LiveEvent) => setLastBlock(e.block), []);
  const connected = useLiveEvents(onEvent, types);
  return (
    <span className="inline-flex items-center gap-1.5 text-xs text-muted-foreground" aria-live="polite" data-testid="live-indicator" data-connected={connected}>
      <span className="relative flex size-2">
        {connected ? <span className="absolute inline-flex size-full animate-ping rounded-full bg-success opacity-60" /> : null}
        <span className={connected ? "relative inline-flex size-2 rounded-full bg-success" : "relative inline-flex size-2 rounded-full bg-muted-foreground"} />
      </span>
      {connected ? "Live" : "Connecting…"}
      {lastBlock !== null ? ` · block ${lastBlock}` : ""}
    </span>
  );
}
