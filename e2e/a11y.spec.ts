/**
 * Accessibility of the main pages in both themes: axe-core (WCAG 2.1 A/AA rules) on the real stack, failing on
 * serious and critical violations; and the theme choice persists and is applied before the first paint.
 */
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";

const PAGES = ["/", "/datanets", "/datanets/1", "/models", "/models/1", "/inferences/1", "/dashboard", "/factory", "/datanets/new", "/operator"];
/** Pages that load the wallet stack themselves; their header's button is wired to RainbowKit right after hydration (same look). */
const WALLET_PAGES = new Set(["/datanets/1", "/models/1", "/dashboard", "/factory", "/datanets/new"]);
const THEME_KEY = "ledgerline-theme";

/** Opens a page with the light theme stored and waits until it is hydrated with that choice. */
async function openLight(page: Page, path: string) {
  await page.addInitScript(([key, value]) => localStorage.setItem(key, value), [THEME_KEY, "light"] as const);
  const res = await page.goto(path);
  expect(res?.status()).toBe(200);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(page.getByTestId("theme-toggle")).toHaveAttribute("data-theme-choice", "light");
  await expect(page.locator("html")).not.toHaveClass(/\bdark\b/);
  // Audit the settled header: the wallet button wired to RainbowKit (one look before and after).
  const wallet = page.getByRole("banner").getByRole("button", { name: "Connect wallet" });
  if (WALLET_PAGES.has(path)) await expect(wallet).toHaveAttribute("data-wallet-ready", "true");
  else await expect(wallet).toBeVisible();
}

async function blocking(page: Page): Promise<string> {
  const { violations } = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `  ${n.target.join(" ")} — ${n.failureSummary?.split("\n").slice(1).join(" ")}`).join("\n")}`)
    .join("\n");
}

// Both themes in one page load: audited light, then switched to dark with the header's toggle (light → dark), which
// sets the same `dark` class a stored choice sets before first paint (the last test checks that), and audited again.
for (const path of PAGES) {
  test(`${path} has no serious or critical accessibility violations, light or dark`, async ({ page }) => {
    await openLight(page, path);
    expect(await blocking(page), "light theme").toBe("");
    await page.getByTestId("theme-toggle").click();
    await expect(page.getByTestId("theme-toggle")).toHaveAttribute("data-theme-choice", "dark");
    await expect(page.locator("html")).toHaveClass(/\bdark\b/);
    // Audit the settled colours: no hover on the toggle, and the colour transitions the switch started finished
    // (transitions only: a live indicator's pulse animates forever).
    await page.mouse.move(0, 0);
    await page.evaluate(() => Promise.all(document.getAnimations().filter((a) => a instanceof CSSTransition).map((a) => a.finished.catch(() => {}))));
    expect(await blocking(page), "dark theme").toBe("");
  });
}

test("the theme toggle cycles system → light → dark, persists, and the dark class is set before first paint", async ({ page }) => {
  await page.emulateMedia({ colorScheme: "light" });
  await page.goto("/models");
  const toggle = page.getByTestId("theme-toggle");
  await expect(toggle).toHaveAttribute("data-theme-choice", "system");
  await expect(page.locator("html")).not.toHaveClass(/\bdark\b/);

  await toggle.click();
  await expect(toggle).toHaveAttribute("data-theme-choice", "light");
  await toggle.click();
  await expect(toggle).toHaveAttribute("data-theme-choice", "dark");
  await expect(page.locator("html")).toHaveClass(/\bdark\b/);
  const darkBackground = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);

  // Reload: the class must already be there when the document is parsed, before React runs.
  await page.addInitScript(() => {
    document.addEventListener("DOMContentLoaded", () => {
      (window as unknown as { __darkAtParse: boolean }).__darkAtParse = document.documentElement.classList.contains("dark");
    });
  });
  await page.reload();
  expect(await page.evaluate(() => (window as unknown as { __darkAtParse: boolean }).__darkAtParse)).toBe(true);
  await expect(toggle).toHaveAttribute("data-theme-choice", "dark");
  expect(await page.evaluate(() => getComputedStyle(document.documentElement).colorScheme)).toBe("dark");

  // Back to following the system, which now prefers dark.
  await toggle.click();
  await expect(toggle).toHaveAttribute("data-theme-choice", "system");
  await page.emulateMedia({ colorScheme: "dark" });
  await expect(page.locator("html")).toHaveClass(/\bdark\b/);
  await page.emulateMedia({ colorScheme: "light" });
  await expect(page.locator("html")).not.toHaveClass(/\bdark\b/);
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).not.toBe(darkBackground);
});
