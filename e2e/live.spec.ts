import { expect, test } from "@playwright/test";
import { createPublicClient, createWalletClient, http } from "viem";
import { foundry } from "viem/chains";
import { datanetRegistryAbi } from "../contracts-abi";
import { demoAccount, DEMO_DATANETS } from "../lib/seed/seed";
import { stackInfo } from "./stack-info";
import { signInRequest } from "./wallet";

test("a contributor's new contribution appears on an open Datanet page without a reload", async ({ page, request }) => {
  const { rpcUrl, deployment } = stackInfo();
  const open = DEMO_DATANETS.findIndex((d) => !d.curated) + 1;
  await page.goto(`/datanets/${open}`);
  await expect(page.getByTestId("live-indicator").first()).toBeVisible();
  const before = await page.getByRole("row").count();

  // Another contributor signs in, uploads and registers a contribution, as the seed does.
  const account = demoAccount(6);
  await signInRequest(request, account);
  const text = `**e2e plant ${Date.now()}**: a plant that exists only in this test\n`;
  const upload = await request.post(`/api/content?filename=e2e.md`, { data: text });
  expect(upload.ok()).toBe(true);
  const content = (await upload.json()) as { hash: `0x${string}`; bytes: number; records: number };
  const wallet = createWalletClient({ account, chain: foundry, transport: http(rpcUrl) });
  const client = createPublicClient({ chain: foundry, transport: http(rpcUrl), pollingInterval: 50 });
  const hash = await wallet.writeContract({
    address: deployment.datanetRegistry,
    abi: datanetRegistryAbi,
    functionName: "contribute",
    args: [BigInt(open), content.hash, BigInt(content.bytes), content.records],
  });
  await client.waitForTransactionReceipt({ hash });

  // The indexer picks it up, the SSE stream tells the page, the page re-renders on the server.
  // Generous bounds: CI shares two cores with the chain, the database and the build (the lag itself is
  // measured in bench/live-lag.ts, not here).
  await expect(page.getByText(account.address.slice(0, 6).toLowerCase()).first()).toBeVisible({ timeout: 20_000 });
  await expect.poll(() => page.getByRole("row").count(), { timeout: 20_000 }).toBeGreaterThan(before);
});

test("malformed uploads get a readable 4xx and store nothing", async ({ request }) => {
  const anonymous = await request.post(`/api/content?filename=a.txt`, { data: `unsigned ${Date.now()}` });
  expect(anonymous.status()).toBe(401);
  expect((await anonymous.json()).error).toMatch(/Sign in with your wallet/);
  await signInRequest(request, demoAccount(6));
  const empty = await request.post(`/api/content?filename=a.txt`, { data: "" });
  expect(empty.status()).toBe(422);
  expect((await empty.json()).error).toMatch(/empty/);
  const bad = await request.post(`/api/content?filename=a.jsonl`, { data: '{"ok":1}\n{broken\n' });
  expect(bad.status()).toBe(422);
  expect((await bad.json()).error).toMatch(/Line 2/);
  const unknown = await request.get(`/api/content/0x${"ab".repeat(32)}`);
  expect(unknown.status()).toBe(404);
  const malformed = await request.get(`/api/content/not-a-hash`);
  expect(malformed.status()).toBe(404);
});
