/**
 * The server's rate limits, shared by every web instance (lib/api/limiter.ts keeps the buckets in the
 * database). Who a caller is comes from the socket, or from X-Forwarded-For behind TRUST_PROXY only
 * (lib/api/client-address.ts).
 */
import { getDb } from "@/db/client";
import { serverConfig } from "@/lib/config";
import { clientAddress } from "./client-address";
import { takeToken, type LimitRule } from "./limiter";

export type LimitName = "paid-ip" | "paid-payer" | "auth-nonce" | "verify" | "build-ip" | "build-account" | "attestation" | "originality" | "forecast";

function rule(name: LimitName): LimitRule {
  const l = serverConfig().rateLimits;
  switch (name) {
    case "paid-ip":
      return { name, count: l.ipPerMinute, per: "minute", what: "address" };
    case "paid-payer":
      return { name, count: l.payerPerMinute, per: "minute", what: "payer" };
    case "auth-nonce":
      return { name, count: l.noncePerMinute, per: "minute", what: "address" };
    case "verify":
      return { name, count: l.verifyPerMinute, per: "minute", what: "address" };
    case "build-ip":
      return { name, count: l.buildsPerHour, per: "hour", burst: Math.min(5, l.buildsPerHour), what: "address" };
    case "build-account":
      return { name, count: l.buildsPerHour, per: "hour", burst: Math.min(5, l.buildsPerHour), what: "account" };
    case "attestation":
      return { name, count: l.attestationsPerMinute, per: "minute", what: "account" };
    case "originality":
      return { name, count: l.originalityPerMinute, per: "minute", what: "address" };
    case "forecast":
      return { name, count: l.forecastPerMinute, per: "minute", what: "address" };
  }
}

/** The caller's address as rate limits see it. */
export function clientIp(request: Request): string {
  return clientAddress(request, serverConfig().trustProxy);
}

/** Takes one request from `subject`'s budget under limit `name`, or throws 429 rate_limited. */
export async function limit(name: LimitName, subject: string): Promise<void> {
  await takeToken(await getDb(), rule(name), subject.toLowerCase());
}

/** The same, keyed by the caller's address. */
export async function limitRequest(name: LimitName, request: Request): Promise<void> {
  await limit(name, clientIp(request));
}
