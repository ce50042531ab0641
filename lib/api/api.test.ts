/**
 * The HTTP API, end to end minus the HTTP server: each exported route handler is called directly (as
 * lib/live/stream.test.ts does) against a real database filled with realistic rows — PGlite always, and
 * Postgres when TEST_DATABASE_URL is set.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { count, eq } from "drizzle-orm";
import type { Address, Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as accountAttribution from "@/app/api/accounts/[address]/attribution/route";
import * as accountClaim from "@/app/api/accounts/[address]/claim/route";
import * as accountClaims from "@/app/api/accounts/[address]/claims/route";
import * as accountContributions from "@/app/api/accounts/[address]/contributions/route";
import * as accountEarningsCsv from "@/app/api/accounts/[address]/earnings.csv/route";
import * as accountEarnings from "@/app/api/accounts/[address]/earnings/route";
import * as authNonce from "@/app/api/auth/nonce/route";
import * as authSession from "@/app/api/auth/session/route";
import * as contentAttestation from "@/app/api/content/[hash]/attestation/route";
import * as contentGet from "@/app/api/content/[hash]/route";
import * as contentUpload from "@/app/api/content/route";
import * as contributionOriginality from "@/app/api/datanets/[id]/contributions/[contributionId]/originality/route";
import * as datanetContributions from "@/app/api/datanets/[id]/contributions/route";
import * as datanetLeaderboard from "@/app/api/datanets/[id]/leaderboard/route";
import * as datanetOriginality from "@/app/api/datanets/[id]/originality/route";
import * as datanetForecast from "@/app/api/datanets/[id]/forecast/route";
import * as datanetRecords from "@/app/api/datanets/[id]/records/route";
import * as datanetUsage from "@/app/api/datanets/[id]/usage/route";
import * as datanetGet from "@/app/api/datanets/[id]/route";
import * as datanetsList from "@/app/api/datanets/route";
import * as factoryBuildGet from "@/app/api/factory/builds/[id]/route";
import * as governanceAccount from "@/app/api/governance/accounts/[address]/route";
import * as governanceParams from "@/app/api/governance/params/route";
import * as proposalGet from "@/app/api/governance/proposals/[id]/route";
import * as proposalsList from "@/app/api/governance/proposals/route";
import * as factoryBuilds from "@/app/api/factory/builds/route";
import * as inferenceGet from "@/app/api/inferences/[id]/route";
import * as inferenceVerify from "@/app/api/inferences/[id]/verify/route";
import * as inferencesList from "@/app/api/inferences/route";
import * as modelInference from "@/app/api/models/[id]/inference/route";
import * as batchCharge from "@/app/api/payments/batch-settlement/charges/[requestHash]/route";
import * as batchRefund from "@/app/api/payments/batch-settlement/refund/route";
import * as modelArtifact from "@/app/api/models/[id]/artifact/route";
import * as modelGet from "@/app/api/models/[id]/route";
import * as epochBalances from "@/app/api/epochs/[epoch]/balances/route";
import * as settledInferences from "@/app/api/settlements/route";
import * as settlementEpoch from "@/app/api/settlement/epoch/route";
import * as modelUsage from "@/app/api/models/[id]/usage/route";
import * as modelsList from "@/app/api/models/route";
import * as operatorGet from "@/app/api/operators/[address]/route";
import * as operatorsList from "@/app/api/operators/route";
import * as openapi from "@/app/api/openapi.json/route";
import * as stats from "@/app/api/stats/route";
import * as settlements from "@/app/api/stats/settlements/route";
import * as stream from "@/app/api/stream/route";
import { setDatabaseForTests, type Database } from "@/db/client";
import * as t from "@/db/schema";
import { openTestDatabase, testDatabaseKinds } from "@/db/testing";
import { encodeSession, SESSION_COOKIE, sessionSecret } from "@/lib/auth/session";
import { buildClaimsTree, verifyClaim } from "@/lib/chain/merkle";
import { putArtifact } from "@/lib/factory/artifacts";
import { clearQueryCaches } from "@/lib/queries";
import { BIG, buildFixture, contributors, DAY, focus, HOUR, insertEpochs, insertFixture, payers, T0, type Fixture } from "./test-fixture";

type Handler = (request: Request, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every route module under app/api by its OpenAPI path, as Next would serve it. */
const routes: [string, Record<string, unknown>][] = [
  ["/api/datanets", datanetsList],
  ["/api/datanets/{id}", datanetGet],
  ["/api/datanets/{id}/contributions", datanetContributions],
  ["/api/datanets/{id}/leaderboard", datanetLeaderboard],
  ["/api/datanets/{id}/records", datanetRecords],
  ["/api/datanets/{id}/usage", datanetUsage],
  ["/api/datanets/{id}/originality", datanetOriginality],
  ["/api/datanets/{id}/forecast", datanetForecast],
  ["/api/datanets/{id}/contributions/{contributionId}/originality", contributionOriginality],
  ["/api/models", modelsList],
  ["/api/models/{id}", modelGet],
  ["/api/models/{id}/usage", modelUsage],
  ["/api/models/{id}/inference", modelInference],
  ["/api/payments/batch-settlement/refund", batchRefund],
  ["/api/payments/batch-settlement/charges/{requestHash}", batchCharge],
  ["/api/models/{id}/artifact", modelArtifact],
  ["/api/settlements", settledInferences],
  ["/api/epochs/{epoch}/balances", epochBalances],
  ["/api/settlement/epoch", settlementEpoch],
  ["/api/inferences", inferencesList],
  ["/api/inferences/{id}", inferenceGet],
  ["/api/inferences/{id}/verify", inferenceVerify],
  ["/api/factory/builds", factoryBuilds],
  ["/api/factory/builds/{id}", factoryBuildGet],
  ["/api/accounts/{address}/earnings", accountEarnings],
  ["/api/accounts/{address}/attribution", accountAttribution],
  ["/api/accounts/{address}/claim", accountClaim],
  ["/api/accounts/{address}/claims", accountClaims],
  ["/api/accounts/{address}/contributions", accountContributions],
  ["/api/accounts/{address}/earnings.csv", accountEarningsCsv],
  ["/api/operators", operatorsList],
  ["/api/operators/{address}", operatorGet],
  ["/api/governance/params", governanceParams],
  ["/api/governance/proposals", proposalsList],
  ["/api/governance/proposals/{id}", proposalGet],
  ["/api/governance/accounts/{address}", governanceAccount],
  ["/api/stats", stats],
  ["/api/stats/settlements", settlements],
  ["/api/content", contentUpload],
  ["/api/content/{hash}", contentGet],
  ["/api/content/{hash}/attestation", contentAttestation],
  ["/api/auth/nonce", authNonce],
  ["/api/auth/session", authSession],
  ["/api/stream", stream],
  ["/api/openapi.json", openapi],
];

/** Calls the handler for `url` the way Next would: path params decoded, the rest as the Request. */
async function call(method: "GET" | "POST", url: string, init?: RequestInit): Promise<{ status: number; body: Json; text: string }> {
  const pathname = url.split("?")[0];
  const segments = pathname.split("/");
  for (const [pattern, mod] of routes) {
    const parts = pattern.split("/");
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    if (!parts.every((p, i) => (p.startsWith("{") ? ((params[p.slice(1, -1)] = decodeURIComponent(segments[i])), true) : p === segments[i]))) continue;
    const handler = mod[method] as Handler | undefined;
    if (!handler) throw new Error(`${pattern} has no ${method}`);
    const res = await handler(new Request(`http://test${url}`, { method, ...init }), { params: Promise.resolve(params) });
    const text = res.headers.get("content-type")?.includes("event-stream") ? "" : await res.text();
    let body: Json = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      /* not JSON */
    }
    return { status: res.status, body, text };
  }
  throw new Error(`no route for ${url}`);
}
const get = (url: string) => call("GET", url);

