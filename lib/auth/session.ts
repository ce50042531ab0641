/**
 * The signed-in session: a stateless cookie `<payload>.<hmac>` (base64url JSON + HMAC-SHA256). The key is
 * SESSION_SECRET, or a random secret generated once and kept in the database (auth_secrets), so restarts
 * and every process on the same database accept the same cookies.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { eq } from "drizzle-orm";
import { getAddress, isAddress, type Address } from "viem";
import type { Db } from "@/db/client";
import { authSecrets } from "@/db/schema";
import { serverConfig } from "@/lib/config";
import { processSlot } from "@/lib/singleton";

export const SESSION_COOKIE = "ledgerline_session";
/** How long a sign-in lasts. */
export const SESSION_TTL_SECONDS = 7 * 24 * 3600;

export interface Session {
  address: Address;
  chainId: number;
  issuedAt: Date;
  expiresAt: Date;
}

interface Payload {
  v: 1;
  a: string;
  c: number;
  iat: number;
  exp: number;
}

const b64 = (buf: Buffer | string) => Buffer.from(buf).toString("base64url");
const mac = (secret: string, data: string) => createHmac("sha256", secret).update(data).digest();

export function encodeSession(session: Session, secret: string): string {
  const payload: Payload = {
    v: 1,
    a: session.address.toLowerCase(),
    c: session.chainId,
    iat: Math.floor(session.issuedAt.getTime() / 1000),
    exp: Math.floor(session.expiresAt.getTime() / 1000),
  };
  const body = b64(JSON.stringify(payload));
  return `${body}.${b64(mac(secret, body))}`;
}

/** The session a cookie value carries, or null when it is malformed, tampered with or expired. */
export function decodeSession(value: string | undefined | null, secret: string, now = new Date()): Session | null {
  if (!value || value.length > 1000) return null;
  const [body, sig, extra] = value.split(".");
  if (!body || !sig || extra !== undefined) return null;
  const expected = mac(secret, body);
  const given = Buffer.from(sig, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let p: Payload;
  try {
    p = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as Payload;
  } catch {
    return null;
  }
  if (p?.v !== 1 || typeof p.a !== "string" || !isAddress(p.a) || !Number.isInteger(p.c) || !Number.isInteger(p.exp)) return null;
  if (p.exp * 1000 <= now.getTime()) return null;
  return { address: getAddress(p.a), chainId: p.c, issuedAt: new Date(p.iat * 1000), expiresAt: new Date(p.exp * 1000) };
}

const generatedSecret = processSlot<{ db: Db; secret: Promise<string> }>("sessionSecret");

/** The HMAC key: SESSION_SECRET, else the database's generated one (created by whichever process is first). */
export function sessionSecret(db: Db): Promise<string> {
  const fromEnv = serverConfig().sessionSecret;
  if (fromEnv) return Promise.resolve(fromEnv);
  const cached = generatedSecret.get();
  if (cached?.db === db) return cached.secret;
  const secret = (async () => {
    await db.insert(authSecrets).values({ name: "session", secret: randomBytes(32).toString("base64url") }).onConflictDoNothing();
    const [row] = await db.select({ secret: authSecrets.secret }).from(authSecrets).where(eq(authSecrets.name, "session"));
    return row.secret;
  })();
  generatedSecret.set({ db, secret });
  secret.catch(() => {
    if (generatedSecret.get()?.secret === secret) generatedSecret.set(undefined);
  });
  return secret;
}

function cookieValue(request: Request, name: string): string | undefined {
  const header = request.headers.get("cookie");
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eqAt = part.indexOf("=");
    if (eqAt < 0) continue;
    if (part.slice(0, eqAt).trim() === name) return part.slice(eqAt + 1).trim();
  }
  return undefined;
}

/** The request's valid session, or null. */
export async function readSession(db: Db, request: Request, now = new Date()): Promise<Session | null> {
  const value = cookieValue(request, SESSION_COOKIE);
  if (!value) return null;
  return decodeSession(value, await sessionSecret(db), now);
}

/** `Secure` only over https (plain-http localhost would otherwise drop the cookie). */
function isHttps(request: Request): boolean {
  const forwarded = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim();
  return (forwarded ?? new URL(request.url).protocol.replace(":", "")) === "https";
}

export function sessionCookie(request: Request, value: string, maxAgeSeconds: number): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${maxAgeSeconds}`,
    ...(isHttps(request) ? ["Secure"] : []),
  ].join("; ");
}

export function clearSessionCookie(request: Request): string {
  return sessionCookie(request, "", 0);
}
