/**
 * Child processes that die with the process that spawned them, whatever kills it (SIGKILL included).
 * Each child gets a pipe at fd 3 whose other end only this process holds: the kernel closes it when this
 * process dies, and the child (or its tether) reads end-of-file and stops. Children are spawned detached
 * (their own process group), so a terminal's Ctrl-C reaches only this process, which stops them in order;
 * killChildGroup reaches a child and everything it spawned.
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

type Stdio = "ignore" | "inherit" | "pipe";
export interface TiedSpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** stdin, stdout, stderr (fd 3 is the lifeline). */
  stdio?: [Stdio, Stdio, Stdio];
}

// Resolved when called, not at import (this module is reachable from the Next bundle through lib/chain/anvil).
const here = () => path.dirname(fileURLToPath(import.meta.url));

const live = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}

function spawnOptions(opts: TiedSpawnOptions, env: NodeJS.ProcessEnv): SpawnOptions {
  return { cwd: opts.cwd, env, detached: true, stdio: [...(opts.stdio ?? ["ignore", "inherit", "inherit"]), "pipe"] };
}

/** A native program (anvil) under a small Node tether (lib/process/tether.mjs) that stops it when we die. */
export function spawnTethered(command: string, args: string[], opts: TiedSpawnOptions = {}): ChildProcess {
  return track(spawn(process.execPath, [path.join(here(), "tether.mjs"), command, ...args], spawnOptions(opts, opts.env ?? process.env)));
}

/** A Node script (next start, next build) that SIGTERMs itself when we die (lib/process/lifeline.mjs). */
export function spawnNodeTied(script: string, args: string[], opts: TiedSpawnOptions = {}): ChildProcess {
  const env = { ...(opts.env ?? process.env), LEDGERLINE_LIFELINE_FD: "3" };
  return track(spawn(process.execPath, ["--import", path.join(here(), "lifeline.mjs"), script, ...args], spawnOptions(opts, env)));
}

export const isRunning = (child: ChildProcess) => child.pid !== undefined && child.exitCode === null && child.signalCode === null;

/** Signals a child's whole process group (it was spawned detached, so the group is its pid). */
export function killChildGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!isRunning(child)) return;
  try {
    process.kill(-child.pid!, signal);
  } catch {
    /* already gone */
  }
}

/**
 * SIGTERM (to the child, or with `group` to everything it spawned too), then SIGKILL to the whole group
 * after `graceMs`; resolves when the child has exited.
 */
export function stopChild(child: ChildProcess, graceMs: number, opts: { group?: boolean } = {}): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!isRunning(child)) return resolve();
    const timer = setTimeout(() => killChildGroup(child, "SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    if (opts.group) killChildGroup(child, "SIGTERM");
    else child.kill("SIGTERM");
  });
}

/** A second Ctrl-C: every tied child and its group, at once. */
export function killAllChildren(): void {
  for (const child of live) killChildGroup(child, "SIGKILL");
}
