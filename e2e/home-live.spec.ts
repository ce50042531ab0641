/**
 * The home page is live: an inference paid during the test (official x402 client, as an agent would)
 * appears at the top of the settlement feed and bumps the 24-hour inference count, without a reload.
 */
import { expect, test } from "@playwright/test";
import { payingFetch } from "./x402";

test("a new paid inference appears in the home feed and bumps the 24 h count without a reload", async ({ page, baseURL }) => {
  await page.goto("/");
  const count = page.getByTestId("stat-inferences-24h");
  await expect(count).toBeVisible();
  const before = Number(await count.getAttribute("data-value"));
  // The seed settled inferences in the last 24 hours: the feed and the count start non-empty.
  expect(before).toBeGreaterThan(0);
  const rows = page.getByTestId("settlement-row");
  await expect(rows.first()).toBeVisible();
  await expect(rows.first().getByRole("link").first()).toHaveAttribute("href", /^\/inferences\/\d+$/);
  await expect(rows.first().getByTestId("settlement-contributors")).toHaveText(/^\d+ contributors? paid$/);
  await expect(page.locator('[data-testid="settlement-row"][data-new="true"]')).toHaveCount(0);
  // The page's event stream is open (the server subscribed before answering): from here on it cannot miss the
  // settlement (paying before that raced the subscription).
  await expect(page.locator('[data-testid="live-indicator"][data-connected="true"]').first()).toBeVisible({ timeout: 30_000 });
  // A marker that only survives if the page is never reloaded.
  await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

  const res = await payingFetch(7)(`${baseURL}/api/models/1/inference`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: "The lion is", params: { maxTokens: 10, seed: 5 } }),
  });
  const body = (await res.json()) as { requestId: string | number; attribution: { entries: { contributor: string; amount?: string }[] } };
  expect(res.status, JSON.stringify(body)).toBe(200);
  const requestId = String(body.requestId);
  // Accounts the settlement actually paid (a zero share pays nobody).
  const contributors = new Set(body.attribution.entries.filter((e) => e.amount === undefined || BigInt(e.amount) > 0n).map((e) => e.contributor.toLowerCase())).size;

  // Only the SSE invalidation can bring these in (no polling, no focus refetch, no reload).
  const row = page.locator(`[data-testid="settlement-row"][data-request-id="${requestId}"]`);
  await expect(row).toBeVisible({ timeout: 20_000 });
  await expect(row).toHaveAttribute("data-new", "true");
  await expect(rows.first()).toHaveAttribute("data-request-id", requestId);
  await expect(row.getByRole("link", { name: `#${requestId}` })).toHaveAttribute("href", `/inferences/${requestId}`);
  await expect(row.getByTestId("settlement-contributors")).toHaveText(`${contributors} contributor${contributors === 1 ? "" : "s"} paid`);
  await expect(count).toHaveAttribute("data-value", String(before + 1), { timeout: 20_000 });
  expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);

  // The feed links to the inference page.
  await row.getByRole("link", { name: `#${requestId}` }).click();
  await expect(page).toHaveURL(new RegExp(`/inferences/${requestId}$`));
});
