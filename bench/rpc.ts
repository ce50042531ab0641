/**
 * `npm run bench -- rpc` (about 20 s): one JSON-RPC call (`eth_blockNumber`, uncached) to a local anvil through viem's
 * http transport with its default fetch (undici) and through the server's transport (lib/chain/rpc-transport.ts,
 * node:http on a keep-alive agent), alternating rounds in one process; CPU time and wall time per call, medians of the
 * rounds, and the ratio.
 */
import { createPublicClient, http, type PublicClient } from "viem";
import { foundry } from "viem/chains";
import { startAnvil } from "@/lib/chain/anvil";
import { rpcTransport } from "@/lib/chain/rpc-transport";

const ROUNDS = 7;
const CALLS = 1_000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchRpc() {
  console.log("== JSON-RPC transport: undici fetch vs node:http keep-alive (lib/chain/rpc-transport.ts)");
  const anvil = await startAnvil();
  try {
    const variants = {
      fetch: createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) }) as PublicClient,
      "node:http": createPublicClient({ chain: foundry, transport: rpcTransport(anvil.rpcUrl) }) as PublicClient,
    };
    const figures = { fetch: { cpu: [] as number[], wall: [] as number[] }, "node:http": { cpu: [] as number[], wall: [] as number[] } };
    for (let r = 0; r < ROUNDS; r++) {
      for (const name of ["fetch", "node:http"] as const) {
        const client = variants[name];
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        for (let i = 0; i < CALLS; i++) await client.getBlockNumber({ cacheTime: 0 });
        const cpu = process.cpuUsage(cpu0);
        figures[name].cpu.push((cpu.user + cpu.system) / 1000 / CALLS);
        figures[name].wall.push((performance.now() - t0) / CALLS);
      }
    }
    const [a, b] = [figures.fetch, figures["node:http"]];
    console.log(`fetch: ${median(a.cpu).toFixed(3)} ms CPU, ${median(a.wall).toFixed(3)} ms wall per call`);
    console.log(`node:http: ${median(b.cpu).toFixed(3)} ms CPU, ${median(b.wall).toFixed(3)} ms wall per call`);
    console.log(`node:http uses ${(median(a.cpu) / median(b.cpu)).toFixed(1)}× less CPU and answers ${(median(a.wall) / median(b.wall)).toFixed(1)}× sooner (median of ${ROUNDS} rounds of ${CALLS} calls)`);
  } finally {
    await anvil.stop();
  }
}
