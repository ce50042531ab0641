/**
 * `npm run verify -- <requestId>`: recomputes an inference's answer and attribution from the model
 * artifact and checks it against the stored record and the hashes settled on-chain. Exit code 0 = verified.
 * With DATABASE_URL it reads the database itself; otherwise it asks the running server (LEDGERLINE_URL).
 */
import type { PublicClient } from "viem";
import { getDb } from "../db/client";
import { getChainConfig } from "../lib/chain/config";
import { publicClientFor } from "../lib/chain/clients";
import { verifyInference, type VerifyReport } from "../lib/inference/verify";

async function main() {
  const arg = process.argv[2];
  if (!arg || !/^[1-9][0-9]*$/.test(arg)) {
    console.error("usage: npm run verify -- <requestId>   (the inference's on-chain request id, e.g. 12)");
    process.exit(2);
  }
  // The embedded database (PGlite) belongs to the running server: ask it over HTTP instead of opening it.
  if (!process.env.DATABASE_URL) {
    const base = process.env.LEDGERLINE_URL ?? "http://127.0.0.1:3000";
    const res = await fetch(`${base}/api/inferences/${arg}/verify`).catch((err: Error) => {
      console.error(`Could not reach Ledgerline at ${base} (${err.message}): start it with npm start, or set LEDGERLINE_URL or DATABASE_URL.`);
      process.exit(2);
    });
    const body = (await res.json()) as VerifyReport & { error?: string };
    if (!res.ok) {
      console.error(body.error ?? `HTTP ${res.status}`);
      process.exit(1);
    }
    print(body);
    return;
  }
  const db = await getDb();
  let chain: { publicClient: PublicClient; market: `0x${string}` } | undefined;
  try {
    const config = getChainConfig();
    const client = publicClientFor(config);
    await client.getBlockNumber({ cacheTime: 0 });
    chain = { publicClient: client, market: config.deployment.inferenceMarket };
  } catch (err) {
    console.warn(`chain not reachable (${(err as Error).message}); comparing with the indexed on-chain hashes instead`);
  }
  const report = await verifyInference(db, Number(arg), chain ?? {});
  if (!report) {
    console.error(`Inference ${arg} was not found in the database.`);
    process.exit(1);
  }
  print(report);
}

function print(report: VerifyReport): never {
  console.log(`inference ${report.requestId} · model ${report.modelId} (${report.kind}) · ${report.method ?? "no record"}`);
  for (const c of report.checks) console.log(`  ${c.ok ? "✓" : "✗"} ${c.name}: ${c.detail}`);
  console.log(report.ok ? "VERIFIED" : "NOT VERIFIED");
  process.exit(report.ok ? 0 : 1);
}

void main();
