/**
 * The whole system as one function: chain (anvil, or RPC_URL), contracts, database, web app with its
 * in-process indexer, and demo data. `npm start` and the Playwright tests both use it.
 */
import { spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createWalletClient, http } from "viem";
import { ANVIL_CHAIN_ID, devAccount, startAnvil, type Anvil } from "../lib/chain/anvil";
import { publicClientFor } from "../lib/chain/clients";
import { chainFor, readDeployment, writeDeployment } from "../lib/chain/config";
import { CONTRACTS_VERSION, deployLedgerline, type Deployment } from "../lib/chain/deploy";
import { attesterAccount } from "../lib/content/attestation";
import { isRunning, spawnNodeTied, stopChild } from "../lib/process/children";
import { DEMO_HISTORY_HOURS, seedInferences } from "../lib/seed/inferences";
import { seedModels } from "../lib/seed/models";
import { seedGovernance } from "../lib/seed/governance";
import { seedDemo } from "../lib/seed/seed";

export interface StackOptions {
  /** Web app port. */
  port: number;
  /** Where PGlite, the local chain's state and the deployment file live. */
  dataDir: string;
  anvilPort?: number;
  seed?: boolean;
  log?: (msg: string) => void;
  /**
   * Aborting stops a start half-way: what is already running is stopped in order (web app and indexer,
   * then the chain) and startStack rejects.
   */
  signal?: AbortSignal;
}

export interface Stack {
  url: string;
  rpcUrl: string;
  deployment: Deployment;
  stop(): Promise<void>;
}

const root = path.resolve(import.meta.dirname, "..");

/** Hash of what a production build depends on, so `npm start` rebuilds only when sources changed. */
function sourceHash(): string {
  const h = createHash("sha256");
  const walk = (p: string) => {
    const st = fs.statSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(p).sort()) if (!e.startsWith(".") && e !== "node_modules") walk(path.join(p, e));
    } else if (/\.(tsx?|css|mjs|json|sql|svg|ico|png)$/.test(p)) {
      h.update(path.relative(root, p));
      h.update(fs.readFileSync(p));
    }
  };
  for (const p of ["app", "components", "lib", "db", "contracts-abi", "public", "instrumentation.ts", "next.config.ts", "package-lock.json", "postcss.config.mjs"]) {
    walk(path.join(root, p));
  }
  return h.digest("hex");
}

const buildMarker = path.join(root, ".next", "ledgerline-source-hash");
const nextBin = path.join(root, "node_modules/next/dist/bin/next");
const buildEnv = () => ({ ...process.env, LEDGERLINE_INDEXER: "off", NEXT_TELEMETRY_DISABLED: "1" });

/** The source hash when the production build is stale, else null. */
function staleBuild(): string | null {
  const hash = sourceHash();
  const upToDate = fs.existsSync(path.join(root, ".next", "BUILD_ID")) && fs.readFileSync(buildMarker, { encoding: "utf8", flag: "a+" }) === hash;
  return upToDate ? null : hash;
}

/** Blocking variant for scripts that need nothing else to run meanwhile (bench/routes.ts). */
export function ensureBuild(log: (m: string) => void): void {
  const hash = staleBuild();
  if (!hash) {
    log("web app: production build is up to date");
    return;
  }
  log("web app: building for production (next build; about a minute on 2 cores)…");
  const res = spawnSync(process.execPath, [nextBin, "build"], { cwd: root, stdio: "inherit", env: buildEnv() });
  if (res.status !== 0) throw new Error("next build failed: see the output above");
  fs.writeFileSync(buildMarker, hash);
}

/** npm start's build: a tied child (it dies with us), and signals are handled while it runs. */
async function ensureBuildTied(log: (m: string) => void, track: (child: ChildProcess) => void): Promise<void> {
  const hash = staleBuild();
  if (!hash) {
    log("web app: production build is up to date");
    return;
  }
  log("web app: building for production (next build; about a minute on 2 cores)…");
  const build = spawnNodeTied(nextBin, ["build"], { cwd: root, env: buildEnv() });
  track(build);
  const [code, signal] = (await new Promise((resolve) => build.once("exit", (...r) => resolve(r)))) as [number | null, string | null];
  if (code !== 0) throw new Error(`next build failed (${signal ?? `exit ${code}`}): see the output above`);
  fs.writeFileSync(buildMarker, hash);
}

