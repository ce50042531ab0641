import fs from "node:fs";
import path from "node:path";
import { freePort } from "../lib/chain/anvil";
import { startStack } from "../scripts/stack";
import { E2E_STACK_FILE } from "./stack-info";

/** The real stack for the browser tests: fresh anvil, fresh PGlite, production build, demo seed. */
export default async function globalSetup() {
  const port = Number(process.env.E2E_PORT ?? 3100);
  const dataDir = path.join(process.cwd(), ".test-data", `e2e-${process.pid}`);
  fs.rmSync(dataDir, { recursive: true, force: true });
  delete process.env.RPC_URL;
  delete process.env.DEPLOYMENT_FILE;
  delete process.env.DATABASE_URL;
  // Every browser test calls from 127.0.0.1, so all of them share one caller's budget: lift the per-caller
  // limits here (their enforcement is tested in vitest and in scripts/scale-out.test.ts).
  for (const name of ["RATE_LIMIT_IP_PER_MINUTE", "RATE_LIMIT_PAYER_PER_MINUTE", "RATE_LIMIT_NONCE_PER_MINUTE", "RATE_LIMIT_VERIFY_PER_MINUTE", "RATE_LIMIT_BUILDS_PER_HOUR", "RATE_LIMIT_ORIGINALITY_PER_MINUTE", "RATE_LIMIT_FORECAST_PER_MINUTE"]) {
    process.env[name] ??= "100000";
  }
  // Batch-settlement charges are booked within 3 s, so a journey sees its booking arrive.
  process.env.BOOKING_MAX_DELAY_SECONDS ??= "3";
  const stack = await startStack({ port, dataDir, anvilPort: await freePort(), log: (m) => console.log(`[stack] ${m}`) });
  // Tests that act on the chain (as a second user would) read where it is.
  fs.writeFileSync(E2E_STACK_FILE, JSON.stringify({ url: stack.url, rpcUrl: stack.rpcUrl, deployment: stack.deployment }));
  return async () => {
    await stack.stop();
    fs.rmSync(E2E_STACK_FILE, { force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
}
