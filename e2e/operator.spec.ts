/**
 * The operator console, /metrics, /api/health, the dashboard's demo view without a wallet, the public/ assets,
 * and that live pages let network-idle waits finish — against the real stack (anvil, the database, next start,
 * the demo seed).
 */
import { expect, test } from "@playwright/test";

test("/operator shows the node's health, the operator's gas, the queue, epochs and errors", async ({ page }) => {
  const res = await page.goto("/operator");
  expect(res?.status()).toBe(200);
  await expect(page.getByRole("heading", { level: 1, name: "Operator console" })).toBeVisible();
  for (const check of ["chain", "database", "indexer"]) await expect(page.getByTestId(`check-${check}`)).toContainText("Up");
  // anvil's account 0 holds thousands of ETH: a balance, and no low-balance warning.
  await expect(page.getByTestId("operator-balance")).toHaveText(/^[\d,]+(\.\d+)?$/);
  await expect(page.getByTestId("low-balance")).toHaveCount(0);
  await expect(page.getByText("Settlements waiting")).toBeVisible();
  await expect(page.getByText("Refunds waiting")).toBeVisible();
  // Epochs: the seed's inferences are settled; either a posted epoch or the empty state that says when one comes.
  await expect(page.getByTestId("epoch-latest").or(page.getByText("No epoch posted yet"))).toBeVisible();
  await expect(page.getByTestId("recent-errors").or(page.getByText("No errors", { exact: true }))).toBeVisible();
});

test("/metrics and /api/health answer machines: Prometheus text on the local chain, health names what is down", async ({ request }) => {
  const metrics = await request.get("/metrics");
  expect(metrics.status()).toBe(200);
  expect(metrics.headers()["content-type"]).toContain("text/plain; version=0.0.4");
  const text = await metrics.text();
  expect(text).toMatch(/^ledgerline_up\{component="chain"\} 1$/m);
  expect(text).toMatch(/^ledgerline_indexer_lag_blocks \d+$/m);
  // The seed paid with x402 through this server: counted by scheme and status.
  expect(text).toMatch(/^ledgerline_paid_requests_total\{scheme="exact",status="200"\} [1-9]\d*$/m);
  expect(text).toMatch(/^ledgerline_serve_duration_seconds_count\{outcome="settled"\} [1-9]\d*$/m);
  expect(metrics.headers()["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);

  const health = await request.get("/api/health");
  expect(health.status()).toBe(200);
  expect(await health.json()).toMatchObject({ ok: true, down: [], checks: { chain: { ok: true }, database: { ok: true }, indexer: { ok: true } } });
});

test("/dashboard without a wallet says what connecting shows and offers a demo account's public view", async ({ page }) => {
  await page.goto("/dashboard");
  await expect(page.getByTestId("dashboard-connect")).toBeVisible();
  await expect(page.getByTestId("dashboard-what")).toContainText("claimable OPEN");
  const demo = page.getByTestId("dashboard-demo");
  await expect(demo).toBeVisible();
  await expect(demo.getByTestId("account-view")).toHaveAttribute("data-address", /^0x[0-9a-f]{40}$/);
  await expect(demo.getByTestId("attribution-row").first()).toBeVisible({ timeout: 15_000 });
  await expect(demo.getByTestId("claim-card")).toContainText("Connect the wallet of this account to claim.");
  // The header's button and the page's call to action look the same.
  const header = page.getByRole("banner").getByRole("button", { name: "Connect wallet" });
  await expect(header).toHaveAttribute("data-wallet-ready", "true");
  expect(await header.getAttribute("class")).toBe(await page.getByTestId("dashboard-connect").getAttribute("class"));
});

test("public/ serves the icon, the social preview and robots.txt, and the pages link them", async ({ page, request }) => {
  for (const [path, type] of [["/icon.svg", "image/svg+xml"], ["/og.png", "image/png"], ["/apple-touch-icon.png", "image/png"], ["/robots.txt", "text/plain"]] as const) {
    const res = await request.get(path);
    expect(res.status(), path).toBe(200);
    expect(res.headers()["content-type"], path).toContain(type);
  }
  expect(await (await request.get("/robots.txt")).text()).toContain("Disallow: /api/");
  await page.goto("/");
  await expect(page.locator('meta[property="og:image"]')).toHaveAttribute("content", /^http:\/\/127\.0\.0\.1:\d+\/og\.png$/);
  await expect(page.locator('link[rel="icon"]').first()).toHaveAttribute("href", /\/icon\.svg/);
});

test("live pages finish loading: network idle is reached, then the stream opens", async ({ page }) => {
  for (const path of ["/", "/datanets/1"]) {
    await page.goto(path, { waitUntil: "networkidle", timeout: 20_000 });
    await expect(page.locator('[data-testid="live-indicator"][data-connected="true"]').first()).toBeVisible({ timeout: 15_000 });
  }
});
