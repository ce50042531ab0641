/**
 * Paid inference against the real stack (anvil + contracts + `next start` with its in-process indexer + the
 * demo seed with its three Model Factory models), paid with the official x402 client exactly as
 * e2e/paid-inference.spec.ts does (x402Client + registerExactEvmScheme + setSpendControls + wrapFetchWithPayment):
 *  1. throughput and end-to-end latency of `POST /api/models/1/inference` (∞-gram, maxTokens 32) at
 *     concurrency 1, 8 and 32, with 64 distinct payers (derived from anvil's mnemonic, funded by the token faucet);
 *  2. where a request's time goes, without touching server code: the 402 round trip, the client's signing and
 *     the paid request, timed inside the fetch the x402 client wraps; the model's own time, measured in this
 *     process on the same artifact, prompt, parameters and request id (the answer must come out byte for byte
 *     the same); the chain part replayed from this process with the server's own calls and clients on a copy of
 *     the chain (anvil_dumpState → a second anvil, so the server and its indexer never see it), which leaves the
 *     database and Next as the remainder; blocks and transactions per request; CPU per process from /proc and a
 *     V8 profile of the web server's main thread (a --require'd node:inspector profiler, in an extra run);
 *  3. gas from receipts: payWithAuthorization, pay, settle (by number of attribution entries), postEpoch
 *     (POST /api/settlement/epoch) and claim (claimFor, contributor account 2), plus the settlement test's
 *     2 / 200 / 2,000-account figures (lib/settlement/settlement.test.ts, run by this bench).
 *
 * The benchmark server runs with RATE_LIMIT_IP_PER_MINUTE and RATE_LIMIT_PAYER_PER_MINUTE raised to 1,000,000
 * (the defaults, 120 and 60 a minute, would refuse the load) and EPOCH_INTERVAL_MINUTES=0 (epochs only when this
 * bench posts them). BENCH_INFERENCE_SECONDS sets each concurrency level's duration (default 15),
 * BENCH_INFERENCE_PROFILE_CONCURRENCY the profiled run's (default 32).
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { toClientEvmSigner } from "@x402/evm";
import { BatchSettlementEvmScheme } from "@x402/evm/batch-settlement/client";
import { registerExactEvmScheme } from "@x402/evm/exact/client";
import { wrapFetchWithPayment, x402Client, x402HTTPClient } from "@x402/fetch";
import { createPublicClient, createWalletClient, http, maxUint256, parseEventLogs, parseUnits, toHex, type Hex, type PublicClient } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { inferenceMarketAbi, modelRegistryAbi, openTokenAbi, x402BatchSettlementAbi } from "@/contracts-abi";
import { BATCH_SETTLEMENT_ADDRESS } from "@/lib/chain/batch-settlement";
import { bookingBatchOf, decodeBookings } from "@/lib/chain/bookings";
import { SharedIndexPool } from "@/lib/attribution/pool";
import { attributionHash } from "@/lib/attribution/record";
import { loadArtifact, runAttribution, type LoadedModel } from "@/lib/attribution/run";
import type { StatementStats } from "@/db/pglite-stats";
import { ANVIL_MNEMONIC, devAccount, freePort, startAnvil } from "@/lib/chain/anvil";
import { chainFor } from "@/lib/chain/config";
import { operatorWallet } from "@/lib/chain/operator";
import { getArtifact } from "@/lib/factory/artifacts";
import { decodePaymentHeader, inferenceRequestSchema, requestHashOf, verifyAuthorization, type PaymentRequired } from "@/lib/payments";
import { claimFor } from "@/lib/settlement/claim";
import { nounGlosses } from "@/lib/seed/wordnet";
import { startStack } from "../scripts/stack";

const ROOT = path.resolve(import.meta.dirname, "..");
const SECONDS = Number(process.env.BENCH_INFERENCE_SECONDS ?? 15);
const LEVELS = [1, 8, 32];
const PAYERS = 64;
const MODEL = 1;
const MAX_TOKENS = 32;
const REPLAYS = 30;
const IDLE_SECONDS = 5;
const PROFILE_SECONDS = 8;
/** The profiled run's concurrency (BENCH_INFERENCE_PROFILE_CONCURRENCY, default 32). */
const PROFILE_CONCURRENCY = Number(process.env.BENCH_INFERENCE_PROFILE_CONCURRENCY ?? 32);
/** The server's booking bound (it inherits this process's environment; lib/config.ts has the same default). */
const BOOKING_MAX_DELAY_SECONDS = Number(process.env.BOOKING_MAX_DELAY_SECONDS ?? 60);

/** Loaded into the web server with --require: profiles its main thread from when PROFILE_DIR/go appears until PROFILE_DIR/stop. */
const PROFILER_PRELOAD = `
const fs = require("node:fs");
const path = require("node:path");
const dir = PROFILE_DIR;
// The web server: scripts/web-server.mjs (npm start's), or \`next start\`.
const isWeb = process.argv.some((a) => a.endsWith(path.join("scripts", "web-server.mjs"))) ||
  (process.argv.some((a) => a.endsWith(path.join("next", "dist", "bin", "next"))) && process.argv.includes("start"));
if (isWeb) {
  const session = new (require("node:inspector").Session)();
  let state = 0;
  const timer = setInterval(() => {
    if (state === 0 && fs.existsSync(path.join(dir, "go"))) {
      state = 1;
      session.connect();
      session.post("Profiler.enable", () => session.post("Profiler.setSamplingInterval", { interval: 500 }, () => session.post("Profiler.start")));
    } else if (state === 1 && fs.existsSync(path.join(dir, "stop"))) {
      state = 2;
      clearInterval(timer);
      session.post("Profiler.stop", (err, res) => {
        // Written aside then renamed: the bench must never read half a profile.
        if (!err) {
          fs.writeFileSync(path.join(dir, "web.partial"), JSON.stringify(res.profile));
          fs.renameSync(path.join(dir, "web.partial"), path.join(dir, "web-" + process.pid + ".cpuprofile"));
        }
        session.disconnect();
      });
    }
  }, 50);
  timer.unref();
}
`;

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time by category: the first recognised library from the leaf up, else Next and the app's own bundle. */
function summarizeProfile(p: CpuProfile): { categories: [string, number][]; busy: number } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const rules: [RegExp, string][] = [
    [/^wasm|@electric-sql\/pglite/, "PGlite (database)"],
    [/drizzle-orm/, "drizzle"],
    [/undici|webstreams/, "fetch (JSON-RPC to anvil)"],
    [/@noble/, "keccak/secp256k1"],
    [/viem/, "viem"],
  ];
  const time = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    total += dt;
    const leaf = byId.get(id)!.callFrame;
    let category = leaf.functionName === "(idle)" ? "idle" : leaf.functionName === "(garbage collector)" ? "GC" : "";
    for (let cur: number | undefined = id; !category && cur !== undefined; cur = parent.get(cur)) {
      const url = byId.get(cur)!.callFrame.url;
      category = rules.find(([re]) => re.test(url))?.[1] ?? "";
    }
    if (!category) category = /\.next\/|next\/dist/.test(leaf.url) ? "Next + app code" : "Node internals";
    time.set(category, (time.get(category) ?? 0) + dt);
  });
  const busy = 1 - (time.get("idle") ?? 0) / total;
  time.delete("idle");
  return { busy, categories: [...time].map(([c, t]) => [c, t / total] as [string, number]).sort((a, b) => b[1] - a[1]) };
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Sample {
  ok: boolean;
  status: number;
  error?: string;
  /** Client time, first byte sent → paid answer's body read (402 round trip, signing, paid request). */
  total: number;
  /** Unpaid request → 402 with PAYMENT-REQUIRED (response headers). */
  to402: number;
  /** 402 received → paid request sent: reading the requirements and signing the EIP-3009 authorization. */
  sign: number;
  /** Paid request (PAYMENT-SIGNATURE) → response headers. */
  paid: number;
  prompt: string;
  body?: Json;
}

const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
function pct(xs: number[], p: number): number {
  const s = sorted(xs);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
}
const ms = (x: number) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : "–");
const median = (xs: number[]) => pct(xs, 50);
const fmtInt = (n: number | bigint) => Number(n).toLocaleString("en-US");

