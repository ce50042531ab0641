/**
 * Paid inference against the real stack (next start + anvil + database), from Node: the official x402
 * client pays the Ledgerline API unchanged, the `openai` client gets completions (plain and streamed),
 * the answer verifies, and after an epoch a contributor claims exactly what the ledger says.
 */
import { expect, test } from "@playwright/test";
import OpenAI from "openai";
import { maxUint256 } from "viem";
import { inferenceMarketAbi, openTokenAbi } from "../contracts-abi";
import { randomRequestNonce, requestHashOf } from "../lib/payments/request";
import { claimFor } from "../lib/settlement/claim";
import { demoAccount } from "../lib/seed/seed";
import { stackChain } from "./chain";
import { payingFetch } from "./x402";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

test("the official x402 client pays for an inference; the answer carries its split and attribution and verifies", async ({ baseURL }) => {
  const { client, deployment } = stackChain();
  const payer = demoAccount(8).address;
  const quote = (await (await fetch(`${baseURL}/api/models/1/inference`)).json()) as Json;
  expect(BigInt(quote.price)).toBeGreaterThan(0n);
  const unpaid = await fetch(`${baseURL}/api/models/1/inference`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "The tiger is" }) });
  expect(unpaid.status).toBe(402);
  expect(unpaid.headers.get("payment-required")).toBeTruthy();

  const before = await client.readContract({ address: deployment.token, abi: openTokenAbi, functionName: "balanceOf", args: [payer] });
  const res = await payingFetch(8)(`${baseURL}/api/models/1/inference`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: "The tiger is", params: { maxTokens: 24, seed: 7 } }),
  });
  const body = (await res.json()) as Json;
  expect(res.status, JSON.stringify(body)).toBe(200);
  expect(res.headers.get("payment-response")).toBeTruthy();
  expect(body.output.length).toBeGreaterThan(0);
  expect(body.via).toBe("x402");
  const split = Object.values(body.split as Record<string, string>).reduce((s, v) => s + BigInt(v), 0n);
  expect(split).toBe(BigInt(body.price));
  expect(body.attribution.entries.reduce((s: bigint, e: Json) => s + BigInt(e.amount), 0n)).toBe(BigInt(body.split.contributorPool));
  const after = await client.readContract({ address: deployment.token, abi: openTokenAbi, functionName: "balanceOf", args: [payer] });
  expect(before - after).toBe(BigInt(body.price));

  await expect.poll(async () => (await (await fetch(`${baseURL}/api/inferences/${body.requestId}`)).json()).status, { timeout: 15_000 }).toBe("settled");
  const verified = (await (await fetch(`${baseURL}/api/inferences/${body.requestId}/verify`)).json()) as Json;
  expect(verified.checks.filter((c: Json) => !c.ok)).toEqual([]);
  expect(verified.ok).toBe(true);
});

test("a wallet pays with its own pay transaction, then posts the request with the transaction hash; the same payment serves once", async ({ baseURL }) => {
  const { client, wallet: walletOf, deployment } = stackChain();
  const account = demoAccount(9);
  const wallet = walletOf(account);
  const request = { prompt: "The horse is", params: { maxTokens: 12 } };
  const nonce = randomRequestNonce();
  const requestHash = requestHashOf({ modelId: 2, ...request, nonce });
  const quote = (await (await fetch(`${baseURL}/api/models/2/inference`)).json()) as Json;
  await client.waitForTransactionReceipt({ hash: await wallet.writeContract({ address: deployment.token, abi: openTokenAbi, functionName: "approve", args: [deployment.inferenceMarket, maxUint256] }) });
  const txHash = await wallet.writeContract({ address: deployment.inferenceMarket, abi: inferenceMarketAbi, functionName: "pay", args: [2n, requestHash, BigInt(quote.price)] });
  await client.waitForTransactionReceipt({ hash: txHash });
  const post = () => fetch(`${baseURL}/api/models/2/inference`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...request, payment: { txHash, nonce } }) });
  const res = await post();
  const body = (await res.json()) as Json;
  expect(res.status, JSON.stringify(body)).toBe(200);
  expect(body.via).toBe("transaction");
  expect(body.paymentTx).toBe(txHash);
  const again = await post();
  expect(again.status).toBe(409);
  // A different prompt with the same payment is not what was paid for.
  const other = await fetch(`${baseURL}/api/models/2/inference`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "Something else", payment: { txHash, nonce } }) });
  expect([409, 422]).toContain(other.status);
});

