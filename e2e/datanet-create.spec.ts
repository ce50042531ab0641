/**
 * A builder's whole journey in the browser, on the real stack: create a Datanet with the /datanets/new wizard
 * (markdown preview, curated, a bond), upload a first file with one permit signature instead of approve +
 * contribute, accept it and publish version 1 as the owner, edit the summary and bond from the Datanet page
 * (a non-owner sees no edit controls), then build and publish an ∞-gram model on it in the Model Factory.
 */
import { expect, test } from "@playwright/test";
import { maxUint256 } from "viem";
import { openTokenAbi } from "../contracts-abi";
import { devAccount } from "../lib/chain/anvil";
import { stackChain } from "./chain";
import { connectDevWallet } from "./wallet";

/** A seeded demo contributor no other browser test acts as: the new Datanet's owner here. */
const BUILDER = 6;

test("a builder creates a Datanet, uploads with a permit, accepts, publishes, edits it and builds a model on it", async ({ page }) => {
  test.setTimeout(240_000);
  const { client, wallet, send, deployment } = stackChain();
  const builder = devAccount(BUILDER).address;
  const stamp = Date.now();
  const name = `E2E Seashells ${stamp}`;
  // No allowance: the first upload must take the bond with a permit (one signature), not approve + contribute.
  await send(wallet(BUILDER).writeContract({ address: deployment.token, abi: openTokenAbi, functionName: "approve", args: [deployment.datanetRegistry, 0n] }));
  try {
    // The Datanet list offers "New Datanet".
    await page.goto("/datanets");
    await page.getByTestId("list-new-datanet").click();
    await expect(page).toHaveURL(/\/datanets\/new$/);
    await expect(page.getByRole("heading", { name: "New Datanet", level: 1 })).toBeVisible();
    const wizard = page.getByTestId("create-datanet");

    // 1. Describe, with a markdown preview that renders (never raw HTML).
    await wizard.getByLabel("Name").fill(name);
    await wizard.getByLabel("Summary").fill("Shells found on beaches, described by the people who found them.");
    await wizard.getByRole("textbox", { name: "Description" }).fill("## What belongs here\n\n- one shell per paragraph\n- **where** it was found\n\n<script>alert(1)</script>");
    await wizard.getByRole("tab", { name: "Preview" }).click();
    const preview = wizard.getByTestId("markdown-preview");
    await expect(preview.getByRole("heading", { name: "What belongs here" })).toBeVisible();
    await expect(preview.getByRole("listitem")).toHaveCount(2);
    await expect(preview.locator("script")).toHaveCount(0);
    await wizard.getByRole("tab", { name: "Write" }).click();
    await wizard.getByLabel("Tags").fill("Shells, beach");
    // A bad value is refused before the next step.
    await wizard.getByLabel("Name").fill("ab");
    await wizard.getByTestId("wizard-next").click();
    await expect(wizard.getByRole("alert")).toContainText("at least 3 characters");
    await wizard.getByLabel("Name").fill(name);
    await wizard.getByTestId("wizard-next").click();

    // 2. Rules: curated, a bond of 0.5 OPEN, a first upload.
    await expect(wizard.getByTestId("kind-curated")).toBeChecked();
    await wizard.getByLabel("Contribution bond (OPEN)").fill("-1");
    await wizard.getByTestId("wizard-next").click();
    await expect(wizard.getByRole("alert")).toContainText("Enter the bond in OPEN");
    await wizard.getByLabel("Contribution bond (OPEN)").fill("0.5");
    await wizard.getByTestId("wizard-next").click();

    // 3. Review, connect, sign in (stores the metadata) and create on-chain.
    const review = wizard.getByTestId("create-datanet-review");
    await expect(review).toContainText(name);
    await expect(review).toContainText("shells, beach");
    await expect(review).toContainText("0.5 OPEN");
    await connectDevWallet(page, wizard.getByRole("button", { name: "Connect wallet to create" }), BUILDER);
    await wizard.getByRole("button", { name: /^(Sign in and create|Create Datanet)$/ }).click();
    const done = page.getByTestId("create-datanet-done");
    await expect(done).toContainText(/Datanet #\d+ .* is created and indexed/, { timeout: 60_000 });
    const datanetId = Number(((await done.innerText()).match(/Datanet #(\d+)/) ?? [])[1]);
    expect(datanetId).toBeGreaterThan(0);

    // 4. First upload, in the wizard: one permit signature and one transaction.
    const contribute = done.getByTestId("contribute");
    await expect(contribute).toHaveAttribute("data-hydrated", "true");
    const shells = ["cowrie", "conch", "scallop", "whelk", "cockle", "limpet", "periwinkle", "nautilus", "abalone", "auger", "olive", "moon snail"];
    const text = shells.map((s, i) => `The ${s} shell ${stamp} was found on the beach at low tide, number ${i + 1} of the collection, smooth and pale in the morning light.`).join("\n\n");
    const nonceBefore = await client.getTransactionCount({ address: builder });
    await contribute.getByLabel("File to contribute").setInputFiles({ name: "shells.txt", mimeType: "text/plain", buffer: Buffer.from(`${text}\n`) });
    await expect(contribute.getByRole("progressbar", { name: "Upload progress" })).toHaveAttribute("aria-valuenow", "100", { timeout: 20_000 });
    await expect(contribute.getByTestId("contribute-bond")).toContainText("you sign a permit for the bond");
    await expect(contribute.getByRole("button", { name: /^Approve/ })).toHaveCount(0);
    await contribute.getByRole("button", { name: "Sign and contribute" }).click();
    await expect(contribute.getByTestId("contribute-done")).toContainText(/Your contribution #\d+ is pending review/, { timeout: 30_000 });
    const contributionId = Number(((await contribute.getByTestId("contribute-done").innerText()).match(/#(\d+)/) ?? [])[1]);
    // One transaction for the contribution, no approve; the permit granted exactly the bond and it was taken.
    expect(await client.getTransactionCount({ address: builder })).toBe(nonceBefore + 1);
    expect(await client.readContract({ address: deployment.token, abi: openTokenAbi, functionName: "allowance", args: [builder, deployment.datanetRegistry] })).toBe(0n);

    // 5. The Datanet page: accept and publish version 1 as the owner.
    await done.getByTestId("open-new-datanet").click();
    await expect(page).toHaveURL(new RegExp(`/datanets/${datanetId}$`));
    await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
    await expect(page.getByRole("heading", { name: "What belongs here" })).toBeVisible();
    const queue = page.getByTestId("review");
    const item = queue.getByTestId(`pending-${contributionId}`);
    await expect(item).toBeVisible({ timeout: 20_000 });
    await item.getByRole("button", { name: `Accept #${contributionId}` }).click();
    await expect(queue.getByRole("status")).toContainText(`Contribution #${contributionId} accepted`, { timeout: 30_000 });
    const publish = queue.getByRole("button", { name: "Publish version 1" });
    await expect(publish).toBeEnabled({ timeout: 20_000 });
    await publish.click();
    await expect(queue.getByRole("status")).toContainText("Version 1 published", { timeout: 30_000 });

    // 6. The owner edits the summary, tags and bond; the page shows them once indexed.
    await page.getByTestId("edit-datanet").click();
    const edit = page.getByTestId("edit-datanet-form");
    await edit.getByLabel("Summary").fill(`Edited summary ${stamp}`);
    await edit.getByLabel("Tags").fill("shells, beach, edited");
    await edit.getByLabel("Contribution bond (OPEN)").fill("0.25");
    await edit.getByTestId("edit-datanet-save").click();
    await expect(page.getByText("The changes are on-chain and indexed.")).toBeVisible({ timeout: 60_000 });
    await expect(page.getByText(`Edited summary ${stamp}`).first()).toBeVisible({ timeout: 20_000 });
    await expect(page.getByRole("link", { name: "edited" }).first()).toBeVisible();
    const indexed = (await (await page.request.get(`/api/datanets/${datanetId}`)).json()) as { summary: string; bond: string; tags: string[] };
    expect(indexed).toMatchObject({ summary: `Edited summary ${stamp}`, bond: (25n * 10n ** 16n).toString(), tags: ["shells", "beach", "edited"] });
    // Another account sees no edit controls.
    await page.getByLabel("Dev account").selectOption("2");
    await expect(page.getByTestId("edit-datanet")).toHaveCount(0);
    await page.getByLabel("Dev account").selectOption(String(BUILDER));

    // 7. Build an ∞-gram model on version 1 and publish it.
    await page.goto("/factory");
    await page.getByRole("radio", { name: /^∞-gram/ }).click();
    const datanets = page.getByTestId("step-datanets");
    await datanets.getByRole("checkbox", { name: new RegExp(name) }).check();
    await expect(datanets.getByLabel(`Version of ${name}`)).toHaveValue("1");
    const params = page.getByTestId("step-parameters");
    await params.getByLabel("Name").fill(`E2E Seashell model ${stamp}`);
    const buildStep = page.getByTestId("step-build");
    await buildStep.getByRole("button", { name: /^(Build|Sign in to build)$/ }).click();
    await expect(buildStep.getByTestId("build-status")).toHaveText("succeeded", { timeout: 90_000 });
    const publishStep = page.getByTestId("step-publish");
    await publishStep.getByLabel("Price per inference (OPEN)").fill("0.01");
    await publishStep.getByLabel("Builder share (%)").fill("10");
    await publishStep.getByRole("button", { name: "Publish" }).click();
    await expect(publishStep.getByTestId("publish-tx")).toContainText("Confirmed", { timeout: 30_000 });
    const view = publishStep.getByRole("link", { name: "View your model" });
    await expect(view).toBeVisible({ timeout: 30_000 });
    await view.click();
    await expect(page.getByRole("heading", { name: `E2E Seashell model ${stamp}`, level: 1 })).toBeVisible();
    // The model page names the new Datanet it was built from.
    await expect(page.getByRole("link", { name: new RegExp(name) }).first()).toBeVisible();
  } finally {
    await send(wallet(BUILDER).writeContract({ address: deployment.token, abi: openTokenAbi, functionName: "approve", args: [deployment.datanetRegistry, maxUint256] }));
  }
});
