/**
 * The Datanet page's contribute and review flows against the real stack: a contributor picks a file,
 * sees its records and the bond before signing anything, signs in (Sign-In with Ethereum) so the upload
 * goes through, registers it on a curated Datanet; then the owner (switching the Dev wallet's account)
 * signs in, accepts it and publishes a new version. Before signing, the preview shows the originality shield and
 * the earnings forecast.
 */
import { expect, test } from "@playwright/test";
import { formatOpen } from "../components/format";
import { DEMO_DATANETS } from "../lib/seed/seed";
import { connectDevWallet } from "./wallet";

test("a contributor uploads and registers a file; the owner accepts it and publishes a new version", async ({ page }) => {
  test.setTimeout(120_000);
  // Datanet 1 is curated and owned by dev account 1; account 2 is a seeded contributor with OPEN.
  const bond = formatOpen(BigInt(DEMO_DATANETS[0].bond) * 10n ** 18n);
  const stamp = Date.now();
  const text = `**e2e beast ${stamp}**: an animal that exists only in this test.\n\n**e2e critter ${stamp}**: its smaller cousin, also imaginary.\n`;

  await page.goto("/datanets/1");
  const contribute = page.getByTestId("contribute");
  await expect(page.getByRole("heading", { name: "Contribute" })).toBeVisible();
  // A file set before hydration would be lost: wait until React owns the input.
  await expect(contribute).toHaveAttribute("data-hydrated", "true");

  await contribute.getByLabel("File to contribute").setInputFiles({ name: "beasts.md", mimeType: "text/markdown", buffer: Buffer.from(text) });
  const preview = contribute.getByTestId("contribute-preview");
  await expect(preview).toBeVisible({ timeout: 20_000 });
  // Read in the browser; nothing is uploaded before the contributor signs in.
  await expect(preview).toContainText("not uploaded yet");
  await expect(preview).toContainText("2 records");
  await expect(preview.getByRole("list", { name: "Record preview" }).getByRole("listitem")).toHaveCount(2);
  await expect(preview).toContainText(`e2e critter ${stamp}`);
  // The bond and the gas, before anything is signed.
  await expect(preview.getByTestId("contribute-bond")).toContainText(bond);
  await expect(preview.getByTestId("contribute-bond")).toContainText(/gas/);

  await connectDevWallet(page, contribute.getByRole("button", { name: "Connect wallet to contribute" }), 2);
  // Sign in (one signature, no transaction), then the upload runs.
  await expect(contribute.getByTestId("contribute-sign-in")).toContainText("no gas");
  await contribute.getByRole("button", { name: "Sign in to upload" }).click();
  await expect(contribute.getByRole("progressbar", { name: "Upload progress" })).toHaveAttribute("aria-valuenow", "100", { timeout: 20_000 });
  await expect(preview).toContainText(/hash 0x[0-9a-f]{8}/);
  await expect(page.getByTestId("session-status")).toContainText("Signed in as");
  // The earnings forecast, before signing: the Datanet's models replayed on their recent paid requests with the file.
  const forecast = contribute.getByTestId("forecast");
  await expect(forecast).toContainText("What this file would have earned", { timeout: 30_000 });
  await expect(forecast).toContainText(/OPEN on \d+ paid requests? of the \d+ replayed, as contribution #\d+/);
  await expect(forecast).toContainText("separate worker process");
  expect(Number(await forecast.getAttribute("data-replayed"))).toBeGreaterThan(0);
  const sign = contribute.getByRole("button", { name: "Sign and contribute" });
  await expect(sign).toBeEnabled();
  await sign.click();

  const done = contribute.getByTestId("contribute-done");
  await expect(done).toContainText(/Your contribution #\d+ is pending review/, { timeout: 30_000 });
  const id = Number(((await done.innerText()).match(/#(\d+)/) ?? [])[1]);
  expect(id).toBeGreaterThan(0);

  // The contributions table picks it up from the indexer, pending.
  const row = page.getByRole("row").filter({ has: page.getByRole("cell", { name: `#${id}`, exact: true }) });
  await expect(row).toContainText("Pending", { ignoreCase: true, timeout: 20_000 });

  // The owner reviews: switch the Dev wallet to account 1, and sign in as the owner.
  const review = page.getByTestId("review");
  await expect(review).toContainText("not the owner");
  await page.getByLabel("Dev account").selectOption("1");
  await expect(page.getByTestId("session-status")).toContainText("not the connected account");
  await review.getByRole("button", { name: "Sign in to review" }).click();
  await expect(page.getByTestId("session-status")).not.toContainText("not the connected account");
  const item = review.getByTestId(`pending-${id}`);
  await expect(item).toBeVisible({ timeout: 20_000 });
  await expect(item.getByRole("list", { name: "Content preview" })).toContainText(`e2e beast ${stamp}`);
  await item.getByRole("button", { name: `Accept #${id}` }).click();
  await expect(review.getByRole("status")).toContainText(`Contribution #${id} accepted`, { timeout: 30_000 });
  await expect(item).toHaveCount(0, { timeout: 20_000 });

  const publish = review.getByRole("button", { name: /^Publish version \d+$/ });
  await expect(publish).toBeEnabled();
  const version = Number(((await publish.innerText()).match(/(\d+)/) ?? [])[1]);
  expect(version).toBeGreaterThanOrEqual(2);
  await publish.click();
  await expect(review.getByRole("status")).toContainText(`Version ${version} published`, { timeout: 30_000 });

  // The Versions table lists it (live refresh), with a root that matches the indexed contributions.
  const versionRow = page.locator(`tr#v${version}`);
  await expect(versionRow).toBeVisible({ timeout: 20_000 });
  await expect(versionRow).toContainText(`v${version}`);
  await expect(versionRow.getByText("Verified", { exact: true })).toBeVisible({ timeout: 20_000 });
  await expect(row).toContainText("Accepted", { ignoreCase: true, timeout: 20_000 });
});

test("an open Datanet accepts a contribution at once, refuses the same text again, and marks a file that copies a paragraph of it", async ({ page }) => {
  test.setTimeout(120_000);
  const open = DEMO_DATANETS.findIndex((d) => !d.curated) + 1;
  const stamp = Date.now();
  // A paragraph well over 32 tokens (the originality shield's span length), unique to this run.
  const paragraph = `e2e fern ${stamp}: a plant that exists only in this test, unrolling its fronds at dawn beside a quiet stream, where moss covers the stones and the light falls green through the leaves of the old alder trees.`;
  const file = { name: "fern.txt", mimeType: "text/plain", buffer: Buffer.from(`${paragraph}\n`) };
  await page.goto(`/datanets/${open}`);
  const contribute = page.getByTestId("contribute");
  const input = contribute.getByLabel("File to contribute");
  await expect(contribute).toHaveAttribute("data-hydrated", "true");

  await input.setInputFiles(file);
  await expect(contribute.getByTestId("contribute-preview")).toContainText("1 record", { timeout: 20_000 });
  await connectDevWallet(page, contribute.getByRole("button", { name: "Connect wallet to contribute" }), 3);
  await contribute.getByRole("button", { name: "Sign in to upload" }).click();
  // A new text: the shield finds nothing earlier.
  await expect(contribute.getByTestId("originality")).toContainText("Original", { timeout: 20_000 });
  // Terms: no answer may copy more than N tokens of it. Out of range is refused before signing.
  const terms = contribute.getByTestId("contribute-terms");
  await terms.getByLabel(/No verbatim over N tokens/).check();
  await terms.getByTestId("contribute-terms-n").fill("7");
  await expect(terms).toContainText("Choose a whole number from 8 to 4096.");
  await expect(contribute.getByRole("button", { name: "Sign and contribute" })).toBeDisabled();
  await terms.getByTestId("contribute-terms-n").fill("16");
  await contribute.getByRole("button", { name: "Sign and contribute" }).click();
  const done = contribute.getByTestId("contribute-done");
  await expect(done).toContainText(/Your contribution #\d+ was accepted at once/, { timeout: 30_000 });
  const id = Number(((await done.innerText()).match(/#(\d+)/) ?? [])[1]);
  expect(id).toBeGreaterThan(0);
  // Registered on-chain with the contribution (ContributionTerms) and shown on the Datanet page once indexed.
  const viewer = await page.context().newPage();
  await expect
    .poll(async () => {
      await viewer.goto(`/datanets/${open}`);
      return viewer.locator(`[data-testid="datanet-contribution-row"][data-id="${id}"]`).getByTestId("contribution-terms").textContent({ timeout: 2_000 }).catch(() => null);
    }, { timeout: 30_000 })
    .toBe("No verbatim over 16 tokens");
  await viewer.close();

  // The same text re-saved with other whitespace (new bytes, so new hash): an exact duplicate, refused before any signature.
  await input.setInputFiles({ ...file, name: "fern-copy.txt", buffer: Buffer.from(`  ${paragraph.replace(/ /g, "  ")}\r\n\r\n`) });
  const originality = contribute.getByTestId("originality");
  await expect(originality).toContainText("Exact duplicate", { timeout: 20_000 });
  await expect(originality).toContainText(`This file already appears as contribution #${id}`);
  await expect(contribute.getByRole("alert")).toContainText(`This file already appears as contribution #${id} by 0x`, { timeout: 20_000 });
  await expect(contribute.getByRole("button", { name: "Sign and contribute" })).toBeDisabled();

  // A file that copies the paragraph into text of its own: marked with the share and the source, not refused.
  const own = `e2e moss ${stamp}: a second note written for this test alone, about the soft green carpet that grows over everything left still for long enough in the damp shade of the forest floor.`;
  await input.setInputFiles({ name: "moss.txt", mimeType: "text/plain", buffer: Buffer.from(`${own}\n\n${paragraph}\n`) });
  await expect(originality).toContainText("Partly copied", { timeout: 20_000 });
  await expect(originality).toContainText(new RegExp(`\\d+(\\.\\d)?% of this file already appears in contribution #${id} by`));
  await expect(originality).toContainText("earn the original author");
  const ppm = Number(await originality.getAttribute("data-copied-ppm"));
  expect(ppm).toBeGreaterThan(300_000);
  expect(ppm).toBeLessThan(700_000);
  const sign = contribute.getByRole("button", { name: "Sign and contribute" });
  await expect(sign).toBeEnabled({ timeout: 20_000 });
  await sign.click();
  await expect(done).toContainText(/Your contribution #\d+ was accepted at once/, { timeout: 30_000 });
  const copyId = Number(((await done.innerText()).match(/#(\d+)/) ?? [])[1]);
  // Marked in the Datanet's contributions table once indexed: how much it copies, and from which contribution.
  const table = await page.context().newPage();
  await expect
    .poll(async () => {
      await table.goto(`/datanets/${open}`);
      return table.locator(`[data-testid="datanet-contribution-row"][data-id="${copyId}"]`).getByTestId("contribution-copied").textContent({ timeout: 5_000 }).catch(() => null);
    }, { timeout: 30_000 })
    .toMatch(new RegExp(`Partly copied\\d+(\\.\\d)?% from #${id}$`));
  await table.close();
});

test("the owner's review queue shows how much of a pending contribution copies an earlier one, and from whom", async ({ page }) => {
  test.setTimeout(120_000);
  // Records of an accepted contribution of the curated Datanet 1, in order: its text as the engine reads it.
  const records = (await (await page.request.get("/api/datanets/1/records?status=accepted&limit=5")).json()) as {
    items: { contributionId: number; index: number; text: string }[];
  };
  const source = records.items[0].contributionId;
  const copied = records.items.filter((r) => r.contributionId === source).map((r) => r.text);
  expect(copied.length).toBeGreaterThanOrEqual(3);
  const stamp = Date.now();
  const text = `**e2e mimic ${stamp}**: an animal that exists only in this test, and copies its neighbours.\n\n${copied.join("\n\n")}\n`;

  await page.goto("/datanets/1");
  const contribute = page.getByTestId("contribute");
  await expect(contribute).toHaveAttribute("data-hydrated", "true");
  await contribute.getByLabel("File to contribute").setInputFiles({ name: "mimic.md", mimeType: "text/markdown", buffer: Buffer.from(text) });
  await connectDevWallet(page, contribute.getByRole("button", { name: "Connect wallet to contribute" }), 4);
  await contribute.getByRole("button", { name: "Sign in to upload" }).click();
  // Curated: marked in the preview, never refused.
  const preview = contribute.getByTestId("originality");
  await expect(preview).toContainText(`of this file already appears in contribution #${source}`, { timeout: 20_000 });
  await contribute.getByRole("button", { name: "Sign and contribute" }).click();
  const done = contribute.getByTestId("contribute-done");
  await expect(done).toContainText(/Your contribution #\d+ is pending review/, { timeout: 30_000 });
  const id = Number(((await done.innerText()).match(/#(\d+)/) ?? [])[1]);

  // The owner sees it in the review queue, with the numbers.
  await page.getByLabel("Dev account").selectOption("1");
  const review = page.getByTestId("review");
  await review.getByRole("button", { name: "Sign in to review" }).click();
  const item = review.getByTestId(`pending-${id}`);
  await expect(item).toBeVisible({ timeout: 20_000 });
  const originality = item.getByTestId("originality");
  await expect(originality).toContainText("Partly copied", { timeout: 20_000 });
  await expect(originality).toContainText(new RegExp(`\\d+(\\.\\d)?% of this contribution already appears in contribution #${source} by 0x`));
  await expect(item.getByTestId(`originality-source-${source}`)).toContainText(/tokens\)/);
  await expect(originality).toContainText("earn the original contribution");
});