/** The operator's claim and bookBatch transactions from `fromBlock` on: their gas, and per booked inference. */
async function bookingGas(client: PublicClient, market: Hex, fromBlock: bigint): Promise<{ text: string; records: number }> {
  // Nothing mined since: anvil refuses a range that starts above its head (short runs where the booker has not run yet).
  if (fromBlock > (await client.getBlockNumber({ cacheTime: 0 }))) return { text: "no booking yet", records: 0 };
  const [booked, claimed] = await Promise.all([
    client.getContractEvents({ address: market, abi: inferenceMarketAbi, eventName: "InferencesBooked", fromBlock }),
    client.getContractEvents({ address: BATCH_SETTLEMENT_ADDRESS, abi: x402BatchSettlementAbi, eventName: "Claimed", fromBlock }),
  ]);
  const gasOf = async (hash: Hex) => (await client.getTransactionReceipt({ hash })).gasUsed;
  let records = 0;
  let bookGas = 0n;
  for (const e of booked) {
    const tx = await client.getTransaction({ hash: e.transactionHash });
    records += decodeBookings(bookingBatchOf(tx.input)).reduce((a, g) => a + g.records.length, 0);
    bookGas += await gasOf(e.transactionHash);
  }
  const claimTxs = [...new Set(claimed.map((e) => e.transactionHash))];
  let claimGas = 0n;
  for (const h of claimTxs) claimGas += await gasOf(h);
  if (records === 0) return { text: `${claimTxs.length} claim transactions, no booking yet`, records };
  return {
    records,
    text:
      `${booked.length} bookBatch (${fmtInt(records)} inferences, ${fmtInt(bookGas / BigInt(records))} gas each) + ${claimTxs.length} claims ` +
      `(${fmtInt(claimGas)} gas) = ${fmtInt((bookGas + claimGas) / BigInt(records))} gas per booked inference`,
  };
}

export function machineLine(): string {
  return `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

/** The server's PGlite statistics once it has rewritten them (once a second), or [] on Postgres / before the first write. */
async function pgliteStatsAfterWrite(file: string): Promise<StatementStats[]> {
  const read = () => {
    try {
      return { at: fs.statSync(file).mtimeMs, rows: JSON.parse(fs.readFileSync(file, "utf8")) as StatementStats[] };
    } catch {
      return null;
    }
  };
  const first = read();
  if (!first) return [];
  for (let i = 0; i < 30; i++) {
    await sleep(100);
    const next = read();
    if (next && next.at !== first.at) return next.rows;
  }
  return first.rows;
}

/** Backend trips and time per paid call between two snapshots, with the statements that took most of it. */
function pgliteStatsText(before: StatementStats[], after: StatementStats[], calls: number): string {
  if (after.length === 0 || calls === 0) return "no statistics";
  const prior = new Map(before.map((s) => [s.statement, s]));
  const delta = after
    .map((s) => ({ statement: s.statement, trips: s.trips - (prior.get(s.statement)?.trips ?? 0), ms: s.ms - (prior.get(s.statement)?.ms ?? 0) }))
    .filter((s) => s.trips > 0)
    .sort((a, b) => b.ms - a.ms);
  const trips = delta.reduce((a, s) => a + s.trips, 0);
  const total = delta.reduce((a, s) => a + s.ms, 0);
  const top = delta.slice(0, 8).map((s) => `${(s.ms / calls).toFixed(2)} ms ${(s.trips / calls).toFixed(2)}× "${s.statement.replace(/\s+/g, " ").slice(0, 70)}"`);
  return `${(trips / calls).toFixed(1)} trips, ${(total / calls).toFixed(2)} ms; ${top.join("; ")}`;
}

/** This process and its descendants (anvil, next-server, …) by pid, with their command names. */
function processTree(root: number): Map<number, string> {
  const children = new Map<number, number[]>();
  const names = new Map<number, string>();
  for (const d of fs.readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      let name = stat.slice(stat.indexOf("(") + 1, close);
      // npm start's web server (scripts/web-server.mjs, or `next start`) runs as plain "node": name it by its command line.
      const argv = fs.readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0");
      if (argv.some((a) => a.endsWith("web-server.mjs")) || (argv.some((a) => a.endsWith(path.join("next", "dist", "bin", "next"))) && argv.includes("start"))) name = "web server";
      names.set(Number(d), name);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      /* gone */
    }
  }
  const out = new Map<number, string>();
  const walk = (pid: number) => {
    out.set(pid, names.get(pid) ?? "?");
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return out;
}

/** CPU seconds used so far: per process of the tree (by name), and the whole machine's busy time. */
function cpuSnapshot(pids: Map<number, string>) {
  const perName = new Map<string, number>();
  for (const [pid, name] of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const label = pid === process.pid ? "bench client" : name.startsWith("next-server") ? "web server" : name;
      perName.set(label, (perName.get(label) ?? 0) + (Number(f[11]) + Number(f[12])) / 100);
    } catch {
      /* gone */
    }
  }
  const cpu = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = cpu[3] + cpu[4];
  const all = cpu.reduce((a, b) => a + b, 0);
  return { perName, busy: (all - idle) / 100, all: all / 100 };
}

function cpuShare(a: ReturnType<typeof cpuSnapshot>, b: ReturnType<typeof cpuSnapshot>, seconds: number) {
  const per = [...b.perName]
    .map(([name, t]) => [name, (t - (a.perName.get(name) ?? 0)) / seconds] as const)
    .filter(([, x]) => x >= 0.005)
    .sort((x, y) => y[1] - x[1]);
  const machine = (b.busy - a.busy) / (b.all - a.all);
  return { per, machine, text: `${per.map(([n, x]) => `${n} ${(x * 100).toFixed(0)} %`).join(", ")} of a core; machine ${(machine * 100).toFixed(0)} % busy` };
}

/** One payer's x402 client, configured like e2e/paid-inference.spec.ts payingFetch. */
function x402For(account: ReturnType<typeof mnemonicToAccount>, chainId: number, token: Hex) {
  const client = new x402Client();
  registerExactEvmScheme(client, { signer: account, networks: [`eip155:${chainId}`] });
  client.setSpendControls({ allowedAssets: [{ network: `eip155:${chainId}`, asset: token }] });
  return client;
}

/**
 * One payer's batch-settlement client (the official one, as the README shows): its first call deposits 2,000× the
 * request's ceiling into the payer's channel, every later call signs a voucher and sends no transaction.
 */
function batchFor(account: ReturnType<typeof mnemonicToAccount>, chainId: number, token: Hex, publicClient: PublicClient) {
  const scheme = new BatchSettlementEvmScheme(toClientEvmSigner(account as never, publicClient as never), {
    depositStrategy: ({ paymentRequirements }) => BigInt(paymentRequirements.amount) * 2000n,
  });
  const client = new x402Client().register(`eip155:${chainId}`, scheme);
  client.setSpendControls({ allowedAssets: [{ network: `eip155:${chainId}`, asset: token }] });
  return client;
}

/** A paid answer's JSON body (undefined when it is not JSON) and, unless it is a 200, what went wrong. */
function answerOf(status: number, text: string): { body?: Json; error?: string } {
  let body: Json | undefined;
  try {
    body = JSON.parse(text) as Json;
  } catch {
    body = undefined;
  }
  return { body, error: status === 200 ? undefined : `${status} ${body?.reason ?? ""} ${String(body?.error ?? text).slice(0, 120)}`.trim() };
}

/** A paid call through wrapFetchWithPayment, with the wrapped fetch's two calls timed. */
async function paidCall(url: string, client: x402Client, prompt: string, params: Json): Promise<Sample> {
  const calls: { start: number; end: number; status: number }[] = [];
  const timed: typeof fetch = async (input, init) => {
    const start = performance.now();
    const res = await fetch(input, init);
    calls.push({ start, end: performance.now(), status: res.status });
    return res;
  };
  const pay = wrapFetchWithPayment(timed, client);
  const start = performance.now();
  try {
    const res = await pay(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt, params }) });
    const text = await res.text();
    const total = performance.now() - start;
    const { body, error } = answerOf(res.status, text);
    const [c402, cPaid] = calls;
    return {
      ok: res.status === 200 && calls.length === 2 && c402.status === 402,
      status: res.status,
      error,
      total,
      to402: c402 ? c402.end - c402.start : NaN,
      sign: cPaid ? cPaid.start - c402.end : NaN,
      paid: cPaid ? cPaid.end - cPaid.start : NaN,
      prompt,
      body,
    };
  } catch (err) {
    return { ok: false, status: 0, error: (err as Error).message.split("\n")[0].slice(0, 160), total: performance.now() - start, to402: NaN, sign: NaN, paid: NaN, prompt };
  }
}

/**
 * A paid call that reuses the offer of an earlier 402: a flat-price model's offer is the same for every prompt, so the
 * official client signs the next voucher from it and sends it with the request (no 402 round trip), then reads the
 * PAYMENT-RESPONSE as the fetch wrapper does (processPaymentResult keeps its channel state in step).
 */
async function offerReusedCall(url: string, client: x402Client, offer: PaymentRequiredOffer, prompt: string, params: Json): Promise<Sample> {
  const http402 = new x402HTTPClient(client);
  const start = performance.now();
  try {
    const payload = await client.createPaymentPayload(offer);
    const headers = { "content-type": "application/json", ...http402.encodePaymentSignatureHeader(payload) };
    const sent = performance.now();
    const res = await fetch(url, { method: "POST", headers, body: JSON.stringify({ prompt, params }) });
    const answered = performance.now();
    const text = await res.text();
    await http402.processPaymentResult(payload, (n) => res.headers.get(n), res.status);
    const { body, error } = answerOf(res.status, text);
    return {
      ok: res.status === 200,
      status: res.status,
      error,
      total: performance.now() - start,
      to402: 0,
      sign: sent - start,
      paid: answered - sent,
      prompt,
      body,
    };
  } catch (err) {
    return { ok: false, status: 0, error: (err as Error).message.split("\n")[0].slice(0, 160), total: performance.now() - start, to402: NaN, sign: NaN, paid: NaN, prompt };
  }
}
type PaymentRequiredOffer = Parameters<x402Client["createPaymentPayload"]>[0];

async function waitCaughtUp(base: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const h = (await (await fetch(`${base}/api/health`)).json()) as { lag: number | null };
    if (h.lag === 0) return;
    if (Date.now() > deadline) throw new Error(`indexer still ${h.lag} blocks behind after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs `task` on `concurrency` workers for `seconds`; every request started before the deadline finishes. */
async function load(concurrency: number, seconds: number, task: (i: number) => Promise<Sample>) {
  const samples: Sample[] = [];
  let next = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) samples.push(await task(next++));
    }),
  );
  return { samples, elapsed: (performance.now() - start) / 1000 };
}

