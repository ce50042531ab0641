/**
 * `npm start` leaves nothing behind, whatever stops it: SIGKILL (of its process group, or of the start
 * process alone) and Ctrl-C at a moment of each phase (chain, deploy, web app + indexer, seed, serving).
 * After each, no process the run spawned is left and its ports are free; the next start on the same data
 * reaches the same moment cleanly and stops cleanly on Ctrl-C (no "fetch failed" from the indexer).
 * Each phase gets its own data directory and ports, and runs the real `npm start`.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../lib/chain/anvil";
import { portInUse } from "../lib/process/ports";
import { ensureBuild } from "./stack";

const root = path.resolve(import.meta.dirname, "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ledgerline-start-"));

/** pid → its start time (field 22 of /proc/<pid>/stat), so a reused pid is not mistaken for ours. */
type ProcessIds = Map<number, string>;

function procStat(pid: number): { ppid: number; state: string; start: string } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0], ppid: Number(fields[1]), start: fields[19] };
  } catch {
    return null;
  }
}

/** The process and everything below it, now. */
function tree(rootPid: number): ProcessIds {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = procStat(pid);
    if (stat) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  }
  const found: ProcessIds = new Map();
  const visit = (pid: number) => {
    const stat = procStat(pid);
    if (!stat) return;
    found.set(pid, stat.start);
    for (const c of children.get(pid) ?? []) visit(c);
  };
  visit(rootPid);
  return found;
}

const alive = (ids: ProcessIds) =>
  [...ids].filter(([pid, start]) => {
    const stat = procStat(pid);
    return stat !== null && stat.start === start && stat.state !== "Z";
  });

function describeProcess(pid: number): string {
  try {
    return `${pid} ${fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").slice(0, 160)}`;
  } catch {
    return String(pid);
  }
}

interface Run {
  npm: ChildProcess;
  output: () => string;
  /** Every process seen below npm during the run. */
  seen: ProcessIds;
  /** npm's exit: its code, or the signal it re-raises after its script stopped on that signal. */
  exited: Promise<number | NodeJS.Signals | null>;
  ports: number[];
}

function npmStart(dataDir: string, port: number, anvilPort: number, env: Record<string, string> = {}): Run {
  let output = "";
  const npm = spawn("npm", ["start"], {
    cwd: root,
    detached: true, // its own process group, as in a terminal
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PORT: String(port), ANVIL_PORT: String(anvilPort), LEDGERLINE_DATA_DIR: dataDir, ...env },
  });
  npm.stdout!.on("data", (d) => (output += String(d)));
  npm.stderr!.on("data", (d) => (output += String(d)));
  const seen: ProcessIds = new Map();
  const watch = setInterval(() => {
    for (const [pid, start] of tree(npm.pid!)) seen.set(pid, start);
  }, 100);
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    npm.once("exit", (code, signal) => {
      clearInterval(watch);
      resolve(code ?? signal);
    }),
  );
  return { npm, output: () => output, seen, exited, ports: [port, anvilPort] };
}

