import { sql, type SQL, type SQLWrapper } from "drizzle-orm";

/**
 * Aggregates that decode the same on PGlite and postgres-js: counts/sums of integers may come back as a
 * number or a string; numeric(78,0) sums come back as strings. Amounts are always bigint.
 */
export function toBigInt(v: unknown): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return BigInt(Math.trunc(v));
  if (typeof v === "string" && v !== "") return BigInt(v.includes(".") ? v.slice(0, v.indexOf(".")) : v);
  return 0n;
}

export function toNumber(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint" || typeof v === "string") return Number(v);
  return 0;
}

/** count(*) (optionally filtered) as a number. */
export function countRows(filter?: SQL): SQL<number> {
  return (filter ? sql`count(*) filter (where ${filter})` : sql`count(*)`).mapWith(toNumber) as SQL<number>;
}

export function countDistinctOf(col: SQLWrapper, filter?: SQL): SQL<number> {
  return (filter ? sql`count(distinct ${col}) filter (where ${filter})` : sql`count(distinct ${col})`).mapWith(
    toNumber,
  ) as SQL<number>;
}

/** coalesce(sum(col), 0) for integer columns, as a number. */
export function sumInt(col: SQLWrapper, filter?: SQL): SQL<number> {
  return (
    filter ? sql`coalesce(sum(${col}) filter (where ${filter}), 0)` : sql`coalesce(sum(${col}), 0)`
  ).mapWith(toNumber) as SQL<number>;
}

/** coalesce(sum(col), 0) for wei columns, as a bigint (exact). */
export function sumWei(col: SQLWrapper, filter?: SQL): SQL<bigint> {
  return (
    filter ? sql`coalesce(sum(${col}) filter (where ${filter}), 0)` : sql`coalesce(sum(${col}), 0)`
  ).mapWith(toBigInt) as SQL<bigint>;
}

/** Escape LIKE wildcards in user input, for `ilike(col, likePattern(q))`. */
export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
