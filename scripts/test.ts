/**
 * `npm test`: everything CI runs, in order, with one closing line that counts the tests.
 * lint → typecheck → vitest (contracts, units, database on PGlite and, with TEST_DATABASE_URL,
 * Postgres) → Playwright in Debian's Chromium against the real stack.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const out = path.join(process.cwd(), ".test-data", "results");
fs.mkdirSync(out, { recursive: true });
const npx = (args: string[]) => spawnSync("npx", args, { stdio: "inherit", env: process.env }).status === 0;

const counts = { passed: 0, failed: 0, skipped: 0 };
const failures: string[] = [];
const step = (name: string, ok: boolean) => {
  if (!ok) failures.push(name);
  console.log(`\n── ${name}: ${ok ? "ok" : "FAILED"}\n`);
  return ok;
};

if (!process.env.TEST_DATABASE_URL) {
  console.log("TEST_DATABASE_URL is not set: the Postgres variants of the database tests are reported as skipped.");
}

step("lint", npx(["eslint", "."]));
step("typecheck", npx(["tsc", "--noEmit"]));

const vitestJson = path.join(out, "vitest.json");
step("vitest", npx(["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestJson}`]));
if (fs.existsSync(vitestJson)) {
  const r = JSON.parse(fs.readFileSync(vitestJson, "utf8"));
  counts.passed += r.numPassedTests;
  counts.failed += r.numFailedTests;
  counts.skipped += r.numPendingTests + r.numTodoTests;
}

const chromium = spawnSync("npx", ["tsx", "scripts/ensure-chromium.ts"], { stdio: "inherit" }).status === 0;
if (step("chromium", chromium)) {
  const pwJson = path.join(out, "playwright.json");
  const ok = spawnSync("npx", ["playwright", "test", "--reporter=list,json"], {
    stdio: "inherit",
    env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson },
  }).status === 0;
  step("playwright", ok);
  if (fs.existsSync(pwJson)) {
    const s = JSON.parse(fs.readFileSync(pwJson, "utf8")).stats ?? {};
    counts.passed += (s.expected ?? 0) + (s.flaky ?? 0);
    counts.failed += s.unexpected ?? 0;
    counts.skipped += s.skipped ?? 0;
  }
}

if (failures.length) console.log(`failed steps: ${failures.join(", ")}`);
console.log(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exit(failures.length || counts.failed ? 1 : 0);
