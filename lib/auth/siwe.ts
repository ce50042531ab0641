/**
 * Sign-In with Ethereum (EIP-4361) with viem's helpers: the server issues a nonce, the wallet signs a
 * message naming this site, the configured chain and that nonce, and the server checks it all before
 * consuming the nonce (once) and opening a session.
 */
import { and, eq, gt, isNull, lt } from "drizzle-orm";
import type { Client } from "viem";
import { generateSiweNonce, parseSiweMessage, verifySiweMessage } from "viem/siwe";
import type { Hex } from "viem";
import type { Db } from "@/db/client";
import { authNonces } from "@/db/schema";
import { getChainConfig } from "@/lib/chain/config";
import { serverConfig } from "@/lib/config";
import { AppError } from "@/lib/errors";
import { SESSION_TTL_SECONDS, type Session } from "./session";

/** How long a nonce (and so the message signed with it) may wait before it is used. */
export const NONCE_TTL_SECONDS = 10 * 60;
/** Upper bound for a signed message's text (a SIWE message is a few hundred bytes). */
export const MAX_SIWE_MESSAGE_CHARS = 4000;

/** A sign-in refused (→ 401 `sign_in_<reason>`): `reason` for code, the message for a person. */
export class SignInError extends AppError {
  constructor(
    readonly reason: "malformed" | "domain" | "chain" | "expired" | "nonce" | "signature",
    message: string,
  ) {
    super(`sign_in_${reason}`, message, { reason: `sign_in_${reason}` });
  }
}

export async function issueNonce(db: Db, now = new Date()): Promise<{ nonce: string; expiresAt: Date }> {
  const nonce = generateSiweNonce();
  const expiresAt = new Date(now.getTime() + NONCE_TTL_SECONDS * 1000);
  // Old nonces are useless: drop them as new ones are issued (an hour of grace for clock skew).
  await db.delete(authNonces).where(lt(authNonces.expiresAt, new Date(now.getTime() - 3600_000)));
  await db.insert(authNonces).values({ nonce, createdAt: now, expiresAt });
  return { nonce, expiresAt };
}

export interface SignInExpectation {
  /**
   * The authorities (host[:port]) this site answers on; the message's domain must be one of them. A function is
   * asked only for a well-formed message (it may refuse: sign-in not configured).
   */
  domains: readonly string[] | (() => readonly string[]);
  /**
   * The configured chain (a message for another chain is refused) and a client on it that verifies the
   * signature (EOAs locally; smart accounts through ERC-1271/6492 calls). Read only for a well-formed message.
   */
  chain: () => { chainId: number; client: Client };
}

/** Checks a signed SIWE message and consumes its nonce; returns the session to open. */
export async function signIn(
  db: Db,
  input: { message: string; signature: Hex },
  expect: SignInExpectation,
  now = new Date(),
): Promise<Session> {
  const parsed = parseSiweMessage(input.message);
  if (!parsed.address || !parsed.nonce || !parsed.domain || parsed.chainId === undefined || !parsed.uri) {
    throw new SignInError("malformed", "The message is not a Sign-In with Ethereum message (EIP-4361).");
  }
  const domains = typeof expect.domains === "function" ? expect.domains() : expect.domains;
  if (!domains.includes(parsed.domain)) {
    throw new SignInError("domain", `The message is for ${parsed.domain}, not this site (${domains.join(", ")}). Sign in from this site.`);
  }
  const { chainId, client } = expect.chain();
  if (parsed.chainId !== chainId) {
    throw new SignInError("chain", `The message is for chain ${parsed.chainId}; Ledgerline runs on chain ${chainId}. Switch networks and sign in again.`);
  }
  if (parsed.expirationTime && parsed.expirationTime.getTime() <= now.getTime()) {
    throw new SignInError("expired", "The sign-in message has expired. Sign in again.");
  }
  if (parsed.notBefore && parsed.notBefore.getTime() > now.getTime()) {
    throw new SignInError("expired", "The sign-in message is not valid yet. Check your clock and sign in again.");
  }
  const valid = await verifySiweMessage(client, {
    message: input.message,
    signature: input.signature,
    domain: parsed.domain,
    nonce: parsed.nonce,
    time: now,
  }).catch(() => false);
  if (!valid) throw new SignInError("signature", `The signature does not match ${parsed.address}.`);

  // Consume the nonce: one UPDATE that only succeeds for an unused, unexpired nonce, whatever the process.
  const used = await db
    .update(authNonces)
    .set({ usedAt: now, usedBy: parsed.address.toLowerCase() })
    .where(and(eq(authNonces.nonce, parsed.nonce), isNull(authNonces.usedAt), gt(authNonces.expiresAt, now)))
    .returning({ nonce: authNonces.nonce });
  if (used.length === 0) {
    throw new SignInError("nonce", "This sign-in message was already used or its nonce expired (or was not issued here). Sign in again.");
  }
  return {
    address: parsed.address,
    chainId: parsed.chainId,
    issuedAt: now,
    expiresAt: new Date(now.getTime() + SESSION_TTL_SECONDS * 1000),
  };
}

/**
 * The authorities a sign-in may name: SIWE_DOMAIN (comma-separated) when set. Without it the request's Host
 * is believed only on the local chain (development); elsewhere a forged Host would let another site's
 * signatures in, so sign-in is refused until the operator sets SIWE_DOMAIN.
 */
export function expectedDomains(request: Request, isLocal = isLocalChain()): string[] {
  const configured = serverConfig().siweDomains;
  if (configured?.length) return [...configured];
  if (!isLocal) throw new AppError("service_unavailable", "Sign-in is not configured on this server: its operator must set SIWE_DOMAIN to the site's host.");
  return [request.headers.get("host") ?? new URL(request.url).host];
}

function isLocalChain(): boolean {
  try {
    return getChainConfig().isLocal;
  } catch {
    return false;
  }
}
