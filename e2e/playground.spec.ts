/**
 * The model page's Playground against the real stack: the quote shows before anything is signed, the
 * Dev wallet connects through RainbowKit's modal, an EIP-3009 authorization is signed in the page, the
 * answer streams in, then its traced spans, the settlement transaction, the split and the attribution.
 */
import { expect, test, type Page } from "@playwright/test";
import { openTokenAbi } from "../contracts-abi";
import { formatOpen } from "../components/format";
import { demoAccount } from "../lib/seed/seed";
import { stackChain } from "./chain";
import { connectDevWallet } from "./wallet";

/** Open the connect modal from the Playground, pick the Dev wallet, then the given dev account. */
const connectFromPlayground = (page: Page, account: number) =>
  connectDevWallet(page, page.getByTestId("playground").getByRole("button", { name: "Connect wallet to pay" }), account);

/** Records every distinct (aria-busy, text) state the answer region goes through, from now on. */
const recordAnswerStates = (page: Page) =>
  page.evaluate(() => {
    const w = window as unknown as { answerStates: { busy: string | null; text: string }[] };
    w.answerStates = [];
    const look = () => {
      const el = document.querySelector('[data-testid="playground-output"]');
      if (!el) return;
      const state = { busy: el.getAttribute("aria-busy"), text: el.textContent ?? "" };
      const last = w.answerStates.at(-1);
      if (!last || last.busy !== state.busy || last.text !== state.text) w.answerStates.push(state);
    };
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ["aria-busy"] });
  });

test("a visitor sees the price, connects the Dev wallet, pays, watches the answer stream in and sees its traced spans, settlement and attribution", async ({ page, request }) => {
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
  await recordAnswerStates(page);
  // A slow connection, so the stream's events arrive over time as they would on a phone (the model
  // itself generates in milliseconds).
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 20, downloadThroughput: 3_000, uploadThroughput: 100_000 });
  await playground.getByRole("button", { name: "Pay and run" }).click();

  const result = playground.getByTestId("playground-result");
  await expect(result).toBeVisible({ timeout: 30_000 });
  const output = result.getByTestId("playground-output");
  // The settlement is shown only after its receipt, with its transaction.
  const settleTx = result.getByTestId("settlement-tx");
  await expect(settleTx).toBeVisible({ timeout: 30_000 });
  await expect(result.getByTestId("settlement-status")).toHaveAttribute("data-status", "confirmed");
  await expect(settleTx).toHaveText(/^Settlement tx 0x[0-9a-f]+…[0-9a-f]{4}$/);
  const settleHash = await settleTx.getAttribute("title");
  expect(settleHash).toMatch(/^0x[0-9a-f]{64}$/);
  await expect(playground.getByTestId("playground-progress")).toContainText("Settled");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

  // The answer streamed: busy while the tokens arrived (each state a prefix of the answer), then final.
  await expect(output).toHaveAttribute("aria-busy", "false");
  const answer = (await output.textContent()) ?? "";
  expect(answer.trim().length).toBeGreaterThan(0);
  const states = await page.evaluate(() => (window as unknown as { answerStates: { busy: string | null; text: string }[] }).answerStates);
  const streaming = states.filter((s) => s.busy === "true");
  expect(streaming.length, JSON.stringify(states)).toBeGreaterThan(0);
  for (const s of streaming) expect(answer.startsWith(s.text.replace(/^Generating…$/, "")), JSON.stringify(s)).toBe(true);
  expect(states.findIndex((s) => s.busy === "false")).toBeGreaterThan(states.findIndex((s) => s.busy === "true"));
  expect(states.at(-1)).toEqual({ busy: "false", text: answer });

  // Traced spans: hovering one names the contribution it came from and highlights its attribution row.
  const span = output.getByTestId("traced-span").first();
  await expect(span).toBeVisible();
  await span.hover();
  const tooltip = page.getByRole("tooltip");
  await expect(tooltip).toContainText(/Contribution #\d+ by 0x[0-9a-f]{4}…[0-9a-f]{4} in .*Datanet #\d+/);
  const contribution = ((await tooltip.innerText()).match(/Contribution #(\d+)/) ?? [])[1];
  await expect(result.locator(`[data-testid="attribution-row"][data-contribution="${contribution}"]`)).toHaveAttribute("data-highlighted", "true");
  await page.mouse.move(0, 0);
  await expect(tooltip).toHaveCount(0);
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
  // The same settlement transaction, once the indexer has it (the page refreshes itself on settlement).
  await expect(page.getByTestId("hash-settled-tx")).toHaveText(settleHash!, { timeout: 30_000 });
});

test("a payer without OPEN is told how to get some, and nothing stays pending", async ({ page }) => {
  const { client, wallet: walletOf, deployment } = stackChain();
  const token = { address: deployment.token, abi: openTokenAbi } as const;
  const [poor, holder] = [demoAccount(3), demoAccount(9)];
  const move = async (from: typeof poor, to: typeof poor, amount: bigint) => {
    const wallet = walletOf(from);
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
