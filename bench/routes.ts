/**
 * Chart routes at scale: ≥ 5,000,000 attribution entries (1,060,000 settled inferences × up to 5 credited
 * contributions, 90 days, 5,000 contributors), their hourly rollup built from them by SQL, the production
 * web app on Postgres, and autocannon against the earnings-series and leaderboard routes.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import autocannon from "autocannon";
import postgres from "postgres";
import { openTestDatabase } from "../db/testing";
import { freePort } from "../lib/chain/anvil";
import { ensureBuild } from "../scripts/stack";

const INFERENCES = Number(process.env.BENCH_INFERENCES ?? 1_060_000);
const PER_INFERENCE = 5;
const CONTRIBUTORS = 5_000;
const DATANETS = 20;
const MODELS = 50;
const DAYS = 90;


export async function generate(url: string, log: (m: string) => void) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const t0 = Date.now();
  await sql.unsafe(`
    insert into datanets (id, owner, treasury, metadata_hash, metadata_uri, name, bond, curated, created_block, created_tx, created_at)
      select g, '0x${"11".repeat(20)}', '0x${"11".repeat(20)}', '0x', 'bench', 'Datanet ' || g, 0, true, 1, '0x', now() - interval '${DAYS} days'
      from generate_series(1, ${DATANETS}) g;
    insert into contributions (id, datanet_id, contributor, content_hash, bytes, records, bond, status, accepted_seq, submitted_block, submitted_tx, submitted_at)
      select g, 1 + g % ${DATANETS}, '0x' || lpad(to_hex(1 + g % ${CONTRIBUTORS}), 40, '0'), '0x' || md5(g::text), 1000, 10, 0, 'accepted', g, 1, '0x', now() - interval '${DAYS} days'
      from generate_series(1, ${CONTRIBUTORS * 4}) g;
    insert into models (id, builder, artifact_hash, metadata_hash, metadata_uri, name, kind, price, builder_bps, created_block, created_tx, created_at)
      select g, '0x${"22".repeat(20)}', '0x', '0x', 'bench', 'Model ' || g, 'infinigram', 1000000000000000, 1000, 1, '0x', now() - interval '${DAYS} days'
      from generate_series(1, ${MODELS}) g;
    insert into inferences (request_id, model_id, payer, request_hash, price, builder, builder_bps, via_authorization, status, paid_block, paid_tx, paid_at,
                            operator, protocol_fee, operator_fee, builder_fee, contributor_pool, settled_block, settled_tx, settled_at)
      select g, 1 + g % ${MODELS}, '0x${"33".repeat(20)}', '0x' || lpad(to_hex(g), 64, '0'), 1000000000000000, '0x${"22".repeat(20)}', 1000, true, 'settled', g, '0x', t,
             '0x${"44".repeat(20)}', 50000000000000, 100000000000000, 100000000000000, 750000000000000, g, '0x', t
      from (select g, now() - (random() * interval '${DAYS} days') as t from generate_series(1, ${INFERENCES}) g) s;
  `);
  log(`bench data: ${INFERENCES} inferences in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const t1 = Date.now();
  // Five credited contributions per inference; a few heavy contributors (Zipf-like) as in real data.
  await sql.unsafe(`
    insert into attribution_entries (request_id, contribution_id, datanet_id, contributor, weight_ppm, amount, settled_at)
      select i.request_id, c.id, c.datanet_id, c.contributor, 200000, 150000000000000 + k, i.settled_at
      from inferences i
      cross join generate_series(0, ${PER_INFERENCE - 1}) k
      join contributions c on c.id = 1 + ((i.request_id * 7919 + k * 104729) % (case when k = 0 then 200 else ${CONTRIBUTORS * 4} end))
      on conflict do nothing;
  `);
  const [{ n }] = await sql`select count(*)::int as n from attribution_entries`;
  log(`bench data: ${n} attribution entries in ${((Date.now() - t1) / 1000).toFixed(0)} s`);
  const t2 = Date.now();
  // The rollup the indexer maintains, computed from the same rows.
  await sql.unsafe(`
    insert into earnings_hourly (account, hour, role, datanet_id, model_id, amount, inferences)
      select a.contributor, date_trunc('hour', a.settled_at), 'contributor', a.datanet_id, i.model_id, sum(a.amount), count(*)
      from attribution_entries a join inferences i using (request_id)
      group by 1, 2, 3, 4, 5;
    analyze;
  `);
  const [{ r }] = await sql`select count(*)::int as r from earnings_hourly`;
  log(`bench data: ${r} earnings_hourly rows in ${((Date.now() - t2) / 1000).toFixed(0)} s`);
  const heavy = await sql`select contributor, count(*)::int as n from attribution_entries group by 1 order by 2 desc limit 20`;
  await sql.end();
  return { entries: n as number, rollupRows: r as number, accounts: heavy.map((h) => h.contributor as string) };
}

async function existing(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const [{ n }] = await sql`select count(*)::int as n from attribution_entries`;
  const [{ r }] = await sql`select count(*)::int as r from earnings_hourly`;
  const heavy = await sql`select contributor, count(*)::int as n from attribution_entries group by 1 order by 2 desc limit 20`;
  await sql.end();
  return { entries: n as number, rollupRows: r as number, accounts: heavy.map((h) => h.contributor as string) };
}

function load(url: string, paths: string[], seconds: number, connections: number): Promise<autocannon.Result> {
  let i = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections,
        duration: seconds,
        requests: [{ setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] }) }],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
  });
}

export async function benchRoutes(log = console.log) {
  if (!process.env.TEST_DATABASE_URL) {
    log("routes bench: needs TEST_DATABASE_URL (a Postgres); skipped");
    return null;
  }
  // BENCH_ROUTES_DB reuses a database this bench filled before (generation takes minutes).
  const reuse = process.env.BENCH_ROUTES_DB;
  const database = reuse ? { url: reuse, close: async () => {} } : await openTestDatabase("postgres");
  const dir = path.join(process.cwd(), ".test-data", `bench-routes-${process.pid}`);
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  let server: ReturnType<typeof spawn> | undefined;
  try {
    const data = reuse ? await existing(reuse) : await generate(database.url!, log);
    ensureBuild(log);
    // The routes read only the database; the deployment file just lets the app boot (no chain is touched).
    const deploymentFile = path.join(dir, "deployment.json");
    const zero = "0x0000000000000000000000000000000000000001";
    fs.writeFileSync(deploymentFile, JSON.stringify({ chainId: 31337, token: zero, datanetRegistry: zero, modelRegistry: zero, inferenceMarket: zero, startBlock: 0, deployer: zero }));
    server = spawn(process.execPath, ["node_modules/next/dist/bin/next", "start", "-p", String(port), "-H", "127.0.0.1"], {
      env: { ...process.env, DATABASE_URL: database.url, LEDGERLINE_INDEXER: "off", DEPLOYMENT_FILE: deploymentFile, NEXT_TELEMETRY_DISABLED: "1" },
      stdio: "ignore",
      detached: true,
    });
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/api/stats`)).ok) break;
      } catch {
        /* starting */
      }
      if (i > 240) throw new Error("web app did not start");
      await new Promise((r) => setTimeout(r, 250));
    }
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const routes: Record<string, string[]> = {
      "earnings, 7 days by hour": data.accounts.map((a) => `/api/accounts/${a}/earnings?bucket=hour&from=${iso(now - 7 * 86_400_000)}&to=${iso(now)}`),
      "earnings, 90 days by day, per Datanet": data.accounts.map((a) => `/api/accounts/${a}/earnings?bucket=day&from=${iso(now - 90 * 86_400_000)}&to=${iso(now)}&groupBy=datanet`),
      "Datanet leaderboard (top 20)": Array.from({ length: DATANETS }, (_, i) => `/api/datanets/${i + 1}/leaderboard?limit=20`),
    };
    const results: Record<string, { p50: number; p90: number; p97_5: number; p99: number; rps: number; errors: number }> = {};
    for (const [name, paths] of Object.entries(routes)) {
      const check = await fetch(base + paths[0]);
      if (!check.ok) throw new Error(`${paths[0]} answered ${check.status}: ${await check.text()}`);
      await load(base, paths, 3, 10); // warm-up
      // One connection: the latency a chart sees. Ten: the same under a saturating load.
      for (const connections of [1, 10]) {
        const r = await load(base, paths, 10, connections);
        results[`${name} (${connections} conn)`] = { p50: r.latency.p50, p90: r.latency.p90, p97_5: r.latency.p97_5, p99: r.latency.p99, rps: r.requests.average, errors: r.errors + r.non2xx };
        log(`${name}, ${connections} connection(s): p50 ${r.latency.p50} ms, p90 ${r.latency.p90} ms, p97.5 ${r.latency.p97_5} ms, p99 ${r.latency.p99} ms, ${Math.round(r.requests.average)} req/s, ${r.errors + r.non2xx} errors`);
      }
    }
    return { entries: data.entries, rollupRows: data.rollupRows, results };
  } finally {
    if (server?.pid) {
      try {
        process.kill(-server.pid, "SIGTERM");
      } catch {
        /* gone */
      }
    }
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchRoutes();
}