export async function benchInference(log = console.log) {
  const t0 = performance.now();
  const elapsed = () => ((performance.now() - t0) / 1000).toFixed(1);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "ledgerline-bench-inference-"));
  // The benchmark server's environment (startStack passes process.env through to `next start`).
  // A CPU profiler for the web server's main thread, started and stopped by files (no server code involved).
  const profileDir = path.join(dataDir, "profile");
  fs.mkdirSync(profileDir);
  const preload = path.join(profileDir, "preload.cjs");
  // The web server's PGlite time per statement (db/pglite-stats.ts), rewritten by the server once a second.
  const pgliteStatsFile = path.join(dataDir, "pglite-stats.json");
  fs.writeFileSync(preload, PROFILER_PRELOAD.replaceAll("PROFILE_DIR", JSON.stringify(profileDir)));
  const serverEnv: Record<string, string> = {
    RATE_LIMIT_IP_PER_MINUTE: "1000000",
    RATE_LIMIT_PAYER_PER_MINUTE: "1000000",
    EPOCH_INTERVAL_MINUTES: "0",
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${JSON.stringify(preload)}`.trim(),
    PGLITE_STATS_FILE: pgliteStatsFile,
  };
  const savedEnv = Object.fromEntries(Object.keys(serverEnv).map((k) => [k, process.env[k]]));
  Object.assign(process.env, serverEnv);
  log(`inference bench: server env ${Object.entries(serverEnv).filter(([k]) => k !== "NODE_OPTIONS").map(([k, v]) => `${k}=${v}`).join(" ")} (+ a --require'd CPU profiler, idle until the profile run); data in ${dataDir}`);
  const stackLog: string[] = [];
  let stack: Awaited<ReturnType<typeof startStack>> | undefined;
  try {
    stack = await startStack({
      port: await freePort(),
      dataDir,
      anvilPort: await freePort(),
      log: (m) => {
        stackLog.push(`${elapsed()} s ${m}`);
        log(`  [${elapsed()} s] ${m}`);
      },
    });
    const stackSeconds = (performance.now() - t0) / 1000;
    const built = stackLog.some((l) => l.includes("building for production"));
    const d = stack.deployment;
    const base = stack.url;
    const url = `${base}/api/models/${MODEL}/inference`;
    const client = createPublicClient({ chain: chainFor({ chainId: d.chainId, publicRpcUrl: stack.rpcUrl }), transport: http(stack.rpcUrl, { batch: { batchSize: 100, wait: 0 } }), pollingInterval: 20 }) as PublicClient;
    const rpc = createPublicClient({ chain: chainFor({ chainId: d.chainId, publicRpcUrl: stack.rpcUrl }), transport: http(stack.rpcUrl), pollingInterval: 20 }) as PublicClient;
    const chain = chainFor({ chainId: d.chainId, publicRpcUrl: stack.rpcUrl });
    const market = { address: d.inferenceMarket, abi: inferenceMarketAbi } as const;
    const model = await client.readContract({ address: d.modelRegistry, abi: modelRegistryAbi, functionName: "getModel", args: [BigInt(MODEL)] });
    log(`[${elapsed()} s] stack up: model ${MODEL} costs ${model.price} wei`);

    // ---- payers: derived from anvil's mnemonic, funded with the faucet by account 9 (anvil mines each tx on arrival)
    const payers = Array.from({ length: PAYERS }, (_, i) => mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 1000 + i }));
    const funder = devAccount(9);
    const funderWallet = createWalletClient({ account: funder, chain, transport: http(stack.rpcUrl) });
    const fees = await rpc.estimateFeesPerGas();
    // Each send is followed by a receipt poll (every ms): how long after eth_sendRawTransaction answers is the tx mined?
    const faucetSends = async (targets: { address: Hex }[]) => {
      let nonce = await rpc.getTransactionCount({ address: funder.address, blockTag: "pending" });
      const out = { sendTimes: [] as number[], minedAfter: [] as number[], missedFirst: 0 };
      for (const p of targets) {
        const s = performance.now();
        const hash = await funderWallet.writeContract({ address: d.token, abi: openTokenAbi, functionName: "faucet", args: [p.address, parseUnits("1000", 18)], nonce: nonce++, gas: 100_000n, ...fees });
        const sent = performance.now();
        out.sendTimes.push(sent - s);
        for (let attempt = 0; ; attempt++) {
          if (await rpc.getTransactionReceipt({ hash }).catch(() => null)) {
            if (attempt > 0) out.missedFirst++;
            break;
          }
          await sleep(1);
        }
        out.minedAfter.push(performance.now() - sent);
      }
      return out;
    };
    const { sendTimes, minedAfter, missedFirst } = await faucetSends(payers);
    const startHeight = await rpc.getBlockNumber({ cacheTime: 0 });
    const clients = payers.map((p) => x402For(p, d.chainId, d.token));
    // RPC baselines against this anvil, from this process.
    const rtt: number[] = [];
    const callRtt: number[] = [];
    for (let i = 0; i < 50; i++) {
      let s = performance.now();
      await rpc.getBlockNumber({ cacheTime: 0 });
      rtt.push(performance.now() - s);
      s = performance.now();
      await rpc.readContract({ address: d.token, abi: openTokenAbi, functionName: "balanceOf", args: [payers[i % PAYERS].address] });
      callRtt.push(performance.now() - s);
    }
    log(
      `[${elapsed()} s] ${PAYERS} payers funded; anvil from here: eth_blockNumber p50 ${ms(median(rtt))} ms, eth_call p50 ${ms(median(callRtt))} ms, ` +
        `eth_sendRawTransaction p50 ${ms(median(sendTimes))} ms, receipt there p50 ${ms(median(minedAfter))} ms later (not yet at the first eth_getTransactionReceipt for ${missedFirst}/${PAYERS})`,
    );

    // Epoch 1 now (the seed's settled inferences), so the one after the load is a steady-state post.
    const postEpoch = async () => {
      await waitCaughtUp(base);
      const r = (await (await fetch(`${base}/api/settlement/epoch`, { method: "POST" })).json()) as Json;
      if (r.posted) return r;
      // The server's epoch job may have posted the same balances a moment before (it runs on its own timer too).
      const already = /nothing new since epoch (\d+)/.exec(String(r.reason ?? ""));
      if (already) return { epoch: Number(already[1]), accounts: "(already posted by the epoch job)", gasUsed: "-", durationMs: r.durationMs };
      throw new Error(`epoch not posted: ${r.reason ?? r.error}`);
    };
    const epoch1 = await postEpoch();
    log(`[${elapsed()} s] epoch ${epoch1.epoch} posted: ${epoch1.accounts} accounts, ${epoch1.gasUsed} gas, the route took ${epoch1.durationMs} ms`);

    // ---- 1. load at concurrency 1, 8, 32
    const glosses = nounGlosses().filter((g) => g.lexfile === "animal" || g.lexfile === "food" || g.lexfile === "plant");
    const prompts = Array.from({ length: 500 }, (_, i) => `The ${glosses[(i * 7919) % glosses.length].words[0]} is`);
    let payerTurn = 0;
    const task = (i: number) => paidCall(url, clients[payerTurn++ % PAYERS], prompts[i % prompts.length], { maxTokens: MAX_TOKENS, seed: 1000 + i });
    const errorKinds = new Map<string, number>();
    const levels: { concurrency: number; samples: Sample[]; elapsed: number; blocks: number; txs: number; cpu: ReturnType<typeof cpuShare> }[] = [];
    const tree = processTree(process.pid);
    const idle0 = cpuSnapshot(tree);
    await sleep(IDLE_SECONDS * 1000);
    const idleCpu = cpuShare(idle0, cpuSnapshot(tree), IDLE_SECONDS);
    log(`[${elapsed()} s] idle ${IDLE_SECONDS} s: ${idleCpu.text}`);
    for (const concurrency of LEVELS) {
      const before = await rpc.getBlockNumber({ cacheTime: 0 });
      const cpu0 = cpuSnapshot(tree);
      const r = await load(concurrency, SECONDS, task);
      const cpu = cpuShare(cpu0, cpuSnapshot(tree), r.elapsed);
      const after = await rpc.getBlockNumber({ cacheTime: 0 });
      const counts = await Promise.all(Array.from({ length: Number(after - before) }, (_, k) => client.getBlockTransactionCount({ blockNumber: before + 1n + BigInt(k) })));
      const ok = r.samples.filter((s) => s.ok);
      levels.push({ concurrency, ...r, blocks: Number(after - before), txs: counts.reduce((a, b) => a + b, 0), cpu });
      log(
        `[${elapsed()} s] concurrency ${concurrency}: ${ok.length} ok, ${r.samples.length - ok.length} errors in ${r.elapsed.toFixed(1)} s = ${(ok.length / r.elapsed).toFixed(1)} req/s; ` +
          `p50 ${ms(median(ok.map((s) => s.total)))} / p95 ${ms(pct(ok.map((s) => s.total), 95))} / p99 ${ms(pct(ok.map((s) => s.total), 99))} ms; ` +
          `402 ${ms(median(ok.map((s) => s.to402)))}, sign ${ms(median(ok.map((s) => s.sign)))}, paid ${ms(median(ok.map((s) => s.paid)))} ms (p50); ${Number(after - before)} blocks, ${levels.at(-1)!.txs} txs; CPU: ${cpu.text}`,
      );
    }
    /** The web server's main thread under a c=32 load, profiled in an extra run (its figures are not the ones above). */
    const profileRun = async (scheme: string, run: (i: number) => Promise<Sample>) => {
      fs.writeFileSync(path.join(profileDir, "go"), "");
      await sleep(300);
      const profiled = await load(PROFILE_CONCURRENCY, PROFILE_SECONDS, run);
      fs.writeFileSync(path.join(profileDir, "stop"), "");
      const profileRate = profiled.samples.filter((x) => x.ok).length / profiled.elapsed;
      let profile: { categories: [string, number][]; busy: number } | null = null;
      for (let i = 0; i < 600 && !profile; i++) {
        await sleep(100);
        const file = fs.readdirSync(profileDir).find((f) => f.endsWith(".cpuprofile"));
        if (file) {
          profile = summarizeProfile(JSON.parse(fs.readFileSync(path.join(profileDir, file), "utf8")) as CpuProfile);
          // Kept for a function-level look (chrome://inspect, or speedscope) after the bench removes its data directory.
          fs.copyFileSync(path.join(profileDir, file), path.join(os.tmpdir(), `ledgerline-bench-inference-${scheme}.cpuprofile`));
        }
      }
      const text = profile
        ? `${scheme}: main thread ${(profile.busy * 100).toFixed(0)} % busy = ${ms((profile.busy * 1000) / profileRate)} ms per request at ${profileRate.toFixed(1)} req/s: ` +
          profile.categories.map(([c, x]) => `${c} ${(x * 100).toFixed(0)} %`).join(", ")
        : "no profile was written";
      log(`[${elapsed()} s] profile of the web server at c=${PROFILE_CONCURRENCY} (${PROFILE_SECONDS} s): ${text}`);
      return text;
    };
    // One profiled run per server (the profiler stops for good): exact by default, BENCH_INFERENCE_PROFILE=batch-settlement for the other.
    const profiledScheme = process.env.BENCH_INFERENCE_PROFILE === "batch-settlement" ? "batch-settlement" : "exact";
    let profileText = profiledScheme === "exact" ? await profileRun("exact", task) : "";
    // ---- 1b. the same load paid with batch-settlement: one deposit per payer (not timed), then vouchers only.
    const batchClients = payers.map((p) => batchFor(p, d.chainId, d.token, rpc));
    const deposits = await Promise.all(batchClients.map((c, i) => paidCall(url, c, prompts[i % prompts.length], { maxTokens: MAX_TOKENS, seed: 1 })));
    const depositFailures = deposits.filter((s) => !s.ok);
    log(`[${elapsed()} s] batch-settlement: ${PAYERS - depositFailures.length}/${PAYERS} channels opened by a first paid call${depositFailures.length ? ` (${depositFailures[0].error})` : ""}`);
    const batchFrom = await rpc.getBlockNumber({ cacheTime: 0 });
    let batchTurn = 0;
    // Every answered call took one charge (the deposits' first calls too): what the booker has to book in the end.
    let charges = deposits.length - depositFailures.length;
    const batchTask = async (i: number) => {
      const sample = await paidCall(url, batchClients[batchTurn++ % PAYERS], prompts[i % prompts.length], { maxTokens: MAX_TOKENS, seed: 1000 + i });
      if (sample.ok) charges++;
      return sample;
    };
    /** Runs each level of a batch-settlement load, with the blocks and transactions it caused and its CPU. */
    const batchLoad = async (name: string, task: (i: number) => Promise<Sample>) => {
      const runLevels: typeof levels = [];
      for (const concurrency of LEVELS) {
        const before = await rpc.getBlockNumber({ cacheTime: 0 });
        // After the wait for the statistics (up to a second, idle): the level's CPU is its load's alone.
        const stats0 = await pgliteStatsAfterWrite(pgliteStatsFile);
        const cpu0 = cpuSnapshot(tree);
        const r = await load(concurrency, SECONDS, task);
        const cpu = cpuShare(cpu0, cpuSnapshot(tree), r.elapsed);
        const stats1 = await pgliteStatsAfterWrite(pgliteStatsFile);
        const after = await rpc.getBlockNumber({ cacheTime: 0 });
        const counts = await Promise.all(Array.from({ length: Number(after - before) }, (_, k) => client.getBlockTransactionCount({ blockNumber: before + 1n + BigInt(k) })));
        const ok = r.samples.filter((s) => s.ok);
        log(`    PGlite in the web server during it, per paid call: ${pgliteStatsText(stats0, stats1, ok.length)}`);
        runLevels.push({ concurrency, ...r, blocks: Number(after - before), txs: counts.reduce((a, b) => a + b, 0), cpu });
        const exact = levels.find((l) => l.concurrency === concurrency)!;
        const exactRate = exact.samples.filter((s) => s.ok).length / exact.elapsed;
        log(
          `[${elapsed()} s] ${name} concurrency ${concurrency}: ${ok.length} ok, ${r.samples.length - ok.length} errors in ${r.elapsed.toFixed(1)} s = ${(ok.length / r.elapsed).toFixed(1)} req/s (${(ok.length / r.elapsed / exactRate).toFixed(1)}× exact); ` +
            `p50 ${ms(median(ok.map((s) => s.total)))} / p95 ${ms(pct(ok.map((s) => s.total), 95))} ms; paid p50 ${ms(median(ok.map((s) => s.paid)))} ms; ${runLevels.at(-1)!.txs} txs; CPU: ${cpu.text}`,
        );
      }
      return runLevels;
    };
    const batchLevels = await batchLoad("batch-settlement", batchTask);
    // ---- 1c. the same channels, each call sending its voucher with the request (the offer of one 402 reused).
    const probe = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: prompts[0], params: { maxTokens: MAX_TOKENS } }) });
    const offer = new x402HTTPClient(batchClients[0]).getPaymentRequiredResponse((n) => probe.headers.get(n), await probe.json());
    const reusedTask = async (i: number) => {
      const sample = await offerReusedCall(url, batchClients[batchTurn++ % PAYERS], offer, prompts[i % prompts.length], { maxTokens: MAX_TOKENS, seed: 500_000 + i });
      if (sample.ok) charges++;
      return sample;
    };
    const reusedLevels = await batchLoad("batch-settlement, offer reused,", reusedTask);
    if (profiledScheme === "batch-settlement") profileText = await profileRun("batch-settlement", batchTask);
    for (const l of [...batchLevels, ...reusedLevels]) for (const s of l.samples) if (!s.ok) errorKinds.set(`batch: ${s.error ?? "?"}`, (errorKinds.get(`batch: ${s.error ?? "?"}`) ?? 0) + 1);
    // What the booker (the server's booking job) spent on-chain for these charges, its claims and bookBatch calls, once
    // it has booked them all within its bound (each channel within BOOKING_MAX_DELAY_SECONDS of its oldest charge).
    const bookingDeadline = Date.now() + (BOOKING_MAX_DELAY_SECONDS + 30) * 1000;
    let bookingCost = await bookingGas(rpc, d.inferenceMarket, batchFrom + 1n);
    while (bookingCost.records < charges && Date.now() < bookingDeadline) {
      log(`[${elapsed()} s] waiting for the booker: ${fmtInt(bookingCost.records)} of ${fmtInt(charges)} charges booked`);
      await sleep(5_000);
      bookingCost = await bookingGas(rpc, d.inferenceMarket, batchFrom + 1n);
    }
    log(`[${elapsed()} s] batch-settlement on-chain for the runs' ${fmtInt(charges)} charges: ${bookingCost.text}`);
    const lateMining = await faucetSends(payers.slice(0, 32));
    const chainHeight = await rpc.getBlockNumber({ cacheTime: 0 });
    log(`[${elapsed()} s] after the runs (block ${chainHeight}): eth_sendRawTransaction p50 ${ms(median(lateMining.sendTimes))} ms, mined p50 ${ms(median(lateMining.minedAfter))} ms later (not yet at the first check for ${lateMining.missedFirst}/32)`);
    for (const l of levels) for (const s of l.samples) if (!s.ok) errorKinds.set(s.error ?? "?", (errorKinds.get(s.error ?? "?") ?? 0) + 1);
    if (errorKinds.size) log(`errors: ${[...errorKinds].map(([e, n]) => `${n} × ${e}`).join("; ")}`);

    // ---- 2a. the model's own time, in this process, on the same artifact (shared index as the server builds it)
    const artifactDir = path.join(dataDir, "artifacts");
    const loaded = new Map<number, LoadedModel>();
    const pool = new SharedIndexPool();
    for (const id of [1, 2]) {
      const m = await client.readContract({ address: d.modelRegistry, abi: modelRegistryAbi, functionName: "getModel", args: [BigInt(id)] });
      const bytes = getArtifact(m.artifactHash, artifactDir);
      if (!bytes) throw new Error(`artifact of model ${id} (${m.artifactHash}) is not in ${artifactDir}`);
      const a = loadArtifact(bytes);
      loaded.set(id, a);
      if (a.format === "corpus") pool.addModel(id, a.index);
    }
    const { index, view } = pool.get(MODEL);
    const modelRun = (s: Sample) =>
      runAttribution({ kind: "infinigram", model: { format: "corpus", index }, view, modelId: MODEL, artifactHash: model.artifactHash, requestId: BigInt(s.body!.requestId), prompt: s.prompt, params: s.body!.params });
    const ownRun = (s: Sample) =>
      runAttribution({ kind: "infinigram", model: loaded.get(MODEL)!, modelId: MODEL, artifactHash: model.artifactHash, requestId: BigInt(s.body!.requestId), prompt: s.prompt, params: s.body!.params });
    const c1 = levels[0].samples.filter((s) => s.ok);
    for (const s of c1.slice(0, 50)) modelRun(s); // warm (the server's copy is warm too)
    let same = 0;
    const modelTimes = new Map<Sample, number>();
    const ownTimes: number[] = [];
    for (const s of c1) {
      const st = performance.now();
      const run = modelRun(s);
      modelTimes.set(s, performance.now() - st);
      const so = performance.now();
      ownRun(s);
      ownTimes.push(performance.now() - so);
      if (run.output === s.body!.output && attributionHash(run.record) === s.body!.attribution.attributionHash) same++;
    }
    const model1 = [...modelTimes.values()];
    const outside = c1.map((s) => s.paid - modelTimes.get(s)!);
    // The batch answers at c=1: their record names the request hash as its request id (lib/inference/batch.ts).
    const outsideOf = (samples: Sample[]) =>
      samples
        .filter((s) => s.ok && s.body)
        .map((s) => {
          const st = performance.now();
          runAttribution({ kind: "infinigram", model: { format: "corpus", index }, view, modelId: MODEL, artifactHash: model.artifactHash, requestId: BigInt(s.body!.requestHash), prompt: s.prompt, params: s.body!.params });
          return s.paid - (performance.now() - st);
        });
    const batchOutside = outsideOf(batchLevels[0].samples);
    const reusedOutside = outsideOf(reusedLevels[0].samples);
    log(`[${elapsed()} s] model time in-process (c=1 requests, ${c1.length}): p50 ${ms(median(model1))} ms, p95 ${ms(pct(model1, 95))} ms (own artifact index: p50 ${ms(median(ownTimes))} ms); same output and attribution hash: ${same}/${c1.length}; paid − model p50 ${ms(median(outside))} ms`);

    // ---- 2b. the chain part of a paid request, replayed from here with the server's own calls and clients, on a
    // copy of the chain (anvil_dumpState → a second anvil), so neither the server nor its indexer sees it.
    const first = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "x", params: { maxTokens: MAX_TOKENS } }) });
    const requirements = JSON.parse(Buffer.from(first.headers.get("payment-required")!, "base64").toString("utf8")) as PaymentRequired;
    const http402 = new x402HTTPClient(clients[0]);
    const coreRequired = http402.getPaymentRequiredResponse((n) => first.headers.get(n), await first.json());
    const jsonRpc = async (rpcUrl: string, method: string, params: unknown[]) => {
      const res = (await (await fetch(rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) })).json()) as { result?: unknown; error?: { message: string } };
      if (res.error) throw new Error(`${method}: ${res.error.message}`);
      return res.result;
    };
    // anvil_dumpState answers gzip'd JSON; a second anvil loads it from a file (a large state exceeds anvil_loadState's request limit).
    const stateFile = path.join(dataDir, "chain-copy.json");
    fs.writeFileSync(stateFile, gunzipSync(Buffer.from(String(await jsonRpc(stack.rpcUrl, "anvil_dumpState", [])).slice(2), "hex")));
    const copy = await startAnvil({ port: await freePort(), extraArgs: ["--load-state", stateFile] });
    const phaseNames = ["quote", "verify", "simulateEstimate", "sendPay", "receiptPay", "readRequest", "estimateSettle", "sendSettle", "receiptSettle", "total"] as const;
    type Phases = Record<(typeof phaseNames)[number], number[]>;
    const newPhases = () => Object.fromEntries(phaseNames.map((n) => [n, [] as number[]])) as Phases;
    const asServer = newPhases();
    const tight = newPhases();
    const replayMined: number[] = [];
    try {
      const cchain = chainFor({ chainId: d.chainId, publicRpcUrl: copy.rpcUrl });
      const serverRpc = createPublicClient({ chain: cchain, transport: http(copy.rpcUrl, { retryCount: 2 }), pollingInterval: 50 }) as PublicClient; // as lib/inference/runtime.ts
      const operator = operatorWallet({ chainId: d.chainId, rpcUrl: copy.rpcUrl });
      for (let i = 0; i < REPLAYS; i++) {
        // Even runs wait for receipts as the server does (viem polling: 250 ms for the payment, 50 ms for the
        // settlement); odd runs wait until the tx is mined without counting it (polled every ms, recorded apart),
        // then count one eth_getTransactionReceipt: the request as it goes when the first receipt check hits.
        const phases = i % 2 === 0 ? asServer : tight;
        let t = performance.now();
        const receipt = async (hash: Hex, pollingInterval?: number) => {
          if (i % 2 === 0) return serverRpc.waitForTransactionReceipt({ hash, pollingInterval });
          const sent = performance.now();
          while (!(await serverRpc.getTransactionReceipt({ hash }).catch(() => null))) await sleep(1);
          replayMined.push(performance.now() - sent);
          t = performance.now();
          return serverRpc.getTransactionReceipt({ hash });
        };
        const mark = (name: (typeof phaseNames)[number]) => {
          const now = performance.now();
          phases[name].push(now - t);
          t = now;
        };
        const payload = await clients[i % PAYERS].createPaymentPayload(coreRequired);
        const header = Object.values(http402.encodePaymentSignatureHeader(payload))[0];
        t = performance.now();
        // quote() of lib/inference/paid.ts: modelCount, then pricing (the paid request's; the 402 makes the same two reads).
        await serverRpc.readContract({ address: d.modelRegistry, abi: modelRegistryAbi, functionName: "modelCount" });
        await serverRpc.readContract({ address: d.modelRegistry, abi: modelRegistryAbi, functionName: "pricing", args: [BigInt(MODEL)] });
        mark("quote");
        const auth = await verifyAuthorization({ payload: decodePaymentHeader(header), requirements, publicClient: serverRpc, chainId: d.chainId });
        mark("verify");
        const requestHash = requestHashOf({ modelId: MODEL, prompt: `replay ${i}`, params: { maxTokens: MAX_TOKENS }, nonce: auth.nonce });
        // submitAuthorization (lib/payments/exact/settle.ts): simulate, estimate, send with fixed gas, receipt.
        const call = { ...market, functionName: "payWithAuthorization", args: [BigInt(MODEL), requestHash, auth.value, auth.from, auth.value, auth.validAfter, auth.validBefore, auth.nonce, auth.signature] } as const;
        await serverRpc.simulateContract({ ...call, account: operator.account });
        const gas = await serverRpc.estimateContractGas({ ...call, account: operator.account });
        mark("simulateEstimate");
        const payTx = await operator.writeContract({ ...call, gas: (gas * 6n) / 5n + 10_000n });
        mark("sendPay");
        const payReceipt = await receipt(payTx, 250);
        mark("receiptPay");
        const [paidEv] = parseEventLogs({ abi: inferenceMarketAbi, eventName: "InferencePaid", logs: payReceipt.logs });
        await serverRpc.readContract({ ...market, functionName: "getRequest", args: [paidEv.args.requestId] });
        mark("readRequest");
        // settle through operatorTx (lib/inference/onchain.ts): estimate, send, receipt.
        const settleCall = { ...market, functionName: "settle", args: [paidEv.args.requestId, paidEv.args.requestHash, toHex(randomBytes(32)), toHex(randomBytes(32))] } as const;
        const sGas = await serverRpc.estimateContractGas({ ...settleCall, account: operator.account });
        mark("estimateSettle");
        const settleTx = await operator.writeContract({ ...settleCall, gas: (sGas * 6n) / 5n + 10_000n });
        mark("sendSettle");
        await receipt(settleTx);
        mark("receiptSettle");
        // Sum of the phases (for the odd runs: without the waits until mined).
        phases.total.push(phaseNames.filter((n) => n !== "total").reduce((sum, n) => sum + phases[n][phases[n].length - 1], 0));
      }
    } finally {
      await copy.stop();
    }
    const fmtPhases = (p: Phases) => phaseNames.map((k) => `${k} ${ms(median(p[k]))}`).join(", ");
    // The c=1 paid requests by how long they took: the receipt polls show up as steps of ~50 and ~250 ms.
    const paid1 = c1.map((s) => s.paid);
    const band = (lo: number, hi: number) => paid1.filter((x) => x >= lo && x < hi).length;
    const fastP50 = median(c1.filter((s) => s.paid < 80).map((s) => s.paid - modelTimes.get(s)!));
    const chainTight = median(tight.total);
    log(`[${elapsed()} s] chain part replayed on a copy of the chain, p50 ms — as the server waits (×${asServer.total.length}): ${fmtPhases(asServer)}`);
    log(`[${elapsed()} s]   … when the first receipt check finds the tx (×${tight.total.length}): ${fmtPhases(tight)}; mined ${ms(median(replayMined))} ms (p50) after eth_sendRawTransaction answered`);
    log(
      `[${elapsed()} s] c=1 paid requests: ${band(0, 80)} under 80 ms, ${band(80, 250)} 80–250 ms, ${band(250, 1e9)} ≥ 250 ms; ` +
        `the fast ones: paid − model p50 ${ms(fastP50)} ms, of which chain calls ${ms(chainTight)} ms → database + Next ≈ ${ms(fastP50 - chainTight)} ms`,
    );

    // ---- 3. gas. Settles of answers with few and with many attribution entries.
    // All at once, twice: some settles then leave other payments in escrow, some empty it (a 4,800 gas refund).
    const extra: Sample[] = [];
    for (let round = 0; round < 2; round++) {
      const batch = Array.from({ length: 4 }, (_, j) => round * 4 + j).flatMap((i) => [
        paidCall(`${base}/api/models/3/inference`, clients[i], glosses[(i * 101) % glosses.length].gloss.split(";")[0], { k: 1 }),
        paidCall(url, clients[i + 8], `The ${glosses[(i * 31) % glosses.length].words[0]} is`, { maxTokens: 1, seed: i }),
        paidCall(url, clients[i + 16], `The ${glosses[(i * 53) % glosses.length].words[0]} is`, { maxTokens: 256, seed: i }),
      ]);
      extra.push(...(await Promise.all(batch)));
    }
    const failedExtra = extra.filter((s) => !s.ok);
    if (failedExtra.length) log(`extra requests failed: ${failedExtra.map((s) => s.error).join("; ")}`);
    // `pay` from the wallet (the transaction path), then served through the route with {txHash, nonce}.
    const user = devAccount(8);
    const userWallet = createWalletClient({ account: user, chain, transport: http(stack.rpcUrl) });
    await rpc.waitForTransactionReceipt({ hash: await userWallet.writeContract({ ...{ address: d.token, abi: openTokenAbi }, functionName: "approve", args: [d.inferenceMarket, maxUint256] }) });
    const payGas: bigint[] = [];
    for (let i = 0; i < 3; i++) {
      const prompt = `The ${glosses[(i * 17) % glosses.length].words[0]} is`;
      const reqNonce = toHex(randomBytes(32));
      const parsed = inferenceRequestSchema.parse({ prompt, params: { maxTokens: MAX_TOKENS, seed: 77 + i } });
      const requestHash = requestHashOf({ modelId: MODEL, prompt, params: parsed.params, nonce: reqNonce });
      const tx = await userWallet.writeContract({ ...market, functionName: "pay", args: [BigInt(MODEL), requestHash, model.price] });
      payGas.push((await rpc.waitForTransactionReceipt({ hash: tx })).gasUsed);
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt, params: { maxTokens: MAX_TOKENS, seed: 77 + i }, payment: { txHash: tx, nonce: reqNonce } }) });
      if (res.status !== 200) throw new Error(`paid-by-transaction request answered ${res.status}: ${await res.text()}`);
    }
    // Receipts of every successful x402 request of the run.
    const served = [...levels.flatMap((l) => l.samples), ...extra].filter((s) => s.ok && s.body);
    const receipts = await Promise.all(
      served.map(async (s) => {
        const [p, st] = await Promise.all([client.getTransactionReceipt({ hash: s.body!.paymentTx }), client.getTransactionReceipt({ hash: s.body!.settleTx })]);
        // Escrow left after the settle (anvil: one transaction per block): 0 means this settle emptied it.
        const escrowAfter = await client.readContract({ ...market, functionName: "totalEscrow", blockNumber: st.blockNumber });
        return { entries: (s.body!.attribution.entries as unknown[]).length, method: s.body!.attribution.method as string, pay: p, settle: st, emptied: escrowAfter === 0n };
      }),
    );
    const distinctBlocks = receipts.every((r) => r.pay.blockNumber !== r.settle.blockNumber && r.pay.status === "success" && r.settle.status === "success");
    const pwaGas = receipts.map((r) => Number(r.pay.gasUsed));
    const settleGas = receipts.map((r) => Number(r.settle.gasUsed));
    // Settle gas by number of attribution entries, separately for settles that leave escrow and that empty it.
    const settleBy = (emptied: boolean) => {
      const m = new Map<number, number[]>();
      for (const r of receipts.filter((x) => x.emptied === emptied)) m.set(r.entries, [...(m.get(r.entries) ?? []), Number(r.settle.gasUsed)]);
      return new Map([...m].sort((a, b) => a[0] - b[0]));
    };
    const describe = (m: Map<number, number[]>) =>
      [...m].map(([n, g]) => `${n}: ${Math.min(...g) === Math.max(...g) ? fmtInt(g[0]) : `${fmtInt(Math.min(...g))}–${fmtInt(Math.max(...g))}`} (×${g.length})`).join(", ");
    const kept = settleBy(false);
    const emptied = settleBy(true);
    const entryCounts = [...new Set(receipts.map((r) => r.entries))].sort((a, b) => a - b);
    const fewest = entryCounts[0];
    const most = entryCounts.at(-1)!;
    log(
      `[${elapsed()} s] gas over ${receipts.length} x402 requests (each: payWithAuthorization and settle in 2 different blocks: ${distinctBlocks}): ` +
        `payWithAuthorization p50 ${fmtInt(median(pwaGas))} (${fmtInt(Math.min(...pwaGas))}–${fmtInt(Math.max(...pwaGas))}); settle p50 ${fmtInt(median(settleGas))} (${fmtInt(Math.min(...settleGas))}–${fmtInt(Math.max(...settleGas))}); pay ${payGas.map(fmtInt).join(", ")}`,
    );
    log(`[${elapsed()} s]   settle gas by attribution entries — escrow left: ${describe(kept)}; escrow emptied: ${describe(emptied)}`);

    const epoch2 = await postEpoch();
    log(`[${elapsed()} s] epoch ${epoch2.epoch} posted: ${epoch2.accounts} accounts, ${epoch2.gasUsed} gas, the route took ${epoch2.durationMs} ms`);
    const contributor = devAccount(2);
    // The root is claimable once its 30 s challenge window has passed and the epoch job saw it: allow for a loaded machine.
    const claimDeadline = Date.now() + 120_000;
    for (;;) {
      const c = (await (await fetch(`${base}/api/accounts/${contributor.address}/claim`)).json()) as Json;
      if (c.epoch === epoch2.epoch && BigInt(c.claimable ?? 0) > 0n) break;
      if (Date.now() > claimDeadline) throw new Error(`account 2 has nothing claimable in epoch ${epoch2.epoch}: ${JSON.stringify(c).slice(0, 200)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const claim = await claimFor({ baseUrl: base, account: contributor, publicClient: rpc, deployment: d });
    if (!claim.gasUsed) throw new Error(`claim sent nothing: ${claim.reason}`);
    log(`[${elapsed()} s] claim (account 2, epoch ${claim.epoch}): ${claim.claimed} wei, ${claim.gasUsed} gas, proof length ${claim.proofLength}`);

    // postEpoch and claim gas for 2, 200 and 2,000 accounts: the settlement test measures them on a deployment of its own.
    const testRun = spawnSync(process.execPath, [path.join(ROOT, "node_modules/vitest/vitest.mjs"), "run", "lib/settlement/settlement.test.ts", "-t", "gas"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: savedEnv.NODE_OPTIONS ?? "", FORCE_COLOR: "0", NO_COLOR: "1" },
      timeout: 120_000,
    });
    const gasLine = /gas \(pglite\): (\{.*\})/.exec(testRun.stdout ?? "")?.[1];
    const scale = gasLine ? (JSON.parse(gasLine) as { postEpoch: Record<string, number>; claim: Record<string, { gas: number; proof: number }> }) : null;
    log(`[${elapsed()} s] lib/settlement/settlement.test.ts gas test: ${gasLine ?? `no figures (exit ${testRun.status})`}`);

    // ---- the table
    const total = (performance.now() - t0) / 1000;
    const rows: [string, string, string][] = [];
    for (const l of levels) {
      const ok = l.samples.filter((s) => s.ok);
      const t = ok.map((s) => s.total);
      rows.push([
        `concurrency ${l.concurrency}`,
        `${(ok.length / l.elapsed).toFixed(1)} req/s; p50 ${ms(median(t))} / p95 ${ms(pct(t, 95))} / p99 ${ms(pct(t, 99))} ms; ${l.samples.length - ok.length} errors`,
        `POST /api/models/${MODEL}/inference (∞-gram, maxTokens ${MAX_TOKENS}) for ${l.elapsed.toFixed(1)} s, ${ok.length} answers, ${PAYERS} payers round-robin; client time end to end (unpaid POST → 402, sign, paid POST → body read) with the official x402 client`,
      ]);
    }
    const batchRuns = [
      { name: "batch-settlement", levels: batchLevels, what: "the same requests paid with the official batch-settlement client (one deposit per payer before the runs, then one voucher per request and no transaction); same run, same stack" },
      { name: "batch-settlement, offer reused", levels: reusedLevels, what: "the same channels, each voucher signed from the offer of one earlier 402 and sent with the request (no 402 round trip: a flat-price model's offer is the same for every prompt), its PAYMENT-RESPONSE read by the official client" },
    ];
    for (const run of batchRuns) {
      for (const l of run.levels) {
        const ok = l.samples.filter((s) => s.ok);
        const t = ok.map((s) => s.total);
        const exact = levels.find((e) => e.concurrency === l.concurrency)!;
        const ratio = ok.length / l.elapsed / (exact.samples.filter((s) => s.ok).length / exact.elapsed);
        rows.push([
          `${run.name}, concurrency ${l.concurrency}`,
          `${(ok.length / l.elapsed).toFixed(1)} req/s = ${ratio.toFixed(1)}× exact; p50 ${ms(median(t))} / p95 ${ms(pct(t, 95))} / p99 ${ms(pct(t, 99))} ms; ${l.samples.length - ok.length} errors; ${l.txs} txs`,
          run.what,
        ]);
      }
    }
    rows.push(["batch-settlement on-chain (booker)", bookingCost.text, "the booking job's own transactions for the batch runs' charges, waited for until all are booked (bound per channel: BOOKING_MAX_DELAY_SECONDS, default 60 s, or BOOKING_MIN_RECORDS, default 100, charges): vouchers claimed in X402BatchSettlement, then InferenceMarket.bookBatch; records from each bookBatch's calldata"]);
    {
      // CPU per paid batch-settlement call, by process: what one call costs this machine with the official client on it.
      const per = (l: (typeof batchLevels)[number]) => {
        const rate = l.samples.filter((x) => x.ok).length / l.elapsed;
        const of = (name: string) => ((l.cpu.per.find(([n]) => n === name)?.[1] ?? 0) * 1000) / rate;
        const all = l.cpu.per.reduce((a, [, x]) => a + x, 0) * 1000 / rate;
        return { web: of("web server"), client: of("bench client"), anvil: of("anvil"), all };
      };
      const cores = os.cpus().length;
      const text = batchRuns
        .map((run) =>
          `${run.name}: ` +
          run.levels
            .map((l) => {
              const c = per(l);
              return `c=${l.concurrency}: web server ${ms(c.web)}, client ${ms(c.client)}, anvil ${ms(c.anvil)} ms; all ${ms(c.all)} ms → at most ${Math.floor((cores * 1000) / c.all)} req/s on ${cores} cores`;
            })
            .join("; "),
        )
        .join(" · ");
      rows.push(["batch-settlement CPU per paid call", text, "/proc CPU time of each process of the stack and of this bench's client (the official batch-settlement client: parsing each 402, signing each voucher) during each run ÷ paid calls; the ceiling is the machine's cores ÷ that sum, with the client on the same machine"]);
    }
    rows.push(["batch-settlement outside the model (c=1)", `p50 ${ms(median(batchOutside))} / p95 ${ms(pct(batchOutside, 95))} ms (offer reused: p50 ${ms(median(reusedOutside))} / p95 ${ms(pct(reusedOutside, 95))} ms)`, "per request: paid request − model time (the same run of the model in this process) = voucher verification, channel row lock, charge row, database + Next"]);
    const at = (c: number) => levels.find((l) => l.concurrency === c)!.samples.filter((s) => s.ok);
    rows.push(["402 round trip (c=1)", `p50 ${ms(median(at(1).map((s) => s.to402)))} ms (c=32: ${ms(median(at(32).map((s) => s.to402)))} ms)`, "unpaid POST → PAYMENT-REQUIRED headers (server: 2 contract reads + model lookup)"]);
    rows.push(["client signing (c=1)", `p50 ${ms(median(at(1).map((s) => s.sign)))} ms`, "402 received → paid POST sent (parse requirements, sign EIP-712 TransferWithAuthorization)"]);
    const paidP = (c: number) => at(c).map((s) => s.paid);
    rows.push(["paid request", `c=1: p50 ${ms(median(paidP(1)))} / p95 ${ms(pct(paidP(1), 95))} ms; c=8: p50 ${ms(median(paidP(8)))}; c=32: p50 ${ms(median(paidP(32)))} ms`, "PAYMENT-SIGNATURE POST → 200 headers (verify, payWithAuthorization, model, store, settle)"]);
    rows.push(["model time", `p50 ${ms(median(model1))} / p95 ${ms(pct(model1, 95))} ms; ${same}/${c1.length} answers identical`, `runAttribution in this process on model ${MODEL}'s artifact (getArtifact; shared-index view as the server serves it; own index p50 ${ms(median(ownTimes))} ms), same prompts, params and request ids as the c=1 run`]);
    rows.push(["outside the model (c=1)", `p50 ${ms(median(outside))} ms (${((median(outside) / median(paid1)) * 100).toFixed(1)} % of the paid request); p95 ${ms(pct(outside, 95))} ms`, "per request: paid request − model time = verification + payWithAuthorization + settle + database + Next"]);
    rows.push([
      "… receipt polling (c=1)",
      `${band(0, 80)} paid requests < 80 ms, ${band(80, 250)} at 80–250 ms, ${band(250, 1e9)} ≥ 250 ms`,
      "when viem's first receipt checks run before anvil has mined the tx, the next check is one polling interval later: +250 ms after payWithAuthorization (submitAuthorization's default pollingIntervalMs, lib/payments/exact/settle.ts), +50 ms after settle (serveContext's pollingInterval)",
    ]);
    rows.push([
      "anvil: tx mined after",
      `p50 ${ms(median(minedAfter))} ms at block ${startHeight}, ${ms(median(lateMining.minedAfter))} ms at block ${chainHeight}`,
      `eth_sendRawTransaction answers (p50 ${ms(median(sendTimes))} ms) before the block is mined; receipt polled every ms after faucet txs (${PAYERS} at the start, 32 after the runs); grows with the chain's length`,
    ]);
    rows.push([
      "… chain calls (replay)",
      `p50 ${ms(chainTight)} ms when the first receipt check finds the tx; ${ms(median(asServer.total))} ms with the server's receipt waits on an idle server (pay receipt ${ms(median(asServer.receiptPay))}, settle receipt ${ms(median(asServer.receiptSettle))})`,
      `the paid request's chain calls replayed ${REPLAYS}× on a copy of the chain with the server's functions and clients: quote ${ms(median(tight.quote))}, verifyAuthorization ${ms(median(tight.verify))}, simulate+estimate ${ms(median(tight.simulateEstimate))}, send pay ${ms(median(tight.sendPay))}, pay receipt ${ms(median(tight.receiptPay))}, getRequest ${ms(median(tight.readRequest))}, estimate settle ${ms(median(tight.estimateSettle))}, send settle ${ms(median(tight.sendSettle))}, settle receipt ${ms(median(tight.receiptSettle))} ms`,
    ]);
    rows.push(["… database + Next (c=1)", `≈ ${ms(fastP50 - chainTight)} ms`, `requests without a missed receipt poll (< 80 ms): paid − model p50 ${ms(fastP50)} ms − chain calls ${ms(chainTight)} ms`]);
    rows.push(["anvil round trip", `eth_blockNumber p50 ${ms(median(rtt))} ms, eth_call ${ms(median(callRtt))} ms`, `from this process, ${rtt.length} each`]);
    const cpuPer = (l: (typeof levels)[number], name: string) => {
      const x = l.cpu.per.find(([n]) => n === name)?.[1] ?? 0;
      return ms((x * 1000) / (l.samples.filter((s) => s.ok).length / l.elapsed));
    };
    rows.push([
      "CPU",
      `c=32: ${levels[2].cpu.text}; per request: web server ${cpuPer(levels[2], "web server")} ms, anvil ${cpuPer(levels[2], "anvil")} ms (c=1: ${cpuPer(levels[0], "web server")}, ${cpuPer(levels[0], "anvil")} ms)`,
      `/proc CPU time during each run ÷ its duration (share of one core) and ÷ requests; idle for ${IDLE_SECONDS} s before the runs: ${idleCpu.text}`,
    ]);
    rows.push([`web server main thread (c=${PROFILE_CONCURRENCY})`, profileText, `V8 CPU profile (node:inspector, loaded with --require through NODE_OPTIONS) of an extra ${PROFILE_SECONDS} s run at concurrency ${PROFILE_CONCURRENCY}; self time grouped by the first library on the stack`]);
    const l1 = levels[0];
    rows.push(["chain cost per request", `${(l1.blocks / l1.samples.length).toFixed(2)} blocks, ${(l1.txs / l1.samples.length).toFixed(2)} txs (c=32: ${(levels[2].txs / levels[2].samples.length).toFixed(2)} txs)`, `blocks and txs mined during each run ÷ requests; payWithAuthorization and settle in separate blocks for ${receipts.filter((r) => r.pay.blockNumber !== r.settle.blockNumber).length}/${receipts.length}`]);
    rows.push(["gas: payWithAuthorization", `${fmtInt(median(pwaGas))} (${fmtInt(Math.min(...pwaGas))}–${fmtInt(Math.max(...pwaGas))})`, `receipts of the ${receipts.length} x402 payments (operator submits the payer's EIP-3009 authorization)`]);
    rows.push(["gas: pay", payGas.map(fmtInt).join(", "), "wallet pays itself (account 8, after approve), 3 requests, then served via {txHash, nonce}"]);
    const keptFew = kept.get(fewest);
    const keptMost = kept.get(most);
    rows.push([
      "gas: settle",
      `${fmtInt(median(settleGas))}; ${fewest} entr${fewest === 1 ? "y" : "ies"}: ${keptFew ? fmtInt(median(keptFew)) : "–"}, ${most} entries: ${keptMost ? fmtInt(median(keptMost)) : "–"}`,
      `receipts of ${receipts.length} settles, ${fewest}–${most} attribution entries per answer (kNN k=1, ∞-gram maxTokens 1/32/256); by entries, escrow left: ${describe(kept)}; settles that empty the escrow get 4,800 back: ${describe(emptied)}`,
    ]);
    rows.push([
      "gas: postEpoch",
      (epoch2.gasUsed === "-" ? `epoch ${epoch2.epoch} ${epoch2.accounts}` : `${fmtInt(epoch2.gasUsed)} (${epoch2.accounts} accounts)`) + (scale ? `; ${Object.entries(scale.postEpoch).map(([n, g]) => `${fmtInt(g)} (${fmtInt(Number(n))})`).join(", ")}` : "") + `; first epoch ${fmtInt(epoch1.gasUsed)}`,
      `POST /api/settlement/epoch, epoch ${epoch2.epoch} of this run (the route took ${epoch1.durationMs} and ${epoch2.durationMs} ms); ` +
        (scale ? "2, 200 and 2,000 accounts: lib/settlement/settlement.test.ts gas test, run now on a deployment of its own" : "lib/settlement/settlement.test.ts asserts 2 vs 200 vs 2,000 accounts within 600 gas") +
        "; only (root, total) go on-chain; the first post writes empty slots",
    ]);
    rows.push([
      "gas: claim",
      `${fmtInt(claim.gasUsed)} (proof length ${claim.proofLength})`,
      `claimFor, contributor account 2, epoch ${claim.epoch}, first claim` +
        (scale ? `; settlement test: ${Object.entries(scale.claim).map(([n, c]) => `${fmtInt(Number(n))} accounts ${fmtInt(c.gas)} (proof ${c.proof})`).join(", ")}` : ""),
    ]);
    rows.push(["runtime", `${total.toFixed(0)} s (stack ${stackSeconds.toFixed(0)} s${built ? ", incl. next build" : ", build cached"})`, "whole inference bench, stack start to table"]);

    const table = ["| figure | result | what was measured |", "|---|---|---|", ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
    log(`\n${table}\n\n${machineLine()}`);
    return { table, levels: levels.map((l) => ({ concurrency: l.concurrency, ok: l.samples.filter((s) => s.ok).length, errors: l.samples.filter((s) => !s.ok).length, seconds: l.elapsed })), totalSeconds: total };
  } finally {
    await stack?.stop();
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchInference();
}
