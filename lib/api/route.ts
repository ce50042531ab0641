import { NextResponse } from "next/server";
import { z, ZodError, type ZodType } from "zod";
import { ContentError } from "@/lib/content/records";

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

interface RouteSchemas<P extends ZodType, Q extends ZodType, B extends ZodType> {
  params?: P;
  query?: Q;
  body?: B;
}

interface RouteInput<P extends ZodType, Q extends ZodType, B extends ZodType> {
  request: Request;
  params: z.infer<P>;
  query: z.infer<Q>;
  body: z.infer<B>;
}

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

function errorResponse(err: unknown): NextResponse {
  if (err instanceof ApiError) return json({ error: err.message, details: err.details }, { status: err.status });
  if (err instanceof ContentError) return json({ error: err.message }, { status: 422 });
  console.error("[api] unexpected error", err);
  return json({ error: "Something went wrong on our side. Try again; if it persists, report it." }, { status: 500 });
}

/**
 * The one wrapper every route handler goes through: parses params, query and body with zod and maps
 * errors to responses, so no handler repeats that code (dub's pattern).
 */
export function route<P extends ZodType = ZodType<Record<string, never>>, Q extends ZodType = ZodType<Record<string, never>>, B extends ZodType = ZodType<undefined>>(
  schemas: RouteSchemas<P, Q, B>,
  handler: (input: RouteInput<P, Q, B>) => Promise<Response | unknown>,
) {
  return async (request: Request, ctx: { params: Promise<Record<string, string | string[]>> }): Promise<Response> => {
    try {
      const rawParams = (await ctx?.params) ?? {};
      const params = schemas.params ? schemas.params.safeParse(rawParams) : { success: true as const, data: rawParams };
      if (!params.success) throw new ApiError(404, describeZodError(params.error, "path"));

      const url = new URL(request.url);
      const rawQuery = Object.fromEntries(url.searchParams.entries());
      const query = schemas.query ? schemas.query.safeParse(rawQuery) : { success: true as const, data: rawQuery };
      if (!query.success) throw new ApiError(400, describeZodError(query.error, "query"));

      let body: unknown = undefined;
      if (schemas.body) {
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

      const result = await handler({ request, params: params.data, query: query.data, body } as RouteInput<P, Q, B>);
      return result instanceof Response ? result : json(result);
    } catch (err) {
      return errorResponse(err);
    }
  };
}

// Shared zod pieces for the edge.
export const idParam = z.coerce
  .number({ error: "must be a number" })
  .int("must be a whole number")
  .positive("must be a positive id")
  .max(Number.MAX_SAFE_INTEGER, "is too large");
export const hashParam = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex hash")
  .transform((s) => s.toLowerCase());
