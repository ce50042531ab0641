/**
 * Demo inferences through the real paid path: anvil users pay with the official x402 client (EIP-3009
 * signatures, submitted by the operator), the server serves, settles and the indexer credits the
 * contributors, so earnings, leaderboards and the attribution feed have something to show on first start.
 * Idempotent: once the market holds DEMO_INFERENCES requests, nothing more is paid.
 */
import { searchTerms } from "@/lib/attribution/rag";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { registerExactEvmScheme } from "@x402/evm/exact/client";
import type { PublicClient } from "viem";
import { inferenceMarketAbi } from "@/contracts-abi";
import { devAccount } from "@/lib/chain/anvil";
import type { Deployment } from "@/lib/chain/deploy";
import { DEMO_ACCOUNTS } from "./seed";
import { nounGlosses } from "./wordnet";

export const DEMO_INFERENCES = 36;
/** How far in the past a fresh demo chain starts (see scripts/stack.ts). */
export const DEMO_HISTORY_HOURS = 26;

function payingFetch(index: number, d: Deployment) {
  const client = new x402Client();
  registerExactEvmScheme(client, { signer: devAccount(index), networks: [`eip155:${d.chainId}`] });
  client.setSpendControls({ allowedAssets: [{ network: `eip155:${d.chainId}`, asset: d.token }] });
  return wrapFetchWithPayment(fetch, client);
}

/** Anvil's clock: move it forward, or back to the wall clock. */
async function anvilRpc(rpcUrl: string, method: string, params: unknown[]): Promise<void> {
  const res = await fetch(rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  const body = (await res.json()) as { error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
}

export async function seedInferences(opts: {
  baseUrl: string;
  rpcUrl: string;
  deployment: Deployment;
  publicClient: PublicClient;
  models: { id: number; kind: string }[];
  /** On a backdated local chain: spread the inferences over this many hours, then return to the wall clock. */
  spreadHours?: number;
  log?: (m: string) => void;
}): Promise<{ paid: number }> {
  const { deployment: d } = opts;
  const log = opts.log ?? (() => {});
  const done = Number(await opts.publicClient.readContract({ address: d.inferenceMarket, abi: inferenceMarketAbi, functionName: "requestCount" }));
  if (done >= DEMO_INFERENCES || opts.models.length === 0) return { paid: 0 };
  const glosses = nounGlosses();
  const fetchers = DEMO_ACCOUNTS.users.map((i) => payingFetch(i, d));
  let paid = 0;
  const step = Math.floor(((opts.spreadHours ?? 0) * 3600) / DEMO_INFERENCES);
  for (let n = done; n < DEMO_INFERENCES; n++) {
    if (step > 0) {
      // About `step` apart (± 5 minutes), never past the wall clock: authorizations are signed with it.
      const latest = Number((await opts.publicClient.getBlock({ blockTag: "latest" })).timestamp);
      const jump = Math.min(step + ((n * 7919) % 600) - 300, Math.floor(Date.now() / 1000) - 120 - latest);
      if (jump > 0) await anvilRpc(opts.rpcUrl, "evm_increaseTime", [jump]);
    }
    const { id: modelId, kind } = opts.models[n % opts.models.length];
    const g = glosses[(n * 37) % glosses.length];
    // ∞-gram models continue an entry of the glossary ("zebra:"), RAG models get a question, the classifier a definition to label.
    const knn = kind === "knn";
    // (A head made only of words a RAG model does not search for, such as "type", would be refused: ask about a tiger instead.)
    const asked = searchTerms(g.words[0]).length > 0 ? g.words[0] : "tiger";
    const prompt = knn ? g.gloss.split(";")[0] : kind === "rag" ? `What is ${/^[aeiou]/i.test(asked) ? "an" : "a"} ${asked}?` : `${g.words[0]}:`;
    const res = await fetchers[n % fetchers.length](`${opts.baseUrl}/api/models/${modelId}/inference`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt, params: knn ? {} : { maxTokens: 24 } }),
    });
    const body = (await res.json()) as { requestId?: string; error?: string; output?: string };
    if (!res.ok) throw new Error(`seed inference on model ${modelId} failed (${res.status}): ${body.error}`);
    paid++;
  }
  if (step > 0) {
    // Back to the wall clock, so new activity lands "now".
    await anvilRpc(opts.rpcUrl, "anvil_setTime", [Math.floor(Date.now() / 1000)]);
    await anvilRpc(opts.rpcUrl, "evm_mine", []);
  }
  log(`seed: paid for ${paid} inferences with x402 (users ${DEMO_ACCOUNTS.users.join(", ")})${step > 0 ? `, spread over the last ${opts.spreadHours} hours of chain time` : ""}`);
  return { paid };
}
