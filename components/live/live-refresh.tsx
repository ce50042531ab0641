"use client";

import { useRouter } from "next/navigation";
import { useCallback, useEffect, useRef, useState } from "react";
import type { LiveEvent } from "@/lib/live/events";
import { useLiveEvents, LIVE_EVENT_TYPES } from "./use-live-events";

/**
 * Keeps a server-rendered page live: when an event this page shows arrives, re-render it on the server
 * (router.refresh keeps client state). Bursts are coalesced into one refresh.
 */
export function LiveRefresh({
  types = LIVE_EVENT_TYPES,
  datanetId,
  modelId,
}: {
  types?: LiveEvent["type"][];
  datanetId?: number;
  modelId?: number;
}) {
  const router = useRouter();
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const [lastBlock, setLastBlock] = useState<number | null>(null);
  const onEvent = useCallback(
    (e: LiveEvent) => {
      if (datanetId !== undefined && "datanetId" in e && e.datanetId !== datanetId) return;
      if (modelId !== undefined && "modelId" in e && e.modelId !== modelId) return;
      setLastBlock(e.block);
      if (timer.current) return;
      timer.current = setTimeout(() => {
        timer.current = null;
        router.refresh();
      }, 300);
    },
    [datanetId, modelId, router],
  );
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  // When the stream (re)opens, re-render once: an event may have landed between the server render and the open.
  const onOpen = useCallback(() => router.refresh(), [router]);
  const connected = useLiveEvents(onEvent, types, onOpen);
  return (
    <span className="inline-flex items-center gap-1.5 text-xs text-muted-foreground" aria-live="polite" data-testid="live-indicator" data-connected={connected}>
      <span className="relative flex size-2">
        <span className="absolute inline-flex size-full animate-ping rounded-full bg-success opacity-60" />
        <span className="relative inline-flex size-2 rounded-full bg-success" />
      </span>
      Live{lastBlock !== null ? ` · block ${lastBlock}` : ""}
    </span>
  );
}
