/**
 * Paying from an x402 batch-settlement channel in the Playground against the real stack, with an injected wallet
 * that records every request: the first prompt deposits (the wallet's only signature), the next prompts are paid
 * with vouchers the browser signs itself, the channel's figures follow the charges read from the page, the state
 * survives a reload, the operator's booking arrives (the booked inference verifies), and the refund returns exactly
 * the unused deposit on-chain. Prices are read from the quote and
 * the page, never assumed.
 */
import { expect, test, type Locator, type Page } from "@playwright/test";
import type { Address, Hex } from "viem";
import { openTokenAbi, x402BatchSettlementAbi } from "../contracts-abi";
import { BATCH_SETTLEMENT_ADDRESS } from "../components/inference/channel-machine";
import { demoAccount } from "../lib/seed/seed";
import { stackChain } from "./chain";
import { connectInjectedWallet, installInjectedWallet, walletState } from "./injected-wallet";

/** Wallet methods that ask the person to sign or send something. */
const PROMPTS = new Set(["eth_signTypedData_v4", "eth_signTypedData", "eth_sign", "personal_sign", "eth_sendTransaction", "eth_signTransaction", "wallet_sendCalls"]);
const promptsOf = async (page: Page) => (await walletState(page)).calls.filter((m) => PROMPTS.has(m));
const wei = async (el: Locator) => BigInt((await el.getAttribute("data-wei")) ?? "x");

async function openPlaygroundWithChannel(page: Page) {
  await page.goto("/models/1");
  // The visible one: while the page streams in again (the reload below), React can hold a hidden copy of a segment.
  const playground = page.getByTestId("playground").filter({ visible: true });
  await expect(playground.getByTestId("playground-price")).toContainText("OPEN");
  await connectInjectedWallet(page, page.getByRole("banner").getByRole("button", { name: "Connect wallet" }));
  await playground.getByLabel(/Pay with a channel/).check();
  return playground;
}

