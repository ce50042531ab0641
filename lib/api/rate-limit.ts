/**
 * Token buckets per key (payer address, client IP) for the paid routes. In memory, per process: with
 * several web instances each enforces its own budget — enough against a runaway client, not a quota system.
 */
import { serverConfig } from "@/lib/config";
import { AppError } from "@/lib/errors";
import { singleton } from "@/lib/singleton";

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly perMinute: number,
    readonly burst: number = perMinute,
  ) {}

  /** Takes one token for `key`, or throws a 429 that says when to retry. */
  take(key: string, what: string, now = Date.now()): void {
    const rate = this.perMinute / 60_000;
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + (now - b.at) * rate);
    b.at = now;
    if (b.tokens < 1) {
      const wait = Math.ceil((1 - b.tokens) / rate / 1000);
      this.buckets.set(key, b);
      throw new AppError("rate_limited", `Too many requests from this ${what}: at most ${this.perMinute} per minute. Retry in ${wait} s.`, { retryAfter: wait });
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    if (this.buckets.size > 50_000) this.prune(now);
  }

  private prune(now: number) {
    for (const [k, b] of this.buckets) if (now - b.at > 120_000) this.buckets.delete(k);
  }
}

/** Paid-route limits: RATE_LIMIT_IP_PER_MINUTE (default 120), RATE_LIMIT_PAYER_PER_MINUTE (default 60). */
export function paidRouteLimits(): { ip: RateLimiter; payer: RateLimiter } {
  return singleton("rateLimits", () => {
    const { ipPerMinute, payerPerMinute } = serverConfig().rateLimits;
    return { ip: new RateLimiter(ipPerMinute), payer: new RateLimiter(payerPerMinute) };
  });
}

/** The client's address as the proxy in front reports it, else a fixed key (direct local connections). */
export function clientIp(request: Request): string {
  const forwarded = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded || request.headers.get("x-real-ip") || "local";
}
