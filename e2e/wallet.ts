import { expect, type Locator, type Page } from "@playwright/test";

/** Opens RainbowKit's modal with `trigger`, connects the local Dev wallet and picks dev account `account`. */
export async function connectDevWallet(page: Page, trigger: Locator, account: number): Promise<void> {
  await trigger.click();
  const modal = page.getByRole("dialog");
  await expect(modal).toBeVisible();
  await modal.getByRole("button", { name: /Dev wallet/ }).click();
  await expect(modal).toBeHidden();
  const picker = page.getByLabel("Dev account");
  await expect(picker).toBeVisible();
  await picker.selectOption(String(account));
}
