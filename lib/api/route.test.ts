import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { AttributionError } from "@/lib/attribution/errors";
import { ContentError } from "@/lib/content/records";
import { AppError } from "@/lib/errors";
import { FactoryError } from "@/lib/factory/spec";
import { CursorError } from "@/lib/queries/pagination";
import { recentProblems } from "@/lib/ops/log";
import { route } from "./route";

const ctx = { params: Promise.resolve({}) };

async function answer(handler: () => Promise<unknown>, schemas: Parameters<typeof route>[0] = {}) {
  const res = await route(schemas, handler)(new Request("http://x/api/thing"), ctx);
  return { status: res.status, headers: res.headers, body: await res.json() };
}
const throwing = (err: unknown) => () => Promise.reject(err);

describe("route() errors", () => {
  afterEach(() => vi.restoreAllMocks());

  it("answers any AppError with its code's status and { error, reason, details? }", async () => {
    expect(await answer(throwing(new AppError("not_found", "Datanet 9 was not found.")))).toMatchObject({
      status: 404,
      body: { error: "Datanet 9 was not found.", reason: "not_found" },
    });
    const refunded = await answer(throwing(new AppError("refunded", "Refunded.", { refundTx: "0xab" })));
    expect(refunded.status).toBe(502);
    expect(refunded.body).toEqual({ error: "Refunded.", reason: "refunded", details: { refundTx: "0xab" } });
  });

  it("sends retry-after from details.retryAfter", async () => {
    const res = await answer(throwing(new AppError("rate_limited", "Slow down.", { retryAfter: 3 })));
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("3");
    expect(res.body).toEqual({ error: "Slow down.", reason: "rate_limited", details: { retryAfter: 3 } });
  });

  it("keeps each domain error's status and message", async () => {
    const cases: [unknown, number, string][] = [
      [new ContentError("The upload is empty."), 422, "invalid_content"],
      [new CursorError("query.cursor: bad."), 400, "invalid_cursor"],
      [new FactoryError("Datanet 9 was not found.", 404), 404, "not_found"],
      [new FactoryError("Wait for the indexer.", 409), 409, "conflict"],
      [new FactoryError("No contributions."), 422, "unprocessable"],
      [new AttributionError("The corpus is empty."), 422, "unprocessable"],
    ];
    for (const [err, status, reason] of cases) {
      const res = await answer(throwing(err));
      expect(res.status).toBe(status);
      expect(res.body).toEqual({ error: (err as Error).message, reason });
    }
  });

  it("answers anything else with a logged 500 that gives nothing away", async () => {
    const res = await answer(throwing(new Error("connection refused at 10.0.0.3")));
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: "Something went wrong on our side. Try again; if it persists, report it.", reason: "internal" });
    // Logged (with the request id the response carries), not shown.
    const reqId = res.headers.get("x-request-id");
    expect(reqId).toMatch(/^[0-9a-f-]{36}$/);
    expect(recentProblems().filter((p) => p.reqId === reqId && p.msg.includes("connection refused at 10.0.0.3"))).toHaveLength(1);
  });

  it("answers in OpenAI's shape for errorFormat openai", async () => {
    const res = await answer(throwing(new AppError("payment_required", "Pay first.")), { errorFormat: "openai" });
    expect(res.status).toBe(402);
    expect(res.body).toEqual({ error: { message: "Pay first.", type: "payment_required", code: "payment_required", param: null } });
  });

  it("refuses malformed input with bad_request (or not_found for a path id)", async () => {
    const query = await route({ query: z.object({ n: z.coerce.number() }) }, async () => ({}))(new Request("http://x/?n=abc"), ctx);
    expect(query.status).toBe(400);
    expect(await query.json()).toMatchObject({ reason: "bad_request" });
    const params = await route({ params: z.object({ id: z.coerce.number().positive() }) }, async () => ({}))(new Request("http://x/"), {
      params: Promise.resolve({ id: "-1" }),
    });
    expect(params.status).toBe(404);
    expect(await params.json()).toMatchObject({ reason: "not_found" });
  });
});

