import { NextResponse } from "next/server";
import type { z, ZodError, ZodType } from "zod";
import { AppError } from "@/lib/errors";
import { log, withRequest } from "@/lib/ops/log";
import { readJson } from "./body";
import { isZodSchema, type RawContent } from "./spec";

/**
 * What route() reads from a spec: schemas for params, query and body, and optionally a response schema
 * (encoded on the way out) — an EndpointSpec from lib/api/spec.ts, or just `{ query }` etc.
 */
export interface RouteSchemas {
  params?: ZodType;
  query?: ZodType;
  body?: ZodType | RawContent;
  response?: ZodType | RawContent;
  invalidParams?: 400 | 404;
  /** Success status of a handler result that is not a Response (default 200). */
  status?: 201 | 202;
  /** Error body shape: Ledgerline's `{ error }` (default) or OpenAI's `{ error: { message, type } }`. */
  errorFormat?: "ledgerline" | "openai";
}

type Parsed<S, K extends "params" | "query" | "body", Default> = S extends { [k in K]: infer T }
  ? T extends ZodType
    ? z.output<T>
    : Default
  : Default;

export interface RouteInput<S extends RouteSchemas> {
  request: Request;
  params: Parsed<S, "params", Record<string, never>>;
  query: Parsed<S, "query", Record<string, never>>;
  body: Parsed<S, "body", undefined>;
}

/** A handler returns a Response, or the domain value its response schema encodes (bigint, Date…). */
export type RouteResult<S extends RouteSchemas> = S extends { response: infer R }
  ? R extends ZodType
    ? z.output<R> | Response
    : Response
  : unknown;

function describeZodError(err: ZodError, where: string): string {
  return err.issues
    .map((i) => {
      const at = i.path.length ? `${where}.${i.path.join(".")}` : where;
      return `${at}: ${i.message}`;
    })
    .join("; ");
}

