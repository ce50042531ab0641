import { expect, test, type Locator } from "@playwright/test";
import { DEMO_DATANETS } from "../lib/seed/seed";
import { familiarFirst, glossMarkdown, nounGlosses } from "../lib/seed/wordnet";
import { payingFetch } from "./x402";

/** The seed's accepted records of the first demo Datanet that contain `word` (5 on-topic contributions of 40). */
function seededMatches(word: string): number {
  const pool = familiarFirst(nounGlosses().filter((g) => g.lexfile === DEMO_DATANETS[0].lexfile)).slice(0, 5 * 40);
  return pool.filter((g) => glossMarkdown([g]).toLowerCase().includes(word)).length;
}

const pointsOf = async (chart: Locator) => Number(await chart.getAttribute("data-points"));

test("a Datanet's records can be searched and paged, and its usage chart shows the seeded inferences", async ({ page }) => {
  const word = "animal";
  const expected = seededMatches(word);
  expect(expected).toBeGreaterThan(20); // enough for a second page

  await page.goto("/datanets");
  await page.getByRole("link", { name: DEMO_DATANETS[0].meta.name }).first().click();
  await expect(page).toHaveURL(/\/datanets\/\d+$/);

  const viewer = page.getByTestId("record-viewer");
  const rows = viewer.getByTestId("record-row");
  const count = viewer.getByTestId("record-count");
  // The first page is server-rendered.
  await expect(rows).toHaveCount(20);
  await expect(count).toContainText(/Records 1–20 of \d+/);

  await viewer.getByRole("searchbox", { name: "Search records" }).fill(word);
  await expect(count).toContainText(`matching “${word}”`);
  const total = Number((await count.textContent())!.match(/of ([\d,]+)/)![1].replace(/,/g, ""));
  expect(total).toBeGreaterThanOrEqual(expected);
  await expect(rows).toHaveCount(20);
  for (const text of await rows.locator("td:nth-child(2)").allTextContents()) expect(text.toLowerCase()).toContain(word);
  await expect(rows.first().locator("mark").first()).toHaveText(new RegExp(word, "i"));
  const firstPage = await rows.locator("td:nth-child(2)").allTextContents();

  await viewer.getByRole("button", { name: "Next" }).click();
  await expect(count).toContainText(/Records 21–40 of/);
  await expect(rows).toHaveCount(Math.min(20, total - 20));
  const secondPage = await rows.locator("td:nth-child(2)").allTextContents();
  for (const text of secondPage) expect(text.toLowerCase()).toContain(word);
  expect(secondPage.filter((t) => firstPage.includes(t))).toEqual([]);
  await viewer.getByRole("button", { name: "Previous" }).click();
  await expect(count).toContainText(/Records 1–20 of/);

  await viewer.getByRole("searchbox", { name: "Search records" }).fill("zzqxjv");
  await expect(viewer.getByText("No records match “zzqxjv”")).toBeVisible();

  // 36 paid inferences were seeded over the last 26 hours; models built on this Datanet credited it.
  const chart = page.getByTestId("datanet-usage-chart");
  await chart.scrollIntoViewIfNeeded();
  expect(await pointsOf(chart)).toBeGreaterThan(0);
  await expect(chart.locator(".recharts-bar-rectangle").first()).toBeVisible();
  await chart.getByRole("radio", { name: "Daily" }).click();
  await expect(chart.getByRole("radio", { name: "Daily" })).toHaveAttribute("aria-checked", "true");
  await expect.poll(() => pointsOf(chart)).toBeGreaterThan(0);
});

test("models can be filtered by the Datanet they were built from, and a model page charts its usage", async ({ page }) => {
  const labelled = DEMO_DATANETS[3].meta.name;
  await page.goto("/models");
  await expect(page.getByRole("link", { name: "Glossary ∞-gram", exact: true })).toBeVisible();
  await expect(page.getByTestId("model-usage-7d").first()).toContainText(/in 7 days/);

  await page.getByLabel("Built from").selectOption({ label: labelled });
  await expect(page).toHaveURL(/[?&]datanet=\d+/);
  await expect(page.getByTestId("model-count")).toContainText(`built from ${labelled}`);
  await expect(page.getByRole("link", { name: "What-Is-It Classifier", exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: "Glossary ∞-gram", exact: true })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Animal Facts ∞-gram", exact: true })).toHaveCount(0);

  await page.getByRole("link", { name: "What-Is-It Classifier", exact: true }).click();
  await expect(page).toHaveURL(/\/models\/\d+$/);
  const usage = page.getByTestId("model-usage-chart");
  await usage.scrollIntoViewIfNeeded();
  expect(await pointsOf(usage)).toBeGreaterThan(0);
  await expect(usage.locator(".recharts-bar-rectangle").first()).toBeVisible();
  await expect(page.getByTestId("model-revenue-chart")).toContainText(/OPEN/);
});

test("a model's usage chart counts a new settled inference without a reload", async ({ page, baseURL }) => {
  await page.goto("/models");
  await page.getByRole("link", { name: "Animal Facts ∞-gram", exact: true }).click();
  await expect(page).toHaveURL(/\/models\/\d+$/);
  const modelId = Number(new URL(page.url()).pathname.split("/").pop());
  const usage = page.getByTestId("model-usage-chart");
  const settled = async () => Number((await usage.locator("figcaption").textContent())!.match(/([\d,]+) settled inferences/)![1].replace(/,/g, ""));
  const before = await settled();

  // Someone else pays for one inference with the official x402 client.
  const res = await payingFetch(9)(`${baseURL}/api/models/${modelId}/inference`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: "The zebra is", params: { maxTokens: 8, seed: 1 } }),
  });
  expect(res.status, await res.clone().text()).toBe(200);

  // The model page has no server refresh: only the SSE invalidation of the chart's query can move it.
  await expect.poll(settled, { timeout: 20_000 }).toBe(before + 1);
});
