import { expect, test } from "@playwright/test";
import { DEMO_DATANETS } from "../lib/seed/seed";

test("a visitor without a wallet sees the seeded Datanets on the home page and the Datanets list", async ({ page }) => {
  await page.goto("/");
  const name = DEMO_DATANETS[0].meta.name;
  await expect(page.getByText(name).first()).toBeVisible();

  await page.goto("/datanets");
  for (const d of DEMO_DATANETS) await expect(page.getByText(d.meta.name).first()).toBeVisible();
});

test("a Datanet page shows its contributions and published version; an unknown id is a 404 page", async ({ page }) => {
  await page.goto("/datanets");
  await page.getByText(DEMO_DATANETS[0].meta.name).first().click();
  await expect(page).toHaveURL(/\/datanets\/\d+$/);
  await expect(page.getByText(/rejected/i).first()).toBeVisible();
  await expect(page.getByText(/accepted/i).first()).toBeVisible();

  const res = await page.goto("/datanets/999999");
  expect(res?.status()).toBe(404);
  const bad = await page.goto("/datanets/not-a-number");
  expect(bad?.status()).toBe(404);
});
