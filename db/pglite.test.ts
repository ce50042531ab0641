import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OneTripPGlite } from "./pglite";

/** OneTripPGlite answers exactly what PGlite's own query() answers, in one backend trip per execution. */
describe("OneTripPGlite", () => {
  const fast = new OneTripPGlite();
  const plain = new PGlite();
  const setup = `create table t (id bigint primary key, name text, doc jsonb, at timestamptz, tags text[], raw bytea, n numeric);`;
  beforeAll(async () => {
    await fast.exec(setup);
    await plain.exec(setup);
  });
  afterAll(async () => {
    await fast.close();
    await plain.close();
  });

  const row = [1n, "it's; drop table t; --", { a: [1, "x"], b: null }, new Date("2026-01-02T03:04:05.678Z"), ["x", "y,z", 'q"'], new Uint8Array([0, 1, 255]), "12345678901234567890.5"];
  const insert = "insert into t (id, name, doc, at, tags, raw, n) values ($1, $2, $3, $4, $5, $6, $7) returning *";

  it("binds and parses every type as query() does, in both row modes", async () => {
    const [a, b] = [await fast.query(insert, row), await plain.query(insert, row)];
    expect(a.rows).toEqual(b.rows);
    expect(a.fields).toEqual(b.fields);
    expect(a.affectedRows).toBe(1);
    for (const opts of [undefined, { rowMode: "array" as const }]) {
      const q = "select * from t where id = $1 and name = $2";
      expect(await fast.query(q, [1n, row[1]], opts)).toEqual(await plain.query(q, [1n, row[1]], opts));
    }
    // Second execution of the same text (parameter types remembered), a null and a missing row.
    expect((await fast.query("select name from t where id = $1", [2n])).rows).toEqual([]);
    expect((await fast.query("select $1::text as x", [null])).rows).toEqual([{ x: null }]);
  });

  it("applies a query's own parsers as query() does: drizzle's pass-through ones (kept per type set) and any other", async () => {
    // As drizzle passes them on every query: dates, timestamps, intervals and numeric[] kept as text.
    const drizzleParsers = () => Object.fromEntries([1114, 1184, 1186, 1082, 1231, 1115, 1185, 1187, 1182].map((oid) => [oid, (value: string) => value]));
    const q = "select at, n, tags, id from t where id = $1";
    for (const rowMode of ["object", "array"] as const) {
      for (let i = 0; i < 2; i++) {
        const a = await fast.query(q, [1n], { rowMode, parsers: drizzleParsers() });
        expect(a).toEqual(await plain.query(q, [1n], { rowMode, parsers: drizzleParsers() }));
        expect(JSON.stringify(a.rows)).toContain("2026-01-02 03:04:05.678+00");
      }
    }
    // A parser that is not a pass-through is applied as given, each time (a later query's own is not mixed up with it).
    const upper = { 25: (v: string) => v.toUpperCase() };
    const lower = { 25: (v: string) => v.toLowerCase() };
    expect((await fast.query("select $1::text as x", ["aB"], { parsers: upper })).rows).toEqual([{ x: "AB" }]);
    expect((await fast.query("select $1::text as x", ["aB"], { parsers: lower })).rows).toEqual([{ x: "ab" }]);
    // And the plain table again without overrides: timestamps parsed to Dates.
    expect((await fast.query<{ at: unknown }>("select at from t where id = $1", [1n])).rows[0].at).toBeInstanceOf(Date);
  });

  it("takes one backend trip per execution once a statement's types are known", async () => {
    const proto = PGlite.prototype as unknown as { execProtocolRawSync(m: Uint8Array): Uint8Array };
    const orig = proto.execProtocolRawSync;
    let trips = 0;
    proto.execProtocolRawSync = function (m: Uint8Array) {
      trips++;
      return orig.call(this, m);
    };
    try {
      const q = "select id from t where id = $1";
      await fast.query(q, [1n]);
      trips = 0;
      await fast.query(q, [1n]);
      expect(trips).toBe(1);
    } finally {
      proto.execProtocolRawSync = orig;
    }
  });

  it("throws PGlite's DatabaseError with the query, and the connection serves on", async () => {
    const err = (await fast.query(insert, row).catch((e: unknown) => e)) as { code?: string; query?: string; params?: unknown[] };
    expect(err.code).toBe("23505");
    expect(err.query).toBe(insert);
    expect(err.params).toBe(row);
    const syntax = (await fast.query("selec 1").catch((e: unknown) => e)) as { code?: string };
    expect(syntax.code).toBe("42601");
    expect((await fast.query("select count(*)::int as n from t")).rows).toEqual([{ n: 1 }]);
  });

  it("runs transactions: commit, rollback on a thrown error, and a failed statement aborts the transaction", async () => {
    await fast.transaction(async (tx) => {
      await tx.query("insert into t (id, name) values ($1, $2)", [10n, "ten"]);
    });
    await expect(
      fast.transaction(async (tx) => {
        await tx.query("insert into t (id, name) values ($1, $2)", [11n, "eleven"]);
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    await expect(
      fast.transaction(async (tx) => {
        await tx.query("insert into t (id, name) values ($1, $2)", [12n, "twelve"]);
        await tx.query("insert into t (id, name) values ($1, $2)", [10n, "dup"]).catch(() => {});
      }),
    ).rejects.toThrow();
    expect((await fast.query("select id from t where id >= $1 order by id", [10n])).rows).toEqual([{ id: 10 }]);
  });

  it("forgets parameter types after a schema change", async () => {
    const q = "select name from t where name = $1";
    expect((await fast.query(q, ["ten"])).rows).toEqual([{ name: "ten" }]);
    await fast.query("alter table t alter column name type integer using null");
    await fast.query("update t set name = $1 where id = $2", [7, 10n]);
    expect((await fast.query(q, [7])).rows).toEqual([{ name: 7 }]);
  });
});
