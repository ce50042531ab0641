/**
 * "Post an epoch now" for a route handler (e.g. POST /api/settlement/epoch): runs the server's epoch job
 * (lib/settlement/runtime.ts) at once. This is how `npm run epoch` reaches a running stack whose embedded
 * database (PGlite) only the server process may open.
 *
 * Who may call it: with EPOCH_TRIGGER_TOKEN set, requests carrying `Authorization: Bearer <token>`;
 * without it, anyone on the local chain only (the operator's anvil account pays the gas, and a run posts
 * nothing when nothing is new).
 */
import { timingSafeEqual } from "node:crypto";
import { getChainConfig } from "@/lib/chain/config";
import { parseConfig, serverConfig, type Env } from "@/lib/config";
import { AppError } from "@/lib/errors";
import type { EpochRun } from "./job";
import { startSettlementJob } from "./runtime";

export function authorizeEpochTrigger(request: Request, env?: Env, isLocal?: boolean): void {
  const token = (env ? parseConfig(env) : serverConfig()).epochTriggerToken;
  if (token) {
    const given = /^Bearer\s+(.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1] ?? "";
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    if (a.length !== b.length || !timingSafeEqual(a, b)) throw new AppError("unauthorized", "Posting an epoch needs Authorization: Bearer <EPOCH_TRIGGER_TOKEN>.");
    return;
  }
  if (!(isLocal ?? getChainConfig().isLocal)) {
    throw new AppError("forbidden", "Set EPOCH_TRIGGER_TOKEN on the server to allow posting epochs over HTTP on this chain.");
  }
}

/** Authorizes, then runs the epoch job now and returns what it did (bigint amounts). */
export async function triggerEpoch(request: Request): Promise<EpochRun> {
  authorizeEpochTrigger(request);
  const job = await startSettlementJob();
  return job.runNow();
}
