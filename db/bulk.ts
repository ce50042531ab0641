/**
 * Multi-row writes as ONE parameter: rows travel as a JSON array and Postgres unpacks them with
 * jsonb_to_recordset. Building a 10,000-row VALUES list through the query builder costs more CPU than
 * the database spends on it; this costs a JSON.stringify. Works the same on PGlite and Postgres.
 */
import { getTableColumns, getTableName, sql, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";

type Executor = { execute: (query: SQL) => Promise<unknown> };

/** Result rows from either driver (PGlite answers {rows}, postgres-js an array). */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** A column's value as JSON, the converter chosen once per column (getSQLType builds a string on every call). */
function jsonValue(column: PgColumn): (value: unknown) => unknown {
  const type = column.getSQLType();
  if (type === "json" || type === "jsonb") return (value) => value ?? null;
  return (value) => {
    if (value === null || value === undefined) return null;
    if (typeof value === "bigint") return value.toString();
    if (value instanceof Date) return value.toISOString();
    return column.mapToDriverValue(value);
  };
}

export interface BulkOptions<T extends PgTable> {
  /** Conflict target (primary key or unique columns). */
  conflict?: PgColumn[];
  /** On conflict: "nothing", "overwrite" (every other column), or a SQL fragment per column. */
  onConflict?: "nothing" | "overwrite" | Partial<Record<keyof T["_"]["columns"], SQL>>;
  returning?: PgColumn[];
}

/** Inserts rows (objects keyed by the table's property names) in one statement. */
export async function bulkInsert<T extends PgTable, R = Record<string, unknown>>(
  db: Executor,
  table: T,
  rows: readonly object[],
  opts: BulkOptions<T> = {},
): Promise<R[]> {
  if (rows.length === 0) return [];
  const columns = Object.entries(getTableColumns(table)) as [string, PgColumn][];
  const used = columns.filter(([prop]) => prop in rows[0]);
  const fields = used.map(([prop, col]) => ({ prop, name: col.name, value: jsonValue(col) }));
  const payload = JSON.stringify(
    rows.map((row) => {
      const out: Record<string, unknown> = {};
      for (const f of fields) out[f.name] = f.value((row as Record<string, unknown>)[f.prop]);
      return out;
    }),
  );
  const names = used.map(([, c]) => quote(c.name)).join(", ");
  const recordType = used.map(([, c]) => `${quote(c.name)} ${c.getSQLType()}`).join(", ");
  const parts: SQL[] = [
    sql.raw(`insert into ${quote(getTableName(table))} (${names}) select ${names} from jsonb_to_recordset(`),
    sql`${payload}::jsonb`,
    sql.raw(`) as x(${recordType})`),
  ];
  if (opts.onConflict) {
    const target = (opts.conflict ?? []).map((c) => quote(c.name)).join(", ");
    if (opts.onConflict === "nothing") parts.push(sql.raw(` on conflict (${target}) do nothing`));
    else {
      const keyNames = new Set((opts.conflict ?? []).map((c) => c.name));
      const sets: SQL[] =
        opts.onConflict === "overwrite"
          ? used.filter(([, c]) => !keyNames.has(c.name)).map(([, c]) => sql.raw(`${quote(c.name)} = excluded.${quote(c.name)}`))
          : Object.entries(opts.onConflict).map(([prop, expr]) => {
              const col = getTableColumns(table)[prop] as PgColumn;
              return sql.join([sql.raw(`${quote(col.name)} = `), expr as SQL]);
            });
      parts.push(sql.raw(` on conflict (${target}) do update set `), sql.join(sets, sql.raw(", ")));
    }
  }
  if (opts.returning?.length) parts.push(sql.raw(` returning ${opts.returning.map((c) => quote(c.name)).join(", ")}`));
  return rowsOf<R>(await db.execute(sql.join(parts)));
}
