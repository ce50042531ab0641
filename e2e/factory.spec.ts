/**
 * The Model Factory wizard against the real stack: without a wallet a visitor picks the ∞-gram kind and
 * Datanet 3 v1; building asks for the Dev wallet (account 1, the demo builder) and one sign-in signature,
 * then shows the build's progress and evaluation; the builder publishes the model on-chain and follows the
 * link to its page. A per-token model is published with a fixed fee and input/output rates (two transactions);
 * its page shows the rates, and the Playground's estimate follows the prompt being typed and is the amount the
 * server's 402 asks. That model's corpus is tokenized with o200k_base (chosen in the wizard), so its prices count
 * o200k tokens, not GPT-2's.
 */
import { expect, test, type Page } from "@playwright/test";
import { loadTokenizer, tokenizerFor, encode as r50k } from "../lib/attribution/tokenizer";
import { quote } from "../lib/inference/pricing";
import { blockingViolations } from "./axe";
import { connectDevWallet } from "./wallet";

/** Steps 1–4: an ∞-gram model from Datanet 3 v1, built under the signed-in Dev wallet (account 1). */
async function buildInfinigram(page: Page, name: string, tokenizer?: string) {
  await page.goto("/factory");
  await expect(page.getByRole("heading", { name: "Model Factory", level: 1 })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Model Factory" })).toHaveAttribute("aria-current", "page");

  // 1. Kind.
  await page.getByRole("radio", { name: /^∞-gram/ }).click();
  await expect(page.getByRole("radio", { name: /^∞-gram/ })).toHaveAttribute("aria-checked", "true");

  // 2. Datanet 3 ("Plant Life"), version 1.
  const datanets = page.getByTestId("step-datanets");
  await datanets.getByRole("checkbox", { name: /Plant Life/ }).check();
  const version = datanets.getByLabel("Version of Plant Life");
  await expect(version).toBeVisible();
  await version.selectOption("1");
  await expect(version).toHaveValue("1");

  // 3. Parameters: schema defaults, then the name.
  const params = page.getByTestId("step-parameters");
  await expect(params.getByLabel("Max tokens")).toHaveValue("64");
  await expect(params.getByLabel("Top-k")).toHaveValue("40");
  await params.getByLabel("Name").fill(name);
  await params.getByLabel("Description").fill("Built by the factory wizard e2e test.");
  if (tokenizer) await params.getByLabel("Tokenizer").selectOption(tokenizer);

  // 4. Build under a signed-in account: connect the Dev wallet, sign in (which starts the build), progress to
  // done, then the evaluation.
  const buildStep = page.getByTestId("step-build");
  await connectDevWallet(page, buildStep.getByRole("button", { name: "Connect wallet to build" }), 1);
  await buildStep.getByRole("button", { name: "Sign in to build" }).click();
  await expect(buildStep.getByTestId("build-progress")).toBeVisible();
  await expect(buildStep.getByTestId("build-status")).toHaveText("succeeded", { timeout: 60_000 });
  await expect(buildStep.getByTestId("build-phase")).toHaveText("Done");
  await expect(buildStep.getByRole("progressbar", { name: "Build progress" })).toHaveAttribute("aria-valuenow", "100");
  await expect(buildStep.getByTestId("eval-accuracy")).toHaveText(/^\d+(\.\d)?%$/);
  await expect(buildStep.getByTestId("eval-perplexity")).toHaveText(/^\d+(\.\d+)?$/);
}

test("a builder builds an ∞-gram model from Datanet 3 v1, publishes it and finds it on /models", async ({ page }) => {
  test.setTimeout(120_000);
  const name = `E2E Wizard ∞-gram ${Date.now()}`;
  await buildInfinigram(page, name);

  // 5. Publish: price and share, connect the Dev wallet through the modal, register on-chain.
  const publish = page.getByTestId("step-publish");
  await publish.getByLabel("Price per inference (OPEN)").fill("0.01");
  await publish.getByLabel("Builder share (%)").fill("10");
  await expect(publish.getByText("0.01 OPEN")).toBeVisible();
  await publish.getByRole("button", { name: "Publish" }).click();
  await expect(publish.getByTestId("publish-tx")).toContainText("Confirmed", { timeout: 30_000 });
  const view = publish.getByRole("link", { name: "View your model" });
  await expect(view).toBeVisible({ timeout: 30_000 });

  const href = await view.getAttribute("href");
  expect(href).toMatch(/^\/models\/\d+$/);
  await view.click();
  await expect(page).toHaveURL(new RegExp(`${href}$`));
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();

  await page.goto("/models");
  await expect(page.getByText(name).first()).toBeVisible();
});

test("a builder publishes a per-token model; its page shows the rates and the Playground estimates the prompt being typed", async ({ page, request }) => {
  test.setTimeout(150_000);
  const name = `E2E Wizard per-token ${Date.now()}`;
  await loadTokenizer("o200k_base");
  const encode = (text: string) => tokenizerFor("o200k_base").encode(text);
  await buildInfinigram(page, name, "o200k_base");

  // 5. Publish per token: fee 0.001 OPEN, 0.002 OPEN per 1k prompt tokens, 0.004 OPEN per 1k answer tokens.
  const rates = { fee: 10n ** 15n, inputRate: 2n * 10n ** 12n, outputRate: 4n * 10n ** 12n };
  const publish = page.getByTestId("step-publish");
  await publish.getByRole("radio", { name: /^Per token/ }).click();
  await publish.getByLabel("Fixed fee per inference (OPEN)").fill("0.001");
  await publish.getByLabel("Input rate (OPEN per 1,000 tokens)").fill("0.002");
  await publish.getByLabel("Output rate (OPEN per 1,000 tokens)").fill("0.004");
  await expect(publish.getByText("2000000000000 wei per prompt token")).toBeVisible();
  await expect(publish.getByText("4000000000000 wei per answer token")).toBeVisible();
  // 200 prompt tokens and a 300-token answer: 0.0004 + 0.0012 + 0.001.
  await expect(publish.getByTestId("pricing-example")).toContainText("costs 0.0026 OPEN");
  expect(await blockingViolations(page, '[data-testid="step-publish"]')).toEqual([]);
  await publish.getByRole("button", { name: "Publish" }).click();
  await expect(publish.getByTestId("publish-tx")).toContainText("Confirmed", { timeout: 30_000 });
  await expect(publish.getByTestId("rates-tx")).toContainText("Confirmed", { timeout: 30_000 });
  const view = publish.getByRole("link", { name: "View your model" });
  await expect(view).toBeVisible({ timeout: 30_000 });
  const href = await view.getAttribute("href");
  expect(href).toMatch(/^\/models\/\d+$/);
  await view.click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();

  // The rates, from the index: the header and the details.
  await expect(page.getByTestId("token-rates").first()).toHaveText("0.001 OPEN per inference + 0.002 OPEN per 1k input tokens + 0.004 OPEN per 1k output tokens");
  await expect(page.getByText("Input rate", { exact: true })).toBeVisible();
  await expect(page.getByTestId("model-tokenizer")).toHaveText("o200k_base");

  // The estimate follows the prompt: T_in as the server counts it, the ceiling at the Playground's 32 max tokens.
  const playground = page.getByTestId("playground");
  const estimate = playground.getByTestId("price-estimate");
  const prompt = playground.getByLabel("Prompt");
  await expect(estimate.getByTestId("estimate-max-tokens")).toHaveText("32");
  for (const text of ["zebra", "zebra: a wild horse of Africa with black and white stripes, and tiger,", "斑马是非洲的野马 — the zebra"]) {
    await prompt.fill(text);
    const tokens = encode(text).length;
    await expect(estimate.getByTestId("estimate-prompt-tokens")).toHaveText(String(tokens));
    await expect(estimate.getByTestId("estimate-ceiling")).toHaveAttribute("data-wei", quote(rates, tokens, 32).toString());
  }
  expect(encode("斑马是非洲的野马 — the zebra").length).toBeLessThan(r50k("斑马是非洲的野马 — the zebra").length);
  await prompt.pressSequentially(" Panthera");
  const typed = await prompt.inputValue();
  await expect(estimate.getByTestId("estimate-prompt-tokens")).toHaveText(String(encode(typed).length));
  const ceiling = await estimate.getByTestId("estimate-ceiling").getAttribute("data-wei");
  expect(ceiling).toBe(quote(rates, encode(typed).length, 32).toString());
  expect(await blockingViolations(page, '[data-testid="price-estimate"]')).toEqual([]);

  // It is what the server asks for the same request before anything is signed.
  const unpaid = await request.post(`/api/models${href!.slice("/models".length)}/inference`, { data: { prompt: typed, params: { maxTokens: 32, temperature: 0.8 } } });
  expect(unpaid.status()).toBe(402);
  const required = JSON.parse(Buffer.from(unpaid.headers()["payment-required"], "base64").toString("utf8")) as { accepts: { amount: string }[] };
  expect(required.accepts.length).toBeGreaterThan(0);
  for (const offer of required.accepts) expect(offer.amount).toBe(ceiling);

  // Paid from the Playground (the builder's own Dev wallet): the wallet signs exactly that ceiling, the settlement
  // charges the tokens used — at least the fee and the prompt, at most the ceiling — and the rest goes back.
  await expect(playground.getByTestId("playground-price")).toContainText("Up to");
  await playground.getByRole("button", { name: "Pay and run" }).click();
  const result = playground.getByTestId("playground-result");
  await expect(result.getByTestId("settlement-status")).toHaveAttribute("data-status", "confirmed", { timeout: 60_000 });
  // The answer's spans are cut in the model's o200k tokens (read as GPT-2's, their ids would not even decode).
  await expect(result.getByTestId("traced-span").first()).toBeVisible();
  const inferenceLink = result.getByRole("link", { name: /^Inference #\d+$/ });
  const id = (await inferenceLink.textContent())!.replace("Inference #", "");
  // The settlement is mined before the indexer has it: its charge is the indexed price once the row is settled.
  let settled: { status?: string; price?: string } = {};
  await expect
    .poll(
      async () => {
        const res = await request.get(`/api/inferences/${id}`);
        settled = res.ok() ? await res.json() : {};
        return settled.status;
      },
      { timeout: 30_000 },
    )
    .toBe("settled");
  const charged = BigInt(settled.price!);
  expect(charged).toBeLessThanOrEqual(BigInt(ceiling!));
  expect(charged).toBeGreaterThanOrEqual(rates.fee + BigInt(encode(typed).length) * rates.inputRate);
});
