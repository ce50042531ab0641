/**
 * The API's single source of truth: each endpoint is one `endpoint({...})` object holding its method, path,
 * summary and zod schemas (params, query, body, response). `route()` parses requests and encodes responses
 * with these schemas, and `GET /api/openapi.json` renders the same objects with zod's `z.toJSONSchema`.
 *
 * Response schemas describe the wire form with codecs: handlers return domain values (bigint wei, Date)
 * and `route()` encodes them (`schema.encode`) into decimal strings and ISO timestamps, checking the shape
 * on the way out. The JSON Schema is generated for the input side of each codec, i.e. the wire.
 */
import { isAddress } from "viem";
import { z } from "zod";
import { BUCKETS, ceilTo, floorTo, type Bucket } from "@/lib/queries/series";

/** Schemas that become `#/components/schemas/<id>` in the OpenAPI document. */
export const apiSchemas = z.registry<{ id: string }>();

/** Registers a schema as a named OpenAPI component. */
export function named<T extends z.ZodType>(id: string, schema: T): T {
  // A re-evaluated module (dev hot reload) re-registers its ids: the newest schema wins.
  const previous = apiSchemas._idmap.get(id);
  if (previous) apiSchemas.remove(previous);
  apiSchemas.add(schema, { id });
  return schema;
}

/** Non-JSON content (a request or response body that is not described by a zod schema). */
export interface RawContent {
  contentType: string;
  description: string;
}

export interface EndpointSpec {
  method: "GET" | "POST" | "DELETE";
  /** OpenAPI path template, e.g. `/api/datanets/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType | RawContent;
  response: z.ZodType | RawContent;
  /** Status for malformed path parameters: 404 (an id that cannot exist) unless set; 400 for an address. */
  invalidParams?: 400 | 404;
  /** The endpoint answers 404 for a well-formed but unknown id. */
  notFound?: boolean;
  /** Success status when not 200 (e.g. 202 for a queued job). */
  status?: 201 | 202;
  /** Can answer 409: the request conflicts with what is stored (e.g. content another account uploaded first). */
  conflict?: boolean;
  /** Well-formed input can still be refused with 422 (it names something unusable). */
  unprocessable?: boolean;
  /** Answers 402 Payment Required (x402) until paid. */
  paid?: boolean;
  /** Needs a Sign-In with Ethereum session cookie (POST /api/auth/session); 401 without one. */
  session?: boolean;
  /** Error body shape (OpenAI-compatible routes answer OpenAI's). */
  errorFormat?: "ledgerline" | "openai";
}

/** Declares an endpoint (identity; keeps the literal types for `route()`). */
export function endpoint<const S extends EndpointSpec>(spec: S): S {
  return spec;
}

export function isZodSchema(x: unknown): x is z.ZodType {
  return typeof x === "object" && x !== null && "_zod" in x;
}

// ── Wire forms (responses) ─────────────────────────────────────────────────────────────────────────────

/** uint256 amounts: decimal strings of wei on the wire, bigint in handlers (exact beyond 2^53). */
export const wei = z.codec(
  z.string().regex(/^[0-9]{1,78}$/).meta({ description: "Amount in wei as a decimal string (exact; never a JSON number).", examples: ["1180591620717411303424"] }),
  z.bigint().min(0n),
  { decode: (s) => BigInt(s), encode: (b) => b.toString() },
);

/** Timestamps: ISO 8601 in UTC on the wire, Date in handlers. */
export const timestamp = z.codec(z.iso.datetime().meta({ description: "ISO 8601 date-time, UTC." }), z.date(), {
  decode: (s) => new Date(s),
  encode: (d) => d.toISOString(),
});

// Addresses and hashes come from the indexer (lower-case hex). Their pattern is documented, not enforced
// on the way out: one odd row must not turn a whole list into a 500.

/** Addresses go out lower-case, always. */
export const addressOut = z.codec(
  z.string().meta({ description: "Address, lower-case hex.", pattern: "^0x[0-9a-f]{40}$" }),
  z.string(),
  { decode: (s) => s, encode: (s) => s.toLowerCase() },
);

/** 32-byte hashes go out lower-case. */
export const hashOut = z.codec(
  z.string().meta({ description: "32-byte hash, lower-case hex.", pattern: "^0x[0-9a-f]{64}$" }),
  z.string(),
  { decode: (s) => s, encode: (s) => s.toLowerCase() },
);

export const idOut = z.number().int().min(0);
export const countOut = z.number().int().min(0);

export const errorSchema = named(
  "Error",
  z.object({
    error: z.string().min(1).meta({ description: "What went wrong, for a person to read." }),
    details: z.unknown().optional(),
  }),
);

/** `{ items, nextCursor }` for keyset-paginated lists. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().meta({ description: "Pass as `cursor` for the next page; null on the last page." }),
  });
}

// ── Request parameters ─────────────────────────────────────────────────────────────────────────────────

/** Ids (path or query): positive whole numbers. */
export const idInput = z.coerce
  .number({ error: "must be a number" })
  .int("must be a whole number")
  .positive("must be a positive id")
  .max(Number.MAX_SAFE_INTEGER, "is too large");

