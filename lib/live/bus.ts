/**
 * Live updates from the indexer to every web process: an in-process emitter on PGlite (one process owns
 * the database), Postgres LISTEN/NOTIFY when DATABASE_URL is set (any number of web instances).
 */
import { EventEmitter } from "node:events";
import postgres from "postgres";
import { serverConfig } from "@/lib/config";
import { singleton } from "@/lib/singleton";
import type { LiveEvent } from "./events";

export const LIVE_CHANNEL = "ledgerline_live";

type Listener = (events: LiveEvent[]) => void;

const state = singleton<{ emitter: EventEmitter; listening?: Promise<void>; notifier?: postgres.Sql }>("live", () => ({
  emitter: new EventEmitter().setMaxListeners(0),
}));

const usesPostgres = () => Boolean(serverConfig().databaseUrl);

// NOTIFY payloads are capped at 8,000 bytes: send events in chunks that fit.
function chunks(events: LiveEvent[]): LiveEvent[][] {
  const out: LiveEvent[][] = [];
  let cur: LiveEvent[] = [];
  let size = 2;
  for (const e of events) {
    const s = JSON.stringify(e).length + 1;
    if (cur.length && size + s > 7_000) {
      out.push(cur);
      cur = [];
      size = 2;
    }
    cur.push(e);
    size += s;
  }
  if (cur.length) out.push(cur);
  return out;
}

/** Called by the indexer after a commit. */
export async function publishLive(events: LiveEvent[]): Promise<void> {
  if (events.length === 0) return;
  if (!usesPostgres()) {
    state.emitter.emit("live", events);
    return;
  }
  state.notifier ??= postgres(serverConfig().databaseUrl!, { max: 1, onnotice: () => {} });
  for (const part of chunks(events)) await state.notifier.notify(LIVE_CHANNEL, JSON.stringify(part));
}

/** Subscribes to live events; returns the unsubscribe function. */
export function subscribeLive(listener: Listener): () => void {
  if (usesPostgres() && !state.listening) {
    const sql = postgres(serverConfig().databaseUrl!, { max: 1, onnotice: () => {} });
    state.listening = sql
      .listen(LIVE_CHANNEL, (payload) => {
        try {
          state.emitter.emit("live", JSON.parse(payload) as LiveEvent[]);
        } catch {
          /* a malformed payload is not ours */
        }
      })
      .then(() => undefined);
  }
  state.emitter.on("live", listener);
  return () => state.emitter.off("live", listener);
}
