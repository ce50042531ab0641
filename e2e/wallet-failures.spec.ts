/**
 * Wallet failure paths against the real stack, with an injected EIP-1193 wallet (e2e/injected-wallet.ts)
 * that forwards to anvil and rejects prompts on demand: a rejected payment signature charges nothing and
 * leaves nothing pending, a wallet on the wrong network is told so and switched, and a rejected sign-in
 * uploads nothing.
 */
import { createHash } from "node:crypto";
import { expect, test, type APIRequestContext } from "@playwright/test";
import type { Address } from "viem";
import { openTokenAbi } from "../contracts-abi";
import { DEMO_DATANETS, demoAccount } from "../lib/seed/seed";
import { changeWalletChain, connectInjectedWallet, installInjectedWallet, setWalletRejections, walletState } from "./injected-wallet";
import { stackChain } from "./chain";

/** Every inference this payer has, from the API (newest first, all pages). */
async function inferencesOf(request: APIRequestContext, payer: Address): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | null = null;
  do {
    const res = await request.get(`/api/inferences?payer=${payer}&limit=100${cursor ? `&cursor=${cursor}` : ""}`);
    expect(res.ok()).toBe(true);
    const page = (await res.json()) as { items: { requestId: number }[]; nextCursor: string | null };
    ids.push(...page.items.map((i) => i.requestId));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

test("rejecting the payment signature in the Playground charges nothing, leaves nothing pending, and paying again works", async ({ page, request }) => {
  test.setTimeout(90_000);
  const { client, rpcUrl, deployment } = stackChain();
  const balanceOf = (a: Address) => client.readContract({ address: deployment.token, abi: openTokenAbi, functionName: "balanceOf", args: [a] });
  // Dev account 8 is a seeded paying user with OPEN.
  const payer = demoAccount(8).address;
  await installInjectedWallet(page, { account: payer, rpcUrl, chainId: deployment.chainId, reject: { signTypedData: true } });
  const inferencesBefore = await inferencesOf(request, payer);
  const balanceBefore = await balanceOf(payer);

  await page.goto("/models/1");
  const playground = page.getByTestId("playground");
  await expect(playground.getByTestId("playground-price")).toContainText("OPEN");
  await connectInjectedWallet(page, page.getByRole("banner").getByRole("button", { name: "Connect wallet" }));
  await playground.getByLabel("Prompt").fill("The otter is");
  const pay = playground.getByRole("button", { name: "Pay and run" });
  await pay.click();

  const alert = playground.getByRole("alert");
  await expect(alert).toContainText(/cancel|reject/i, { timeout: 20_000 });
  await expect(alert).toContainText(/nothing was charged/i);
  expect((await walletState(page)).rejected).toEqual(["eth_signTypedData_v4"]);
  // Nothing pending: no progress, the button is usable again; nothing charged, no inference recorded.
  await expect(playground.getByTestId("playground-progress")).toHaveCount(0);
  await expect(pay).toBeEnabled();
  expect(await balanceOf(payer)).toBe(balanceBefore);
  expect(await inferencesOf(request, payer)).toEqual(inferencesBefore);

  // The person changes their mind: the same button pays, exactly once.
  await setWalletRejections(page, {});
  await pay.click();
  await expect(playground.getByTestId("playground-result")).toBeVisible({ timeout: 30_000 });
  await expect(playground.getByTestId("playground-progress")).toContainText("Settled");
  // Exactly one new inference (once the indexer has it), and OPEN left the wallet.
  await expect.poll(async () => (await inferencesOf(request, payer)).length, { timeout: 20_000 }).toBe(inferencesBefore.length + 1);
  expect(await balanceOf(payer)).toBeLessThan(balanceBefore);
});

test("a wallet on the wrong network is told what happened; Switch fixes it and the banner goes", async ({ page }) => {
  const { rpcUrl, deployment } = stackChain();
  // The wallet starts on Ethereum mainnet.
  await installInjectedWallet(page, { account: demoAccount(5).address, rpcUrl, chainId: deployment.chainId, startChainId: 1 });
  await page.goto(`/datanets/1`);
  const contribute = page.getByTestId("contribute");
  await expect(contribute).toHaveAttribute("data-hydrated", "true");
  await contribute.getByLabel("File to contribute").setInputFiles({ name: "net.md", mimeType: "text/markdown", buffer: Buffer.from(`wrong network ${Date.now()}\n`) });
  await expect(contribute.getByTestId("contribute-preview")).toContainText("1 record");
  await connectInjectedWallet(page, contribute.getByRole("button", { name: "Connect wallet to contribute" }));
  // Connecting asks the wallet to switch to the configured chain (RainbowKit does), and it does.
  const banner = page.getByRole("alert", { name: "Wrong network" });
  await expect.poll(async () => (await walletState(page)).chainId).toBe(deployment.chainId);
  expect((await walletState(page)).calls).toContain("wallet_switchEthereumChain");
  await expect(contribute.getByRole("button", { name: "Sign in to upload" })).toBeEnabled();
  await expect(banner).toHaveCount(0);

  // Later the person moves the wallet back to mainnet in the wallet itself.
  await changeWalletChain(page, 1);
  await expect(banner).toBeVisible();
  await expect(banner).toContainText("Your wallet is on Ethereum (chain 1)");
  await expect(banner).toContainText(`chain ${deployment.chainId}`);
  // The wallet actions on the page wait for the switch, and say why.
  const signIn = contribute.getByRole("button", { name: "Sign in to upload" });
  await expect(signIn).toBeDisabled();
  await expect(contribute.getByTestId("wrong-network-hint")).toBeVisible();

  await banner.getByRole("button", { name: /^Switch to / }).click();
  await expect(banner).toHaveCount(0);
  expect((await walletState(page)).chainId).toBe(deployment.chainId);
  await expect(signIn).toBeEnabled();
  await expect(contribute.getByTestId("wrong-network-hint")).toHaveCount(0);
});

test("rejecting the sign-in signature uploads nothing; signing in then uploads the file", async ({ page }) => {
  const { rpcUrl, deployment } = stackChain();
  const contributor = demoAccount(5).address;
  await installInjectedWallet(page, { account: contributor, rpcUrl, chainId: deployment.chainId, reject: { personalSign: true } });
  const curated = DEMO_DATANETS.findIndex((d) => d.curated) + 1;
  const body = Buffer.from(`**e2e unsigned ${Date.now()}**: a file whose upload waits for a sign-in.\n`);
  const hash = `0x${createHash("sha256").update(body).digest("hex")}`;

  await page.goto(`/datanets/${curated}`);
  const contribute = page.getByTestId("contribute");
  await expect(contribute).toHaveAttribute("data-hydrated", "true");
  await contribute.getByLabel("File to contribute").setInputFiles({ name: "unsigned.md", mimeType: "text/markdown", buffer: body });
  const preview = contribute.getByTestId("contribute-preview");
  await expect(preview).toContainText("1 record");
  await expect(preview).toContainText("not uploaded yet");
  await connectInjectedWallet(page, contribute.getByRole("button", { name: "Connect wallet to contribute" }));

  const signIn = contribute.getByRole("button", { name: "Sign in to upload" });
  await signIn.click();
  await expect(contribute.getByRole("alert")).toContainText("Sign-in cancelled");
  await expect(contribute.getByRole("alert")).toContainText("nothing was sent or stored");
  expect((await walletState(page)).rejected).toEqual(["personal_sign"]);
  // Not signed in, nothing stored, and the step can be retried.
  expect((await (await page.request.get("/api/auth/session")).json()).address).toBeNull();
  expect((await page.request.get(`/api/content/${hash}`)).status()).toBe(404);
  await expect(contribute.getByRole("progressbar", { name: "Upload progress" })).toHaveCount(0);
  await expect(signIn).toBeEnabled();

  await setWalletRejections(page, {});
  await signIn.click();
  await expect(preview).toContainText(`hash ${hash.slice(0, 8)}`, { timeout: 20_000 });
  await expect(page.getByTestId("session-status")).toContainText(`Signed in as ${contributor.slice(0, 6).toLowerCase()}`);
  expect((await page.request.get(`/api/content/${hash}`)).status()).toBe(200);
  await expect(contribute.getByRole("button", { name: "Sign and contribute" })).toBeVisible();
});
