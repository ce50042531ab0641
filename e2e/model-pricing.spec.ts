/**
 * A builder changes a model's pricing after publishing, from the model page's Pricing card, against the real stack
 * with the injected wallet (e2e/injected-wallet.ts): a rejected signature says so and changes nothing; signed, the new
 * token rates reach the page once indexed, the /models card, the Playground's estimate and the server's 402; pausing
 * refuses requests until resumed; switching to a flat price takes both setters. Another account sees no editor.
 * The model is this spec's own (built through the API, registered on-chain), so no other spec sees its prices move.
 */
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { modelRegistryAbi } from "../contracts-abi";
import { encode } from "../lib/attribution/tokenizer";
import { devAccount } from "../lib/chain/anvil";
import { registerModel } from "../lib/factory/register";
import { quote, ratesOf, type TokenRates } from "../lib/inference/pricing";
import { DEMO_BUILDER } from "../lib/seed/models";
import { demoAccount } from "../lib/seed/seed";
import { blockingViolations } from "./axe";
import { stackChain } from "./chain";
import { connectInjectedWallet, installInjectedWallet, setWalletRejections, walletState } from "./injected-wallet";
import { signInRequest } from "./wallet";

const OPEN = 10n ** 18n;
/** 0.001 OPEN fee, 0.002 / 0.004 OPEN per 1k tokens: what the model is registered with. */
const FIRST: TokenRates = { fee: OPEN / 1000n, inputRate: 2n * 10n ** 12n, outputRate: 4n * 10n ** 12n };
/** 0.003 / 0.006 OPEN per 1k tokens, the same fee: what the builder changes it to. */
const CHANGED: TokenRates = { fee: OPEN / 1000n, inputRate: 3n * 10n ** 12n, outputRate: 6n * 10n ** 12n };

/** An ∞-gram model from Datanet 3 v1, built under the builder's session and registered per token by the builder. */
async function registerPerTokenModel(request: APIRequestContext, name: string): Promise<number> {
  const builder = devAccount(DEMO_BUILDER);
  await signInRequest(request, builder);
  const created = await request.post("/api/factory/builds", {
    data: { kind: "infinigram", name, description: "Priced and re-priced by the model-pricing e2e test.", datanets: [{ id: 3, version: 1 }], parameters: {} },
  });
  expect(created.status(), await created.text()).toBe(202);
  const { id: buildId } = (await created.json()) as { id: string };
  let build: { status: string; error: string | null; registration: Parameters<typeof registerModel>[0]["registration"] | null } = { status: "queued", error: null, registration: null };
  await expect
    .poll(
      async () => {
        build = await (await request.get(`/api/factory/builds/${buildId}`)).json();
        return build.status;
      },
      { timeout: 90_000, intervals: [250, 500, 1000] },
    )
    .toMatch(/^(succeeded|failed)$/);
  expect(build.error).toBeNull();

  const { client, wallet, send, deployment } = stackChain();
  const { modelId } = await registerModel({ wallet: wallet(DEMO_BUILDER), publicClient: client, deployment, registration: build.registration!, price: FIRST.fee, builderBps: 1000 });
  await send(wallet(DEMO_BUILDER).writeContract({ address: deployment.modelRegistry, abi: modelRegistryAbi, functionName: "setTokenRates", args: [modelId, FIRST.inputRate, FIRST.outputRate] }));
  // The page reads the index: wait until it has the model with its rates.
  await expect
    .poll(async () => {
      const res = await request.get(`/api/models/${modelId}`);
      return res.ok() ? ((await res.json()) as { outputRate: string }).outputRate : null;
    }, { timeout: 30_000 })
    .toBe(FIRST.outputRate.toString());
  return Number(modelId);
}

/** What the registry charges now (the Playground's quote and the 402 read the same). */
async function onChainRates(modelId: number): Promise<{ rates: TokenRates; active: boolean }> {
  const { client, deployment } = stackChain();
  const pricing = await client.readContract({ address: deployment.modelRegistry, abi: modelRegistryAbi, functionName: "pricing", args: [BigInt(modelId)] });
  return { rates: ratesOf(pricing), active: pricing[3] };
}

