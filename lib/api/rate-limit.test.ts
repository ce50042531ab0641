import { describe, expect, it } from "vitest";
import { clientIp, RateLimiter } from "./rate-limit";
import { AppError } from "@/lib/errors";

describe("RateLimiter", () => {
  it("allows a burst, then refuses with a 429 that says when to retry, and refills over time", () => {
    const limiter = new RateLimiter(60, 3);
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) limiter.take("0xabc", "payer", t0);
    let refused: unknown;
    try {
      limiter.take("0xabc", "payer", t0);
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe("rate_limited");
    expect((refused as AppError).status).toBe(429);
    expect((refused as AppError).details).toEqual({ retryAfter: 1 });
    expect((refused as AppError).message).toMatch(/at most 60 per minute\. Retry in 1 s/);
    // Another key has its own bucket; one second later one more request fits.
    expect(() => limiter.take("0xdef", "payer", t0)).not.toThrow();
    expect(() => limiter.take("0xabc", "payer", t0 + 1_000)).not.toThrow();
    expect(() => limiter.take("0xabc", "payer", t0 + 1_000)).toThrow(/Too many requests/);
  });

  it("keys clients by the proxy's forwarded address", () => {
    expect(clientIp(new Request("http://x", { headers: { "x-forwarded-for": "203.0.113.7, 10.0.0.1" } }))).toBe("203.0.113.7");
    expect(clientIp(new Request("http://x"))).toBe("local");
  });
});
