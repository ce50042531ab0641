/**
 * Keyset ("cursor") pagination. A page is ordered by a sort key that ends in a unique id; the cursor is
 * the last row's key, so the next page starts strictly after it: every row is seen exactly once, however
 * deep the page, and the database seeks on an index instead of skipping OFFSET rows.
 *
 * The cursor is opaque to clients: base64url of JSON `[tag, ...key]`. The tag names the list and its sort
 * order, so a cursor from another list or sort is refused. Cursors are not signed: a client that forges a
 * well-formed one only moves its own position in a public list; one that is not well-formed is a
 * CursorError (→ 400).
 */
import { asc, desc, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { z } from "zod";
import { AppError } from "@/lib/errors";

/** A cursor the server did not issue (altered, truncated, or from another list or sort). */
export class CursorError extends AppError {
  constructor(message: string) {
    super("invalid_cursor", message);
  }
}

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}

/** How one part of a sort key travels in a cursor and is compared in SQL. */
export type KeyKind = "timestamp" | "int" | "wei" | "text";

export interface KeyPart {
  expr: SQLWrapper;
  kind: KeyKind;
}

export interface Keyset {
  /** List and sort order, e.g. "datanets:newest". */
  tag: string;
  parts: KeyPart[];
  dir: "asc" | "desc";
}

const keyValue: Record<KeyKind, z.ZodType> = {
  timestamp: z.iso.datetime(),
  int: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  wei: z.string().regex(/^[0-9]{1,78}$/),
  text: z.string().max(200),
};
const cast: Record<KeyKind, string> = { timestamp: "timestamptz", int: "bigint", wei: "numeric", text: "text" };

function toKeyValue(kind: KeyKind, v: unknown): string | number {
  switch (kind) {
    case "timestamp":
      return (v instanceof Date ? v : new Date(String(v))).toISOString();
    case "int":
      return Number(v);
    case "wei":
      return String(v);
    case "text":
      return String(v);
  }
}

export function encodeCursor(keyset: Keyset, values: unknown[]): string {
  const key = keyset.parts.map((p, i) => toKeyValue(p.kind, values[i]));
  return Buffer.from(JSON.stringify([keyset.tag, ...key]), "utf8").toString("base64url");
}

/** The key values in a cursor; throws CursorError for anything this keyset did not issue. */
export function decodeCursor(keyset: Keyset, cursor: string): (string | number)[] {
  const bad = (why: string) =>
    new CursorError(`query.cursor: ${why}. Use the nextCursor of the previous page unchanged, or drop cursor to start over.`);
  if (!/^[A-Za-z0-9_-]{1,1000}$/.test(cursor)) throw bad("is not a cursor this API issued");
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw bad("is not a cursor this API issued (it may have been altered)");
  }
  if (!Array.isArray(raw) || raw.length !== keyset.parts.length + 1) throw bad("is not a cursor this API issued (it may have been altered)");
  if (raw[0] !== keyset.tag) throw bad(`belongs to another list or sort order (${JSON.stringify(String(raw[0]).slice(0, 40))}, expected ${JSON.stringify(keyset.tag)})`);
  return keyset.parts.map((p, i) => {
    const parsed = keyValue[p.kind].safeParse(raw[i + 1]);
    if (!parsed.success) throw bad("is not a cursor this API issued (it may have been altered)");
    return parsed.data as string | number;
  });
}

/** ORDER BY for the keyset. */
export function keysetOrder(keyset: Keyset): SQL[] {
  return keyset.parts.map((p) => (keyset.dir === "desc" ? desc(p.expr) : asc(p.expr)));
}

/** WHERE (key) < (cursor) — or > for ascending order — with a row comparison; undefined without a cursor. */
export function keysetAfter(keyset: Keyset, cursor: string | undefined): SQL | undefined {
  if (cursor === undefined) return undefined;
  const values = decodeCursor(keyset, cursor);
  const cols = sql.join(
    keyset.parts.map((p) => sql`${p.expr}`),
    sql`, `,
  );
  const vals = sql.join(
    keyset.parts.map((p, i) => sql`${values[i]}::${sql.raw(cast[p.kind])}`),
    sql`, `,
  );
  return keyset.dir === "desc" ? sql`(${cols}) < (${vals})` : sql`(${cols}) > (${vals})`;
}

/** Clamp for callers that bypass the API's validation (1..100). */
export function pageSize(limit: number | undefined): number {
  return Math.min(Math.max(Math.trunc(limit ?? 20), 1), 100);
}

/**
 * Turns `limit + 1` fetched rows into a page: the extra row only says whether another page exists;
 * nextCursor is the key of the last row returned.
 */
export function toPage<R, T = R>(
  keyset: Keyset,
  rows: R[],
  limit: number,
  keyOf: (row: R) => unknown[],
  map: (row: R) => T = (r) => r as unknown as T,
): Page<T> {
  const items = rows.slice(0, limit);
  const nextCursor = rows.length > limit && items.length > 0 ? encodeCursor(keyset, keyOf(items[items.length - 1])) : null;
  return { items: items.map(map), nextCursor };
}
