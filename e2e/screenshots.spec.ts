/**
 * Screenshots of the main pages for the README (docs/screenshots/*.png), taken on the seeded stack. Each test first
 * asserts that its page shows real data; the images are documentation, never compared pixel by pixel.
 */
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { DEMO_DATANETS, demoAccount } from "../lib/seed/seed";
import { connectDevWallet } from "./wallet";

// The README's images change only when asked (UPDATE_SCREENSHOTS=1): `npm test` never modifies tracked files.
const DIR = process.env.UPDATE_SCREENSHOTS === "1" ? path.join(process.cwd(), "docs", "screenshots") : path.join(process.cwd(), ".test-data", "screenshots");
const THEME_KEY = "ledgerline-theme";

test.use({ viewport: { width: 1280, height: 800 } });

test.beforeEach(async ({ page }) => {
  // Charts draw at once, and the palette is the one asked for (not the machine's preference).
  await page.emulateMedia({ reducedMotion: "reduce", colorScheme: "light" });
});

async function withTheme(page: Page, theme: "light" | "dark") {
  await page.addInitScript(([key, value]) => localStorage.setItem(key, value), [THEME_KEY, theme] as const);
}

const shot = (page: Page, name: string, fullPage = false) => page.screenshot({ path: path.join(DIR, `${name}.png`), fullPage, animations: "disabled" });

test("home", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByText(DEMO_DATANETS[0].meta.name).first()).toBeVisible();
  await shot(page, "home");
});

test("Datanet page", async ({ page }) => {
  await page.goto("/datanets/1");
  await expect(page.getByRole("heading", { level: 1 })).toContainText(DEMO_DATANETS[0].meta.name);
  await expect(page.getByText(/accepted/i).first()).toBeVisible();
  await shot(page, "datanet");
});

test("New Datanet wizard with the description previewed", async ({ page }) => {
  await page.goto("/datanets/new");
  const wizard = page.getByTestId("create-datanet");
  await wizard.getByLabel("Name").fill("Bird calls of Europe");
  await wizard.getByLabel("Summary").fill("Field recordings of European birds, one call per record, with where and when.");
  await wizard
    .getByRole("textbox", { name: "Description" })
    .fill("## What belongs here\n\n- one call per record: **species**, place, month\n- your own recordings only\n\nTranscribe calls as syllables, e.g. `tsee-tsee-tsee`.");
  await wizard.getByLabel("Tags").fill("birds, audio, europe");
  await wizard.getByRole("tab", { name: "Preview" }).click();
  await expect(wizard.getByTestId("markdown-preview").getByRole("heading", { name: "What belongs here" })).toBeVisible();
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, "datanet-new");
});

test("model page with an answered Playground", async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto("/models/1");
  const playground = page.getByTestId("playground");
  await connectDevWallet(page, playground.getByRole("button", { name: "Connect wallet to pay" }), 2);
  await playground.getByLabel("Prompt").fill("The tiger is");
  await playground.getByLabel("Max tokens").fill("16");
  await playground.getByRole("button", { name: "Pay and run" }).click();
  const result = playground.getByTestId("playground-result");
  await expect(result).toBeVisible({ timeout: 30_000 });
  await expect(playground.getByTestId("playground-progress")).toContainText("Settled");
  expect((await result.getByTestId("playground-output").innerText()).trim().length).toBeGreaterThan(0);
  // The Playground heading just under the sticky header.
  const heading = page.getByRole("heading", { name: "Playground" });
  await heading.evaluate((el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 88));
  await shot(page, "model-playground");
});

test("a contributor's earnings (public account view)", async ({ page }) => {
  await page.goto(`/accounts/${demoAccount(2).address}`);
  await expect(page.getByTestId("account-view")).toBeVisible();
  await expect(page.getByTestId("totals-row").first()).toBeVisible();
  // The chart and the claim card load after the page (kept out of its first-load JS).
  await expect(page.getByTestId("earnings-chart")).toBeVisible();
  await expect(page.getByTestId("claim-card")).toBeVisible();
  await shot(page, "account");
});

test("inference page", async ({ page }) => {
  await page.goto("/inferences/1");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Inference #1");
  await expect(page.getByTestId("attribution-row").first()).toBeVisible();
  await shot(page, "inference");
});

test("Model Factory", async ({ page }) => {
  await page.goto("/factory");
  await expect(page.getByTestId("factory-wizard")).toBeVisible();
  await expect(page.getByText(DEMO_DATANETS[0].meta.name).first()).toBeVisible();
  await shot(page, "factory");
});

test("models list in the dark theme", async ({ page }) => {
  await withTheme(page, "dark");
  await page.goto("/models");
  await expect(page.locator("html")).toHaveClass(/\bdark\b/);
  await expect(page.getByRole("link", { name: /Animal Facts/ }).first()).toBeVisible();
  await shot(page, "models-dark");
});

test.describe("phone", () => {
  test.use({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });

  test("Datanet page on a phone", async ({ page }) => {
    await page.goto("/datanets/1");
    await expect(page.getByRole("heading", { level: 1 })).toContainText(DEMO_DATANETS[0].meta.name);
    await expect(page.getByRole("button", { name: "Open menu" })).toBeVisible();
    await shot(page, "datanet-phone");
  });
});
