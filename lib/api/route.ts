import { NextResponse } from "next/server";
import { z, ZodError, type ZodType } from "zod";
import { ContentError } from "@/lib/content/records";
import { AttributionError } from "@/lib/attribution/errors";
import { FactoryError } from "@/lib/factory/spec";
import { CursorError } from "@/lib/queries/pagination";
import { isZodSchema, type RawContent } from "./spec";

/** An error a person can act on; becomes a 4xx with its message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiError(404, `${what} was not found.`);

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

/** The status and message an error becomes; unknown errors are ours (500) and are logged. */
function describeError(err: unknown): { status: number; message: string; details?: unknown; code?: string } {
  if (err instanceof ApiError) {
    const reason = (err.details as { reason?: unknown } | undefined)?.reason;
    return { status: err.status, message: err.message, details: err.details, code: typeof reason === "string" ? reason : undefined };
  }
  if (err instanceof ContentError) return { status: 422, message: err.message };
  if (err instanceof CursorError) return { status: 400, message: err.message };
  if (err instanceof FactoryError) return { status: err.status, message: err.message };
  if (err instanceof AttributionError) return { status: 422, message: err.message };
  const coded = err as { status?: unknown; reason?: unknown; message?: unknown; expose?: unknown };
  // Domain errors of the paid path (PaymentError, InferenceFailed…) carry their own 4xx/5xx status.
  if (coded && typeof coded.status === "number" && coded.expose !== false && typeof coded.message === "string" && "reason" in coded) {
    return { status: coded.status, message: coded.message, code: String(coded.reason) };
  }
  console.error("[api] unexpected error", err);
  return { status: 500, message: "Something went wrong on our side. Try again; if it persists, report it." };
}

function errorResponse(err: unknown, format: "ledgerline" | "openai" = "ledgerline"): NextResponse {
  const e = describeError(err);
  const retryAfter = (e.details as { retryAfter?: number } | undefined)?.retryAfter;
  const headers: Record<string, string> = retryAfter ? { "retry-after": String(retryAfter) } : {};
  if (format === "openai") {
    // OpenAI's error shape, so the `openai` client shows the message.
    const type = e.status >= 500 ? "server_error" : e.status === 429 ? "rate_limit_exceeded" : e.status === 402 ? "payment_required" : "invalid_request_error";
    return json({ error: { message: e.message, type, code: e.code ?? null, param: null } }, { status: e.status, headers });
  }
  return json({ error: e.message, ...(e.code ? { reason: e.code } : {}), details: e.details }, { status: e.status, headers });
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
 * (dub's pattern). Pass an endpoint from lib/api/endpoints.ts: the same object documents it in OpenAPI.
 */
export function route<const S extends RouteSchemas>(
  schemas: S,
  handler: (input: RouteInput<S>) => Promise<RouteResult<S>>,
) {
  return async (request: Request, ctx: { params: Promise<Record<string, string | string[]>> }): Promise<Response> => {
    try {
      const rawParams = (await ctx?.params) ?? {};
      const params = schemas.params ? schemas.params.safeParse(rawParams) : { success: true as const, data: rawParams };
      if (!params.success) throw new ApiError(schemas.invalidParams ?? 404, describeZodError(params.error, "path"));

      const url = new URL(request.url);
      const rawQuery = queryObject(url);
      const query = schemas.query ? schemas.query.safeParse(rawQuery) : { success: true as const, data: rawQuery };
      if (!query.success) throw new ApiError(400, describeZodError(query.error, "query"));

      let body: unknown = undefined;
      if (isZodSchema(schemas.body)) {
        let raw: unknown;
        try {
          raw = await request.json();
        } catch {
          throw new ApiError(400, "The request body must be JSON.");
        }
        const parsed = schemas.body.safeParse(raw);
        if (!parsed.success) throw new ApiError(400, describeZodError(parsed.error, "body"));
        body = parsed.data;
      }

      const result = await handler({ request, params: params.data, query: query.data, body } as RouteInput<S>);
      if (result instanceof Response) return result;
      // The response schema is a codec: bigint → decimal string, Date → ISO; a mismatch is our bug (500).
      return json(isZodSchema(schemas.response) ? schemas.response.encode(result) : result);
    } catch (err) {
      return errorResponse(err, schemas.errorFormat);
    }
  };
}
