import type { ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { mnemonicToAccount } from "viem/accounts";
import { killChildGroup, spawnTethered, stopChild } from "../process/children";

const require = createRequire(import.meta.url);

/** Anvil's default mnemonic: its accounts are the local chain's dev wallets. */
export const ANVIL_MNEMONIC = "test test test test test test test test test test test junk";
export const ANVIL_CHAIN_ID = 31337;

/** The local chain's dev account number `i` (funded by anvil at start). */
export const devAccount = (i: number) => mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: i });

/** The anvil binary shipped inside the npm package for this platform (no download at run time). */
export function anvilBinary(): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`;
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), "bin", "anvil");
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface AnvilOptions {
  port?: number;
  /** File anvil loads at start and dumps its state to (so the local chain survives restarts). */
  statePath?: string;
  /** Seconds between blocks; default: a block per transaction. */
  blockTime?: number;
  accounts?: number;
  /** Wei each dev account starts with. */
  balanceEther?: number;
  silent?: boolean;
  /** More anvil flags (e.g. a larger --gas-limit for benchmarks). */
  extraArgs?: string[];
}

export interface Anvil {
  rpcUrl: string;
  port: number;
  /** The tether (lib/process/tether.mjs) that runs anvil and stops it when this process dies. */
  process: ChildProcess;
  stop(): Promise<void>;
}

async function rpcReady(rpcUrl: string): Promise<boolean> {
  try {
    const res = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    return res.ok;
  } catch {
    return false;
  }
}

export async function startAnvil(opts: AnvilOptions = {}): Promise<Anvil> {
  const port = opts.port ?? (await freePort());
  const args = [
    "--host", "127.0.0.1",
    "--port", String(port),
    "--chain-id", String(ANVIL_CHAIN_ID),
    "--accounts", String(opts.accounts ?? 10),
    "--balance", String(opts.balanceEther ?? 10_000),
    "--mnemonic", ANVIL_MNEMONIC,
  ];
  if (opts.statePath) args.push("--state", opts.statePath, "--state-interval", "5");
  if (opts.blockTime) args.push("--block-time", String(opts.blockTime));
  if (opts.extraArgs) args.push(...opts.extraArgs);
  // Tethered: anvil stops (saving its --state) when this process dies, even by SIGKILL.
  const child = spawnTethered(anvilBinary(), args, {
    stdio: opts.silent === false ? ["ignore", "inherit", "inherit"] : ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => (stderr += String(d)));
  const rpcUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (!(await rpcReady(rpcUrl))) {
    if (child.exitCode !== null) throw new Error(`anvil exited with code ${child.exitCode}: ${stderr}`);
    if (Date.now() > deadline) {
      killChildGroup(child, "SIGKILL");
      throw new Error(`anvil did not answer on ${rpcUrl} within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    rpcUrl,
    port,
    process: child,
    // SIGTERM (passed on by the tether) lets anvil dump --state before it exits.
    stop: () => stopChild(child, 6_000),
  };
}