/** JSON with bigint amounts as decimal strings (wei): exact, never a JS number. */
export function json(data: unknown, init?: ResponseInit): NextResponse {
  const body = JSON.stringify(data, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  return new NextResponse(body, {
    ...init,
    headers: { "content-type": "application/json; charset=utf-8", ...(init?.headers ?? {}) },
  });
}

const OUR_FAULT = "Something went wrong on our side. Try again; if it persists, report it.";

/** Any AppError answers with its code's status and `{ error, reason, details? }`; anything else is our fault (500, logged). */
function errorResponse(err: unknown, format: "ledgerline" | "openai" = "ledgerline"): NextResponse {
  let e: AppError;
  if (err instanceof AppError) e = err;
  else {
    log("api").error({ err }, `unexpected error: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
    e = new AppError("internal", OUR_FAULT);
  }
  const retryAfter = (e.details as { retryAfter?: number } | undefined)?.retryAfter;
  const headers: Record<string, string> = retryAfter ? { "retry-after": String(retryAfter) } : {};
  if (format === "openai") {
    // OpenAI's error shape, so the `openai` client shows the message.
    const type = e.status >= 500 ? "server_error" : e.status === 429 ? "rate_limit_exceeded" : e.status === 402 ? "payment_required" : "invalid_request_error";
    return json({ error: { message: e.message, type, code: e.code, param: null } }, { status: e.status, headers });
  }
  return json(e.toBody(), { status: e.status, headers });
}

/** Query parameters as an object; empty values (`?limit=`) count as absent, like an unfilled form field. */
function queryObject(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (v !== "") out[k] = v;
  return out;
}

/**
 * The one wrapper every route handler goes through: parses params, query and body with zod, encodes the
 * result with the response schema, and maps errors to responses, so no handler repeats that code
 * (dub's pattern). Pass an endpoint from lib/api/endpoints/: the same object documents it in OpenAPI.
 */
/**
 * Text with a NUL character (U+0000) is refused at the edge: Postgres cannot store it in a text column, so it
 * would otherwise fail deep inside a handler (possibly after a payment) as a 500.
 */
function refuseNul(value: unknown, where: string, depth = 0): void {
  if (typeof value === "string") {
    if (value.includes("\u0000")) throw new AppError("bad_request", `The ${where} contains a NUL character (\\u0000), which text here may not hold.`);
  } else if (value && typeof value === "object" && depth < 64) {
    for (const [k, v] of Object.entries(value)) {
      refuseNul(k, where, depth + 1);
      refuseNul(v, where, depth + 1);
    }
  }
}

export function route<const S extends RouteSchemas>(
  schemas: S,
  handler: (input: RouteInput<S>) => Promise<RouteResult<S>>,
) {
  // Every request runs with a request id (lib/ops/log.ts): each log line it causes carries it, and the response
  // echoes it in X-Request-Id so a user's report can be matched to the logs.
  return (request: Request, ctx: { params: Promise<Record<string, string | string[]>> }): Promise<Response> =>
    withRequest(request, async ({ reqId, method, path }) => {
      const started = performance.now();
      const res = await handle(request, ctx);
      try {
        res.headers.set("x-request-id", reqId);
      } catch {
        /* immutable headers (a proxied Response): the id is still in the logs */
      }
      const ms = Math.round(performance.now() - started);
      const line = { method, path, status: res.status, ms };
      // 5xx answers are warnings here (the unexpected error itself is logged at error where it is caught); reads that
      // succeed are debug (pages poll and stream: at info they would drown the lines that matter), the rest info.
      const msg = `${method} ${path} → ${res.status}`;
      if (res.status >= 500) log("http").warn(line, msg);
      else if ((method === "GET" || method === "HEAD") && res.status < 400) log("http").debug(line, msg);
      else log("http").info(line, msg);
      return res;
    });

  async function handle(request: Request, ctx: { params: Promise<Record<string, string | string[]>> }): Promise<Response> {
    try {
      const rawParams = (await ctx?.params) ?? {};
      refuseNul(rawParams, "path");
      const params = schemas.params ? schemas.params.safeParse(rawParams) : { success: true as const, data: rawParams };
      if (!params.success) throw new AppError(schemas.invalidParams === 400 ? "bad_request" : "not_found", describeZodError(params.error, "path"));

      const url = new URL(request.url);
      const rawQuery = queryObject(url);
      refuseNul(rawQuery, "query");
      const query = schemas.query ? schemas.query.safeParse(rawQuery) : { success: true as const, data: rawQuery };
      if (!query.success) throw new AppError("bad_request", describeZodError(query.error, "query"));

      let body: unknown = undefined;
      if (isZodSchema(schemas.body)) {
        // Read under a byte cap before parsing: a huge or endless body is a 413, not memory.
        const raw = await readJson(request);
        refuseNul(raw, "body");
        const parsed = schemas.body.safeParse(raw);
        if (!parsed.success) throw new AppError("bad_request", describeZodError(parsed.error, "body"));
        body = parsed.data;
      }

      const result = await handler({ request, params: params.data, query: query.data, body } as RouteInput<S>);
      if (result instanceof Response) return result;
      // The response schema is a codec: bigint → decimal string, Date → ISO; a mismatch is our bug (500).
      return json(isZodSchema(schemas.response) ? schemas.response.encode(result) : result, { status: schemas.status ?? 200 });
    } catch (err) {
      return errorResponse(err, schemas.errorFormat);
    }
  }
}

/**
 * The JSON answer for a method a route does not serve. Needed where a client's URL normalisation can land a
 * request on a parent route (`POST /api/content/./attestation` arrives as `POST /api/content/attestation`, the
 * GET-only content route), which Next would answer with an empty 405.
 */
export function methodNotAllowed(...allowed: string[]) {
  return route({}, async ({ request }) => {
    throw new AppError("method_not_allowed", `${request.method} is not served at ${new URL(request.url).pathname}: it answers ${allowed.join(", ")} only.`);
  });
}
