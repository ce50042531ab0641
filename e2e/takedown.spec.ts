/**
 * Takedown in the browser: a contributor withdraws their own contribution from the dashboard (pending → confirmed,
 * then marked withdrawn), and the Datanet owner removes another with a stated reason on the Datanet page; both are
 * shown with who, when and why, and their records leave the record viewer.
 */
import { expect, test, type Locator } from "@playwright/test";
import { DEMO_DATANETS } from "../lib/seed/seed";
import { connectDevWallet } from "./wallet";

const CONTRIBUTOR = 4;
const OWNER = 1; // owns every demo Datanet

async function contributionId(done: Locator, not?: number): Promise<number> {
  let id = 0;
  await expect
    .poll(
      async () => {
        id = Number(((await done.innerText().catch(() => "")).match(/#(\d+)/) ?? [])[1] ?? 0);
        return id > 0 && id !== not;
      },
      { timeout: 30_000 },
    )
    .toBe(true);
  return id;
}

test("a contributor withdraws a contribution from the dashboard; the owner removes another with a reason", async ({ page, request }) => {
  test.setTimeout(180_000);
  const open = DEMO_DATANETS.findIndex((d) => !d.curated) + 1;
  const stamp = Date.now();
  const files = [
    { name: "takedown-a.txt", mimeType: "text/plain", buffer: Buffer.from(`e2e withdrawn ${stamp}: a moss that grows only in this test and is then withdrawn.\n`) },
    { name: "takedown-b.txt", mimeType: "text/plain", buffer: Buffer.from(`e2e removed ${stamp}: a lichen someone else claims, removed on a takedown request.\n`) },
  ];

  // Two contributions to the open Datanet (accepted at once).
  await page.goto(`/datanets/${open}`);
  const contribute = page.getByTestId("contribute");
  await expect(contribute).toHaveAttribute("data-hydrated", "true");
  const input = contribute.getByLabel("File to contribute");
  const done = contribute.getByTestId("contribute-done");
  await input.setInputFiles(files[0]);
  await expect(contribute.getByTestId("contribute-preview")).toContainText("1 record", { timeout: 20_000 });
  await connectDevWallet(page, contribute.getByRole("button", { name: "Connect wallet to contribute" }), CONTRIBUTOR);
  await contribute.getByRole("button", { name: "Sign in to upload" }).click();
  await contribute.getByRole("button", { name: "Sign and contribute" }).click();
  await expect(done).toContainText(/was accepted at once/, { timeout: 30_000 });
  const withdrawn = await contributionId(done);
  await input.setInputFiles(files[1]);
  await expect(contribute.getByTestId("contribute-preview")).toContainText(`e2e removed ${stamp}`, { timeout: 20_000 });
  await contribute.getByRole("button", { name: "Sign and contribute" }).click();
  const removed = await contributionId(done, withdrawn);

  // The contributor withdraws the first one from the dashboard.
  await page.goto("/dashboard");
  const row = page.locator(`[data-testid="account-contribution-row"][data-id="${withdrawn}"]`);
  await expect(row).toHaveAttribute("data-status", "accepted", { timeout: 20_000 });
  await expect(row).toHaveAttribute("data-withdrawn", "false");
  await row.getByTestId("withdraw-button").click();
  await row.getByTestId("withdraw-confirm").click();
  await expect(row.getByTestId("withdraw-status")).toHaveAttribute("data-state", "confirmed", { timeout: 30_000 });
  await expect(row).toHaveAttribute("data-withdrawn", "true", { timeout: 20_000 });
  await expect(row.getByTestId("withdrawal")).toContainText("Withdrawn by its contributor");
  // The other one is still there, with its own Withdraw.
  const other = page.locator(`[data-testid="account-contribution-row"][data-id="${removed}"]`);
  await expect(other).toHaveAttribute("data-withdrawn", "false");
  await expect(other.getByTestId("withdraw-button")).toBeVisible();

  // The owner removes the second one on the Datanet page, with a required reason.
  await page.getByLabel("Dev account").selectOption(String(OWNER));
  await page.goto(`/datanets/${open}`);
  const ownerRow = page.locator(`[data-testid="datanet-contribution-row"][data-id="${removed}"]`);
  await ownerRow.getByTestId("remove-button").click();
  const confirm = ownerRow.getByTestId("remove-confirm");
  await expect(confirm).toBeDisabled(); // no reason yet
  await ownerRow.getByTestId("remove-reason").fill(`Takedown request ${stamp} from the rights holder`);
  await confirm.click();
  await expect(ownerRow.getByTestId("remove-status")).toHaveAttribute("data-state", "confirmed", { timeout: 30_000 });
  await expect(ownerRow).toHaveAttribute("data-withdrawn", "true", { timeout: 20_000 });
  await expect(ownerRow.getByTestId("withdrawal")).toContainText("Removed by the Datanet owner");
  await expect(ownerRow.getByTestId("withdrawal-reason")).toContainText(`Takedown request ${stamp} from the rights holder`);
  const firstRow = page.locator(`[data-testid="datanet-contribution-row"][data-id="${withdrawn}"]`);
  await expect(firstRow.getByTestId("withdrawal")).toContainText("Withdrawn by its contributor");

  // Their records left the record viewer.
  for (const id of [withdrawn, removed]) {
    const res = await request.get(`/api/datanets/${open}/records?contribution=${id}`);
    expect(res.status()).toBe(200);
    expect((await res.json()).items).toEqual([]);
  }
  const search = await request.get(`/api/datanets/${open}/records?q=${encodeURIComponent(`e2e withdrawn ${stamp}`)}`);
  expect((await search.json()).items).toEqual([]);
});
