/**
 * The contributor's whole journey in one run, against the real stack, each step by the person who does it:
 * dev account 7 (a funded user with no data yet) signs in, uploads a file to the curated Food Datanet and
 * signs the contribution; the owner (account 1) accepts it and publishes a version; a builder (account 1) builds an
 * ∞-gram model on that version and lists it; a user (account 8, another browser) pays for an inference
 * whose answer comes from the new file; the contributor's open dashboard shows the earning and the
 * attribution entry without a reload; after an epoch the contributor claims and its OPEN balance rises by
 * exactly the claimable amount.
 */
import { expect, test, type Page } from "@playwright/test";
import { openTokenAbi } from "../contracts-abi";
import { demoAccount, DEMO_DATANETS } from "../lib/seed/seed";
import { stackChain } from "./chain";
import { connectDevWallet } from "./wallet";

const CONTRIBUTOR = 7;
const CURATOR = 1;
const USER = 8;
const FOOD = DEMO_DATANETS.findIndex((d) => d.lexfile === "food") + 1;
const FOOD_NAME = DEMO_DATANETS[FOOD - 1].meta.name;

/** The number in the first `#123`-style mention of `text`. */
const idIn = (text: string) => Number((text.match(/#(\d+)/) ?? [])[1]);

async function contribute(page: Page, text: string): Promise<number> {
  await page.goto(`/datanets/${FOOD}`);
  const form = page.getByTestId("contribute");
  await expect(form).toHaveAttribute("data-hydrated", "true");
  await form.getByLabel("File to contribute").setInputFiles({ name: "broths.md", mimeType: "text/markdown", buffer: Buffer.from(text) });
  await expect(form.getByTestId("contribute-preview")).toContainText("2 records", { timeout: 20_000 });
  await connectDevWallet(page, form.getByRole("button", { name: "Connect wallet to contribute" }), CONTRIBUTOR);
  // Sign-In with Ethereum (one signature), then the upload runs, then the on-chain contribution.
  await form.getByRole("button", { name: "Sign in to upload" }).click();
  await expect(form.getByRole("progressbar", { name: "Upload progress" })).toHaveAttribute("aria-valuenow", "100", { timeout: 20_000 });
  await expect(page.getByTestId("session-status")).toContainText("Signed in as");
  const sign = form.getByRole("button", { name: "Sign and contribute" });
  await expect(sign).toBeEnabled();
  await sign.click();
  const done = form.getByTestId("contribute-done");
  await expect(done).toContainText(/Your contribution #\d+ is pending review/, { timeout: 30_000 });
  const id = idIn(await done.innerText());
  // The Datanet's contributions table lists it once indexed, pending review.
  const row = page.getByRole("row").filter({ has: page.getByRole("cell", { name: `#${id}`, exact: true }) });
  await expect(row).toContainText("Pending", { ignoreCase: true, timeout: 20_000 });
  return id;
}

async function acceptAndPublish(page: Page, contribution: number): Promise<number> {
  await page.getByLabel("Dev account").selectOption(String(CURATOR));
  const review = page.getByTestId("review");
  await review.getByRole("button", { name: "Sign in to review" }).click();
  await expect(page.getByTestId("session-status")).not.toContainText("not the connected account");
  const item = review.getByTestId(`pending-${contribution}`);
  await expect(item).toBeVisible({ timeout: 20_000 });
  await item.getByRole("button", { name: `Accept #${contribution}` }).click();
  await expect(review.getByRole("status")).toContainText(`Contribution #${contribution} accepted`, { timeout: 30_000 });
  const publish = review.getByRole("button", { name: /^Publish version \d+$/ });
  await expect(publish).toBeEnabled({ timeout: 20_000 });
  const version = Number(((await publish.innerText()).match(/(\d+)/) ?? [])[1]);
  await publish.click();
  await expect(review.getByRole("status")).toContainText(`Version ${version} published`, { timeout: 30_000 });
  await expect(page.locator(`tr#v${version}`).getByText("Verified", { exact: true })).toBeVisible({ timeout: 20_000 });
  return version;
}

async function buildAndList(page: Page, version: number, name: string): Promise<number> {
  await page.goto("/factory");
  await page.getByRole("radio", { name: /^∞-gram/ }).click();
  const datanets = page.getByTestId("step-datanets");
  await datanets.getByRole("checkbox", { name: new RegExp(FOOD_NAME.replace(/[&]/g, "\\$&")) }).check();
  const pick = datanets.getByLabel(`Version of ${FOOD_NAME}`);
  // The version was published a moment ago: the picker lists it once the indexer has it.
  await expect(pick.locator(`option[value="${version}"]`)).toHaveCount(1, { timeout: 20_000 });
  await pick.selectOption(String(version));
  const params = page.getByTestId("step-parameters");
  await params.getByLabel("Name").fill(name);
  await params.getByLabel("Description").fill("Built in the contributor journey e2e test.");
  const build = page.getByTestId("step-build");
  await build.getByRole("button", { name: "Build" }).click();
  await expect(build.getByTestId("build-status")).toHaveText("succeeded", { timeout: 90_000 });
  const publish = page.getByTestId("step-publish");
  await publish.getByLabel("Price per inference (OPEN)").fill("0.02");
  await publish.getByLabel("Builder share (%)").fill("10");
  // The wallet is still connected from the review step (same page session): account 1 publishes.
  await publish.getByRole("button", { name: "Publish" }).click();
  await expect(publish.getByTestId("publish-tx")).toContainText("Confirmed", { timeout: 30_000 });
  const view = publish.getByRole("link", { name: "View your model" });
  await expect(view).toBeVisible({ timeout: 30_000 });
  return Number(((await view.getAttribute("href")) ?? "").split("/").pop());
}

test("upload → accept → publish → build → pay → live earning → claim, each by its own account", async ({ page, browser, request }) => {
  test.setTimeout(300_000);
  const { client: chain, deployment } = stackChain();
  const contributor = demoAccount(CONTRIBUTOR).address;
  const stamp = Date.now();
  // Words found nowhere else in the index, so the model's continuation can only come from this file.
  const phrase = `Quintessa zorblax ${stamp}`;
  const text =
    `**${phrase}**: ${phrase} is a spiced fern broth simmered for nine hours with smoked kelp and violet salt.\n\n` +
    `**Marrowick ${stamp}**: a hard cheese aged in cedar ash, served only at midwinter feasts.\n`;

  // 1. Contributor uploads and signs; 2. the owner accepts and publishes.
  const contribution = await contribute(page, text);
  expect(contribution).toBeGreaterThan(0);
  const version = await acceptAndPublish(page, contribution);
  expect(version).toBeGreaterThanOrEqual(2);

  // 3. A builder builds an ∞-gram model on that version and lists it.
  const name = `Journey broth model ${stamp}`;
  const modelId = await buildAndList(page, version, name);
  expect(modelId).toBeGreaterThan(0);
  await page.goto("/models");
  await expect(page.getByText(name).first()).toBeVisible();

  // 4. The contributor opens the dashboard: nothing earned from this file yet.
  await page.getByLabel("Dev account").selectOption(String(CONTRIBUTOR));
  await page.goto("/dashboard");
  await expect(page.getByTestId("account-view")).toHaveAttribute("data-address", contributor.toLowerCase(), { timeout: 20_000 });
  // Its contributions list shows the file, accepted.
  const mine = page.locator(`[data-testid="account-contribution-row"][data-id="${contribution}"]`);
  await expect(mine).toHaveAttribute("data-status", "accepted", { timeout: 20_000 });
  await expect(mine).toContainText(FOOD_NAME);
  const feed = page.getByTestId("attribution-row");
  const earnedSoFar = async () => {
    const res = await request.get(`/api/accounts/${contributor}/earnings?bucket=day`);
    expect(res.status()).toBe(200);
    return BigInt(((await res.json()) as { amount: string }).amount);
  };
  const earnedBefore = await earnedSoFar();

  // 5. A user, in their own browser, pays for an inference on the new model.
  const userContext = await browser.newContext();
  const user = await userContext.newPage();
  await user.goto(`/models/${modelId}`);
  const playground = user.getByTestId("playground");
  await connectDevWallet(user, playground.getByRole("button", { name: "Connect wallet to pay" }), USER);
  await playground.getByLabel("Prompt").fill(`${phrase} is a`);
  await playground.getByRole("button", { name: "Pay and run" }).click();
  const inferenceLink = playground.getByRole("link", { name: /Inference #\d+/ });
  await expect(inferenceLink).toBeVisible({ timeout: 60_000 });
  const requestId = idIn(await inferenceLink.innerText());
  await expect(playground.getByTestId("playground-output")).toContainText("fern broth");
  await userContext.close();

  // 6. Without a reload, the contributor sees the entry (with its share of the fee) and the earning.
  const entry = feed.filter({ has: page.locator(`a[href="/inferences/${requestId}"]`) });
  await expect(entry.first()).toBeVisible({ timeout: 20_000 });
  // The model and the Datanet the credit came through, the share of the pool and the amount.
  await expect(entry.first()).toContainText(name);
  await expect(entry.first()).toContainText(FOOD_NAME);
  await expect(entry.first()).toContainText(/\d+(\.\d+)?%.*OPEN/);
  const chart = page.getByTestId("earnings-chart");
  await expect.poll(async () => Number(await chart.getAttribute("data-points")), { timeout: 20_000 }).toBeGreaterThan(0);

  // The ledger credited the contributor for this inference.
  const earnedNow = await earnedSoFar();
  expect(earnedNow).toBeGreaterThan(earnedBefore);

  // 7. An epoch posts the balances; once final (its challenge window: 30 s on the local chain) the contributor
  // claims and receives exactly the claimable amount.
  const epoch = await request.post("/api/settlement/epoch");
  expect(epoch.status(), await epoch.text()).toBe(200);
  const amount = page.getByTestId("claimable-amount");
  // Everything earned and not yet claimed is claimable, including this inference's credit.
  await expect.poll(async () => BigInt((await amount.getAttribute("data-wei")) ?? "0"), { timeout: 90_000 }).toBeGreaterThanOrEqual(earnedNow - earnedBefore);
  const claimable = BigInt((await amount.getAttribute("data-wei"))!);
  const before = await chain.readContract({ address: deployment.token, abi: openTokenAbi, functionName: "balanceOf", args: [contributor] });
  await page.getByTestId("claim-card").getByRole("button", { name: "Claim" }).click();
  const status = page.getByTestId("claim-status");
  await expect(status).toHaveAttribute("data-state", "confirmed", { timeout: 30_000 });
  const after = await chain.readContract({ address: deployment.token, abi: openTokenAbi, functionName: "balanceOf", args: [contributor] });
  expect(after - before).toBe(claimable);
  await expect(amount).toHaveAttribute("data-wei", "0", { timeout: 15_000 });
});