test("the openai client gets a completion and a stream, paid with x402; bad input is refused before payment", async ({ baseURL }) => {
  const openai = new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: "x402", maxRetries: 0, fetch: payingFetch(9) });
  const models = await openai.models.list();
  expect(models.data.map((m) => m.id)).toContain("model-1");

  const completion = await openai.chat.completions.create({ model: "model-1", messages: [{ role: "user", content: "A fox is" }], max_tokens: 16, seed: 3 });
  expect(completion.choices[0].message.content?.length).toBeGreaterThan(0);
  expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
  const ledgerline = (completion as unknown as { ledgerline: Json }).ledgerline;
  expect(BigInt(ledgerline.cost)).toBeGreaterThan(0n);
  expect(ledgerline.attribution.entries.length).toBeGreaterThan(0);

  const stream = await openai.chat.completions.create({ model: "model-1", messages: [{ role: "user", content: "The whale is" }], max_tokens: 16, stream: true });
  let text = "";
  let last: Json | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? "";
    last = chunk as unknown as Json;
  }
  expect(text.length).toBeGreaterThan(0);
  // OpenAI's rule: "length" when the answer was cut at max_tokens, "stop" when the model ended it.
  expect(last?.choices[0].finish_reason).toBe(last?.usage.completion_tokens >= 16 ? "length" : "stop");
  expect(last?.ledgerline.request_id).toMatch(/^[0-9]+$/);

  const knn = await openai.chat.completions.create({ model: "model-3", messages: [{ role: "user", content: "a sweet dessert made of cream and sugar" }] });
  expect(["animal", "food", "plant", "feeling", "artifact"]).toContain(knn.choices[0].message.content);

  await expect(openai.chat.completions.create({ model: "model-999", messages: [{ role: "user", content: "x" }] })).rejects.toThrow(/not found|does not exist/);
  await expect(openai.chat.completions.create({ model: "model-1", messages: [{ role: "user", content: "x" }], max_tokens: 100_000 })).rejects.toThrow(/maxTokens|max_tokens|at most/);
});

test("after an epoch a contributor claims, and their OPEN balance rises by exactly the claimable amount", async ({ baseURL }) => {
  test.setTimeout(150_000);
  const { client, deployment } = stackChain();
  // Earnings need settled inferences: pay for one more so this test stands alone.
  const paid = await payingFetch(7)(`${baseURL}/api/models/2/inference`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "The dog" }) });
  expect(paid.status).toBe(200);
  const { requestId } = (await paid.json()) as Json;
  await expect.poll(async () => (await (await fetch(`${baseURL}/api/inferences/${requestId}`)).json()).status, { timeout: 15_000 }).toBe("settled");

  const epoch = await fetch(`${baseURL}/api/settlement/epoch`, { method: "POST" });
  expect(epoch.status).toBe(200);
  const { epoch: posted } = (await epoch.json()) as Json;
  const contributor = demoAccount(2);
  // Claim against the epoch just posted once it is final (its 30 s challenge window on the local chain) and indexed.
  const claimStatus = async () => (await (await fetch(`${baseURL}/api/accounts/${contributor.address}/claim`)).json()) as Json;
  await expect.poll(async () => (await claimStatus()).epoch, { timeout: 90_000 }).toBe(posted);
  const status = await claimStatus();
  expect(BigInt(status.claimable)).toBeGreaterThan(0n);
  const before = await client.readContract({ address: deployment.token, abi: openTokenAbi, functionName: "balanceOf", args: [contributor.address] });
  const result = await claimFor({ baseUrl: baseURL!, account: contributor, publicClient: client, deployment });
  expect(result.claimed).toBe(BigInt(status.claimable));
  const after = await client.readContract({ address: deployment.token, abi: openTokenAbi, functionName: "balanceOf", args: [contributor.address] });
  expect(after - before).toBe(BigInt(status.claimable));
});
