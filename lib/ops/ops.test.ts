/**
 * GET /metrics and GET /api/health, called as Next calls them, against a real chain (anvil) and a real
 * database (PGlite, and Postgres when TEST_DATABASE_URL is set): the exposition text must parse as Prometheus'
 * text format (a strict parser below), a missing or wrong token gets 401 with nothing behind it, and health says
 * which of chain, database and indexer is down.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as healthRoute from "@/app/api/health/route";
import * as inferenceRoute from "@/app/api/models/[id]/inference/route";
import * as metricsRoute from "@/app/metrics/route";
import { setDatabaseForTests, type Database } from "@/db/client";
import * as t from "@/db/schema";
import { openTestDatabase, testDatabaseKinds } from "@/db/testing";
import { ANVIL_CHAIN_ID, devAccount, freePort, startAnvil, type Anvil } from "@/lib/chain/anvil";
import { CONTRACTS_VERSION } from "@/lib/chain/deploy";
import { recentProblems } from "./log";

type Handler = (request: Request, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;

async function call(handler: Handler, url: string, init: RequestInit = {}, params: Record<string, string> = {}) {
  const res = await handler(new Request(`http://127.0.0.1${url}`, init), { params: Promise.resolve(params) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

// ---------------------------------------------------------------------------------------------------------
// A strict parser of Prometheus' text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): throws on anything the format does not allow.
// ---------------------------------------------------------------------------------------------------------

interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface ParsedFamily {
  type: "counter" | "gauge" | "histogram" | "summary" | "untyped";
  help?: string;
  series: Series[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function parseValue(raw: string, line: number): number {
  if (raw === "NaN") return NaN;
  if (raw === "+Inf" || raw === "Inf") return Infinity;
  if (raw === "-Inf") return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) throw new Error(`line ${line}: bad value "${raw}"`);
  return Number(raw);
}

function parseLabels(src: string, line: number): [Record<string, string>, string] {
  const labels: Record<string, string> = {};
  let i = 0;
  if (src[i] !== "{") return [labels, src];
  i++;
  while (src[i] !== "}") {
    const m = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(src.slice(i));
    if (!m) throw new Error(`line ${line}: bad label at "${src.slice(i)}"`);
    const name = m[1];
    if (!LABEL_NAME.test(name) || name.startsWith("__")) throw new Error(`line ${line}: bad label name ${name}`);
    if (name in labels) throw new Error(`line ${line}: duplicate label ${name}`);
    i += m[0].length;
    let value = "";
    for (;;) {
      const c = src[i];
      if (c === undefined || c === "\n") throw new Error(`line ${line}: unterminated label value`);
      if (c === '"') break;
      if (c === "\\") {
        const e = src[i + 1];
        if (e === "\\") value += "\\";
        else if (e === '"') value += '"';
        else if (e === "n") value += "\n";
        else throw new Error(`line ${line}: bad escape \\${e}`);
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    labels[name] = value;
    i++; // closing quote
    if (src[i] === ",") i++;
    else if (src[i] !== "}") throw new Error(`line ${line}: expected , or } after a label`);
  }
  return [labels, src.slice(i + 1)];
}

function parseExposition(text: string): Map<string, ParsedFamily> {
  if (!text.endsWith("\n")) throw new Error("the exposition must end with a line feed");
  const families = new Map<string, ParsedFamily>();
  const seen = new Set<string>();
  let current: string | null = null;
  const familyOf = (sample: string, type: ParsedFamily["type"] | undefined) =>
    type === "histogram" ? sample.replace(/_(bucket|sum|count)$/, "") : type === "summary" ? sample.replace(/_(sum|count)$/, "") : sample;
  text
    .slice(0, -1)
    .split("\n")
    .forEach((raw, idx) => {
      const line = idx + 1;
      if (raw === "") return;
      if (raw.startsWith("#")) {
        const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
        if (!m) return; // a plain comment
        const [, kind, name, rest] = m;
        if (!METRIC_NAME.test(name)) throw new Error(`line ${line}: bad metric name ${name}`);
        const f = families.get(name) ?? { type: "untyped" as const, series: [] };
        if (kind === "TYPE") {
          if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(rest)) throw new Error(`line ${line}: bad type ${rest}`);
          if (families.get(name)?.series.length) throw new Error(`line ${line}: TYPE after samples of ${name}`);
          if (seen.has(`TYPE ${name}`)) throw new Error(`line ${line}: second TYPE for ${name}`);
          seen.add(`TYPE ${name}`);
          f.type = rest as ParsedFamily["type"];
        } else {
          if (seen.has(`HELP ${name}`)) throw new Error(`line ${line}: second HELP for ${name}`);
          seen.add(`HELP ${name}`);
          if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ""))) throw new Error(`line ${line}: bad escape in HELP`);
          f.help = rest;
        }
        families.set(name, f);
        if (current !== name && families.get(name)!.series.length === 0) current = name;
        return;
      }
      const nameMatch = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(raw);
      if (!nameMatch) throw new Error(`line ${line}: not a sample: "${raw}"`);
      const sampleName = nameMatch[1];
      const [labels, rest] = parseLabels(raw.slice(sampleName.length), line);
      const parts = rest.trim().split(/ +/);
      if (!rest.startsWith(" ") || parts.length < 1 || parts.length > 2) throw new Error(`line ${line}: expected " value [timestamp]"`);
      const value = parseValue(parts[0], line);
      if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw new Error(`line ${line}: bad timestamp`);
      const candidates = [sampleName, sampleName.replace(/_(bucket|sum|count)$/, "")];
      const fname = candidates.find((c) => families.has(c) && familyOf(sampleName, families.get(c)!.type) === c) ?? sampleName;
      const f = families.get(fname) ?? { type: "untyped" as const, series: [] };
      families.set(fname, f);
      if (current !== fname) {
        if (f.series.length) throw new Error(`line ${line}: samples of ${fname} are not together`);
        current = fname;
      }
      const key = `${sampleName}${JSON.stringify(Object.entries(labels).sort())}`;
      if (seen.has(key)) throw new Error(`line ${line}: duplicate series ${key}`);
      seen.add(key);
      if (f.type === "counter" && (value < 0 || Number.isNaN(value))) throw new Error(`line ${line}: a counter must be ≥ 0`);
      if (f.type === "histogram" && sampleName.endsWith("_bucket") && !("le" in labels)) throw new Error(`line ${line}: a bucket needs le`);
      f.series.push({ name: sampleName, labels, value });
    });
  // Histograms: buckets non-decreasing, ending in +Inf equal to _count.
  for (const [name, f] of families) {
    if (f.type !== "histogram") continue;
    const groups = new Map<string, Series[]>();
    for (const s of f.series.filter((x) => x.name === `${name}_bucket`)) {
      const { le: _le, ...rest } = s.labels;
      const k = JSON.stringify(Object.entries(rest).sort());
      groups.set(k, [...(groups.get(k) ?? []), s]);
    }
    for (const [k, buckets] of groups) {
      const les = buckets.map((b) => parseValue(b.labels.le, 0));
      if (les.some((le, i) => i > 0 && le <= les[i - 1])) throw new Error(`${name}: le not increasing`);
      if (les[les.length - 1] !== Infinity) throw new Error(`${name}: no +Inf bucket`);
      if (buckets.some((b, i) => i > 0 && b.value < buckets[i - 1].value)) throw new Error(`${name}: buckets not cumulative`);
      const countSeries = f.series.find((s) => s.name === `${name}_count` && JSON.stringify(Object.entries(s.labels).sort()) === k);
      if (countSeries?.value !== buckets[buckets.length - 1].value) throw new Error(`${name}: +Inf bucket differs from _count`);
    }
  }
  return families;
}

const valueOf = (f: Map<string, ParsedFamily>, name: string, labels: Record<string, string> = {}) =>
  f.get(name)?.series.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe("the strict exposition parser (it must be able to fail)", () => {
  it("accepts valid text and refuses what the format forbids", () => {
    const ok = '# HELP a_total A.\n# TYPE a_total counter\na_total{x="1\\n\\"q\\"\\\\"} 3\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3.5\nh_count 2\n';
    const f = parseExposition(ok);
    expect(f.get("a_total")?.series[0].labels.x).toBe('1\n"q"\\');
    for (const bad of [
      "a 1", // no final line feed
      "a{x=1} 1\n",
      'a{x="1} 1\n',
      "a 1 2 3\n",
      "a one\n",
      "9a 1\n",
      '# TYPE a counter\na -1\n',
      '# TYPE a bogus\n',
      'a{x="1"} 1\na{x="1"} 2\n',
      "a 1\nb 1\na 2\n",
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
      '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n',
      'a{x="\\t"} 1\n',
    ]) {
      expect(() => parseExposition(bad), JSON.stringify(bad)).toThrow();
    }
  });
});

let anvil: Anvil;
let tmp: string;
const env = { ...process.env };
const operator = devAccount(0).address;

function writeDeployment(file: string, chainId: number) {
  fs.writeFileSync(
    file,
    JSON.stringify({
      chainId,
      contractsVersion: CONTRACTS_VERSION,
      ...Object.fromEntries(["token", "datanetRegistry", "modelRegistry", "inferenceMarket", "openVotes", "timelock", "governor", "deployer"].map((k) => [k, operator])),
      startBlock: 0,
    }),
  );
}

beforeAll(async () => {
  anvil = await startAnvil();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ledgerline-ops-"));
  writeDeployment(path.join(tmp, "31337.json"), ANVIL_CHAIN_ID);
  writeDeployment(path.join(tmp, "10.json"), 10);
  process.env.DEPLOYMENT_FILE = path.join(tmp, "31337.json");
  process.env.RPC_URL = anvil.rpcUrl;
  for (const k of ["METRICS_TOKEN", "OPERATOR_LOW_BALANCE", "HEALTH_MAX_INDEXER_LAG", "OPERATOR_PRIVATE_KEY", "MAX_PROMPT_TOKENS"]) delete process.env[k];
});

afterAll(async () => {
  process.env = env;
  await anvil?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const mine = (blocks: number) => fetch(anvil.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "anvil_mine", params: [`0x${blocks.toString(16)}`] }) });
const head = async () => Number(((await (await fetch(anvil.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }) })).json()) as { result: string }).result);

for (const { kind, available } of testDatabaseKinds) {
  describe.skipIf(!available)(`operator endpoints on ${kind}`, () => {
    let database: Database;

    beforeAll(async () => {
      database = await openTestDatabase(kind);
      setDatabaseForTests(database);
      await mine(20);
      const h = await head();
      await database.db.insert(t.indexerCheckpoints).values({ chainId: ANVIL_CHAIN_ID, deploymentKey: "test", block: h - 5, blockHash: `0x${"ab".repeat(32)}` });
      const job = (n: number, status: "queued" | "serving" | "served" | "failed" | "settled", error: string | null = null) => ({
        requestHash: `0x${n.toString(16).padStart(64, "0")}`,
        requestId: n,
        modelId: 1,
        payer: operator,
        via: "x402" as const,
        status,
        prompt: "p",
        params: {},
        error,
      });
      await database.db.insert(t.inferenceJobs).values([job(1, "queued"), job(2, "serving"), job(3, "served", "settle: nonce too low"), job(4, "failed", "refund: out of gas"), job(5, "settled")]);
    });
    afterAll(async () => {
      setDatabaseForTests(undefined);
      await database?.close();
    });

    it("exports the node's metrics in Prometheus text format on the local chain", async () => {
      // A real paid request refused before payment (prompt over MAX_PROMPT_TOKENS): counted by scheme and status.
      process.env.MAX_PROMPT_TOKENS = "3";
      const refused = await call(inferenceRoute.POST as Handler, "/api/models/1/inference", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "one two three four five six seven" }) }, { id: "1" });
      delete process.env.MAX_PROMPT_TOKENS;
      expect(refused.status).toBe(422);
      expect(refused.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);

      const res = await call(metricsRoute.GET as Handler, "/metrics");
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
      const f = parseExposition(res.text);
      const h = await head();
      expect(valueOf(f, "ledgerline_up", { component: "chain" })).toBe(1);
      expect(valueOf(f, "ledgerline_up", { component: "database" })).toBe(1);
      expect(valueOf(f, "ledgerline_chain_head_block")).toBeGreaterThanOrEqual(h);
      const [cp] = await database.db.select().from(t.indexerCheckpoints);
      expect(valueOf(f, "ledgerline_indexer_block")).toBe(cp.block);
      expect(valueOf(f, "ledgerline_indexer_lag_blocks")).toBe(valueOf(f, "ledgerline_chain_head_block")! - cp.block);
      expect(valueOf(f, "ledgerline_job_queue_depth")).toBe(2);
      expect(valueOf(f, "ledgerline_inference_jobs", { status: "served" })).toBe(1);
      expect(valueOf(f, "ledgerline_inference_jobs", { status: "failed" })).toBe(1);
      expect(valueOf(f, "ledgerline_paid_requests_total", { scheme: "none", status: "422" })).toBeGreaterThanOrEqual(1);
      expect(valueOf(f, "ledgerline_operator_balance_low", { address: operator.toLowerCase() })).toBe(0);
      expect(valueOf(f, "ledgerline_operator_balance_wei", { address: operator.toLowerCase() })).toBeGreaterThan(1e18);
      for (const name of ["ledgerline_paid_requests_total", "ledgerline_settlements_total", "ledgerline_refunds_total"]) expect(f.get(name)?.type).toBe("counter");
      expect(f.get("ledgerline_serve_duration_seconds")?.type).toBe("histogram");
      expect(f.get("ledgerline_sse_subscribers")?.type).toBe("gauge");
    });

    it("refuses a missing or wrong token with 401 and nothing behind it; needs a token off the local chain", async () => {
      process.env.METRICS_TOKEN = "metrics-token-0123456789";
      try {
        for (const authorization of [undefined, "Bearer wrong-token-0123456789", "Bearer metrics-token-012345678", "Basic metrics-token-0123456789", "Bearer metrics-token-0123456789 extra"]) {
          const res = await call(metricsRoute.GET as Handler, "/metrics", { headers: authorization ? { authorization } : {} });
          expect(res.status, authorization).toBe(401);
          expect(JSON.parse(res.text)).toEqual({ error: "Reading /metrics needs Authorization: Bearer <METRICS_TOKEN>.", reason: "unauthorized" });
          expect(res.text).not.toMatch(/ledgerline_|metrics-token|0x[0-9a-f]{40}/i);
        }
        const ok = await call(metricsRoute.GET as Handler, "/metrics", { headers: { authorization: "Bearer metrics-token-0123456789" } });
        expect(ok.status).toBe(200);
        expect(parseExposition(ok.text).has("ledgerline_up")).toBe(true);
      } finally {
        delete process.env.METRICS_TOKEN;
      }
      process.env.DEPLOYMENT_FILE = path.join(tmp, "10.json");
      try {
        const res = await call(metricsRoute.GET as Handler, "/metrics");
        expect(res.status).toBe(403);
        expect(res.text).not.toContain("ledgerline_");
      } finally {
        process.env.DEPLOYMENT_FILE = path.join(tmp, "31337.json");
      }
    });

    it("reports a low operator balance in the metrics and the logs", async () => {
      process.env.OPERATOR_LOW_BALANCE = (10n ** 30n).toString();
      try {
        const f = parseExposition((await call(metricsRoute.GET as Handler, "/metrics")).text);
        expect(valueOf(f, "ledgerline_operator_balance_low", { address: operator.toLowerCase() })).toBe(1);
        expect(recentProblems().some((p) => p.level === "warn" && p.msg.startsWith("operator gas balance is low"))).toBe(true);
      } finally {
        delete process.env.OPERATOR_LOW_BALANCE;
      }
    });

    it("health: 200 when all is up; 503 naming the indexer, the chain or the database when it is down", async () => {
      const up = await call(healthRoute.GET as Handler, "/api/health");
      expect(up.status).toBe(200);
      const body = JSON.parse(up.text);
      expect(body).toMatchObject({ ok: true, down: [], chainId: ANVIL_CHAIN_ID, checks: { chain: { ok: true }, database: { ok: true }, indexer: { ok: true } } });
      expect(body.lag).toBe(body.head - body.indexed);

      process.env.HEALTH_MAX_INDEXER_LAG = "2";
      try {
        const lagging = await call(healthRoute.GET as Handler, "/api/health");
        expect(lagging.status).toBe(503);
        const b = JSON.parse(lagging.text);
        expect(b.down).toEqual(["indexer"]);
        expect(b.checks.indexer.error).toMatch(/^the indexer is \d+ blocks behind the chain head \(limit 2/);
        // The warning it logged carries the request id the response carries.
        expect(recentProblems().some((p) => p.reqId === lagging.headers.get("x-request-id") && p.msg === "health: down: indexer")).toBe(true);
      } finally {
        delete process.env.HEALTH_MAX_INDEXER_LAG;
      }

      process.env.RPC_URL = `http://127.0.0.1:${await freePort()}`;
      try {
        const noChain = await call(healthRoute.GET as Handler, "/api/health");
        expect(noChain.status).toBe(503);
        const b = JSON.parse(noChain.text);
        expect(b.down).toEqual(["chain"]);
        expect(b.head).toBeNull();
        expect(b.checks.chain.error).toMatch(/^chain unreachable/);
      } finally {
        process.env.RPC_URL = anvil.rpcUrl;
      }
    });
  });
}

describe("health with the database down", () => {
  it("says the database is down (and the indexer unknown), 503", async () => {
    const database = await openTestDatabase("pglite");
    await database.close();
    setDatabaseForTests(database);
    try {
      const res = await call(healthRoute.GET as Handler, "/api/health");
      expect(res.status).toBe(503);
      const b = JSON.parse(res.text);
      expect(b.down).toEqual(["database", "indexer"]);
      expect(b.checks.database.error).toMatch(/^database unavailable/);
      expect(b.checks.chain.ok).toBe(true);
    } finally {
      setDatabaseForTests(undefined);
    }
  });
});
