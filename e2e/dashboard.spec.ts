/**
 * The contributor dashboard against the real stack: the public account view shows the seeded earnings
 * and attribution feed without a wallet; after an epoch the Dev wallet (account 2) claims on /dashboard
 * and its OPEN balance rises by exactly the claimable amount the card showed.
 */
import fs from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { inferenceMarketAbi, openTokenAbi } from "../contracts-abi";
import { demoAccount } from "../lib/seed/seed";
import { stackChain } from "./chain";
import { payingFetch } from "./x402";
import { connectDevWallet } from "./wallet";

const contributor = demoAccount(2).address;

test("the public account view shows earnings, totals and the attribution feed; a bad address is a 404", async ({ page }) => {
  await page.goto(`/accounts/${contributor}`);
  await expect(page.getByTestId("account-view")).toBeVisible();
  const chart = page.getByTestId("earnings-chart");
  await expect(chart).toBeVisible({ timeout: 15_000 });
  expect(Number(await chart.getAttribute("data-points"))).toBeGreaterThan(0);
  await expect(chart.locator(".recharts-bar-rectangle").first()).toBeAttached();
  // Daily toggle still charts the same earnings.
  await page.getByRole("button", { name: "Daily" }).click();
  await expect(page.getByRole("button", { name: "Daily" })).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByTestId("earnings-chart")).toBeVisible();
  // Weekly: ISO weeks; still the same earnings, charted.
  await page.getByRole("button", { name: "Weekly" }).click();
  await expect(page.getByRole("button", { name: "Weekly" })).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByTestId("earnings-chart")).toBeVisible({ timeout: 15_000 });

  // The CSV is every earning ever, streamed by the server; the browser downloads it as a file.
  const csvLink = page.getByRole("link", { name: "Download CSV" });
  await expect(csvLink).toHaveAttribute("href", `/api/accounts/${contributor.toLowerCase()}/earnings.csv`);
  const [download] = await Promise.all([page.waitForEvent("download"), csvLink.click()]);
  expect(download.suggestedFilename()).toBe(`ledgerline-earnings-${contributor.toLowerCase()}.csv`);
  const csv = fs.readFileSync((await download.path())!, "utf8").trimEnd().split("\r\n");
  const header = csv[0].split(",");
  expect(header.slice(0, 4)).toEqual(["time_utc", "role", "amount_open", "amount_wei"]);
  expect(csv.length).toBeGreaterThan(1);
  // Every earning once: the CSV's wei column sums to the account's all-time total of the earnings route.
  const csvTotal = csv.slice(1).reduce((sum, line) => sum + BigInt(line.split(",")[header.indexOf("amount_wei")]), 0n);
  const total = (await (await page.request.get(`/api/accounts/${contributor}/earnings?bucket=week&from=2020-01-06`)).json()) as { amount: string };
  expect(csvTotal).toBe(BigInt(total.amount));

  await expect(page.getByTestId("totals-datanet").getByTestId("totals-row").first()).toBeVisible();
  await expect(page.getByTestId("totals-model").getByTestId("totals-row").first()).toBeVisible();

  const rows = page.getByTestId("attribution-row");
  await expect(rows.first()).toBeVisible();
  await expect(rows.first().getByRole("link").first()).toHaveAttribute("href", /^\/inferences\/\d+$/);
  await expect(rows.first()).toContainText(/%.*OPEN/);

  // No claims before the first epoch: the history says so.
  await expect(page.getByText("No claims yet")).toBeVisible();

  // Without a wallet there is no Claim button, only a hint.
  await expect(page.getByTestId("claim-card")).toContainText("Connect the wallet of this account to claim.");

  const bad = await page.goto("/accounts/0x1234");
  expect(bad?.status()).toBe(404);
});

