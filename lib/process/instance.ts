/**
 * This process as a web instance of a shared database: a random id and a heartbeat row in `web_instances`.
 * A payment channel holds one request at a time; the reservation names the instance that made it, and when that
 * instance stops beating (killed mid-request) every other instance — or the same server restarted — treats the
 * reservation as void at once instead of answering 409 channel_busy until it expires (up to 5 minutes).
 */
import { randomUUID } from "node:crypto";
import { lt, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { webInstances } from "@/db/schema";
import { singleton } from "@/lib/singleton";

/** How often an instance beats. */
export const HEARTBEAT_MS = 5_000;
/** An instance that has not beaten for this long is dead (several missed beats: a busy event loop is not a death). */
export const DEAD_AFTER_MS = 20_000;

const state = singleton("process.instance", () => ({ id: randomUUID(), beating: new WeakMap<Db, NodeJS.Timeout>() }));

/** This process's instance id. */
export function instanceId(): string {
  return state.id;
}

/** Records a beat of instance `id` now. */
export async function beat(db: Db, id = instanceId()): Promise<void> {
  await db
    .insert(webInstances)
    .values({ id, heartbeatAt: sql`clock_timestamp()` })
    .onConflictDoUpdate({ target: webInstances.id, set: { heartbeatAt: sql`clock_timestamp()` } });
}

/** SQL: whether the instance named by `column` is alive (beat within DEAD_AFTER_MS). */
export function instanceAlive(column: unknown) {
  return sql<boolean>`exists (select 1 from ${webInstances} where ${webInstances.id} = ${column} and ${webInstances.heartbeatAt} > clock_timestamp() - make_interval(secs => ${DEAD_AFTER_MS / 1000}))`;
}

/**
 * Beats for this process on `db` from now on (once per database; the timer does not keep the process alive).
 * Rows of instances dead for a day are removed on the way.
 */
export async function startHeartbeat(db: Db): Promise<void> {
  if (state.beating.has(db)) return;
  const timer = setInterval(() => {
    void beat(db).catch(() => {}); // a missed beat is only a later one
  }, HEARTBEAT_MS);
  timer.unref();
  state.beating.set(db, timer);
  await beat(db);
  await db.delete(webInstances).where(lt(webInstances.heartbeatAt, new Date(Date.now() - 86_400_000)));
}

/** Stops this process's beats on `db` (a test closing its database). */
export function stopHeartbeat(db: Db): void {
  clearInterval(state.beating.get(db));
  state.beating.delete(db);
}
