/**
 * Typed fetch for the browser over the endpoint specs of lib/api/endpoints/: the path picks the spec, the spec
 * types the path parameters, the query and the answer. The answer is the WIRE form, the input side of the
 * response codec (`z.input`): wei as decimal strings, times as ISO strings, exactly what the server encoded.
 *
 * Browser-safe: the specs are imported as types only. Their module imports server code (lib/queries reads the
 * database), so importing the spec values here would pull that into the client bundle.
 */
import { isHex, type Hex } from "viem";
import type { z } from "zod";
import type * as api from "@/lib/api/endpoints";
import type { EndpointSpec } from "@/lib/api/spec";
import { errorCodeOf, type ErrorCode } from "@/lib/errors";

type Spec = Extract<(typeof api)[keyof typeof api], EndpointSpec>;
type JsonSpec = Extract<Spec, { response: z.ZodType }>;

/** The paths of the endpoints that answer JSON to `method`. */
export type ApiPath<M extends EndpointSpec["method"] = "GET"> = Extract<JsonSpec, { method: M }>["path"];
/** The spec of the endpoint at `path` answering `method`. */
export type SpecAt<P extends string, M extends EndpointSpec["method"] = "GET"> = Extract<JsonSpec, { method: M; path: P }>;

/** What an endpoint answers on the wire (the input side of its response codec). */
export type Wire<S> = S extends { response: infer R extends z.ZodType } ? z.input<R> : never;
/** One item of a paginated endpoint's answer. */
export type WireItem<S> = Wire<S> extends { items: readonly (infer I)[] } ? I : never;

type QueryValue = string | number | boolean | null | undefined;
type Params<S> = S extends { params: infer P extends z.ZodType } ? { params: { [K in keyof z.input<P>]: string | number } } : { params?: never };
type Query<S> = S extends { query: infer Q extends z.ZodType } ? { query?: { [K in keyof z.input<Q>]?: QueryValue } } : { query?: never };
type Body<S> = S extends { body: infer B extends z.ZodType } ? { body: z.input<B> } : { body?: never };

interface Options {
  /** What the request does, for the message when the server gives none: "<what> failed (HTTP 500)." */
  what?: string;
  signal?: AbortSignal;
}

/** The URL of `path` with its `{name}` segments filled in and the query's set values appended. */
export function apiUrl(path: string, params: Record<string, string | number> = {}, query: Record<string, QueryValue> = {}): string {
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (params[name] === undefined) throw new Error(`${path}: missing path parameter ${name}`);
    return encodeURIComponent(String(params[name]));
  });
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") qs.set(k, String(v));
  const s = qs.toString();
  return s ? `${filled}?${s}` : filled;
}

/** A refusal by the API: its message, HTTP status and machine code (`reason`), for callers that switch on it. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    message: string,
    readonly status: number,
    readonly reason?: ErrorCode,
  ) {
    super(message);
  }
}

/** The answer's JSON, or an ApiError with the API's own message (`{ error }`), else the status. */
async function readAnswer<T>(res: Response, what?: string): Promise<T> {
  const body = (await res.json().catch(() => null)) as (T & { error?: string }) | null;
  if (!res.ok) {
    throw new ApiError(body?.error ?? (what ? `${what} failed (HTTP ${res.status}).` : `${res.status} ${res.statusText}`), res.status, errorCodeOf(body));
  }
  return body as T;
}

/** The input is optional only for endpoints without path parameters. */
type GetArgs<S> = S extends { params: z.ZodType } ? [input: Params<S> & Query<S> & Options] : [input?: Query<S> & Options];

/** GET an endpoint (never cached: the live stream decides when to refetch). */
export async function apiGet<P extends ApiPath<"GET">>(path: P, ...[input]: GetArgs<SpecAt<P>>): Promise<Wire<SpecAt<P>>> {
  const { params, query, what, signal } = (input ?? {}) as { params?: Record<string, string | number>; query?: Record<string, QueryValue> } & Options;
  const res = await fetch(apiUrl(path, params, query), { cache: "no-store", signal });
  return readAnswer(res, what);
}

/** POST a JSON body to an endpoint. */
export async function apiPost<P extends ApiPath<"POST">>(
  path: P,
  input: Params<SpecAt<P, "POST">> & Body<SpecAt<P, "POST">> & Options,
): Promise<Wire<SpecAt<P, "POST">>> {
  const { params, body, what, signal } = input as { params?: Record<string, string | number>; body?: unknown } & Options;
  const res = await fetch(apiUrl(path, params), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal,
  });
  return readAnswer(res, what);
}

/** A hash or address from the wire (0x-hex strings) as viem's Hex, for contract calls. */
export function wireHex(s: string): Hex {
  if (!isHex(s)) throw new Error(`expected 0x-hex from the API, got ${JSON.stringify(s)}`);
  return s;
}
