/**
 * Phone width (375×812): no page scrolls sideways, the main links are reachable through the menu, and the header's
 * actions are reachable by keyboard with a visible focus ring.
 */
import { expect, test, type Locator, type Page } from "@playwright/test";
import { demoAccount } from "../lib/seed/seed";
import { connectDevWallet } from "./wallet";

const PAGES = ["/", "/datanets", "/datanets/1", "/models", "/models/1", "/inferences/1", `/accounts/${demoAccount(2).address}`, "/dashboard", "/factory", "/datanets/new", "/operator"];

// Not isMobile: a mobile viewport would widen itself to fit overflowing content instead of scrolling.
test.use({ viewport: { width: 375, height: 812 }, hasTouch: true });

for (const path of PAGES) {
  test(`${path.replace(/0x[0-9a-fA-F]{40}/, "<address>")} does not overflow sideways at 375 px`, async ({ page }) => {
    const res = await page.goto(path);
    expect(res?.status()).toBe(200);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({
      scrollWidth: document.scrollingElement!.scrollWidth,
      innerWidth: window.innerWidth,
    }));
    expect(innerWidth).toBe(375);
    const wide = scrollWidth > innerWidth ? await widestElements(page) : [];
    expect(scrollWidth, `elements wider than the viewport: ${wide.join(", ")}`).toBeLessThanOrEqual(innerWidth);
  });
}

/** For the failure message: the deepest elements that stick out on the right. */
function widestElements(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5 && e.children.length === 0)
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].slice(0, 4).join(".")}`),
  );
}

test("the menu holds the main links on a phone and closes after following one", async ({ page }) => {
  await page.goto("/");
  const menu = page.getByRole("button", { name: "Open menu" });
  await expect(menu).toBeVisible();
  await menu.click();
  const nav = page.getByRole("navigation", { name: "Main" });
  for (const name of ["Datanets", "Models", "Model Factory", "Dashboard"]) await expect(nav.getByRole("link", { name })).toBeVisible();
  await nav.getByRole("link", { name: "Models" }).click();
  await expect(page).toHaveURL(/\/models$/);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(page.getByRole("button", { name: "Open menu" })).toHaveAttribute("aria-expanded", "false");
  await expect(nav).toBeHidden();
});

/** Tabs until `target` has focus (at most `limit` presses). */
async function tabTo(page: Page, target: Locator, limit = 25) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press("Tab");
    if (await target.evaluate((el) => el === document.activeElement)) return;
  }
  throw new Error(`could not reach ${target} with Tab`);
}

/** A focus indicator is drawn: an outline or a box-shadow ring. */
async function expectFocusRing(target: Locator) {
  const style = await target.evaluate((el) => {
    const s = getComputedStyle(el);
    return { outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0, shadow: s.boxShadow };
  });
  expect(style.outline || (style.shadow !== "none" && style.shadow !== ""), `no visible focus indicator (${style.shadow})`).toBe(true);
}

test("on a phone, the keyboard reaches the theme toggle, the wallet button and, through the menu, the main links", async ({ page }) => {
  await page.goto("/datanets");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  const header = page.getByRole("banner");

  const toggle = page.getByTestId("theme-toggle");
  await tabTo(page, toggle);
  await expectFocusRing(toggle);
  const wallet = header.getByRole("button", { name: "Connect wallet" });
  await tabTo(page, wallet);
  await expectFocusRing(wallet);
  const menu = header.getByRole("button", { name: "Open menu" });
  await tabTo(page, menu);
  await expectFocusRing(menu);
  await page.keyboard.press("Enter");
  const models = page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Models" });
  await tabTo(page, models, 5);
  await expectFocusRing(models);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/models$/);
});

test.describe("desktop", () => {
  test.use({ viewport: { width: 1280, height: 800 }, isMobile: false, hasTouch: false });

  test("the keyboard reaches every main link and the wallet button, each with a visible focus ring", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    const header = page.getByRole("banner");
    for (const name of ["Datanets", "Models", "Model Factory", "Dashboard"]) {
      const link = header.getByRole("link", { name, exact: true });
      await tabTo(page, link);
      await expectFocusRing(link);
    }
    const wallet = header.getByRole("button", { name: "Connect wallet" });
    await tabTo(page, wallet);
    await expectFocusRing(wallet);
    await page.keyboard.press("Enter");
    // The wallet stack loads on demand and the connect modal opens.
    await expect(page.getByRole("dialog")).toBeVisible();
    await expect(page.getByRole("dialog").getByRole("button", { name: /Dev wallet/ })).toBeVisible();
  });

  test("a wallet connected on a page with wallet actions stays connected in the header of a page without them", async ({ page }) => {
    await page.goto("/models/1");
    await connectDevWallet(page, page.getByTestId("playground").getByRole("button", { name: "Connect wallet to pay" }), 4);
    const address = demoAccount(4).address;
    // The header (its own wallet boundary, same connection) shows the account too.
    await expect(page.getByRole("banner").getByLabel("Dev account")).toHaveValue("4");

    // A page without wallet actions loads the wallet stack only because a connection is remembered, and reconnects.
    await page.goto("/datanets");
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expect(page.getByRole("banner").getByLabel("Dev account")).toHaveValue("4");
    await expect(page.getByRole("banner").getByTestId("wallet-account")).toContainText(`${address.slice(0, 4)}…${address.slice(-4)}`);
  });
});
