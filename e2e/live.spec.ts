import { expect, test } from "@playwright/test";
import { maxUint256, parseEther, parseEventLogs, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { datanetRegistryAbi, openTokenAbi } from "../contracts-abi";
import { shortAddress } from "../components/format";
import { demoAccount, DEMO_DATANETS } from "../lib/seed/seed";
import { stackChain } from "./chain";
import { signInRequest } from "./wallet";

test("a contributor's new contribution appears on an open Datanet page without a reload", async ({ page, request }) => {
  const { client, wallet: walletOf, send, deployment } = stackChain();
  const open = DEMO_DATANETS.findIndex((d) => !d.curated) + 1;

  // A newcomer: a fresh key, so the page cannot already list them (funded with gas and the bond here).
  const account = privateKeyToAccount(generatePrivateKey());
  const wallet = walletOf(account);
  await client.request({ method: "anvil_setBalance" as never, params: [account.address, toHex(parseEther("10"))] as never });
  await send(wallet.writeContract({ address: deployment.token, abi: openTokenAbi, functionName: "faucet", args: [account.address, parseEther("1000")] }));
  await send(wallet.writeContract({ address: deployment.token, abi: openTokenAbi, functionName: "approve", args: [deployment.datanetRegistry, maxUint256] }));

  await page.goto(`/datanets/${open}`);
  // The stream is open (the server subscribed): from here on the page cannot miss the event.
  await expect(page.locator('[data-testid="live-indicator"][data-connected="true"]').first()).toBeVisible({ timeout: 30_000 });
  const shown = page.getByText(shortAddress(account.address.toLowerCase()));
  await expect(shown).toHaveCount(0);

  await signInRequest(request, account);
  const text = `**e2e plant ${Date.now()}**: a plant that exists only in this test\n`;
  const upload = await request.post(`/api/content?filename=e2e.md`, { data: text });
  expect(upload.ok()).toBe(true);
  const content = (await upload.json()) as { hash: `0x${string}`; bytes: number; records: number };
  // The server's attestation that this account uploaded the bytes first, and the bond as it is now (maxBond).
  const attested = await request.post(`/api/content/${content.hash}/attestation`, { data: { datanetId: open } });
  expect(attested.ok()).toBe(true);
  const attestation = (await attested.json()) as { deadline: number; signature: `0x${string}` };
  const { bond } = await client.readContract({ address: deployment.datanetRegistry, abi: datanetRegistryAbi, functionName: "getDatanet", args: [BigInt(open)] });
  const receipt = await client.waitForTransactionReceipt({
    hash: await wallet.writeContract({
      address: deployment.datanetRegistry,
      abi: datanetRegistryAbi,
      functionName: "contribute",
      args: [BigInt(open), content.hash, BigInt(content.bytes), content.records, bond, BigInt(attestation.deadline), attestation.signature],
    }),
  });
  const [submitted] = parseEventLogs({ abi: datanetRegistryAbi, logs: receipt.logs, eventName: "ContributionSubmitted" });
  const id = Number(submitted.args.contributionId);

  // The indexer picks it up, the SSE stream tells the page, the page re-renders on the server. Generous
  // bounds: CI shares two cores with the chain, the database and the build (the lag itself is measured
  // in bench/live-lag.ts, not here).
  // The row whose first cell is exactly "#<id>" (a row's text runs its cells together: "#28" + "0x…").
  const row = page.getByRole("row").filter({ has: page.getByRole("cell", { name: `#${id}`, exact: true }) });
  await expect(row).toBeVisible({ timeout: 30_000 });
  await expect(row).toContainText(shortAddress(account.address.toLowerCase()));
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
