/**
 * The Model Factory wizard against the real stack: without a wallet a visitor picks the ∞-gram kind and
 * Datanet 3 v1; building asks for the Dev wallet (account 1, the demo builder) and one sign-in signature,
 * then shows the build's progress and evaluation; the builder publishes the model on-chain and follows the
 * link to its page.
 */
import { expect, test } from "@playwright/test";
import { connectDevWallet } from "./wallet";

test("a builder builds an ∞-gram model from Datanet 3 v1, publishes it and finds it on /models", async ({ page }) => {
  test.setTimeout(120_000);
  const name = `E2E Wizard ∞-gram ${Date.now()}`;

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
