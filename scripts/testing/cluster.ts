/**
 * The scale-out topology for tests: one anvil, one fresh Postgres database, the indexer as its own process,
 * and N web instances (the production build behind scripts/web-server.mjs) sharing that database and chain
 * with the indexer off. Optionally seeded with the demo Datanets and models through instance 0.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { createWalletClient, http } from "viem";
import { openDatabase } from "../../db/client";
import { ANVIL_CHAIN_ID, devAccount, freePort, startAnvil, type Anvil } from "../../lib/chain/anvil";
import { publicClientFor } from "../../lib/chain/clients";
import { chainFor, writeDeployment } from "../../lib/chain/config";
import { deployLedgerline, type Deployment } from "../../lib/chain/deploy";
import { seedModels } from "../../lib/seed/models";
import { seedDemo } from "../../lib/seed/seed";
import { ensureBuild } from "../stack";

const root = path.resolve(import.meta.dirname, "../..");

export interface Cluster {
  rpcUrl: string;
  deployment: Deployment;
  databaseUrl: string;
  /** Base URLs of the web instances. */
  web: string[];
  /** Models registered by the seed (empty without it). */
  models: { id: number; kind: string }[];
  /** What each process printed (for assertions on logs). */
  output: Map<string, string>;
  /** Sends a signal to one process ("web0", "web1", …, "indexer"): a test's crash or freeze. */
  signal(name: string, signal: NodeJS.Signals): void;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  instances: number;
  /** Extra environment of the web instances (and the indexer). */
  env?: Record<string, string>;
  /** Extra environment of web instance `i` only. */
  instanceEnv?: (i: number) => Record<string, string>;
  seed?: boolean;
  log?: (m: string) => void;
}

async function waitFor(url: string, timeoutMs: number, child: ChildProcess, name: string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name}: ${url} was not ready within ${timeoutMs / 1000} s`);
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const log = opts.log ?? (() => {});
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error("the scale-out cluster needs TEST_DATABASE_URL (a Postgres)");
  const children: { name: string; child: ChildProcess }[] = [];
  const output = new Map<string, string>();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ledgerline-cluster-"));
  const dbName = `ledgerline_c_${randomBytes(6).toString("hex")}`;
  let anvil: Anvil | undefined;

  const stop = async () => {
    await Promise.all(
      children.reverse().map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
            child.once("exit", () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill("SIGTERM");
          }),
      ),
    );
    await anvil?.stop().catch(() => {});
    const admin = postgres(base, { max: 1, onnotice: () => {} });
    await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
    await admin.end();
    fs.rmSync(tmp, { recursive: true, force: true });
  };

  try {
    ensureBuild(log);
    const admin = postgres(base, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const url = new URL(base);
    url.pathname = `/${dbName}`;
    const databaseUrl = url.toString();
    const database = await openDatabase({ url: databaseUrl });
    await database.migrate();
    await database.close();

    anvil = await startAnvil({ port: await freePort() });
    const rpcUrl = anvil.rpcUrl;
    const operator = devAccount(0);
    const deployment = await deployLedgerline({
      publicClient: publicClientFor({ chainId: ANVIL_CHAIN_ID, rpcUrl }),
      walletClient: createWalletClient({ account: operator, chain: chainFor({ chainId: ANVIL_CHAIN_ID, publicRpcUrl: rpcUrl }), transport: http(rpcUrl) }),
      admin: operator.address,
      operator: operator.address,
      protocolTreasury: operator.address,
    });
    const deploymentFile = path.join(tmp, "deployment.json");
    writeDeployment(deployment, deploymentFile);
    log(`cluster: anvil ${rpcUrl}, database ${dbName}`);

    const env = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      RPC_URL: rpcUrl,
      CHAIN_ID: String(ANVIL_CHAIN_ID),
      DEPLOYMENT_FILE: deploymentFile,
      ARTIFACT_DIR: path.join(tmp, "artifacts"),
      NEXT_TELEMETRY_DISABLED: "1",
      ...opts.env,
    };
    const spawnLogged = (name: string, args: string[], extraEnv: Record<string, string>) => {
      const child = spawn(process.execPath, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
      output.set(name, "");
      const append = (d: Buffer) => output.set(name, (output.get(name) ?? "") + String(d));
      child.stdout!.on("data", append);
      child.stderr!.on("data", append);
      children.push({ name, child });
      return child;
    };

    // node with tsx's loader, not the tsx CLI: a SIGKILL reaches the indexer itself, never orphaning it.
    spawnLogged("indexer", ["--import", "tsx", "scripts/indexer.ts"], {});
    const web: string[] = [];
    await Promise.all(
      Array.from({ length: opts.instances }, async (_, i) => {
        const port = await freePort();
        const name = `web${i}`;
        const child = spawnLogged(name, ["scripts/web-server.mjs", "--port", String(port)], { LEDGERLINE_INDEXER: "off", ...opts.instanceEnv?.(i) });
        const u = `http://127.0.0.1:${port}`;
        await waitFor(`${u}/api/health`, 120_000, child, name);
        web[i] = u;
      }),
    );
    log(`cluster: web ${web.join(", ")}`);

    let models: Cluster["models"] = [];
    if (opts.seed) {
      const publicClient = publicClientFor({ chainId: ANVIL_CHAIN_ID, rpcUrl });
      const seeded = await seedDemo({ baseUrl: web[0], rpcUrl, deployment, publicClient, log });
      const caughtUp = async () => {
        for (const deadline = Date.now() + 120_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
          const health = (await (await fetch(`${web[0]}/api/health`)).json()) as { lag: number | null };
          if (health.lag === 0) return;
        }
        throw new Error("the indexer did not catch up within 120 s");
      };
      await caughtUp();
      const built = await seedModels({ baseUrl: web[0], rpcUrl, deployment, publicClient, datanetIds: seeded.datanetIds, log });
      models = built.models;
      await caughtUp();
    }
    const signal = (name: string, sig: NodeJS.Signals) => {
      const found = children.find((c) => c.name === name);
      if (!found) throw new Error(`cluster: no process ${name}`);
      found.child.kill(sig);
    };
    return { rpcUrl, deployment, databaseUrl, web, models, output, signal, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
