/**
 * The model page's Playground against the real stack: the quote shows before anything is signed, the
 * Dev wallet connects through RainbowKit's modal, an EIP-3009 authorization is signed in the page and
 * the paid inference comes back with its split and attribution.
 */
import { expect, test, type Page } from "@playwright/test";
import { createPublicClient, createWalletClient, http } from "viem";
import { foundry } from "viem/chains";
import { openTokenAbi } from "../contracts-abi";
import { formatOpen } from "../components/format";
import { demoAccount } from "../lib/seed/seed";
import { stackInfo } from "./stack-info";
import { connectDevWallet } from "./wallet";

/** Open the connect modal from the Playground, pick the Dev wallet, then the given dev account. */
const connectFromPlayground = (page: Page, account: number) =>
  connectDevWallet(page, page.getByTestId("playground").getByRole("button", { name: "Connect wallet to pay" }), account);

test("a visitor sees the price, connects the Dev wallet, pays for an inference and sees its attribution", async ({ page, request }) => {
  const quote = await (await request.get("/api/models/1/inference")).json();
  const price = formatOpen(BigInt(quote.price));

  await page.goto("/models/1");
  const playground = page.getByTestId("playground");
  await expect(page.getByRole("heading", { name: "Playground" })).toBeVisible();
  // The exact price, before any wallet is involved.
  await expect(playground.getByTestId("playground-price")).toContainText(price);

  // Without a wallet the button opens RainbowKit's connect modal. Account 0 is the operator; account 2
  // is a seeded contributor with OPEN from the faucet.
  await connectFromPlayground(page, 2);

  await playground.getByLabel("Prompt").fill("The tiger is");
  await expect(playground.getByLabel("Max tokens")).toBeVisible();
  await playground.getByLabel("Max tokens").fill("16");
  await playground.getByRole("button", { name: "Pay and run" }).click();

  const result = playground.getByTestId("playground-result");
  await expect(result).toBeVisible({ timeout: 30_000 });
  await expect(playground.getByTestId("playground-progress")).toContainText("Settled");
  expect((await result.getByTestId("playground-output").innerText()).trim().length).toBeGreaterThan(0);
  await expect(result.getByText(`Split of ${price}`)).toBeVisible();
  for (const part of ["Protocol", "Operator", "Builder", "Contributors"]) await expect(result.getByText(part, { exact: true })).toBeVisible();
  // At least one attribution row: contribution id, Datanet, contributor, share, amount.
  const rows = result.getByRole("row");
  await expect.poll(() => rows.count()).toBeGreaterThan(1);
  await expect(rows.nth(1)).toContainText(/#\d+.*Datanet #\d+.*0x[0-9a-f]{4}…[0-9a-f]{4}.*%.*OPEN/i);

  const link = result.getByRole("link", { name: /Inference #\d+/ });
  const requestId = ((await link.innerText()).match(/#(\d+)/) ?? [])[1];
  expect(requestId).toBeTruthy();
  await link.click();
  await expect(page).toHaveURL(new RegExp(`/inferences/${requestId}$`));
});

test("a payer without OPEN is told how to get some, and nothing stays pending", async ({ page }) => {
  const { rpcUrl, deployment } = stackInfo();
  const client = createPublicClient({ chain: foundry, transport: http(rpcUrl), pollingInterval: 50 });
  const token = { address: deployment.token, abi: openTokenAbi } as const;
  const [poor, holder] = [demoAccount(3), demoAccount(9)];
  const move = async (from: typeof poor, to: typeof poor, amount: bigint) => {
    const wallet = createWalletClient({ account: from, chain: foundry, transport: http(rpcUrl) });
    await client.waitForTransactionReceipt({ hash: await wallet.writeContract({ ...token, functionName: "transfer", args: [to.address, amount] }) });
  };
  // Empty dev account 3 for the test, and give its OPEN back afterwards (other specs share the stack).
  const balance = await client.readContract({ ...token, functionName: "balanceOf", args: [poor.address] });
  await move(poor, holder, balance);
  try {
    await page.goto("/models/1");
    const playground = page.getByTestId("playground");
    await expect(playground.getByTestId("playground-price")).toContainText("OPEN");
    await connectFromPlayground(page, 3);
    await playground.getByLabel("Prompt").fill("The lion is");
    await playground.getByRole("button", { name: "Pay and run" }).click();
    const alert = playground.getByRole("alert");
    await expect(alert).toContainText("Not enough OPEN", { timeout: 20_000 });
    await expect(alert).toContainText(/faucet/);
    await expect(playground.getByTestId("playground-progress")).toHaveCount(0);
    await expect(playground.getByRole("button", { name: "Pay and run" })).toBeEnabled();
    expect(await client.readContract({ ...token, functionName: "balanceOf", args: [poor.address] })).toBe(0n);
  } finally {
    await move(holder, poor, balance);
  }
});

test("the quote endpoint the Playground reads prices model 1 with x402 requirements", async ({ request }) => {
  const res = await request.get("/api/models/1/inference");
  expect(res.ok()).toBe(true);
  const quote = await res.json();
  expect(BigInt(quote.price)).toBeGreaterThan(0n);
  expect(quote.x402.accepts[0].amount).toBe(quote.price);
  expect(quote.x402.accepts[0].payTo.toLowerCase()).toBe(quote.market.toLowerCase());
});
