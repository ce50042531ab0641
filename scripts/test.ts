/**
 * `npm test`: everything CI runs, in order, with one closing line that counts the tests.
 * vitest (the whole-stack files first, then contracts, units, database on PGlite and, with TEST_DATABASE_URL,
 * Postgres) → Playwright in Debian's Chromium against the real stack, with lint and then the typecheck beside it.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import postgres from "postgres";

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

// A newcomer with a local Postgres runs its variants too: without TEST_DATABASE_URL, use the one on
// 127.0.0.1:5432 when it answers (database `test`, user `postgres`).
const LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/test";
let postgresNote: string;
async function postgresAnswers(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}
if (process.env.TEST_DATABASE_URL) postgresNote = "Postgres variants: on (TEST_DATABASE_URL)";
else if (await postgresAnswers(LOCAL_POSTGRES)) {
  process.env.TEST_DATABASE_URL = LOCAL_POSTGRES;
  postgresNote = `Postgres variants: on (found ${LOCAL_POSTGRES})`;
} else postgresNote = "Postgres variants: skipped (no TEST_DATABASE_URL and no Postgres answering on 127.0.0.1:5432)";
console.log(postgresNote);

// Lint and the typecheck are pure CPU work with no deadline; the browser tests mostly wait (one browser, one stack:
// 1.2 of the 2 cores, measured) and vitest keeps both cores busy. So lint and then the typecheck run on the core the
// browser tests leave, their output printed whole once the browser tests are done (no interleaved lines). The
// typecheck includes Next's route types (`next typegen`), so the production build skips its own TypeScript pass
// under CI (next.config.ts); typegen writes only .next/types, which the running server does not read.
function collected(command: string, args: string[]): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: process.env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", (err) => resolve({ ok: false, output: `${output}${err.message}\n` }));
    child.on("close", (code) => resolve({ ok: code === 0, output }));
  });
}
// Tests that run the whole stack (npm start's process hygiene, two web instances over one Postgres) build the
// web app and start many processes: they run first and one at a time, so they neither share the build nor
// load the machine under the other tests.
const STACK_TESTS = ["scripts/start.test.ts", "scripts/scale-out.test.ts"];
function vitest(name: string, args: string[]) {
  const json = path.join(out, `${name}.json`);
  fs.rmSync(json, { force: true });
  step(name, npx(["vitest", "run", ...args, "--reporter=default", "--reporter=json", `--outputFile.json=${json}`]));
  if (fs.existsSync(json)) {
    const r = JSON.parse(fs.readFileSync(json, "utf8"));
    counts.passed += r.numPassedTests;
    counts.failed += r.numFailedTests;
    counts.skipped += r.numPendingTests + r.numTodoTests;
  }
}
vitest("vitest-stack", [...STACK_TESTS, "--maxWorkers=1"]);
vitest("vitest", STACK_TESTS.flatMap((f) => ["--exclude", f]));

const checks = (async () => {
  const lint = await collected("npx", ["eslint", "."]);
  return { lint, typecheck: await collected("npm", ["run", "--silent", "typecheck"]) };
})();
const chromium = spawnSync("npx", ["tsx", "scripts/ensure-chromium.ts"], { stdio: "inherit" }).status === 0;
if (step("chromium", chromium)) {
  const pwJson = path.join(out, "playwright.json");
  const ok = await new Promise<boolean>((resolve) => {
    const child = spawn("npx", ["playwright", "test", "--reporter=list,json"], { stdio: "inherit", env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson } });
    child.on("error", () => resolve(false));
    child.on("close", (code) => resolve(code === 0));
  });
  step("playwright", ok);
  if (fs.existsSync(pwJson)) {
    const s = JSON.parse(fs.readFileSync(pwJson, "utf8")).stats ?? {};
    counts.passed += (s.expected ?? 0) + (s.flaky ?? 0);
    counts.failed += s.unexpected ?? 0;
    counts.skipped += s.skipped ?? 0;
  }
}
const { lint, typecheck } = await checks;
process.stdout.write(lint.output);
step("lint", lint.ok);
process.stdout.write(typecheck.output);
step("typecheck", typecheck.ok);

if (failures.length) console.log(`failed steps: ${failures.join(", ")}`);
console.log(postgresNote);
console.log(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exit(failures.length || counts.failed ? 1 : 0);
