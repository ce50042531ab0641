"use client";

import { usePathname } from "next/navigation";
import { useCallback, useEffect, useState } from "react";
import { useLiveEvents } from "@/components/live/use-live-events";

const EVENTS = ["inference.paid", "inference.settled", "inference.refunded"] as const;
/** How long a not-found inference page keeps looking (a payment is indexed within seconds). */
const LOOK_MS = 3 * 60_000;

/**
 * On an inference's 404 page: the inference may only be missing from the index for now (a link followed right after
 * paying). When its event arrives, or a periodic look finds it (an event can be missed across a reconnect), the page is
 * loaded again, now as the inference. A reload, not router.refresh: the not-found boundary stays up until navigation.
 */
export function AwaitIndexed() {
  const id = /^\/inferences\/([1-9]\d{0,15})$/.exec(usePathname() ?? "")?.[1] ?? null;
  const [looking, setLooking] = useState(id !== null);
  const look = useCallback(async () => {
    if (id === null) return;
    const res = await fetch(`/api/inferences/${id}`, { cache: "no-store" }).catch(() => null);
    if (res?.ok) window.location.reload();
  }, [id]);
  const connected = useLiveEvents(
    (e) => {
      if ("requestId" in e && String(e.requestId) === id) void look();
    },
    [...EVENTS],
    () => void look(),
  );
  useEffect(() => {
    if (id === null) return;
    const started = Date.now();
    const timer = setInterval(() => {
      if (Date.now() - started > LOOK_MS) {
        clearInterval(timer);
        setLooking(false);
      } else void look();
    }, 3_000);
    return () => clearInterval(timer);
  }, [id, look]);
  if (id === null) return null;
  return (
    <p className="text-xs text-muted-foreground" aria-live="polite" data-testid="await-indexed" data-connected={connected} data-looking={looking}>
      {looking ? `Watching for inference #${id}: this page shows it as soon as it is indexed.` : `Inference #${id} has not appeared. Reload to look again.`}
    </p>
  );
}