/** Addresses in: any valid form (lower-case, upper-case or EIP-55 checksummed); lower-cased for queries. */
export const addressInput = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte hex address")
  .refine((s) => isAddress(s), "has a wrong EIP-55 checksum (send it all lower-case or correctly checksummed)")
  .transform((s) => s.toLowerCase())
  .meta({ description: "A 0x address: lower-case, or EIP-55 checksummed." });

export const PAGE_LIMIT_MAX = 100;

export const limitInput = z.coerce
  .number({ error: "must be a number" })
  .int("must be a whole number")
  .min(1, "must be at least 1")
  .max(PAGE_LIMIT_MAX, `must be at most ${PAGE_LIMIT_MAX}`)
  .default(20)
  .meta({ description: `Page size, 1..${PAGE_LIMIT_MAX}.` });

export const cursorInput = z
  .string()
  .max(1000, "is too long to be a cursor")
  .regex(/^[A-Za-z0-9_-]+$/, "is not a cursor this API issued")
  .optional()
  .meta({ description: "Opaque: the `nextCursor` of the previous page, unchanged." });

/** Free-text search: trimmed, at most 100 characters (matched literally, LIKE wildcards included). */
export const searchInput = z
  .string()
  .trim()
  .max(100, "must be at most 100 characters")
  .optional()
  .meta({ description: "Case-insensitive text search (at most 100 characters)." });

// ── Time ranges for series ─────────────────────────────────────────────────────────────────────────────

const MIN_TIME = Date.UTC(1970, 0, 1);
const MAX_TIME = Date.UTC(2200, 0, 1);

/** "2025-01-31", "2025-01-31T12:00:00Z" (offset required), or unix seconds; null if none of these. */
export function parseTime(s: string): Date | null {
  let d: Date;
  if (/^[0-9]{1,12}$/.test(s)) d = new Date(Number(s) * 1000);
  else if (z.iso.date().safeParse(s).success) d = new Date(`${s}T00:00:00Z`);
  else if (z.iso.datetime({ offset: true }).safeParse(s).success) d = new Date(s);
  else return null;
  const t = d.getTime();
  return Number.isFinite(t) && t >= MIN_TIME && t < MAX_TIME ? d : null;
}

const timeInput = z
  .string()
  .refine((s) => parseTime(s) !== null, {
    message: "must be an ISO 8601 date (2025-01-31), a date-time with a zone (2025-01-31T12:00:00Z) or unix seconds, between 1970 and 2200",
  })
  .transform((s) => parseTime(s)!);

/** Longest range per bucket: 31 days of hours, about 3 years of days, about 10 years of weeks. */
export const MAX_RANGE_MS: Record<Bucket, number> = { hour: 31 * 86_400_000, day: 1096 * 86_400_000, week: 3653 * 86_400_000 };
const DEFAULT_RANGE_MS = 7 * 86_400_000;

export const rangeShape = {
  bucket: z.enum(BUCKETS, { error: `must be one of ${BUCKETS.join(", ")}` }).default("hour").meta({ description: "Bucket size; days are UTC days, weeks ISO weeks (Monday 00:00 UTC)." }),
  from: timeInput.optional().meta({ description: "Start (inclusive, rounded down to a bucket): ISO 8601 date or date-time, or unix seconds. Default: `to` − 7 days." }),
  to: timeInput.optional().meta({ description: "End (exclusive, rounded up to a bucket): ISO 8601 date or date-time, or unix seconds. Default: now." }),
};

/**
 * Resolves defaults and bounds of a series range (object-level transform of a query schema):
 * whole buckets, from < to, and at most MAX_RANGE_MS[bucket] → else "range too large".
 */
export function resolveRange<T extends { bucket: Bucket; from?: Date; to?: Date }>(
  q: T,
  ctx: z.RefinementCtx,
): Omit<T, "from" | "to"> & { from: Date; to: Date } {
  const to = ceilTo(q.to ?? new Date(), q.bucket);
  const from = floorTo(q.from ?? new Date(to.getTime() - DEFAULT_RANGE_MS), q.bucket);
  if (from.getTime() >= to.getTime()) {
    ctx.addIssue({ code: "custom", path: ["from"], message: `must be before to (from ${from.toISOString()}, to ${to.toISOString()})` });
    return z.NEVER;
  }
  const span = to.getTime() - from.getTime();
  if (span > MAX_RANGE_MS[q.bucket]) {
    const days = (ms: number) => Math.round(ms / 86_400_000);
    ctx.addIssue({
      code: "custom",
      path: [],
      message: `range too large: at most ${days(MAX_RANGE_MS[q.bucket])} days with bucket=${q.bucket}, asked for ${days(span)} days${q.bucket === "hour" ? "; use bucket=day or a shorter range" : ""}`,
    });
    return z.NEVER;
  }
  return { ...q, from, to };
}
