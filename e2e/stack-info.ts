import fs from "node:fs";
import path from "node:path";
import type { Deployment } from "../lib/chain/deploy";

/** Where the run's global setup wrote its stack (per port: concurrent runs keep apart). */
export const E2E_STACK_FILE = path.join(process.cwd(), ".test-data", `e2e-stack-${process.env.E2E_PORT ?? "3100"}.json`);

export function stackInfo(): { url: string; rpcUrl: string; deployment: Deployment } {
  return JSON.parse(fs.readFileSync(E2E_STACK_FILE, "utf8"));
}
