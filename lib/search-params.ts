import { z } from "zod";

/** Next page searchParams: each value may be a string, a repeated string[], or absent. */
export type RawSearchParams = Record<string, string | string[] | undefined>;

export function firstParam(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** A trimmed, length-capped free-text parameter ('' → undefined). */
export function textParam(v: string | string[] | undefined, max = 100): string | undefined {
  const s = firstParam(v)?.trim().slice(0, max);
  return s ? s : undefined;
}

/** One of `values`, else undefined (never throws on bad input). */
export function enumParam<const T extends readonly [string, ...string[]]>(
  v: string | string[] | undefined,
  values: T,
): T[number] | undefined {
  const parsed = z.enum(values).safeParse(firstParam(v));
  return parsed.success ? parsed.data : undefined;
}

/** Route ids: a positive decimal integer without sign, leading zeros or exponent. */
export const idParamSchema = z
  .string()
  .regex(/^[1-9][0-9]{0,14}$/)
  .transform(Number);

export function parseIdParam(v: string): number | null {
  const r = idParamSchema.safeParse(v);
  return r.success ? r.data : null;
}

/** Build "/path?a=1&b=2" from the non-empty entries. */
export function hrefWith(path: string, params: Record<string, string | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) qs.set(k, v);
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

/** An id in the query string (`?datanet=3`), else undefined (never throws on bad input). */
export function idSearchParam(v: string | string[] | undefined): number | undefined {
  const s = firstParam(v);
  return s === undefined ? undefined : (parseIdParam(s) ?? undefined);
}
