/**
 * What route handlers use: the configured chain for sign-in, and the session an action requires.
 */
import type { Client } from "viem";
import type { Db } from "@/db/client";
import { publicClientFor } from "@/lib/chain/clients";
import { getChainConfig } from "@/lib/chain/config";
import { AppError } from "@/lib/errors";
import { readSession, type Session } from "./session";

const clients = new Map<string, Client>();

/** The configured chain's id and a client to verify signatures with (smart accounts need the chain). */
export function signInChain(): { chainId: number; client: Client } {
  let cfg;
  try {
    cfg = getChainConfig();
  } catch (err) {
    throw new AppError("service_unavailable", `Sign-in is unavailable: ${(err as Error).message}`);
  }
  const key = `${cfg.chainId}@${cfg.rpcUrl}`;
  let client = clients.get(key);
  if (!client) clients.set(key, (client = publicClientFor(cfg)));
  return { chainId: cfg.chainId, client };
}

/** The signed-in session, or a 401 that says how to get one. `action` completes "Sign in with your wallet to …". */
export async function requireSession(db: Db, request: Request, action: string): Promise<Session> {
  const session = await readSession(db, request);
  if (!session) {
    throw new AppError("sign_in_required", `Sign in with your wallet to ${action}: your session is missing or has expired. Nothing was stored.`, {
      reason: "sign_in_required",
    });
  }
  return session;
}
