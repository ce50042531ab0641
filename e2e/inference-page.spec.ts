import { expect, test } from "@playwright/test";
import { inferenceMarketAbi } from "../contracts-abi";
import { stackChain } from "./chain";
import { payingFetch } from "./x402";

test("an inference page shows the prompt, output, split and attribution, and verifies without a wallet", async ({ page }) => {
  const res = await page.goto("/inferences/1");
  expect(res?.status()).toBe(200);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Inference #1");
  await expect(page.getByText("Settled").first()).toBeVisible();

  // The model links to its page.
  await expect(page.locator('a[href^="/models/"]').first()).toBeVisible();

  // Prompt and answer as served.
  await expect(page.getByTestId("prompt")).not.toBeEmpty();
  await expect(page.getByTestId("output")).not.toBeEmpty();

  // The split: four parts, each an OPEN amount and a percentage of the price.
  for (const part of ["protocol", "operator", "builder", "contributors"]) {
    await expect(page.getByTestId(`split-${part}`)).toContainText("OPEN");
    await expect(page.getByTestId(`split-${part}`)).toContainText("%");
  }

  // At least one credited contribution, linking to its Datanet, with a share and an amount.
  const rows = page.getByTestId("attribution-row");
  await expect(rows.first()).toBeVisible();
  expect(await rows.count()).toBeGreaterThan(0);
  await expect(rows.first().locator('a[href^="/datanets/"]')).toBeVisible();
  await expect(rows.first()).toContainText("%");
  await expect(rows.first()).toContainText("OPEN");

  // Settled hashes and transactions in full, copyable.
  await expect(page.getByTestId("hash-attribution")).toHaveText(/^0x[0-9a-f]{64}$/);
  await expect(page.getByTestId("hash-output")).toHaveText(/^0x[0-9a-f]{64}$/);
  await expect(page.getByTestId("hash-paid-tx")).toHaveText(/^0x[0-9a-f]{64}$/);
  await expect(page.getByTestId("hash-settled-tx")).toHaveText(/^0x[0-9a-f]{64}$/);

  // Verify: every check passes.
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByTestId("verify-result")).toHaveText("Verified: the attribution is exactly what was settled.", { timeout: 30_000 });
  const checks = page.getByTestId("verify-check");
  expect(await checks.count()).toBeGreaterThanOrEqual(4);
  for (const check of await checks.all()) await expect(check).toHaveAttribute("data-ok", "true");
  await expect(page.getByTestId("verify-checks")).toContainText("record on-chain");
});

test("an unknown or malformed inference id is a 404 page", async ({ page }) => {
  for (const id of ["999999", "abc", "0", "01"]) {
    const res = await page.goto(`/inferences/${id}`);
    expect(res?.status(), `/inferences/${id}`).toBe(404);
    await expect(page.getByRole("heading", { name: "Inference not found" })).toBeVisible();
  }
});

test("a link to an inference the indexer does not have yet becomes its page once it is indexed, without the visitor reloading", async ({ page, baseURL }) => {
  // The next request id on-chain: this test's payment (or another spec's, running alongside) takes it.
  const { client, deployment } = stackChain();
  const next = Number(await client.readContract({ address: deployment.inferenceMarket, abi: inferenceMarketAbi, functionName: "requestCount" })) + 1;
  const res = await page.goto(`/inferences/${next}`);
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Inference not found" })).toBeVisible();
  await expect(page.getByTestId("await-indexed")).toHaveAttribute("data-connected", "true");
  const paid = await payingFetch(6)(`${baseURL}/api/models/1/inference`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: "The whale is", params: { maxTokens: 8, seed: 3 } }),
  });
  expect(paid.status).toBe(200);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`Inference #${next}`, { timeout: 30_000 });
});

test("the output highlights its traced spans; focusing one names its contributions and highlights their attribution rows", async ({ page, request }) => {
  // A seeded ∞-gram inference (a kNN label has no spans): the API exposes the spans the page draws.
  const list = await (await request.get("/api/inferences?status=settled&limit=50")).json();
  let id: number | null = null;
  let spans: { start: number; end: number; sources: { contributionId: number; contributor: string; datanetId: number }[] }[] = [];
  for (const item of list.items as { requestId: number }[]) {
    const detail = await (await request.get(`/api/inferences/${item.requestId}`)).json();
    if (detail.spans?.length) {
      id = item.requestId;
      spans = detail.spans;
      break;
    }
  }
  expect(id, "a settled inference with traced spans").not.toBeNull();

  await page.goto(`/inferences/${id}`);
  const marks = page.getByTestId("output").getByTestId("traced-span");
  await expect(marks).toHaveCount(spans.length);
  const first = marks.first();
  // Keyboard reachable, with an accessible description naming the contribution; focus shows the
  // tooltip once the page is interactive (retried until React has hydrated it).
  const source = spans[0].sources[0];
  await expect(first).toHaveAccessibleDescription(new RegExp(`Contribution #${source.contributionId} by 0x`));
  const tooltip = page.getByRole("tooltip");
  await expect(async () => {
    await first.blur();
    await first.focus();
    await expect(first).toBeFocused({ timeout: 1_000 });
    await expect(tooltip).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(tooltip).toContainText(`Contribution #${source.contributionId}`);
  await expect(tooltip).toContainText(`Datanet #${source.datanetId}`);
  // The matching row of the attribution table is highlighted, and only while the span is focused.
  const row = page.locator(`[data-testid="attribution-row"][data-contribution="${source.contributionId}"]`);
  await expect(row).toHaveAttribute("data-highlighted", "true");
  await first.blur();
  await expect(tooltip).toHaveCount(0);
  await expect(row).not.toHaveAttribute("data-highlighted", "true");
});