interface WaitOptions {
  isReady?: (res: Response) => Promise<boolean>;
  /** The server: if it exits (e.g. EADDRINUSE), waiting is over. */
  server?: ChildProcess;
  signal?: AbortSignal;
}

async function waitFor(url: string, timeoutMs: number, { isReady = async (r) => r.ok, server, signal }: WaitOptions = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    if (server && !isRunning(server)) throw new Error(`the web app exited (${server.signalCode ?? `code ${server.exitCode}`}) before it answered on ${url}: see its output above`);
    try {
      const res = await fetch(url);
      if (await isReady(res)) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} was not ready within ${timeoutMs / 1000} s (${last})`);
}

/**
 * A local `.data` whose deployment was made from other contracts (or an older deployment format) cannot be
 * used with this code: its chain, deployment file and embedded database are removed, with a message saying
 * so, and everything starts fresh. Content artifacts are content-addressed and kept.
 */
function resetIfStale(dataDir: string, log: (m: string) => void): void {
  const file = path.join(dataDir, "deployments", `${ANVIL_CHAIN_ID}.json`);
  if (!fs.existsSync(file)) return;
  let version: string | undefined;
  try {
    version = (JSON.parse(fs.readFileSync(file, "utf8")) as { contractsVersion?: string }).contractsVersion;
  } catch {
    version = undefined;
  }
  if (version === CONTRACTS_VERSION) return;
  log(
    `contracts: ${file} was deployed from other contracts (${version ? `version ${version.slice(0, 10)}…` : "an earlier format"}; ` +
      `now ${CONTRACTS_VERSION.slice(0, 10)}…): resetting the local chain and the embedded database in ${dataDir}`,
  );
  for (const dir of ["chain", "deployments", "pglite"]) fs.rmSync(path.join(dataDir, dir), { recursive: true, force: true });
  fs.mkdirSync(path.join(dataDir, "chain"), { recursive: true });
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const { signal } = opts;
  const print = opts.log ?? ((m: string) => console.log(m));
  // Once stopping, a step still in flight has nothing to report.
  const log = (m: string) => void (signal?.aborted || print(m));
  const dataDir = path.resolve(opts.dataDir);
  fs.mkdirSync(path.join(dataDir, "chain"), { recursive: true });
  // Stopped last-started first: web app and indexer, then the chain. Calls queue up, so a stop while
  // starting, and the stop after the start failed, each stop whatever was running at the time.
  const cleanups: (() => Promise<void>)[] = [];
  let stopping = Promise.resolve();
  const stop = () =>
    (stopping = stopping.then(async () => {
      for (let c = cleanups.pop(); c; c = cleanups.pop()) await c().catch(() => {});
    }));
  const step = () => signal?.throwIfAborted();
  // An abort stops what runs now and rejects at once: a step in flight (a seed transaction against the
  // stopped chain) then fails in the background, and the catch below stops whatever it started meanwhile.
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => void stop().then(() => reject(signal!.reason));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => {});
  const booting = boot();
  booting.catch(() => {});
  try {
    return await Promise.race([booting, aborted]);
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }

  async function boot(): Promise<Stack> {
    try {
      step();
      // 1. Chain: a real one from RPC_URL + DEPLOYMENT_FILE, or a local anvil whose state survives restarts.
      let rpcUrl = process.env.RPC_URL;
      let anvil: Anvil | undefined;
      // A fresh local chain starts in the past, so the demo's inferences can be spread over the last day.
      let backdated = false;
      if (!rpcUrl) {
        resetIfStale(dataDir, log);
        const statePath = path.join(dataDir, "chain", "anvil-state.json");
        backdated = opts.seed !== false && !fs.existsSync(statePath);
        const genesis = Math.floor(Date.now() / 1000) - DEMO_HISTORY_HOURS * 3600;
        anvil = await startAnvil({ port: opts.anvilPort ?? 8545, statePath, extraArgs: backdated ? ["--timestamp", String(genesis)] : undefined });
        cleanups.push(() => anvil!.stop());
        step();
        rpcUrl = anvil.rpcUrl;
        log(`chain: anvil on ${rpcUrl}`);
      }
      const chainId = anvil ? ANVIL_CHAIN_ID : Number(process.env.CHAIN_ID ?? 0);
      const deploymentFile =
        process.env.DEPLOYMENT_FILE ?? path.join(dataDir, "deployments", `${anvil ? ANVIL_CHAIN_ID : chainId}.json`);

      // 2. Contracts: reuse the deployment if its code is on the chain, else deploy (local chain only).
      let deployment: Deployment | undefined;
      if (fs.existsSync(deploymentFile)) {
        const existing = readDeployment(deploymentFile);
        const code = await publicClientFor({ chainId: existing.chainId, rpcUrl }).getCode({ address: existing.inferenceMarket });
        if (code && code !== "0x") deployment = existing;
      }
      if (!deployment) {
        if (!anvil) throw new Error(`No usable deployment at ${deploymentFile} for RPC_URL=${rpcUrl}: deploy the contracts there first.`);
        log("contracts: deploying…");
        const operator = devAccount(0);
        const chain = chainFor({ chainId: ANVIL_CHAIN_ID, publicRpcUrl: rpcUrl });
        deployment = await deployLedgerline({
          publicClient: publicClientFor({ chainId: ANVIL_CHAIN_ID, rpcUrl }),
          walletClient: createWalletClient({ account: operator, chain, transport: http(rpcUrl) }),
          operator: operator.address,
          protocolTreasury: operator.address,
          // The key the content server signs attestations with (ATTESTER_KEY; the operator's on the local chain).
          attester: attesterAccount(ANVIL_CHAIN_ID).address,
        });
        writeDeployment(deployment, deploymentFile);
        log(`contracts: deployed (market ${deployment.inferenceMarket})`);
      } else {
        log(`contracts: using ${deploymentFile}`);
      }

      step();

      // 3. Web app (production build) with the indexer running in-process.
      await ensureBuildTied(log, (build) => cleanups.push(() => stopChild(build, 10_000, { group: true })));
      step();
      // Ledgerline's web server (Next's handler; it stamps each request with the socket's address for rate limits).
      // Tied: it stops (indexer first, see lib/indexer/runtime.ts) when this process dies, even by SIGKILL.
      const web = spawnNodeTied(path.join(root, "scripts/web-server.mjs"), ["--port", String(opts.port), "--hostname", "127.0.0.1"], {
        cwd: root,
        env: {
          ...process.env,
          RPC_URL: rpcUrl,
          DEPLOYMENT_FILE: deploymentFile,
          PGLITE_DIR: process.env.DATABASE_URL ? undefined : path.join(dataDir, "pglite"),
          ARTIFACT_DIR: process.env.ARTIFACT_DIR ?? path.join(dataDir, "artifacts"),
          NEXT_TELEMETRY_DISABLED: "1",
        },
      });
      // SIGTERM to its group: the server and a Model Factory build it may be running.
      cleanups.push(() => stopChild(web, 10_000, { group: true }));
      const url = `http://127.0.0.1:${opts.port}`;
      await waitFor(`${url}/api/health`, 120_000, { server: web, signal });
      log(`web: ${url}`);

      // 4. Demo data through the real paths, then wait until the indexer has caught up with it.
      const caughtUp = () =>
        waitFor(`${url}/api/health`, 120_000, { server: web, signal, isReady: async (r) => r.ok && ((await r.json()) as { lag: number | null }).lag === 0 });
      if (opts.seed !== false && anvil) {
        log("seed: demo data…");
        const started = Date.now();
        const publicClient = publicClientFor({ chainId, rpcUrl });
        const result = await seedDemo({ baseUrl: url, rpcUrl, deployment, publicClient, log });
        step();
        log(`seed: ${result.transactions} transactions in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        // The Model Factory builds from indexed Datanet versions.
        await caughtUp();
        const models = await seedModels({ baseUrl: url, rpcUrl, deployment, publicClient, datanetIds: result.datanetIds, log });
        step();
        log(`seed: ${models.built} models built, ${models.registered} registered`);
        // One proposal through the Governor (moves the local chain's clock: before the inferences bring it back to now).
        if (anvil) await seedGovernance({ rpcUrl, deployment, publicClient, log });
        step();
        await caughtUp();
        await seedInferences({ baseUrl: url, rpcUrl, deployment, publicClient, models: models.models, spreadHours: backdated ? DEMO_HISTORY_HOURS - 2 : 0, log });
      }
      step();
      await caughtUp();
      log("indexer: caught up with the chain");
      step();
      return { url, rpcUrl, deployment, stop };
    } catch (err) {
      await stop();
      throw signal?.aborted ? signal.reason : err;
    }
  }
}