describe("route() success status", () => {
  it("answers a spec's 201/202 for a plain result, 200 otherwise", async () => {
    const response = z.object({ at: z.codec(z.iso.datetime(), z.date(), { decode: (s) => new Date(s), encode: (d) => d.toISOString() }) });
    const at = new Date("2025-01-31T00:00:00.000Z");
    const created = await route({ response, status: 201 }, async () => ({ at }))(new Request("http://x/"), ctx);
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ at: "2025-01-31T00:00:00.000Z" });
    expect((await route({ response, status: 202 }, async () => ({ at }))(new Request("http://x/"), ctx)).status).toBe(202);
    expect((await route({ response }, async () => ({ at }))(new Request("http://x/"), ctx)).status).toBe(200);
  });
});

describe("route() bodies", () => {
  const schemas = { body: z.object({ prompt: z.string() }) };
  let handled = 0;
  const handler = async () => {
    handled++;
    return { ok: true };
  };

  it("refuses a 96 MiB chunked body with 413 after reading at most the cap, and never calls the handler", async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (pulled++ >= 96 * 1024) return c.close();
        c.enqueue(new TextEncoder().encode(`{"prompt":"${"x".repeat(1_000)}`.slice(0, 1_024)));
      },
    });
    const res = await route(schemas, handler)(new Request("http://x/api/thing", { method: "POST", body, duplex: "half" } as RequestInit), ctx);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toMatch(/larger than 65,536 bytes/);
    expect(pulled).toBeLessThan(70);
    expect(handled).toBe(0);
  });

  it("refuses a declared oversized body without reading it, and malformed JSON with 400", async () => {
    const big = await route(schemas, handler)(new Request("http://x/", { method: "POST", body: "{}", headers: { "content-length": String(96 * 1024 * 1024) } }), ctx);
    expect(big.status).toBe(413);
    const bad = await route(schemas, handler)(new Request("http://x/", { method: "POST", body: "{nope" }), ctx);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe("The request body must be JSON.");
    expect(handled).toBe(0);
  });
});

describe("addresses no route serves", () => {
  it("answer the API's JSON 404 (OpenAI's shape under /v1), never the site's HTML page", async () => {
    const api = await import("@/app/api/[...path]/route");
    const v1 = await import("@/app/v1/[...path]/route");
    const params = { params: Promise.resolve({ path: ["earnings.csv"] }) };
    const res = await api.GET(new Request("http://x/api/earnings.csv"), params);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ reason: "not_found", error: expect.stringMatching(/no API route at \/api\/earnings\.csv/) });
    const posted = await api.POST(new Request("http://x/api/nope", { method: "POST", body: "{}" }), params);
    expect(posted.status).toBe(404);
    const openai = await v1.GET(new Request("http://x/v1/engines"), params);
    expect(openai.status).toBe(404);
    expect(((await openai.json()) as { error: { message: string } }).error.message).toMatch(/no OpenAI-compatible route/);
  });
});

describe("a method a route does not serve", () => {
  it("answers a JSON 405 where URL normalisation lands a POST on a GET-only parent (POST /api/content/./attestation)", async () => {
    const content = await import("@/app/api/content/[hash]/route");
    const model = await import("@/app/api/models/[id]/route");
    for (const [handler, url, id] of [
      [content.POST, "http://x/api/content/attestation", { hash: "attestation" }],
      [model.POST, "http://x/api/models/inference", { id: "inference" }],
    ] as const) {
      const res = await handler(new Request(url, { method: "POST", body: "{}" }), { params: Promise.resolve(id) } as never);
      expect(res.status).toBe(405);
      expect(await res.json()).toMatchObject({ reason: "method_not_allowed", error: expect.stringMatching(/POST is not served at .*: it answers GET only\./) });
    }
  });
});

describe("NUL characters", () => {
  it("are refused with 400 in the path, the query and JSON bodies, before any handler runs (Postgres text cannot hold them)", async () => {
    let handled = 0;
    const handler = async () => {
      handled++;
      return { ok: true };
    };
    const schemas = { body: z.object({ prompt: z.string() }) };
    const inQuery = await route({}, handler)(new Request("http://x/api/datanets?tag=%00"), ctx);
    expect(inQuery.status).toBe(400);
    expect(((await inQuery.json()) as { error: string }).error).toMatch(/query contains a NUL character/);
    const inPath = await route({}, handler)(new Request("http://x/api/datanets/a"), { params: Promise.resolve({ id: "1\u0000" }) });
    expect(inPath.status).toBe(400);
    const inBody = await route(schemas, handler)(new Request("http://x/", { method: "POST", body: JSON.stringify({ prompt: "a\u0000b" }) }), ctx);
    expect(inBody.status).toBe(400);
    expect(handled).toBe(0);
  });
});
