/**
 * Token buckets per key (payer address, client IP) for the paid routes. In memory, per process: with
 * several web instances each enforces its own budget — enough against a runaway client, not a quota system.
 */
import { AppError } from "@/lib/errors";

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

const envInt = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};

const LIMITS = Symbol.for("ledgerline.rateLimits");
type WithLimits = typeof globalThis & { [LIMITS]?: { ip: RateLimiter; payer: RateLimiter } };

/** Paid-route limits: RATE_LIMIT_IP_PER_MINUTE (default 120), RATE_LIMIT_PAYER_PER_MINUTE (default 60). */
export function paidRouteLimits(): { ip: RateLimiter; payer: RateLimiter } {
  const g = globalThis as WithLimits;
  g[LIMITS] ??= {
    ip: new RateLimiter(envInt("RATE_LIMIT_IP_PER_MINUTE", 120)),
    payer: new RateLimiter(envInt("RATE_LIMIT_PAYER_PER_MINUTE", 60)),
  };
  return g[LIMITS];
}

/** The client's address as the proxy in front reports it, else a fixed key (direct local connections). */
export function clientIp(request: Request): string {
  const forwarded = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded || request.headers.get("x-real-ip") || "local";
}
