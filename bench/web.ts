/**
 * Web performance of the production build on the seeded stack: first-load JavaScript per route (every JS file
 * the page requests before `load`, gzipped) and the LCP of the main pages (median of cold loads in Chromium).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { chromium, type Browser } from "@playwright/test";
import { freePort } from "../lib/chain/anvil";
import { demoAccount } from "../lib/seed/seed";
import { chromiumPath } from "../scripts/ensure-chromium";
import { startStack } from "../scripts/stack";

const LCP_RUNS = Number(process.env.BENCH_LCP_RUNS ?? 5);
const JS_BUDGET_KB = 200;
const LCP_BUDGET_MS = 1000;

interface Route {
  path: string;
  /** Pages without wallet actions must stay within the first-load JS budget. */
  walletActions: boolean;
  lcp?: boolean;
}

const ROUTES: Route[] = [
  { path: "/", walletActions: false, lcp: true },
  { path: "/datanets", walletActions: false },
  { path: "/datanets/1", walletActions: true },
  { path: "/models", walletActions: false, lcp: true },
  { path: "/models/1", walletActions: true, lcp: true },
  { path: "/inferences/1", walletActions: false },
  { path: `/accounts/${demoAccount(2).address}`, walletActions: false },
  { path: "/dashboard", walletActions: true },
  { path: "/factory", walletActions: true },
];

const LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"];

/** Sum of the gzipped sizes of every script the page fetched before its load event (a cold context: no cache). */
async function firstLoadJs(browser: Browser, url: string): Promise<{ bytes: number; files: number }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const bodies: Promise<number>[] = [];
  let loaded = false;
  page.on("response", (res) => {
    if (loaded || res.request().resourceType() !== "script") return;
    bodies.push(res.body().then((b) => gzipSync(b, { level: 9 }).length).catch(() => 0));
  });
  await page.goto(url, { waitUntil: "load" });
  loaded = true;
  const sizes = await Promise.all(bodies);
  await context.close();
  return { bytes: sizes.reduce((a, b) => a + b, 0), files: sizes.length };
}

/** Largest Contentful Paint of one cold load (fresh context, empty cache). */
async function coldLcp(browser: Browser, url: string): Promise<number> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(url, { waitUntil: "load" });
  const lcp = await page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        new PerformanceObserver((list) => {
          const entries = list.getEntries();
          resolve(entries[entries.length - 1].startTime);
        }).observe({ type: "largest-contentful-paint", buffered: true });
        setTimeout(() => resolve(Number.NaN), 5000);
      }),
  );
  await context.close();
  return lcp;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function benchWeb(): Promise<void> {
  console.log("## Web: first-load JS (gzipped) and LCP, production build on the seeded stack\n");
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error("No Chromium: see scripts/ensure-chromium.ts");
  const version = execFileSync(executablePath, ["--version"], { encoding: "utf8" }).trim();
  const dataDir = path.join(process.cwd(), ".test-data", `bench-web-${process.pid}`);
  delete process.env.RPC_URL;
  delete process.env.DEPLOYMENT_FILE;
  delete process.env.DATABASE_URL;
  const stack = await startStack({ port: await freePort(), dataDir, anvilPort: await freePort(), log: (m) => console.log(`[stack] ${m}`) });
  const browser = await chromium.launch({ executablePath, args: LAUNCH_ARGS });
  try {
    // Warm the server (route modules, database pages) so the loads measure the page, not a first compile.
    for (const r of ROUTES) await fetch(stack.url + r.path).then((res) => res.arrayBuffer());
    console.log(`browser: ${version}\n`);
    console.log("| route | wallet actions | first-load JS (gz) | files | budget | LCP (median of " + LCP_RUNS + ") |");
    console.log("|---|---|---|---|---|---|");
    let failures = 0;
    for (const r of ROUTES) {
      const js = await firstLoadJs(browser, stack.url + r.path);
      const kb = js.bytes / 1024;
      const jsOk = r.walletActions || kb <= JS_BUDGET_KB;
      let lcpCell = "–";
      if (r.lcp) {
        const runs: number[] = [];
        for (let i = 0; i < LCP_RUNS; i++) runs.push(await coldLcp(browser, stack.url + r.path));
        const m = median(runs);
        lcpCell = `${Math.round(m)} ms${m <= LCP_BUDGET_MS ? "" : " ✗"} (${runs.map((x) => Math.round(x)).join(", ")})`;
        if (!(m <= LCP_BUDGET_MS)) failures++;
      }
      if (!jsOk) failures++;
      const shown = r.path.startsWith("/accounts/") ? "/accounts/[address]" : r.path;
      console.log(
        `| ${shown} | ${r.walletActions ? "yes" : "no"} | ${kb.toFixed(1)} kB${jsOk ? "" : " ✗"} | ${js.files} | ${r.walletActions ? "–" : `≤ ${JS_BUDGET_KB} kB`} | ${lcpCell} |`,
      );
    }
    console.log(failures ? `\n${failures} figure(s) over budget (✗)\n` : "\nall within budget\n");
  } finally {
    await browser.close();
    await stack.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
