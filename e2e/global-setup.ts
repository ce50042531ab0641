import fs from "node:fs";
import path from "node:path";
import { freePort } from "../lib/chain/anvil";
import { startStack } from "../scripts/stack";

/** The real stack for the browser tests: fresh anvil, fresh PGlite, production build, demo seed. */
export default async function globalSetup() {
  const port = Number(process.env.E2E_PORT ?? 3100);
  const dataDir = path.join(process.cwd(), ".test-data", `e2e-${process.pid}`);
  fs.rmSync(dataDir, { recursive: true, force: true });
  delete process.env.RPC_URL;
  delete process.env.DEPLOYMENT_FILE;
  delete process.env.DATABASE_URL;
  const stack = await startStack({ port, dataDir, anvilPort: await freePort(), log: (m) => console.log(`[stack] ${m}`) });
  return async () => {
    await stack.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
}
