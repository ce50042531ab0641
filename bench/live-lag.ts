/**
 * Live lag: from a settlement transaction being mined on the local chain to its `inference.settled`
 * event reaching a Server-Sent Events subscriber of the production web app (indexer in-process).
 */
import fs from "node:fs";
import path from "node:path";
import { createPublicClient, createWalletClient, http, keccak256, maxUint256, toHex, type Hex } from "viem";
import { foundry } from "viem/chains";
import { inferenceMarketAbi, modelRegistryAbi, openTokenAbi } from "../contracts-abi";
import { freePort } from "../lib/chain/anvil";
import { demoAccount } from "../lib/seed/seed";
import { startStack } from "../scripts/stack";

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 60);

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function benchLiveLag(log = console.log) {
  const dataDir = path.join(process.cwd(), ".test-data", `bench-live-${process.pid}`);
  fs.rmSync(dataDir, { recursive: true, force: true });
  const stack = await startStack({ port: await freePort(), dataDir, anvilPort: await freePort(), log: () => {} });
  const abort = new AbortController();
  try {
    const d = stack.deployment;
    const client = createPublicClient({ chain: foundry, transport: http(stack.rpcUrl), pollingInterval: 20 });
    const [operator, builder, user] = [0, 1, 7].map(demoAccount);
    const w = (a: typeof operator) => createWalletClient({ account: a, chain: foundry, transport: http(stack.rpcUrl) });
    const send = async (hash: Hex) => client.waitForTransactionReceipt({ hash });
    await send(await w(builder).writeContract({ address: d.modelRegistry, abi: modelRegistryAbi, functionName: "registerModel", args: ["bench", keccak256(toHex("meta")), keccak256(toHex("artifact")), [1n], [1], 10n ** 15n, 1000, 0] }));
    const modelId = await client.readContract({ address: d.modelRegistry, abi: modelRegistryAbi, functionName: "modelCount" });
    await send(await w(user).writeContract({ address: d.token, abi: openTokenAbi, functionName: "approve", args: [d.inferenceMarket, maxUint256] }));

    // Subscribe like a browser would.
    const arrivals = new Map<number, number>();
    const res = await fetch(`${stack.url}/api/stream?types=inference.settled`, { signal: abort.signal });
    const reader = res.body!.getReader();
    void (async () => {
      const decoder = new TextDecoder();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        buf += decoder.decode(value);
        let i: number;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const msg = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = msg.split("\n").find((l) => l.startsWith("data: "));
          if (data) arrivals.set(JSON.parse(data.slice(6)).requestId, performance.now());
        }
      }
    })();

    const lags: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const requestHash = keccak256(toHex(`lag ${i} ${Date.now()}`));
      await send(await w(user).writeContract({ address: d.inferenceMarket, abi: inferenceMarketAbi, functionName: "pay", args: [modelId, requestHash, 10n ** 15n] }));
      const requestId = Number(await client.readContract({ address: d.inferenceMarket, abi: inferenceMarketAbi, functionName: "requestCount" }));
      // anvil mines on submission: the settlement is in a block when the hash comes back.
      const hash = await w(operator).writeContract({ address: d.inferenceMarket, abi: inferenceMarketAbi, functionName: "settle", args: [BigInt(requestId), requestHash, keccak256(toHex("out")), keccak256(toHex("attr"))] });
      const mined = performance.now();
      await send(hash);
      const deadline = Date.now() + 10_000;
      while (!arrivals.has(requestId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      if (!arrivals.has(requestId)) throw new Error(`settlement ${requestId} never reached the SSE subscriber`);
      lags.push(arrivals.get(requestId)! - mined);
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 200)); // spread over the poll phase
    }
    lags.sort((a, b) => a - b);
    const result = { samples: lags.length, p50: percentile(lags, 50), p95: percentile(lags, 95), max: lags[lags.length - 1] };
    log(`live lag (settle mined → SSE event), ${result.samples} samples: p50 ${result.p50.toFixed(0)} ms, p95 ${result.p95.toFixed(0)} ms, max ${result.max.toFixed(0)} ms`);
    return result;
  } finally {
    abort.abort();
    await stack.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchLiveLag();
}