/** Waits for a log line, and if given for a process of the stack whose command line contains `process`. */
async function reach(run: Run, moment: RegExp, process?: string, timeoutMs = 240_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const running = () => !process || [...tree(run.npm.pid!).keys()].some((pid) => describeProcess(pid).includes(process));
  while (!moment.test(run.output()) || !running()) {
    if (run.npm.exitCode !== null) throw new Error(`npm start exited (${run.npm.exitCode}) before ${moment} ${process ?? ""}:\n${run.output()}`);
    if (Date.now() > deadline) throw new Error(`npm start did not reach ${moment} ${process ?? ""} within ${timeoutMs / 1000} s:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const [pid, start] of tree(run.npm.pid!)) run.seen.set(pid, start);
}

/** The start script's own process (npm → sh → node scripts/start.ts). */
function startProcess(run: Run): number {
  const pid = [...tree(run.npm.pid!).keys()].find((p) => describeProcess(p).includes("scripts/start.ts"));
  if (!pid) throw new Error("no scripts/start.ts process below npm");
  return pid;
}

async function portsTaken(ports: number[]): Promise<number[]> {
  const taken = [];
  for (const port of ports) if (await portInUse(port)) taken.push(port);
  return taken;
}

/** What holds a port, for the failure message. */
const sockets = (port: number) =>
  spawnSync("ss", ["-tanp"], { encoding: "utf8" }).stdout?.split("\n").filter((l) => l.includes(`:${port} `)).join("\n") ?? "";

/** Nothing the run spawned is left (within 20 s: children stop gracefully first), and its ports are free. */
async function nothingLeft(run: Run): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((alive(run.seen).length > 0 || (await portsTaken(run.ports)).length > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  expect(alive(run.seen).map(([pid]) => describeProcess(pid)), run.output()).toEqual([]);
  for (const port of await portsTaken(run.ports)) expect.fail(`port ${port} still in use:\n${sockets(port)}\n${run.output()}`);
}

/**
 * Ctrl-C in a terminal: SIGINT to the whole foreground process group (npm passes it on as well, then
 * re-raises it on itself once its script has exited, so npm ends by SIGINT).
 */
async function ctrlC(run: Run): Promise<void> {
  process.kill(-run.npm.pid!, "SIGINT");
  expect([0, "SIGINT"], run.output()).toContain(await run.exited);
  await nothingLeft(run);
  expect(run.output()).toContain("Ledgerline stopped.");
  expect(run.output()).not.toMatch(/fetch failed|EADDRINUSE|could not start/);
}

/**
 * A first start on empty data is stopped at `moment` by `stop`; the next start on the same data reaches
 * `again` (the same phase: a second start may skip what the first finished) and stops on Ctrl-C.
 */
async function phase(opts: {
  moment: RegExp;
  /** A process that must be running too at that moment (its command line contains this). */
  process?: string;
  again?: RegExp;
  stop: "SIGKILL group" | "SIGKILL start process" | "Ctrl-C";
  env?: Record<string, string>;
}) {
  const dataDir = fs.mkdtempSync(path.join(tmp, "data-"));
  const [port, anvilPort] = [await freePort(), await freePort()];

  const first = npmStart(dataDir, port, anvilPort, opts.env);
  await reach(first, opts.moment, opts.process);
  if (opts.stop === "Ctrl-C") {
    await ctrlC(first);
  } else {
    if (opts.stop === "SIGKILL group") process.kill(-first.npm.pid!, "SIGKILL");
    else process.kill(startProcess(first), "SIGKILL");
    await nothingLeft(first);
    // npm itself, when only the start process was killed. A process killed by a signal keeps exitCode null (signalCode says
    // why), and once reaped its group is gone: kill only a live npm, and a group that emptied meanwhile is not an error.
    if (first.npm.exitCode === null && first.npm.signalCode === null) {
      try {
        process.kill(-first.npm.pid!, "SIGKILL");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
      }
    }
    await first.exited;
  }

  const next = npmStart(dataDir, port, anvilPort, opts.env);
  await reach(next, opts.again ?? opts.moment);
  await ctrlC(next);
}

describe.runIf(process.platform === "linux")("npm start: crash and process hygiene", () => {
  beforeAll(() => ensureBuild((m) => console.log(m)), 20 * 60_000);
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("refuses to start when its web port is taken, and says which", async () => {
    const [port, anvilPort] = [await freePort(), await freePort()];
    const squatter = spawn(process.execPath, ["-e", `require("node:net").createServer().listen(${port}, "127.0.0.1")`], { stdio: "ignore" });
    try {
      while (!(await portInUse(port))) await new Promise((r) => setTimeout(r, 50));
      const run = npmStart(path.join(tmp, "never"), port, anvilPort);
      expect(await run.exited).toBe(1);
      expect(run.output()).toContain(`port ${port} (the web app) is in use`);
      expect(run.output()).toContain(`lsof -i :${port}`);
      expect(run.output()).not.toContain("Ledgerline is running");
      await nothingLeft({ ...run, ports: [anvilPort] });
    } finally {
      squatter.kill("SIGKILL");
    }
  }, 60_000);

  // Each moment is a log line of that phase; the test acts the moment it appears.
  const chain = /chain: anvil on/;
  const deploying = /contracts: deploying/;
  const contracts = /contracts: (deploying|using)/;
  const web = /web: http/;
  const seeding = /seed: demo data/;
  const secondDatanet = /(seed: published version 1 of Datanet[^]*){2}/;
  const serving = /Ledgerline is running/;
  it("chain up: SIGKILL of the process group", () => phase({ moment: chain, stop: "SIGKILL group" }), 300_000);
  it("deploying: SIGKILL of the start process alone", () => phase({ moment: deploying, again: contracts, stop: "SIGKILL start process" }), 300_000);
  it("web app and indexer up: SIGKILL of the start process alone", () => phase({ moment: web, stop: "SIGKILL start process" }), 300_000);
  it("seeding: SIGKILL of the process group", () => phase({ moment: seeding, stop: "SIGKILL group" }), 300_000);
  // The issue's case: Ctrl-C on empty data as the second Datanet appears.
  it("seeding: Ctrl-C as the second Datanet is published", () => phase({ moment: secondDatanet, again: seeding, stop: "Ctrl-C" }), 400_000);
  // next-server dies of its lifeline; the build it runs notices its parent is gone.
  it("a Model Factory build running: SIGKILL of the start process alone", () =>
    phase({ moment: /seed: building model/, process: "lib/factory/worker.ts", again: seeding, stop: "SIGKILL start process" }), 400_000);
  it("serving: SIGKILL of the process group", () => phase({ moment: serving, stop: "SIGKILL group", env: { LEDGERLINE_SEED: "off" } }), 300_000);
});
