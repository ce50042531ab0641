import { expect, type APIRequestContext, type Locator, type Page } from "@playwright/test";
import type { LocalAccount } from "viem";
import { signInMessage } from "../lib/auth/client";
import { stackInfo } from "./stack-info";

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

/**
 * Signs in (Sign-In with Ethereum) for API calls made through Playwright's `request` fixture: the session
 * cookie stays in that request context, so later uploads there carry it.
 */
export async function signInRequest(request: APIRequestContext, account: LocalAccount): Promise<void> {
  const { url, deployment } = stackInfo();
  const nonce = await request.get("/api/auth/nonce");
  expect(nonce.ok()).toBe(true);
  const message = signInMessage({ origin: url, address: account.address, chainId: deployment.chainId, nonce: (await nonce.json()).nonce });
  const res = await request.post("/api/auth/session", { data: { message, signature: await account.signMessage({ message }) } });
  expect(res.status(), await res.text()).toBe(201);
}
