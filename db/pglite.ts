/**
 * PGlite whose parameterised queries take one trip into the WASM backend instead of six. PGlite 0.5's `query()`
 * sends Parse, Describe (statement), Bind, Describe (portal), Execute and Sync as six separate calls, each with its
 * own backend loop and result parsing: measured ≈ 0.54 ms for a primary-key select, against ≈ 0.18 ms for the same
 * messages sent as one. Here a statement's parameter types are learned once (Parse + Describe + Sync, one trip) and
 * kept per statement text; every execution then sends Parse (with those types) + Bind + Describe + Execute + Sync
 * together. Values are still bound as parameters and serialized exactly as `query()` serializes them (PGlite's
 * serializers by the parameter's type); results are parsed by PGlite's own `parseResults`; errors are its
 * DatabaseErrors with the query attached, as `query()` throws them. The statement stays unnamed (planned each
 * time), so no cached plan can outlive a schema change. It reaches into PGlite's protected methods, so PGlite is pinned to
 * one version in package.json (as @x402 is); db/pglite.test.ts compares it with plain PGlite on every type.
 */
import { PGlite, parse, protocol, type QueryOptions, type Results, type Transaction } from "@electric-sql/pglite";
import { PgliteStats, statementOf } from "./pglite-stats";

const { serialize } = protocol;

/** Statement texts whose types are kept; past this the cache starts over (texts are few: drizzle's query shapes). */
const MAX_STATEMENTS = 2_000;
/** Command tags after which kept parameter types are still valid (anything else may be DDL: forget them). */
const DML = new Set(["SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "COPY", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"]);

type ParserMap = PGlite["parsers"];
/** An arrow function that returns its one argument unchanged, as drizzle writes its pass-through parsers. */
const PASS_THROUGH = /^\(?\s*([A-Za-z_$][\w$]*)\s*\)?\s*=>\s*\1\s*$/;
const passValue = (value: string) => value;

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export class OneTripPGlite extends PGlite {
  private readonly paramTypes = new Map<string, number[]>();
  /** PGlite's parsers with pass-through overrides, per set of overridden type OIDs (see {@link parseWith}). */
  private readonly passThrough = new Map<string, ParserMap>();
  /** Per-statement backend time, when PGLITE_STATS_FILE names a file to write it to (benchmarks). */
  private readonly stats = process.env.PGLITE_STATS_FILE ? new PgliteStats(process.env.PGLITE_STATS_FILE) : null;

  override execProtocolRawSync(message: Uint8Array): Uint8Array {
    if (!this.stats) return super.execProtocolRawSync(message);
    const t = performance.now();
    try {
      return super.execProtocolRawSync(message);
    } finally {
      this.stats.add(statementOf(message), performance.now() - t);
    }
  }

  override async syncToFs(): Promise<void> {
    if (!this.stats) return super.syncToFs();
    const t = performance.now();
    try {
      return await super.syncToFs();
    } finally {
      this.stats.add("(syncToFs)", performance.now() - t);
    }
  }

  override async close(): Promise<void> {
    this.stats?.stop();
    return super.close();
  }

  override async query<T>(query: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>> {
    if (options?.blob || options?.paramTypes) return super.query<T>(query, params, options);
    await this._checkReady();
    return this._runExclusiveTransaction(() => this.oneTrip<T>(query, params ?? [], options, true));
  }

  override async exec(query: string, options?: QueryOptions): Promise<Results[]> {
    this.forgetTypes();
    return super.exec(query, options);
  }

  override async transaction<T>(callback: (tx: Transaction) => Promise<T>): Promise<T> {
    return super.transaction((tx) => {
      // The transaction's own object, with its queries taking one trip too (it already holds the transaction mutex).
      const fast: Transaction = Object.create(tx, {
        query: {
          value: async <R>(query: string, params?: unknown[], options?: QueryOptions): Promise<Results<R>> => {
            if (tx.closed) throw new Error("Transaction is closed");
            if (options?.blob || options?.paramTypes) return tx.query<R>(query, params as never, options);
            return this.oneTrip<R>(query, params ?? [], options, false);
          },
        },
        exec: {
          value: (query: string, options?: QueryOptions) => {
            this.forgetTypes();
            return tx.exec(query, options);
          },
        },
      });
      return callback(fast);
    });
  }

  override async refreshArrayTypes(): Promise<void> {
    await super.refreshArrayTypes();
    this.forgetTypes();
  }

  /** After DDL (or anything else that may change types): parameter types and merged parser tables are learned again. */
  private forgetTypes(): void {
    this.paramTypes.clear();
    this.passThrough.clear();
  }

  /**
   * PGlite's parseResults merges a query's own parsers into its 318-entry table by copying the table, for every
   * query: ≈ 0.4 ms. Drizzle passes such parsers on every query (9 types kept as text, each `(value) => value`), so
   * when every override passes its value through, the merged table is kept per set of type OIDs and reused.
   */
  private parseWith(messages: Parameters<typeof parse.parseResults>[0], options: QueryOptions | undefined) {
    const own = options?.parsers;
    if (!own) return parse.parseResults(messages, this.parsers, options);
    const oids = Object.keys(own);
    if (!oids.every((oid) => PASS_THROUGH.test(String(own[Number(oid)])))) return parse.parseResults(messages, this.parsers, options);
    const key = oids.join(",");
    let merged = this.passThrough.get(key);
    if (!merged) {
      merged = { ...this.parsers };
      for (const oid of oids) merged[Number(oid)] = passValue;
      this.passThrough.set(key, merged);
    }
    return parse.parseResults(messages, merged, { ...options, parsers: undefined });
  }

  private async oneTrip<T>(query: string, params: unknown[], options: QueryOptions | undefined, syncAfter: boolean): Promise<Results<T>> {
    return this._runExclusiveQuery(async () => {
      try {
        let types = this.paramTypes.get(query);
        if (!types) {
          const described = await this.execProtocolStream(concat([serialize.parse({ text: query }), serialize.describe({ type: "S" }), serialize.sync()]), { syncToFs: false });
          types = parse.parseDescribeStatementResults(described);
          if (this.paramTypes.size >= MAX_STATEMENTS) this.paramTypes.clear();
          this.paramTypes.set(query, types);
        }
        const values = params.map((param, i) => {
          if (param === null || param === undefined) return null;
          const oid = types[i];
          const serializer = options?.serializers?.[oid] ?? this.serializers[oid];
          return serializer ? serializer(param) : String(param);
        });
        const messages = await this.execProtocolStream(
          concat([serialize.parse({ text: query, types }), serialize.bind({ values }), serialize.describe({ type: "P" }), serialize.execute({}), serialize.sync()]),
          { syncToFs: false, onNotice: options?.onNotice },
        );
        const [result] = this.parseWith(messages, options);
        if (result.command !== undefined && !DML.has(result.command)) this.forgetTypes();
        if (syncAfter) await this.syncToFs();
        return result as Results<T>;
      } catch (e) {
        if (e instanceof protocol.messages.DatabaseError) {
          // As query() throws it (makePGliteError): the error with its query.
          Object.assign(e, { query, params, queryOptions: options });
        }
        throw e;
      }
    });
  }
}