async function ok(url: string): Promise<Json> {
  const res = await get(url);
  if (res.status !== 200) throw new Error(`${url} → ${res.status} ${res.text}`);
  return res.body;
}

/** Follows nextCursor to the end; every page but the last is full. */
async function walk(url: string, limit: number): Promise<Json[]> {
  const items: Json[] = [];
  let cursor: string | null = null;
  for (let pages = 0; ; pages++) {
    if (pages > 500) throw new Error("pagination does not end");
    const sep = url.includes("?") ? "&" : "?";
    const body = await ok(`${url}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
    expect(body.items.length).toBeLessThanOrEqual(limit);
    if (body.nextCursor) expect(body.items.length).toBe(limit);
    items.push(...body.items);
    cursor = body.nextCursor;
    if (!cursor) return items;
  }
}

const cmpBig = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
const ms = (d: unknown) => (d as Date).getTime();
const desc = <T>(...keys: ((x: T) => number | bigint | string)[]) => (a: T, b: T) => {
  for (const k of keys) {
    const x = k(a);
    const y = k(b);
    const c = typeof x === "bigint" ? cmpBig(y as bigint, x) : x < y ? 1 : x > y ? -1 : 0;
    if (c) return c;
  }
  return 0;
};

describe("OpenAPI document", () => {
  it("lists every route file under app/api with its method and query parameters, and every $ref resolves", async () => {
    const doc = await ok("/api/openapi.json");
    expect(doc.openapi).toBe("3.1.0");

    // Every route.ts on disk is in the document, with the methods it exports.
    const apiDir = path.join(process.cwd(), "app", "api");
    const files: string[] = [];
    const visit = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        // app/api/[...path] is the JSON 404 for addresses no route serves, not an endpoint.
        if (e.isDirectory()) {
          if (e.name !== "[...path]") visit(path.join(dir, e.name));
        }
        else if (e.name === "route.ts") files.push(path.join(dir, e.name));
      }
    };
    visit(apiDir);
    expect(files.length).toBe(routes.length + 2); // + /api/health and /api/deployment (need a chain and its deployment file; not called here)
    for (const file of files) {
      const rel = path.relative(apiDir, path.dirname(file)).split(path.sep).filter(Boolean);
      const p = `/api${rel.length ? "/" + rel.map((s) => s.replace(/^\[(.+)\]$/, "{$1}")).join("/") : ""}`;
      const source = fs.readFileSync(file, "utf8");
      const methods = [...source.matchAll(/export const (GET|POST|PUT|PATCH|DELETE) = route\(/g)].map((m) => m[1].toLowerCase());
      expect(methods.length, `${p} exports its handlers through route()`).toBeGreaterThan(0);
      for (const m of methods) expect(doc.paths[p]?.[m], `${m.toUpperCase()} ${p} is documented`).toBeDefined();
    }

    const expectedQuery: Record<string, string[]> = {
      "/api/datanets": ["q", "tag", "sort", "limit", "cursor"],
      "/api/datanets/{id}/contributions": ["status", "limit", "cursor"],
      "/api/datanets/{id}/leaderboard": ["limit", "cursor"],
      "/api/datanets/{id}/records": ["q", "version", "contribution", "status", "limit", "cursor"],
      "/api/datanets/{id}/usage": ["bucket", "from", "to"],
      "/api/datanets/{id}/originality": ["hash"],
      "/api/datanets/{id}/forecast": ["hash"],
      "/api/models": ["q", "kind", "datanet", "sort", "limit", "cursor"],
      "/api/models/{id}/usage": ["bucket", "from", "to"],
      "/api/inferences": ["modelId", "payer", "status", "limit", "cursor"],
      "/api/accounts/{address}/earnings": ["bucket", "from", "to", "role", "datanetId", "modelId", "groupBy"],
      "/api/accounts/{address}/attribution": ["limit", "cursor"],
      "/api/accounts/{address}/claims": ["limit", "cursor"],
      "/api/accounts/{address}/contributions": ["status", "limit", "cursor"],
      "/api/stats/settlements": ["limit", "cursor"],
      "/api/settlements": ["fromBlock", "throughBlock", "limit", "cursor"],
      "/api/epochs/{epoch}/balances": ["limit", "cursor"],
      "/api/operators": ["limit", "cursor"],
      "/api/governance/proposals": ["limit", "cursor"],
      "/api/content": ["filename"],
      "/api/stream": ["types"],
      "GET /api/factory/builds": ["builder", "limit"],
    };
    for (const [p, methods] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
      for (const [method, op] of Object.entries(methods)) {
        const query = op.parameters.filter((x: Json) => x.in === "query").map((x: Json) => x.name);
        expect(query, `query parameters of ${method} ${p}`).toEqual(expectedQuery[`${method.toUpperCase()} ${p}`] ?? expectedQuery[p] ?? []);
        const pathParams = op.parameters.filter((x: Json) => x.in === "path").map((x: Json) => x.name);
        expect(pathParams).toEqual([...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
        expect(op.responses["200"] ?? op.responses["201"] ?? op.responses["202"]).toBeDefined();
      }
    }
    const sort = doc.paths["/api/models"].get.parameters.find((x: Json) => x.name === "sort");
    expect(sort.schema).toMatchObject({ enum: ["new", "usage", "price"], default: "new" });
    const limit = doc.paths["/api/datanets"].get.parameters.find((x: Json) => x.name === "limit");
    expect(limit.schema).toMatchObject({ type: "integer", minimum: 1, maximum: 100, default: 20 });
    // Amounts are documented as decimal strings.
    expect(doc.components.schemas.DatanetSummary.properties.bond).toMatchObject({ type: "string", pattern: "^[0-9]{1,78}$" });

    const refs: string[] = [];
    const collect = (x: unknown) => {
      if (Array.isArray(x)) x.forEach(collect);
      else if (x && typeof x === "object") {
        for (const [k, v] of Object.entries(x)) {
          if (k === "$ref") refs.push(v as string);
          else collect(v);
        }
      }
    };
    collect(doc);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) {
      const [, section, name] = ref.match(/^#\/components\/(schemas|responses)\/(\w+)$/) ?? [];
      expect(doc.components[section]?.[name], ref).toBeDefined();
    }
  });
});

for (const { kind, available } of testDatabaseKinds) {
  describe.skipIf(!available)(`API routes on ${kind}`, () => {
    let database: Database;
    let f: Fixture;
    let seeded = 0;

    beforeAll(async () => {
      const started = performance.now();
      database = await openTestDatabase(kind);
      setDatabaseForTests(database);
      clearQueryCaches();
      f = buildFixture(Date.now());
      await insertFixture(database.db, f);
      seeded = performance.now() - started;
    });

    afterAll(async () => {
      setDatabaseForTests(undefined);
      clearQueryCaches();
      await database?.close();
    });

    it("seeds a realistic data set", () => {
      expect(f.earnings.length).toBeGreaterThan(1000);
      expect(f.attribution.length).toBeGreaterThan(100);
      console.log(`[api.test ${kind}] seeded ${f.earnings.length} rollup rows, ${f.inferences.length} inferences in ${seeded.toFixed(0)} ms`);
    });

    it("walks every Datanet exactly once in each sort, with filters", async () => {
      const stats = new Map<number, { contributors: number; acceptedRecords: number }>();
      for (const d of f.datanets) {
        const cs = f.contributions.filter((c) => c.datanetId === d.id);
        stats.set(d.id!, {
          contributors: new Set(cs.map((c) => c.contributor)).size,
          acceptedRecords: cs.filter((c) => c.status === "accepted").reduce((s, c) => s + c.records, 0),
        });
      }
      const expected = {
        newest: [...f.datanets].sort(desc((d) => ms(d.createdAt), (d) => d.id!)),
        contributors: [...f.datanets].sort(desc((d) => stats.get(d.id!)!.contributors, (d) => d.acceptedCount!, (d) => d.id!)),
        records: [...f.datanets].sort(desc((d) => stats.get(d.id!)!.acceptedRecords, (d) => d.acceptedCount!, (d) => d.id!)),
      };
      for (const [sort, rows] of Object.entries(expected)) {
        for (const limit of [1, 2, 4, 100]) {
          const items = await walk(`/api/datanets?sort=${sort}`, limit);
          expect(items.map((d) => d.id), `sort=${sort} limit=${limit}`).toEqual(rows.map((d) => d.id));
        }
      }
      const [first] = await walk("/api/datanets?sort=records", 100);
      const d = f.datanets.find((x) => x.id === first.id)!;
      expect(first).toMatchObject({ bond: d.bond!.toString(), owner: d.owner, ...stats.get(d.id!), createdAt: (d.createdAt as Date).toISOString() });

      const legal = await walk("/api/datanets?tag=LEGAL", 2);
      expect(legal.map((x) => x.id).sort()).toEqual(f.datanets.filter((x) => x.tags!.includes("legal")).map((x) => x.id).sort());
      expect((await walk("/api/datanets?q=100%25_", 5)).map((x) => x.id)).toEqual([4]);
      expect(await walk(`/api/datanets?q=${encodeURIComponent("1;drop table datanets")}`, 5)).toEqual([]);
    });

    it("pages a Datanet's contributions (all, and one status) and its leaderboard", async () => {
      const ofOne = f.contributions.filter((c) => c.datanetId === 1).sort(desc((c) => ms(c.submittedAt), (c) => c.id!));
      expect((await walk("/api/datanets/1/contributions", 7)).map((c) => c.id)).toEqual(ofOne.map((c) => c.id));
      const accepted = await walk("/api/datanets/1/contributions?status=accepted", 11);
      expect(accepted.map((c) => c.id)).toEqual(ofOne.filter((c) => c.status === "accepted").map((c) => c.id));
      expect(accepted[0].bond).toBe(ofOne.find((c) => c.id === accepted[0].id)!.bond!.toString());
      expect(accepted.every((c) => typeof c.acceptedSeq === "number")).toBe(true);

      const board = new Map<string, { earned: bigint; inferences: number; contributions: number; accepted: number; acceptedRecords: number }>();
      const entry = (a: string) => board.get(a) ?? (board.set(a, { earned: 0n, inferences: 0, contributions: 0, accepted: 0, acceptedRecords: 0 }), board.get(a)!);
      for (const e of f.earnings.filter((e) => e.role === "contributor" && e.datanetId === 1)) {
        entry(e.account).earned += e.amount;
        entry(e.account).inferences += e.inferences;
      }
      for (const c of ofOne) {
        const x = entry(c.contributor);
        x.contributions += 1;
        if (c.status === "accepted") {
          x.accepted += 1;
          x.acceptedRecords += c.records;
        }
      }
      const expected = [...board.entries()]
        .map(([contributor, x]) => ({ contributor, ...x }))
        .sort(desc((x) => x.earned, (x) => x.acceptedRecords, (x) => x.contributor))
        .map((x, i) => ({ rank: i + 1, ...x, earned: x.earned.toString() }));
      expect(await walk("/api/datanets/1/leaderboard", 3)).toEqual(expected);
      expect(expected[0].earned.length).toBeGreaterThan(16); // beyond 2^53: exact decimal strings
    });

    it("pages an account's contributions across Datanets, newest first, and by status", async () => {
      const counts = new Map<string, number>();
      for (const c of f.contributions) counts.set(c.contributor, (counts.get(c.contributor) ?? 0) + 1);
      const [account] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
      const mine = f.contributions.filter((c) => c.contributor === account).sort(desc((c) => ms(c.submittedAt), (c) => c.id!));
      expect(new Set(mine.map((c) => c.datanetId)).size, "the busiest contributor spans several Datanets").toBeGreaterThan(1);
      const all = await walk(`/api/accounts/${account}/contributions`, 3);
      expect(all.map((c) => c.id)).toEqual(mine.map((c) => c.id));
      expect(all[0]).toMatchObject({ datanetId: mine[0].datanetId, datanetName: f.datanets.find((d) => d.id === mine[0].datanetId)!.name, status: mine[0].status });
      // Addresses match whatever their case.
      expect((await walk(`/api/accounts/${account.toUpperCase().replace("0X", "0x")}/contributions`, 50)).length).toBe(mine.length);
      const accepted = await walk(`/api/accounts/${account}/contributions?status=accepted`, 2);
      expect(accepted.map((c) => c.id)).toEqual(mine.filter((c) => c.status === "accepted").map((c) => c.id));
      expect(await walk(`/api/accounts/${payers[0]}/contributions`, 5)).toEqual([]);
    });

    it("walks models in each sort and filters by kind and text", async () => {
      const expected = {
        new: [...f.models].sort(desc((m) => ms(m.createdAt), (m) => m.id!)),
        usage: [...f.models].sort(desc((m) => m.inferenceCount!, (m) => m.id!)),
        price: [...f.models].sort(desc((m) => m.price, (m) => m.id!)).reverse(),
      };
      for (const [sort, rows] of Object.entries(expected)) {
        for (const limit of [1, 3]) expect((await walk(`/api/models?sort=${sort}`, limit)).map((m) => m.id), sort).toEqual(rows.map((m) => m.id));
      }
      const knn = await walk("/api/models?kind=knn&sort=price", 1);
      expect(knn.map((m) => m.id)).toEqual(expected.price.filter((m) => m.kind === "knn").map((m) => m.id));
      expect((await walk("/api/models?q=LEGAL%20drafting", 5)).map((m) => m.id)).toEqual([3]);
      const [m1] = (await walk("/api/models?sort=new", 100)).filter((m) => m.id === 1);
      expect(m1.price).toBe(f.models[0].price.toString());
      expect(m1.revenue).toBe(f.models[0].revenue!.toString());
      // Token rates as decimal wei strings: 0 and 0 for a flat price, exact for a per-token model.
      expect([m1.inputRate, m1.outputRate]).toEqual(["0", "0"]);
      const [m5] = (await walk("/api/models?sort=new", 100)).filter((m) => m.id === 5);
      expect([m5.inputRate, m5.outputRate]).toEqual([f.models[4].inputRate!.toString(), f.models[4].outputRate!.toString()]);
      expect(m1.lineage.map((l: Json) => l.datanetId)).toEqual(f.modelDatanets.filter((x) => x.modelId === 1).map((x) => x.datanetId).sort());
    });

    it("walks inferences newest first, by model, payer and status", async () => {
      const all = [...f.inferences].sort(desc((i) => ms(i.paidAt), (i) => i.requestId!));
      expect((await walk("/api/inferences", 13)).map((i) => i.requestId)).toEqual(all.map((i) => i.requestId));
      expect((await walk("/api/inferences?modelId=2", 4)).map((i) => i.requestId)).toEqual(all.filter((i) => i.modelId === 2).map((i) => i.requestId));
      // Addresses are accepted in any valid case and answered lower-case.
      const payer = payers[1].toUpperCase().replace("0X", "0x");
      const byPayer = await walk(`/api/inferences?payer=${payer}&status=settled`, 5);
      expect(byPayer.map((i) => i.requestId)).toEqual(all.filter((i) => i.payer === payers[1] && i.status === "settled").map((i) => i.requestId));
      expect(byPayer.every((i) => i.payer === payers[1])).toBe(true);
    });

    it("answers detail routes with exact amounts, lineage and attribution joined to contributions", async () => {
      const d = await ok("/api/datanets/1");
      expect(d).toMatchObject({ id: 1, versionCount: 2, bond: BIG.toString() });
      expect(d.versions.map((v: Json) => v.version)).toEqual([2, 1]);
      const ones = f.contributions.filter((c) => c.datanetId === 1);
      expect(d.statusCounts).toEqual({
        pending: ones.filter((c) => c.status === "pending").length,
        accepted: ones.filter((c) => c.status === "accepted").length,
        rejected: ones.filter((c) => c.status === "rejected").length,
      });
      const earned = f.earnings.filter((e) => e.role === "contributor" && e.datanetId === 1).reduce((s, e) => s + e.amount, 0n);
      expect(d.contributorEarnings).toBe(earned.toString());
      expect(d.models.map((m: Json) => m.id).sort()).toEqual(f.modelDatanets.filter((x) => x.datanetId === 1).map((x) => x.modelId).sort());

      const m = await ok("/api/models/1");
      expect(m).toMatchObject({ id: 1, kind: "infinigram", evaluation: { perplexity: 12.5 }, price: f.models[0].price.toString() });
      // Its tokenizer (issue 17): the card names none, so GPT-2's.
      expect(m.tokenizer).toBe("r50k_base");
      expect(m.lineage[0]).toMatchObject({ datanetId: 1, version: 2, rootVerified: true, count: 20 });

      const settled = f.inferences.find((i) => i.status === "settled" && f.attribution.filter((a) => a.requestId === i.requestId).length > 1)!;
      const inf = await ok(`/api/inferences/${settled.requestId}`);
      expect(inf).toMatchObject({
        requestId: settled.requestId,
        price: settled.price.toString(),
        contributorPool: settled.contributorPool!.toString(),
        status: "settled",
        result: { prompt: `prompt ${settled.requestId}`, attributionMethod: "infinigram-spans" },
      });
      const entries = f.attribution.filter((a) => a.requestId === settled.requestId);
      expect(inf.attributionCount).toBe(entries.length);
      expect(inf.attribution.reduce((s: bigint, a: Json) => s + BigInt(a.amount), 0n)).toBe(settled.contributorPool);
      for (const a of inf.attribution) {
        const c = f.contributions.find((x) => x.id === a.contributionId)!;
        expect(a).toMatchObject({ contentHash: c.contentHash, records: c.records, contributor: c.contributor, datanetName: f.datanets[0].name });
      }
      const paid = f.inferences.find((i) => i.status === "paid")!;
      expect(await ok(`/api/inferences/${paid.requestId}`)).toMatchObject({ status: "paid", result: null, attribution: [], settledAt: null, protocolFee: null });
    });

    it("serves earnings series whose sums equal the rollup rows, per bucket and group", async () => {
      const from = new Date(T0 + 3 * DAY + 5 * HOUR);
      const to = new Date(T0 + 30 * DAY);
      const cases: { q: string; bucket: "hour" | "day"; role?: string; datanetId?: number; modelId?: number; groupBy: string }[] = [
        { q: "", bucket: "hour", groupBy: "none" },
        { q: "bucket=day&groupBy=role", bucket: "day", groupBy: "role" },
        { q: "bucket=day&groupBy=datanet&role=contributor", bucket: "day", role: "contributor", groupBy: "datanet" },
        { q: "bucket=hour&groupBy=model&datanetId=2", bucket: "hour", datanetId: 2, groupBy: "model" },
        { q: "bucket=day&modelId=3&role=builder", bucket: "day", modelId: 3, role: "builder", groupBy: "none" },
      ];
      for (const c of cases) {
        const size = c.bucket === "hour" ? HOUR : DAY;
        const start = Math.floor(from.getTime() / size) * size;
        const end = Math.ceil(to.getTime() / size) * size;
        const rows = f.earnings.filter(
          (e) =>
            e.account === focus &&
            ms(e.hour) >= start &&
            ms(e.hour) < end &&
            (!c.role || e.role === c.role) &&
            (c.datanetId === undefined || e.datanetId === c.datanetId) &&
            (c.modelId === undefined || e.modelId === c.modelId),
        );
        const groups = new Map<string, Map<number, { amount: bigint; inferences: number }>>();
        for (const e of rows) {
          const key = c.groupBy === "role" ? e.role : c.groupBy === "datanet" ? String(e.datanetId) : c.groupBy === "model" ? String(e.modelId) : "all";
          const t0 = Math.floor(ms(e.hour) / size) * size;
          const g = groups.get(key) ?? (groups.set(key, new Map()), groups.get(key)!);
          const p = g.get(t0) ?? { amount: 0n, inferences: 0 };
          g.set(t0, { amount: p.amount + e.amount, inferences: p.inferences + e.inferences });
        }
        const expected = [...groups.entries()]
          .map(([key, points]) => {
            const ps = [...points.entries()].sort((a, b) => a[0] - b[0]);
            return {
              key,
              amount: ps.reduce((s, [, p]) => s + p.amount, 0n).toString(),
              inferences: ps.reduce((s, [, p]) => s + p.inferences, 0),
              points: ps.map(([t0, p]) => ({ t: new Date(t0).toISOString(), amount: p.amount.toString(), inferences: p.inferences })),
            };
          })
          .sort((a, b) => (a.key < b.key ? -1 : 1));
        // The same range in three spellings: ISO date-time, unix seconds, and (for `to`) an ISO date.
        for (const range of [
          `from=${from.toISOString()}&to=${to.toISOString()}`,
          `from=${from.getTime() / 1000}&to=2025-03-31`,
        ]) {
          // The address in checksummed-or-upper form is the same account.
          const body = await ok(`/api/accounts/${focus.toUpperCase().replace("0X", "0x")}/earnings?${range}${c.q ? `&${c.q}` : ""}`);
          expect(body).toMatchObject({ account: focus, bucket: c.bucket, from: new Date(start).toISOString(), to: new Date(end).toISOString(), groupBy: c.groupBy });
          const series = [...body.series].sort((a: Json, b: Json) => (a.key < b.key ? -1 : 1));
          expect(series, JSON.stringify(c)).toEqual(expected);
          expect(body.amount).toBe(rows.reduce((s, e) => s + e.amount, 0n).toString());
          expect(body.inferences).toBe(rows.reduce((s, e) => s + e.inferences, 0));
        }
        expect(rows.length, `case ${JSON.stringify(c)} has data`).toBeGreaterThan(0);
      }
      // Default range: the last 7 days, hourly; an account without rows gets empty series, not an error.
      const empty = await ok(`/api/accounts/${contributors[11].replace(/.$/, "f")}/earnings`);
      expect(empty).toMatchObject({ bucket: "hour", series: [], amount: "0", inferences: 0 });
      expect(Date.parse(empty.to) - Date.parse(empty.from)).toBe(7 * DAY);
      // The largest ranges allowed.
      expect((await get(`/api/accounts/${focus}/earnings?from=2025-01-01&to=2025-02-01`)).status).toBe(200);
      expect((await get(`/api/accounts/${focus}/earnings?bucket=day&from=2023-01-01&to=2026-01-01`)).status).toBe(200);
    });

    it("serves a model's usage series from model_usage_hourly", async () => {
      const body = await ok("/api/models/2/usage?bucket=day&from=2025-03-01&to=2025-04-10");
      const rows = f.usage.filter((u) => u.modelId === 2 && ms(u.hour) >= T0 && ms(u.hour) < Date.UTC(2025, 3, 10));
      expect(body.inferences).toBe(rows.reduce((s, u) => s + u.inferences, 0));
      expect(body.revenue).toBe(rows.reduce((s, u) => s + u.revenue, 0n).toString());
      expect(body.points.length).toBe(new Set(rows.map((u) => Math.floor(ms(u.hour) / DAY))).size);
      const hourly = await ok("/api/models/2/usage?from=2025-03-01&to=2025-03-31");
      expect(hourly.points.length).toBe(rows.filter((u) => ms(u.hour) < Date.UTC(2025, 2, 31)).length);
    });

    it("pages the attribution feed of a contributor, newest first, every credit once", async () => {
      const mine = f.attribution
        .filter((a) => a.contributor === focus)
        .sort(desc((a) => ms(a.settledAt), (a) => a.requestId, (a) => a.contributionId));
      expect(mine.length).toBeGreaterThan(30);
      // Some requests credit two of the focus account's contributions: the key needs contribution_id too.
      expect(new Set(mine.map((a) => a.requestId)).size).toBeLessThan(mine.length);
      const items = await walk(`/api/accounts/${focus}/attribution`, 4);
      expect(items.map((a) => `${a.requestId}:${a.contributionId}`)).toEqual(mine.map((a) => `${a.requestId}:${a.contributionId}`));
      const first = items[0];
      const inf = f.inferences.find((i) => i.requestId === first.requestId)!;
      expect(first).toMatchObject({ modelId: inf.modelId, datanetId: 1, datanetName: f.datanets[0].name, amount: mine[0].amount.toString(), weightPpm: mine[0].weightPpm });
    });

    it("answers the claim: no epoch yet, then a proof that verifies against the posted root", async () => {
      const before = await ok(`/api/accounts/${focus}/claim`);
      expect(before).toEqual({
        account: focus,
        epoch: null,
        root: null,
        postedAt: null,
        cumulativeAmount: "0",
        claimed: BIG.toString(),
        claimable: "0",
        proof: [],
        treeMatchesRoot: null,
        pending: null,
      });

      await insertEpochs(database.db, f);
      const latest = f.epochs[1];
      for (const [i, account] of contributors.entries()) {
        const body = await ok(`/api/accounts/${account}/claim`);
        const cumulative = BIG * 2n + BigInt(i * 7919);
        const claimed = f.claims.filter((c) => c.account === account).reduce((s, c) => s + c.amount, 0n);
        expect(body).toMatchObject({ epoch: 2, root: latest.root, cumulativeAmount: cumulative.toString(), claimed: claimed.toString(), treeMatchesRoot: true });
        expect(BigInt(body.claimable)).toBe(cumulative > claimed ? cumulative - claimed : 0n);
        expect(verifyClaim(latest.root as Hex, account as Address, cumulative, body.proof)).toBe(true);
        expect(verifyClaim(latest.root as Hex, account as Address, cumulative + 1n, body.proof)).toBe(false);
      }
      expect((await ok(`/api/accounts/${contributors[1]}/claim`)).claimable).toBe("0"); // claimed everything
      const stranger = await ok(`/api/accounts/${payers[0]}/claim`);
      expect(stranger).toMatchObject({ epoch: 2, cumulativeAmount: "0", claimable: "0", proof: [] });
    });

    it("serves the public inputs of a root: settled inferences in chain order with what was served, a root's leaves, the model artifacts", async () => {
      // Settled inferences, oldest settlement first, each with its served prompt, parameters, output and record.
      const settled = f.inferences.filter((i) => i.status === "settled").sort((a, b) => a.settledBlock! - b.settledBlock! || a.requestId! - b.requestId!);
      const through = settled[Math.floor(settled.length / 2)].settledBlock!;
      const walked = await walk("/api/settlements", 7);
      expect(walked.map((x) => x.requestId)).toEqual(settled.map((i) => i.requestId));
      const [first] = walked;
      const inf = settled[0];
      const served = f.results.find((r) => r.requestHash === inf.requestHash)!;
      expect(first).toEqual({
        requestId: inf.requestId,
        modelId: inf.modelId,
        artifactHash: f.models.find((m) => m.id === inf.modelId)!.artifactHash,
        requestHash: inf.requestHash,
        payer: inf.payer,
        operator: inf.operator,
        price: inf.price.toString(),
        contributorPool: inf.contributorPool!.toString(),
        outputHash: inf.outputHash,
        attributionHash: inf.attributionHash,
        settledBlock: inf.settledBlock,
        settledTx: inf.settledTx,
        served: { prompt: served.prompt, params: served.params, output: served.output, attributionMethod: served.attributionMethod, attributionRecord: served.attributionRecord },
      });
      // An epoch's set: every settlement up to its throughBlock, and from a block on.
      expect((await walk(`/api/settlements?throughBlock=${through}`, 5)).map((x) => x.requestId)).toEqual(settled.filter((i) => i.settledBlock! <= through).map((i) => i.requestId));
      expect((await walk(`/api/settlements?fromBlock=${through + 1}`, 100)).map((x) => x.requestId)).toEqual(settled.filter((i) => i.settledBlock! > through).map((i) => i.requestId));
      // An inference the node holds no answer for is listed with served: null (its pool is unattributed).
      await database.db.delete(t.inferenceResults).where(eq(t.inferenceResults.requestHash, inf.requestHash));
      try {
        expect((await ok(`/api/settlements?throughBlock=${inf.settledBlock}`)).items[0]).toMatchObject({ requestId: inf.requestId, served: null });
      } finally {
        await database.db.insert(t.inferenceResults).values(served);
      }

      // A root's leaves, by account, every one once; they rebuild the root.
      if ((await database.db.select({ n: count() }).from(t.epochs))[0].n === 0) await insertEpochs(database.db, f);
      for (const e of f.epochs) {
        const leaves = await walk(`/api/epochs/${e.epoch}/balances`, 5);
        const expected = f.balances.filter((b) => b.epoch === e.epoch).sort((a, b) => (a.account < b.account ? -1 : 1));
        expect(leaves).toEqual(expected.map((b) => ({ account: b.account, cumulativeAmount: b.cumulativeAmount.toString() })));
        expect(buildClaimsTree(leaves.map((l) => ({ account: l.account, cumulativeAmount: BigInt(l.cumulativeAmount) }))).root).toBe(e.root);
      }

      // A model's artifact, streamed byte for byte, checked and cached by its hash.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ledgerline-api-artifacts-"));
      const bytes = new Uint8Array(300_000).map((_, i) => (i * 31) % 251);
      const { hash: artifactHash, path: file } = putArtifact(bytes, dir);
      const [model] = await database.db.select().from(t.models).where(eq(t.models.id, 1));
      process.env.ARTIFACT_DIR = dir;
      await database.db.update(t.models).set({ artifactHash }).where(eq(t.models.id, 1));
      try {
        const res = await modelArtifact.GET(new Request("http://test/api/models/1/artifact"), { params: Promise.resolve({ id: "1" }) });
        expect(res.status).toBe(200);
        expect(res.headers.get("content-length")).toBe(String(bytes.length));
        expect(res.headers.get("etag")).toBe(`"${artifactHash}"`);
        expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
        expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
        const cached = await modelArtifact.GET(new Request("http://test/api/models/1/artifact", { headers: { "if-none-match": `"${artifactHash}"` } }), { params: Promise.resolve({ id: "1" }) });
        expect(cached.status).toBe(304);
        // A file that no longer hashes to its name is never served.
        fs.writeFileSync(`${file}.tmp`, bytes.map((b, i) => (i === 1000 ? b ^ 1 : b)));
        fs.renameSync(`${file}.tmp`, file);
        const damaged = await get("/api/models/1/artifact");
        expect(damaged.status).toBe(500);
        expect(damaged.body.error).toMatch(/damaged; it is not served/);
      } finally {
        await database.db.update(t.models).set({ artifactHash: model.artifactHash }).where(eq(t.models.id, 1));
        delete process.env.ARTIFACT_DIR;
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it("summarizes the last 24 hours from the rollups", async () => {
      const body = await ok("/api/stats");
      const from = Date.parse(body.from);
      const to = Date.parse(body.to);
      expect(to - from).toBe(24 * HOUR);
      expect(body.series).toHaveLength(24);
      const usage = f.usage.filter((u) => ms(u.hour) >= from && ms(u.hour) < to);
      const earn = f.earnings.filter((e) => e.role === "contributor" && ms(e.hour) >= from && ms(e.hour) < to);
      expect(body.inferences).toBe(usage.reduce((s, u) => s + u.inferences, 0));
      expect(body.feesPaid).toBe(usage.reduce((s, u) => s + u.revenue, 0n).toString());
      expect(body.contributorEarnings).toBe(earn.reduce((s, e) => s + e.amount, 0n).toString());
      expect(body.contributorsEarning).toBe(new Set(earn.map((e) => e.account)).size);
      expect(body.series.reduce((s: bigint, p: Json) => s + BigInt(p.feesPaid), 0n).toString()).toBe(body.feesPaid);
    });

    it("answers every kind of malformed input on every route with a 4xx and a message, never a 500", async () => {
      const A = focus;
      const tampered = Buffer.from(JSON.stringify(["datanets:newest", "not a date", 1])).toString("base64url");
      const foreign = (await ok("/api/models?limit=1")).nextCursor as string;
      const flipped = foreign.slice(0, -2) + (foreign.endsWith("A") ? "B" : "A") + foreign.slice(-1);
      const cases: [string, string, number[]][] = [
        ["GET", "/api/datanets?limit=0", [400]],
        ["GET", "/api/datanets?limit=-5", [400]],
        ["GET", "/api/datanets?limit=101", [400]],
        ["GET", "/api/datanets?limit=99999999999999999999999", [400]],
        ["GET", "/api/datanets?limit=1.5", [400]],
        ["GET", "/api/datanets?limit=1;drop%20table%20datanets", [400]],
        ["GET", "/api/datanets?sort=oldest", [400]],
        ["GET", "/api/datanets?cursor=!!!", [400]],
        ["GET", `/api/datanets?cursor=${tampered}`, [400]],
        ["GET", `/api/datanets?cursor=${foreign}`, [400]],
        ["GET", `/api/datanets?cursor=${flipped}`, [400]],
        ["GET", `/api/datanets?q=${"x".repeat(101)}`, [400]],
        ["GET", `/api/datanets?tag=${"x".repeat(51)}`, [400]],
        ["GET", "/api/datanets/abc", [404]],
        ["GET", "/api/datanets/0", [404]],
        ["GET", "/api/datanets/-1", [404]],
        ["GET", "/api/datanets/1.5", [404]],
        ["GET", `/api/datanets/${encodeURIComponent("1;drop table datanets")}`, [404]],
        ["GET", "/api/datanets/99999999999999999999", [404]],
        ["GET", "/api/datanets/9999", [404]],
        ["GET", "/api/datanets/1/contributions?status=approved", [400]],
        ["GET", "/api/datanets/1/contributions?limit=-1", [400]],
        ["GET", `/api/datanets/1/contributions?cursor=${tampered}`, [400]],
        ["GET", "/api/datanets/9999/contributions", [404]],
        ["GET", "/api/datanets/x/contributions", [404]],
        ["GET", "/api/datanets/1/leaderboard?cursor=eyJ4Ijox", [400]],
        ["GET", "/api/datanets/1/leaderboard?limit=1000", [400]],
        ["GET", "/api/datanets/9999/leaderboard", [404]],
        ["GET", "/api/datanets/NaN/leaderboard", [404]],
        ["GET", "/api/datanets/1/records?version=x", [400]],
        ["GET", `/api/datanets/1/records?cursor=${tampered}`, [400]],
        ["GET", "/api/datanets/9999/records", [404]],
        ["GET", "/api/datanets/1/usage?bucket=minute", [400]],
        ["GET", "/api/datanets/9999/usage", [404]],
        ["GET", "/api/datanets/1/originality", [400]],
        ["GET", "/api/datanets/1/originality?hash=0x12", [400]],
        ["GET", `/api/datanets/1/originality?hash=0x${"a".repeat(6400)}`, [400]],
        ["GET", `/api/datanets/1/originality?hash=${encodeURIComponent("' or 1=1 --")}`, [400]],
        ["GET", `/api/datanets/1/originality?hash=0x${"0".repeat(64)}`, [404]],
        ["GET", `/api/datanets/9999/originality?hash=0x${"0".repeat(64)}`, [404]],
        ["GET", `/api/datanets/abc/originality?hash=0x${"0".repeat(64)}`, [404]],
        ["GET", "/api/datanets/1/forecast", [400]],
        ["GET", "/api/datanets/1/forecast?hash=0x12", [400]],
        ["GET", `/api/datanets/1/forecast?hash=0x${"a".repeat(6400)}`, [400]],
        ["GET", `/api/datanets/1/forecast?hash=${encodeURIComponent("' or 1=1 --")}`, [400]],
        ["GET", `/api/datanets/1/forecast?hash=0x${"0".repeat(64)}`, [404]],
        ["GET", `/api/datanets/9999/forecast?hash=0x${"0".repeat(64)}`, [404]],
        ["GET", `/api/datanets/abc/forecast?hash=0x${"0".repeat(64)}`, [404]],
        ["GET", "/api/datanets/1/contributions/abc/originality", [404]],
        ["GET", "/api/datanets/1/contributions/0/originality", [404]],
        ["GET", "/api/datanets/1/contributions/999999/originality", [404]],
        ["GET", "/api/datanets/9999/contributions/1/originality", [404]],
        ["GET", "/api/models?datanet=0", [400]],
        ["GET", "/api/models?kind=gpt", [400]],
        ["GET", "/api/models?sort=cheapest", [400]],
        ["GET", "/api/models?limit=abc", [400]],
        ["GET", `/api/models?cursor=${tampered}`, [400]],
        ["GET", "/api/models/abc", [404]],
        ["GET", "/api/models/9999", [404]],
        ["GET", "/api/models/1/usage?bucket=month", [400]],
        ["GET", "/api/accounts/0x1234/claims", [400]],
        ["GET", `/api/accounts/${A}/claims?cursor=${foreign}`, [400]],
        ["GET", `/api/accounts/${A}/claims?limit=0`, [400]],
        ["GET", "/api/accounts/0x1234/contributions", [400]],
        ["GET", `/api/accounts/${A}/contributions?status=maybe`, [400]],
        ["GET", `/api/accounts/${A}/contributions?cursor=${foreign}`, [400]],
        ["GET", "/api/accounts/not-an-address/earnings.csv", [400]],
        ["GET", `/api/stats/settlements?cursor=${tampered}`, [400]],
        ["GET", "/api/stats/settlements?limit=101", [400]],
        ["GET", "/api/models/1/usage?from=yesterday", [400]],
        ["GET", "/api/models/1/usage?from=2025-13-01", [400]],
        ["GET", "/api/models/1/usage?to=2025-02-30", [400]],
        ["GET", "/api/models/1/usage?from=2025-03-10&to=2025-03-01", [400]],
        ["GET", "/api/models/1/usage?from=2025-01-01&to=2025-03-01", [400]],
        ["GET", "/api/models/1/usage?bucket=day&from=2020-01-01&to=2025-01-01", [400]],
        ["GET", "/api/models/1/usage?from=2025-03-01T00:00:00", [400]],
        ["GET", "/api/models/1/usage?from=99999999999999", [400]],
        ["GET", "/api/models/9999/usage", [404]],
        ["GET", "/api/inferences?modelId=abc", [400]],
        ["GET", "/api/inferences?modelId=1;drop%20table%20inferences", [400]],
        ["GET", "/api/inferences?payer=0x123", [400]],
        ["GET", `/api/inferences?payer=${A.slice(0, -1)}G`, [400]],
        ["GET", "/api/inferences?payer=0xFB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", [400]], // bad EIP-55 checksum (first letter)
        ["GET", "/api/inferences?status=done", [400]],
        ["GET", `/api/inferences?cursor=${flipped}`, [400]],
        ["GET", "/api/inferences/abc", [404]],
        ["GET", "/api/inferences/99999", [404]],
        ["GET", "/api/accounts/0x123/earnings", [400]],
        ["GET", "/api/accounts/not-an-address/earnings", [400]],
        ["GET", `/api/accounts/${encodeURIComponent("' or 1=1 --")}/earnings`, [400]],
        ["GET", `/api/accounts/${A}/earnings?groupBy=datanets`, [400]],
        ["GET", `/api/accounts/${A}/earnings?role=admin`, [400]],
        ["GET", `/api/accounts/${A}/earnings?datanetId=0`, [400]],
        ["GET", `/api/accounts/${A}/earnings?modelId=-3`, [400]],
        ["GET", `/api/accounts/${A}/earnings?from=-1`, [400]],
        ["GET", `/api/accounts/${A}/earnings?from=2024-01-01&to=2025-01-01`, [400]],
        ["GET", `/api/accounts/${A}/earnings?bucket=day&from=1970-01-01&to=2100-01-01`, [400]],
        ["GET", `/api/accounts/${A}/earnings?bucket=minute`, [400]],
        ["GET", "/api/accounts/0x123/attribution", [400]],
        ["GET", `/api/accounts/${A}/attribution?limit=0`, [400]],
        ["GET", `/api/accounts/${A}/attribution?cursor=${tampered}`, [400]],
        ["GET", `/api/accounts/${A}/attribution?cursor=${"A".repeat(2000)}`, [400]],
        ["GET", "/api/accounts/0xZZ00000000000000000000000000000000000000/claim", [400]],
        ["GET", `/api/accounts/${A}00/claim`, [400]],
        ["GET", "/api/content/1;drop%20table%20contents", [404]],
        ["GET", `/api/content/0x${"0".repeat(64)}`, [404]],
        ["GET", "/api/stream?types=DROP%20TABLE", [400]],
        ["GET", "/api/operators?limit=0", [400]],
        ["GET", `/api/operators?cursor=${foreign}`, [400]],
        ["GET", "/api/operators/0x1234", [400]],
        ["GET", `/api/operators/${A}`, [404]],
        ["GET", `/api/governance/proposals?cursor=${tampered}`, [400]],
        ["GET", "/api/governance/proposals?limit=101", [400]],
        ["GET", "/api/governance/proposals/abc", [404]],
        ["GET", `/api/governance/proposals/${"9".repeat(80)}`, [404]],
        ["GET", "/api/governance/proposals/12345", [404]],
        ["GET", "/api/governance/accounts/0x12", [400]],
        ["POST", "/api/content?filename=anonymous.txt", [401]],
        ["POST", "/api/content?filename=empty.txt", [422]],
        ["POST", "/api/content?filename=bad.json", [422]],
        ["POST", `/api/content?filename=${"x".repeat(300)}.txt`, [400]],
        ["POST", `/api/content/0x${"a".repeat(64)}/attestation?case=anonymous`, [401]],
        ["POST", "/api/content/0x12/attestation", [404]],
        ["POST", `/api/content/0x${"a".repeat(64)}/attestation?case=unknown`, [404]],
        ["POST", `/api/content/0x${"a".repeat(64)}/attestation?case=unknown-datanet`, [404]],
        ["POST", `/api/content/0x${"a".repeat(64)}/attestation?case=bad-datanet`, [400]],
        ["POST", `/api/content/0x${"a".repeat(64)}/attestation?case=forged-uploader`, [400]],
        ["GET", "/api/inferences/abc/verify", [404]],
        ["GET", "/api/settlements?throughBlock=-1", [400]],
        ["GET", "/api/settlements?fromBlock=ten", [400]],
        ["GET", "/api/settlements?fromBlock=1.5", [400]],
        ["GET", "/api/settlements?throughBlock=1e400", [400]],
        ["GET", "/api/settlements?limit=101", [400]],
        ["GET", `/api/settlements?cursor=${foreign}`, [400]],
        ["GET", "/api/epochs/0/balances", [404]],
        ["GET", "/api/epochs/abc/balances", [404]],
        ["GET", "/api/epochs/99999/balances", [404]],
        ["GET", "/api/epochs/1/balances?limit=1001", [400]],
        ["GET", `/api/epochs/1/balances?cursor=${tampered}`, [400]],
        ["GET", "/api/models/abc/artifact", [404]],
        ["GET", "/api/models/99999/artifact", [404]],
        ["GET", "/api/models/1/artifact", [404]], // registered, but its artifact is not on this server
        ["GET", "/api/inferences/99999/verify", [404]],
        ["GET", "/api/factory/builds?limit=0", [400]],
        ["GET", "/api/factory/builds?builder=0x12", [400]],
        ["GET", "/api/factory/builds/not-a-uuid", [404]],
        ["GET", "/api/factory/builds/7d444840-9dc0-11d1-b245-5ffdce74fad2", [404]],
        ["POST", "/api/factory/builds?case=not-json", [400]],
        ["POST", "/api/factory/builds?case=empty", [400]],
        ["POST", "/api/factory/builds?case=kind", [400]],
        ["POST", "/api/factory/builds?case=no-datanets", [400]],
        ["POST", "/api/factory/builds?case=unknown-datanet", [404]],
        ["POST", "/api/factory/builds?case=unknown-version", [404]],
        ["POST", "/api/factory/builds?case=external-url", [400]],
        ["POST", "/api/factory/builds?case=tokenizer", [400]],
        ["POST", "/api/factory/builds?case=tokenizer-proto", [400]],
        ["POST", "/api/factory/builds?case=tokenizer-constructor", [400]],
        ["POST", "/api/factory/builds?case=tokenizer-case", [400]],
        ["GET", "/api/models/abc/inference", [404]],
        ["POST", "/api/models/abc/inference", [404]],
        ["POST", "/api/models/1/inference?case=empty-prompt", [400]],
        ["POST", "/api/models/1/inference?case=huge-prompt", [400]],
        ["POST", "/api/models/1/inference?case=max-tokens", [400]],
        ["POST", "/api/models/1/inference?case=unknown-param", [400]],
        ["POST", "/api/models/1/inference?case=bad-tx", [400]],
        ["GET", "/api/payments/batch-settlement/charges/0x12", [404]],
        ["GET", `/api/payments/batch-settlement/charges/0x${"a".repeat(64)}`, [404]],
        ["POST", "/api/settlement/epoch", [401]],
        ["POST", "/api/auth/session?case=not-json", [400]],
        ["POST", "/api/auth/session?case=no-signature", [400]],
        ["POST", "/api/auth/session?case=not-siwe", [401]],
      ];
      const build = (over: Record<string, unknown>) => JSON.stringify({ kind: "infinigram", name: "A model", datanets: [{ id: 1, version: 1 }], ...over });
      const bodies: Record<string, BodyInit> = {
        "/api/content?filename=anonymous.txt": "uploaded without signing in",
        "/api/content?filename=bad.json": "{not json",
        [`/api/content/0x${"a".repeat(64)}/attestation?case=anonymous`]: JSON.stringify({ datanetId: 1 }),
        "/api/content/0x12/attestation": JSON.stringify({ datanetId: 1 }),
        [`/api/content/0x${"a".repeat(64)}/attestation?case=unknown`]: JSON.stringify({ datanetId: 1 }),
        [`/api/content/0x${"a".repeat(64)}/attestation?case=unknown-datanet`]: JSON.stringify({ datanetId: 9999 }),
        [`/api/content/0x${"a".repeat(64)}/attestation?case=bad-datanet`]: JSON.stringify({ datanetId: -1 }),
        [`/api/content/0x${"a".repeat(64)}/attestation?case=forged-uploader`]: JSON.stringify({ datanetId: 1, uploader: focus }),
        "/api/auth/session?case=not-json": "{message:",
        "/api/auth/session?case=no-signature": JSON.stringify({ message: "localhost wants you to sign in" }),
        "/api/auth/session?case=not-siwe": JSON.stringify({ message: "hello", signature: "0x1234" }),
        "/api/factory/builds?case=not-json": "{kind: infinigram",
        "/api/factory/builds?case=empty": "{}",
        "/api/factory/builds?case=kind": build({ kind: "gpt" }),
        "/api/factory/builds?case=no-datanets": build({ datanets: [] }),
        "/api/factory/builds?case=unknown-datanet": build({ datanets: [{ id: 9999, version: 1 }] }),
        "/api/factory/builds?case=unknown-version": build({ datanets: [{ id: 1, version: 999 }] }),
        "/api/factory/builds?case=external-url": build({ kind: "external", parameters: { baseUrl: "file:///etc/passwd", model: "x" } }),
        "/api/factory/builds?case=tokenizer": build({ parameters: { tokenizer: "gpt5_base" } }),
        // Prototype keys (one smuggled as an own "__proto__" key of the JSON), and another spelling of a real name.
        "/api/factory/builds?case=tokenizer-proto": '{"kind":"infinigram","name":"A model","datanets":[{"id":1,"version":1}],"parameters":{"__proto__":{"tokenizer":"o200k_base"},"tokenizer":"__proto__"}}',
        "/api/factory/builds?case=tokenizer-constructor": build({ kind: "rag", parameters: { tokenizer: "constructor" } }),
        "/api/factory/builds?case=tokenizer-case": build({ parameters: { tokenizer: " O200K_base" } }),
        "/api/models/1/inference?case=empty-prompt": JSON.stringify({ prompt: "   " }),
        "/api/models/1/inference?case=huge-prompt": JSON.stringify({ prompt: "x".repeat(8_001) }),
        "/api/models/1/inference?case=max-tokens": JSON.stringify({ prompt: "hi", params: { maxTokens: 100_000 } }),
        "/api/models/1/inference?case=unknown-param": JSON.stringify({ prompt: "hi", params: { maxSupport: 5 } }),
        "/api/models/1/inference?case=bad-tx": JSON.stringify({ prompt: "hi", payment: { txHash: "0x12", nonce: "0x34" } }),
      };
      // Posting an epoch over HTTP needs the operator's token once one is set.
      process.env.EPOCH_TRIGGER_TOKEN = "api-test-token";
      // Uploads need a signed-in session (lib/auth): the malformed ones are sent signed in, except `anonymous`.
      const session = encodeSession({ address: focus as Address, chainId: 31337, issuedAt: new Date(), expiresAt: new Date(Date.now() + HOUR) }, await sessionSecret(database.db));
      const headersFor = (url: string) => (url.startsWith("/api/content") && !url.includes("anonymous") ? { cookie: `${SESSION_COOKIE}=${session}` } : undefined);
      const failures: string[] = [];
      for (const [method, url, statuses] of cases) {
        const res = await call(method as "GET" | "POST", url, method === "POST" ? { body: bodies[url] ?? "", headers: headersFor(url) } : undefined);
        if (!statuses.includes(res.status) || typeof res.body.error !== "string" || res.body.error.length < 5) {
          failures.push(`${method} ${url} → ${res.status} ${res.text}`);
        }
      }
      expect(failures).toEqual([]);
      // Each route is covered (stats, openapi.json take no input; health needs a chain).
      const covered = new Set(cases.map(([, url]) => routes.find(([p]) => new RegExp(`^${p.replace(/\{\w+\}/g, "[^/]+")}$`).test(url.split("?")[0]))?.[0]));
      expect([...routes.map(([p]) => p)].filter((p) => !covered.has(p))).toEqual(["/api/payments/batch-settlement/refund", "/api/governance/params", "/api/stats", "/api/auth/nonce", "/api/openapi.json"]); // (the nonce and the governance parameters take no input either; the batch refund needs a chain: lib/inference/batch-settlement.test.ts sends it forged headers)
      // Routes without parameters ignore unknown ones rather than fail.
      expect((await get("/api/stats?x=1;drop%20table%20datanets")).status).toBe(200);
      // The SQL-ish inputs changed nothing.
      const [{ n }] = await database.db.select({ n: count() }).from(t.datanets);
      expect(Number(n)).toBe(f.datanets.length);
      const [{ stored }] = await database.db.select({ stored: count() }).from(t.contents);
      expect(Number(stored)).toBe(0);
      const [{ builds }] = await database.db.select({ builds: count() }).from(t.modelBuilds);
      expect(Number(builds)).toBe(0);
      // A message says which parameter and why.
      expect((await get("/api/datanets?limit=101")).body.error).toBe("query.limit: must be at most 100");
      expect((await get(`/api/accounts/${A}/earnings?from=2024-01-01&to=2025-01-01`)).body.error).toMatch(/^query: range too large: at most 31 days with bucket=hour/);
      expect((await get(`/api/datanets?cursor=${foreign}`)).body.error).toMatch(/another list or sort/);
      const badTokenizer = await call("POST", "/api/factory/builds?case=tokenizer", { body: bodies["/api/factory/builds?case=tokenizer"] });
      expect(badTokenizer.body.error).toBe("body.parameters.tokenizer: tokenizer must be one of r50k_base, cl100k_base, o200k_base");
      for (const c of ["tokenizer-proto", "tokenizer-constructor", "tokenizer-case"]) {
        const url = `/api/factory/builds?case=${c}`;
        expect((await call("POST", url, { body: bodies[url] })).body.error, c).toBe("body.parameters.tokenizer: tokenizer must be one of r50k_base, cl100k_base, o200k_base");
      }
    });
  });
}