test("a new settlement appears in the open attribution feed without a reload", async ({ context, baseURL }) => {
  // One open tab per seeded contributor (accounts 2–6): whoever the next inference credits is watching.
  const pages = new Map<string, Page>();
  for (const i of [2, 3, 4, 5, 6]) {
    const address = demoAccount(i).address.toLowerCase();
    const p = await context.newPage();
    await p.goto(`/accounts/${address}`);
    await expect(p.getByTestId("attribution-row").first()).toBeVisible({ timeout: 15_000 });
    pages.set(address, p);
  }
  const res = await payingFetch(8)(`${baseURL}/api/models/1/inference`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: "The tiger is", params: { maxTokens: 12, seed: 3 } }),
  });
  const body = (await res.json()) as { requestId: string | number; attribution: { entries: { contributor: string }[] } };
  expect(res.status, JSON.stringify(body)).toBe(200);
  const credited = body.attribution.entries.map((e) => e.contributor.toLowerCase()).find((a) => pages.has(a));
  expect(credited, "the inference credits a seeded contributor").toBeTruthy();
  const watcher = pages.get(credited!)!;
  // Only the SSE invalidation can refetch the feed (no polling, no focus refetch).
  await expect(watcher.locator(`a[href="/inferences/${body.requestId}"]`).first()).toBeVisible({ timeout: 20_000 });
  for (const p of pages.values()) await p.close();
});

test("an epoch moves pending → final on /dashboard; only then the contributor claims, and receives exactly the claimable amount", async ({ page, request }) => {
  test.setTimeout(180_000);
  const { client, deployment } = stackChain();
  const epoch = await request.post("/api/settlement/epoch");
  expect(epoch.status(), await epoch.text()).toBe(200);
  // The index has the pending root before the page loads (its live stream carries only later events).
  await expect
    .poll(async () => ((await (await request.get(`/api/accounts/${contributor.toLowerCase()}/claim`)).json()) as { pending: unknown }).pending, { timeout: 15_000 })
    .not.toBeNull();

  await page.goto("/dashboard");
  await connectDevWallet(page, page.getByTestId("dashboard-connect"), 2);
  await expect(page.getByTestId("account-view")).toHaveAttribute("data-address", contributor.toLowerCase());

  const amount = page.getByTestId("claimable-amount");
  const wei = async () => BigInt((await amount.getAttribute("data-wei")) ?? "0");
  // Pending first: the new root's earnings show, but are not claimable during its challenge window.
  const pending = page.getByTestId("pending-epoch");
  await expect(pending).toHaveAttribute("data-status", "pending", { timeout: 15_000 });
  const pendingWei = BigInt((await pending.getAttribute("data-wei"))!);
  expect(pendingWei).toBeGreaterThan(0n);
  expect(await wei()).toBeLessThan(pendingWei);
  // After the window (30 s on the local chain) the epoch job finalizes it and the card updates live.
  await expect(pending).toHaveCount(0, { timeout: 90_000 });
  await expect.poll(wei, { timeout: 15_000 }).toBeGreaterThan(0n);
  const claimable = await wei();
  const claimedSoFar = BigInt((await client.readContract({ address: deployment.inferenceMarket, abi: inferenceMarketAbi, functionName: "claimed", args: [contributor] })));
  expect(claimable).toBe(pendingWei - claimedSoFar);
  const before = await client.readContract({ address: deployment.token, abi: openTokenAbi, functionName: "balanceOf", args: [contributor] });

  await page.getByTestId("claim-card").getByRole("button", { name: "Claim" }).click();
  const status = page.getByTestId("claim-status");
  await expect(status).toHaveAttribute("data-state", "confirmed", { timeout: 30_000 });
  const tx = (await status.getAttribute("data-tx")) as `0x${string}`;
  expect(tx).toMatch(/^0x[0-9a-f]{64}$/);
  const receipt = await client.getTransactionReceipt({ hash: tx });
  expect(receipt.status).toBe("success");

  const after = await client.readContract({ address: deployment.token, abi: openTokenAbi, functionName: "balanceOf", args: [contributor] });
  expect(after - before).toBe(claimable);
  // The card refreshes: nothing left to claim against this epoch.
  await expect(amount).toHaveAttribute("data-wei", "0", { timeout: 15_000 });
  // The claim history shows the new claim, confirmed, with its transaction and amount, without a reload.
  const row = page.locator(`[data-testid="claim-row"][data-tx="${tx}"]`);
  await expect(row).toHaveAttribute("data-state", "confirmed", { timeout: 15_000 });
  await expect(row).toHaveAttribute("data-wei", claimable.toString());
  await expect(row.getByTestId("tx-link")).toHaveAttribute("data-tx", tx);
  await expect(page.getByTestId("claim-row")).toHaveCount(1);
});
