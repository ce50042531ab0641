/**
 * `npm run watch -- --node <url> [--rpc <url>] [--dispute --key <hexkey>] [--once]`: the public watcher. Follows the
 * chain's epoch roots and recomputes each from the node's public API and the chain alone (lib/watch/watch.ts says
 * how), reporting match or mismatch per account; with --dispute it disputes a wrong root inside its window.
 *
 * Exit code: 0 every root checked matches, 1 a root is wrong or its inputs are not served, 2 error or usage.
 */
import { parseArgs } from "node:util";
import { createPublicClient, createWalletClient, formatUnits, http, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { inferenceMarketAbi } from "../contracts-abi";
import { UnsupportedRecordVersion } from "../lib/watch/record";
import { DEFAULT_MAX_ARTIFACT_BYTES, NodeApi, resolveContracts } from "../lib/watch/sources";
import { currentEpochs, disputeEpoch, Watcher, type EpochReport } from "../lib/watch/watch";

const USAGE = `usage: npm run watch -- --node <url> [--rpc <url>] [--dispute --key <0x…64 hex>] [--once] [--epoch <n>] [--interval <s>] [--max-artifact-mb <n>]
  --node             the Ledgerline node whose roots to check (its public HTTP API)
  --rpc              your JSON-RPC for the chain (default: the one the node advertises; prefer your own)
  --dispute --key    dispute a wrong root inside its challenge window, paying the bond from this key (or WATCH_KEY)
  --once             check the current final and pending roots, then exit (default: keep following the chain)
  --epoch            check this epoch only, then exit
  --interval         seconds between looks at the chain when following (default 5)
  --max-artifact-mb  largest model artifact to download (default ${DEFAULT_MAX_ARTIFACT_BYTES / 1024 ** 2})
exit code: 0 match, 1 mismatch or inputs unavailable, 2 error`;

const open = (wei: bigint) => `${formatUnits(wei, 18)} OPEN (${wei} wei)`;
const log = (msg: string) => console.log(msg);

function parse() {
  try {
    const { values } = parseArgs({
      options: {
        node: { type: "string" },
        rpc: { type: "string" },
        dispute: { type: "boolean", default: false },
        key: { type: "string" },
        once: { type: "boolean", default: false },
        epoch: { type: "string" },
        interval: { type: "string", default: "5" },
        "max-artifact-mb": { type: "string" },
        help: { type: "boolean", default: false },
      },
      strict: true,
    });
    if (values.help) {
      console.log(USAGE);
      process.exit(0);
    }
    const key = values.key ?? process.env.WATCH_KEY;
    const interval = Number(values.interval);
    const epoch = values.epoch === undefined ? undefined : Number(values.epoch);
    const maxMb = values["max-artifact-mb"] === undefined ? undefined : Number(values["max-artifact-mb"]);
    const problem =
      !values.node ? "--node is required" :
      values.dispute && !(key && /^0x[0-9a-fA-F]{64}$/.test(key)) ? "--dispute needs --key <0x followed by 64 hex digits> (or WATCH_KEY)" :
      !(interval > 0) ? "--interval must be a positive number of seconds" :
      epoch !== undefined && !(Number.isSafeInteger(epoch) && epoch > 0) ? "--epoch must be an epoch number (1, 2, …)" :
      maxMb !== undefined && !(maxMb > 0) ? "--max-artifact-mb must be a positive number" : null;
    if (problem) throw new Error(problem);
    return { node: values.node!, rpc: values.rpc, dispute: values.dispute, key: key as Hex | undefined, once: values.once, epoch, intervalMs: interval * 1000, maxArtifactBytes: maxMb && maxMb * 1024 ** 2 };
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

function print(r: EpochReport, windowSeconds: number, now: bigint): void {
  const e = r.epoch;
  const closes = BigInt(e.postedAt + windowSeconds);
  const when = e.status === "pending" ? (now < closes ? `, window closes in ${closes - now} s` : ", window closed") : "";
  log(`epoch ${e.epoch} (${e.status}${when}): root ${e.root} · total ${open(e.cumulativeTotal)} · through block ${e.throughBlock} · ${r.inferences} settled inferences`);
  const serious = r.findings.filter((f) => f.kind !== "unattributed");
  const unattributed = r.findings.filter((f) => f.kind === "unattributed");
  for (const f of serious.slice(0, 20)) log(`  ✗ inference ${f.requestId} (${f.kind}): ${f.detail}`);
  if (serious.length > 20) log(`  … and ${serious.length - 20} more`);
  for (const f of unattributed.slice(0, 5)) log(`  · inference ${f.requestId}: ${f.detail}`);
  if (unattributed.length > 5) log(`  · … and ${unattributed.length - 5} more unattributed`);
  if (r.verdict === "inputs unavailable") {
    log(`  INPUTS UNAVAILABLE: the node does not serve what this root needs to be checked; a root whose inputs are not served during its window is disputable`);
    return;
  }
  log(`  recomputed: root ${r.expectedRoot ?? "(no earnings)"} · total ${r.expectedTotal === null ? "-" : open(r.expectedTotal)}`);
  if (r.accounts) {
    for (const a of r.accounts.slice(0, 50)) log(`  ✗ ${a.account}: expected ${open(a.expected)}, the root has ${open(a.posted)}`);
    if (r.accounts.length > 50) log(`  … and ${r.accounts.length - 50} more accounts differ`);
  } else if (r.leavesNote) log(`  (per account: ${r.leavesNote}; comparing roots only)`);
  log(r.verdict === "match" ? `  MATCH: the posted root is the root of the recomputed earnings` : `  MISMATCH: the posted root is not what the public data gives`);
}

async function main(): Promise<number> {
  const args = parse();
  const node = new NodeApi(args.node, { maxArtifactBytes: args.maxArtifactBytes });
  const deployment = await node.deployment();
  const rpc = args.rpc ?? deployment.publicRpcUrl;
  if (!args.rpc) log(`using the node's RPC ${rpc} (pass --rpc to read the chain through your own)`);
  const client = createPublicClient({ transport: http(rpc, { retryCount: 3 }), pollingInterval: 500 }) as PublicClient;
  const { contracts, warnings } = await resolveContracts(client, deployment);
  for (const w of warnings) log(`warning: ${w}`);
  // Logs start where the node says the contracts were deployed; that must not skip any of the market's life.
  if (deployment.startBlock > 0 && (await client.getCode({ address: contracts.market, blockNumber: BigInt(deployment.startBlock - 1) }))) {
    throw new Error(`the node says the contracts start at block ${deployment.startBlock}, but the market already existed before it`);
  }
  log(`watching ${args.node} · chain ${deployment.chainId} · market ${contracts.market}`);

  const wallet = args.dispute ? createWalletClient({ account: privateKeyToAccount(args.key!), transport: http(rpc) }) : null;
  if (wallet) log(`disputes from ${wallet.account.address}`);
  const watcher = new Watcher({
    client,
    node,
    contracts,
    startBlock: deployment.startBlock,
    onProgress: (e, done, total) => console.error(`  epoch ${e}: ${done}/${total} inferences checked`),
  });
  const market = { address: contracts.market, abi: inferenceMarketAbi } as const;
  let worst = 0;

  const check = async (e: number) => {
    const report = await watcher.checkEpoch(e);
    const [window, block] = await Promise.all([client.readContract({ ...market, functionName: "challengeWindow" }), client.getBlock()]);
    print(report, Number(window), block.timestamp);
    if (report.verdict === "match") return;
    worst = 1;
    if (!wallet) {
      if (report.epoch.status === "pending") log(`  run with --dispute --key <key> to dispute it inside its window`);
      return;
    }
    const d = await disputeEpoch(client, wallet, contracts, e);
    if (d.filed) log(`  DISPUTED: ${d.approveTx ? `approved the bond (tx ${d.approveTx}), ` : ""}dispute(${e}) tx ${d.tx}, bond ${open(d.bond)}`);
    else log(`  not disputed: ${d.reason}`);
  };

  if (args.epoch !== undefined) {
    await check(args.epoch);
    return worst;
  }
  const head = await client.getBlockNumber();
  const initial = await currentEpochs(client, contracts);
  if (initial.length === 0) log("no epoch roots yet");
  for (const e of initial) await check(e);
  if (args.once) return worst;

  // Follow: every new EpochPosted from here on.
  let from = head + 1n;
  const stop = () => process.exit(worst);
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  log(`following the chain for new roots (every ${args.intervalMs / 1000} s; Ctrl-C stops)`);
  const queue: number[] = [];
  for (;;) {
    await new Promise((r) => setTimeout(r, args.intervalMs));
    try {
      const to = await client.getBlockNumber();
      if (to >= from) {
        const posted = await client.getContractEvents({ ...market, eventName: "EpochPosted", fromBlock: from, toBlock: to, strict: true });
        queue.push(...posted.map((ev) => Number(ev.args.epoch)));
        from = to + 1n;
      }
      while (queue.length) {
        await check(queue[0]);
        queue.shift();
      }
    } catch (err) {
      // An RPC or node hiccup while following: say so and try again next time (an unsupported record stops).
      if (err instanceof UnsupportedRecordVersion) throw err;
      console.error(`error: ${(err as Error).message.split("\n")[0]}; retrying in ${args.intervalMs / 1000} s`);
    }
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err instanceof UnsupportedRecordVersion ? `watch stopped: ${err.message}` : `watch failed: ${err.message.split("\n")[0]}`);
    process.exit(2);
  },
);