test("a channel: one deposit signature, three prompts paid without the wallet, charges shown, then the unused deposit refunded on-chain", async ({ page, request }) => {
  test.setTimeout(120_000);
  const { client, rpcUrl, deployment } = stackChain();
  // Dev account 7 is a seeded paying user with OPEN.
  const payer = demoAccount(7).address;
  const balanceOf = (a: Address) => client.readContract({ address: deployment.token, abi: openTokenAbi, functionName: "balanceOf", args: [a] });
  const channelOnChain = async (id: Hex) => {
    const [balance, totalClaimed] = await client.readContract({ address: BATCH_SETTLEMENT_ADDRESS, abi: x402BatchSettlementAbi, functionName: "channels", args: [id] });
    return { balance, totalClaimed };
  };
  // The per-call ceiling the server quotes for batch-settlement (the 402's amount), whatever the pricing.
  const quote = await (await request.get("/api/models/1/inference")).json();
  const offer = (quote.x402.accepts as { scheme: string; amount: string }[]).find((a) => a.scheme === "batch-settlement");
  expect(offer, "the quote offers batch-settlement").toBeTruthy();
  const ceiling = BigInt(offer!.amount);

  await installInjectedWallet(page, { account: payer, rpcUrl, chainId: deployment.chainId });
  const playground = await openPlaygroundWithChannel(page);
  const panel = playground.getByTestId("channel-panel");
  // Before a deposit: N calls (20 by default) × the per-call ceiling.
  await expect(panel.getByLabel("Calls the deposit covers")).toHaveValue("20");
  expect(await wei(panel.getByTestId("channel-new-deposit"))).toBe(20n * ceiling);
  await panel.getByLabel("Calls the deposit covers").fill("10");
  await expect.poll(() => wei(panel.getByTestId("channel-new-deposit"))).toBe(10n * ceiling);
  const deposit = 10n * ceiling;
  const balanceBefore = await balanceOf(payer);

  const result = playground.getByTestId("playground-result");
  const charges: bigint[] = [];
  const prompts = ["zebra:", "tiger, Panthera tigris:", "The horse is"];
  for (const [i, prompt] of prompts.entries()) {
    await playground.getByLabel("Prompt").fill(prompt);
    // The paid answer (the 402 before it is not awaited): its `cost` is what the page must show.
    const paid = page.waitForResponse((r) => r.url().endsWith("/api/models/1/inference") && r.request().method() === "POST" && r.status() === 200);
    await playground.getByRole("button", { name: i === 0 ? "Deposit and run" : "Run, paid from channel" }).click();
    const cost = (await (await paid).json()).cost as { charged: string; ceiling: string };
    // The channel counts the call once it is charged; the answer shows its charge, pending settlement.
    await expect(panel.getByTestId("channel-summary")).toContainText(`Charged so far (${i + 1} ${i === 0 ? "call" : "calls"})`, { timeout: 30_000 });
    await expect(result.getByTestId("settlement-status")).toHaveAttribute("data-status", "batched");
    expect((await result.getByTestId("playground-output").textContent())?.trim().length).toBeGreaterThan(0);
    // The call's own charge (per token: the tokens used, at most the ceiling its voucher signed) and that ceiling.
    const charge = await wei(result.getByTestId("call-charge"));
    expect(charge).toBe(BigInt(cost.charged));
    expect(charge).toBeGreaterThan(0n);
    expect(await wei(result.getByTestId("call-ceiling"))).toBe(BigInt(cost.ceiling));
    expect(BigInt(cost.ceiling)).toBe(ceiling);
    expect(charge).toBeLessThanOrEqual(ceiling);
    charges.push(charge);
    const charged = charges.reduce((s, c) => s + c, 0n);
    expect(await wei(panel.getByTestId("channel-deposit"))).toBe(deposit);
    expect(await wei(panel.getByTestId("channel-charged"))).toBe(charged);
    expect(await wei(panel.getByTestId("channel-remaining"))).toBe(deposit - charged);
    expect(await wei(panel.getByTestId("channel-per-call"))).toBe(ceiling);
    // Charged but not yet claimed on-chain by the operator: pending settlement (all of it until a batch claims it).
    const pending = await wei(panel.getByTestId("channel-pending"));
    expect(pending).toBeGreaterThanOrEqual(0n);
    expect(pending).toBeLessThanOrEqual(charged);
    // The wallet signed once: the deposit's authorization, on the first prompt.
    expect(await promptsOf(page)).toEqual(["eth_signTypedData_v4"]);
  }
  const charged = charges.reduce((s, c) => s + c, 0n);

  // The operator books the charges on-chain within its bound (BOOKING_MAX_DELAY_SECONDS is 3 s for the browser tests):
  // the answer follows, pending → booked → the booked inference, whose page shows its split and verifies.
  const booking = result.getByTestId("booking-status");
  await expect(booking).toHaveAttribute("data-status", "indexed", { timeout: 60_000 });
  const bookedHref = await booking.getByTestId("booked-inference").getAttribute("href");
  expect(bookedHref).toMatch(/^\/inferences\/\d+$/);
  const bookedPage = await page.context().newPage();
  await bookedPage.goto(bookedHref!);
  await expect(bookedPage.getByRole("heading", { level: 1 })).toContainText("Inference #");
  await expect(bookedPage.getByTestId("split-contributors")).toContainText("OPEN");
  await bookedPage.getByRole("button", { name: "Verify" }).click();
  await expect(bookedPage.getByTestId("verify-result")).toHaveText("Verified: the attribution is exactly what was settled.", { timeout: 30_000 });
  await bookedPage.close();
  expect(await promptsOf(page)).toEqual(["eth_signTypedData_v4"]);

  // The deposit is on-chain in the channel; the booking claimed exactly what was charged.
  const channelId = (await panel.getByTestId("channel-summary").getAttribute("data-channel-id")) as Hex;
  expect(channelId).toMatch(/^0x[0-9a-f]{64}$/);
  const onChain = await channelOnChain(channelId);
  expect(onChain.balance).toBe(deposit);
  expect(onChain.totalClaimed).toBe(charged);
  expect(await balanceOf(payer)).toBe(balanceBefore - deposit);

  // The channel is kept in this browser (per payer and chain): after a reload it is still there.
  const again = await openPlaygroundWithChannel(page);
  const panel2 = again.getByTestId("channel-panel");
  await expect(panel2.getByTestId("channel-summary")).toContainText("Charged so far (3 calls)");
  expect(await wei(panel2.getByTestId("channel-charged"))).toBe(charged);

  // Refund: the operator claims what was charged and returns the rest, without a wallet prompt.
  await panel2.getByRole("button", { name: "Refund unused deposit" }).click();
  const refunded = panel2.getByTestId("channel-refunded");
  await expect(refunded).toBeVisible({ timeout: 30_000 });
  expect(await wei(refunded.getByTestId("channel-refund-amount"))).toBe(deposit - charged);
  expect(await promptsOf(page)).toEqual([]);
  expect(await channelOnChain(channelId)).toEqual({ balance: charged, totalClaimed: charged });
  expect(await balanceOf(payer)).toBe(balanceBefore - charged);
  // The channel is gone from the page: the next prompt would open a new one.
  await expect(panel2.getByTestId("channel-new-deposit")).toBeVisible();
  await expect(panel2.getByRole("alert")).toHaveCount(0);
});