/** The amount the server's 402 asks for `prompt` at 32 max tokens (the Playground's). */
async function requiredAmount(request: APIRequestContext, modelId: number, prompt: string): Promise<string> {
  const unpaid = await request.post(`/api/models/${modelId}/inference`, { data: { prompt, params: { maxTokens: 32, temperature: 0.8 } } });
  expect(unpaid.status()).toBe(402);
  const required = JSON.parse(Buffer.from(unpaid.headers()["payment-required"], "base64").toString("utf8")) as { accepts: { amount: string }[] };
  const amounts = [...new Set(required.accepts.map((a) => a.amount))];
  expect(amounts).toHaveLength(1);
  return amounts[0];
}

async function openAsBuilder(page: Page, modelId: number) {
  const { rpcUrl, deployment } = stackChain();
  await installInjectedWallet(page, { account: devAccount(DEMO_BUILDER).address, rpcUrl, chainId: deployment.chainId });
  await page.goto(`/models/${modelId}`);
  await connectInjectedWallet(page, page.getByRole("banner").getByRole("button", { name: "Connect wallet" }));
}

test("the builder changes the token rates from the model page: a rejected signature changes nothing; signed, the page, the list, the estimate and the 402 follow", async ({ page, request }) => {
  test.setTimeout(180_000);
  const name = `E2E re-priced ∞-gram ${Date.now()}`;
  const modelId = await registerPerTokenModel(request, name);
  await openAsBuilder(page, modelId);

  const card = page.getByTestId("manage-pricing");
  await expect(card).toBeVisible();
  await expect(card.getByRole("radio", { name: /^Per token/ })).toHaveAttribute("aria-checked", "true");
  await expect(card.getByLabel("Fixed fee per inference (OPEN)")).toHaveValue("0.001");
  await expect(card.getByLabel("Input rate (OPEN per 1,000 tokens)")).toHaveValue("0.002");
  await expect(card.getByLabel("Output rate (OPEN per 1,000 tokens)")).toHaveValue("0.004");
  const save = card.getByRole("button", { name: /^Save prices/ });
  // Nothing changed yet: nothing to send.
  await expect(save).toBeDisabled();

  await card.getByLabel("Input rate (OPEN per 1,000 tokens)").fill("0.003");
  await card.getByLabel("Output rate (OPEN per 1,000 tokens)").fill("0.006");
  await expect(card.getByText("3000000000000 wei per prompt token")).toBeVisible();
  await expect(card.getByText("6000000000000 wei per answer token")).toBeVisible();

  // 1. The builder rejects the signature: told so, nothing sent, nothing changed, and the button works again.
  await setWalletRejections(page, { sendTransaction: true });
  await save.click();
  const alert = card.getByRole("alert");
  await expect(alert).toContainText("Signature cancelled", { timeout: 20_000 });
  await expect(alert).toContainText("Nothing was sent");
  expect((await walletState(page)).rejected).toEqual(["eth_sendTransaction"]);
  expect(await onChainRates(modelId)).toEqual({ rates: FIRST, active: true });
  await expect(page.getByTestId("token-rates").first()).toHaveText("0.001 OPEN per inference + 0.002 OPEN per 1k input tokens + 0.004 OPEN per 1k output tokens");
  await expect(save).toBeEnabled();
  // The card, its fields and its failure message pass the same accessibility audit as the pages.
  expect(await blockingViolations(page, '[data-testid="manage-pricing"]')).toEqual([]);

  // 2. Signed: confirmed, then indexed, then the page shows the new rates (header and details).
  await setWalletRejections(page, {});
  await save.click();
  await expect(card.getByTestId("manage-pricing-saved")).toContainText("The new prices are live.", { timeout: 30_000 });
  await expect(alert).toHaveCount(0);
  expect(await onChainRates(modelId)).toEqual({ rates: CHANGED, active: true });
  await expect(page.getByTestId("token-rates").first()).toHaveText("0.001 OPEN per inference + 0.003 OPEN per 1k input tokens + 0.006 OPEN per 1k output tokens");
  await expect(card.getByTestId("manage-pricing-current")).toContainText("0.003 OPEN per 1k input tokens");
  const indexed = await (await request.get(`/api/models/${modelId}`)).json();
  expect([indexed.inputRate, indexed.outputRate]).toEqual([CHANGED.inputRate.toString(), CHANGED.outputRate.toString()]);

  // 3. The Playground estimates at the new rates, and it is what the server's 402 asks.
  const playground = page.getByTestId("playground");
  const estimate = playground.getByTestId("price-estimate");
  const prompt = "zebra: a wild horse";
  await playground.getByLabel("Prompt").fill(prompt);
  const tokens = encode(prompt).length;
  await expect(estimate.getByTestId("estimate-prompt-tokens")).toHaveText(String(tokens));
  const ceiling = quote(CHANGED, tokens, 32).toString();
  await expect(estimate.getByTestId("estimate-ceiling")).toHaveAttribute("data-wei", ceiling);
  expect(await requiredAmount(request, modelId, prompt)).toBe(ceiling);

  // 4. Paused: the registry refuses requests and the page says so; resumed, it takes them again.
  await card.getByRole("button", { name: "Pause inferences" }).click();
  await expect(card.getByTestId("manage-pricing-saved")).toContainText("paused", { timeout: 30_000 });
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Inactive");
  await expect(playground).toContainText("This model is inactive");
  expect((await request.post(`/api/models/${modelId}/inference`, { data: { prompt, params: { maxTokens: 32 } } })).status()).toBe(422);
  await card.getByRole("button", { name: "Resume inferences" }).click();
  await expect(card.getByTestId("manage-pricing-saved")).toContainText("accepts inferences again", { timeout: 30_000 });
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Active");
  expect(await onChainRates(modelId)).toEqual({ rates: CHANGED, active: true });

  // 5. The /models list shows the fee and the rates on the model's card.
  await page.goto(`/models?q=${encodeURIComponent(name)}`);
  const listed = page.getByTestId("model-card-rates");
  await expect(listed).toHaveCount(1);
  await expect(listed).toHaveText("0.001 OPEN per inference + 0.003 OPEN per 1k input tokens + 0.006 OPEN per 1k output tokens");
  const listedApi = (await (await request.get(`/api/models?q=${encodeURIComponent(name)}`)).json()) as { items: { id: number; inputRate: string; outputRate: string }[] };
  expect(listedApi.items.map((m) => [m.id, m.inputRate, m.outputRate])).toEqual([[modelId, CHANGED.inputRate.toString(), CHANGED.outputRate.toString()]]);

  // 6. Back to a flat price: the fee, then rates 0 (two transactions); the page shows one price again.
  // The test wallet forgets its connection on a navigation (a page-side object), so the builder connects again.
  await page.goto(`/models/${modelId}`);
  await connectInjectedWallet(page, page.getByRole("banner").getByRole("button", { name: "Connect wallet" }));
  await expect(card).toBeVisible();
  await card.getByRole("radio", { name: /^Flat price/ }).click();
  await card.getByLabel("Price per inference (OPEN)").fill("0.02");
  await expect(save).toHaveText("Save prices (2 transactions)");
  await save.click();
  await expect(card.getByTestId("manage-pricing-saved")).toContainText("The new price is live.", { timeout: 30_000 });
  expect(await onChainRates(modelId)).toEqual({ rates: { fee: OPEN / 50n, inputRate: 0n, outputRate: 0n }, active: true });
  await expect(page.getByTestId("token-rates")).toHaveCount(0);
  await expect(page.getByText("Price 0.02 OPEN per inference", { exact: true })).toBeVisible();
});

test("another account sees the model's prices but no pricing editor", async ({ page }) => {
  const { rpcUrl, deployment } = stackChain();
  // Dev account 8, a seeded paying user, on model 1 (built by the demo builder).
  await installInjectedWallet(page, { account: demoAccount(8).address, rpcUrl, chainId: deployment.chainId });
  await page.goto("/models/1");
  const playground = page.getByTestId("playground");
  await expect(playground.getByTestId("playground-price")).toContainText("OPEN");
  await connectInjectedWallet(page, page.getByRole("banner").getByRole("button", { name: "Connect wallet" }));
  // Connected (the Playground offers to pay), and still no editor.
  await expect(playground.getByRole("button", { name: "Pay and run" })).toBeVisible();
  await expect(page.getByTestId("manage-pricing")).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Save prices|^Pause inferences/ })).toHaveCount(0);
});
