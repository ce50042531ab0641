/**
 * The demo's RAG model on its model page: the example question, paid with the Dev wallet in the Playground, is
 * answered with the WordNet gloss of a tiger (plain text, no markdown), and the attribution credits the
 * contribution that holds that gloss.
 */
import { expect, test, type Page } from "@playwright/test";
import { connectDevWallet } from "./wallet";

const GLOSS = "large feline of forests in most of Asia having a tawny coat with black stripes; endangered";

const connectFromPlayground = (page: Page, account: number) =>
  connectDevWallet(page, page.getByTestId("playground").getByRole("button", { name: "Connect wallet to pay" }), account);

test("the Glossary RAG model answers “What is a tiger?” with the tiger's gloss and credits the contribution that holds it", async ({ page, request }) => {
  // Which model and which contribution: from the public API, as a visitor could look them up.
  const models = (await (await request.get("/api/models?limit=100")).json()) as { items: { id: number; name: string; kind: string; datanets?: unknown }[] };
  const rag = models.items.find((m) => m.name === "Glossary RAG");
  expect(rag?.kind).toBe("rag");
  const datanets = (await (await request.get("/api/datanets?limit=100")).json()) as { items: { id: number; name: string }[] };
  const animals = datanets.items.find((d) => d.name === "Animal Kingdom Glossary")!;
  const records = (await (await request.get(`/api/datanets/${animals.id}/records?q=${encodeURIComponent("Panthera tigris")}`)).json()) as { items: { contributionId: number; text: string }[] };
  const holder = records.items.find((r) => r.text.includes(GLOSS))!.contributionId;

  await page.goto(`/models/${rag!.id}`);
  const playground = page.getByTestId("playground");
  await expect(playground.getByTestId("playground-price")).toContainText("OPEN");
  await connectFromPlayground(page, 2);
  // The model card's example fills the prompt.
  await playground.getByTestId("playground-examples").getByRole("button", { name: "What is a tiger?" }).click();
  await expect(playground.getByLabel("Prompt")).toHaveValue("What is a tiger?");
  await playground.getByRole("button", { name: "Pay and run" }).click();

  const result = playground.getByTestId("playground-result");
  await expect(result.getByTestId("settlement-status")).toHaveAttribute("data-status", "confirmed", { timeout: 60_000 });
  const output = result.getByTestId("playground-output");
  await expect(output).toHaveAttribute("aria-busy", "false");
  const answer = (await output.textContent()) ?? "";
  expect(answer).toContain(`Tiger (Panthera tigris): ${GLOSS}.`);
  expect(answer).not.toContain("**");

  // The contribution that holds the gloss is credited, with the largest share.
  const row = result.locator(`[data-testid="attribution-row"][data-contribution="${holder}"]`);
  await expect(row).toBeVisible();
  const shares = await result.getByTestId("attribution-row").evaluateAll((rows) =>
    rows.map((r) => ({ id: r.getAttribute("data-contribution"), ppm: Number((r.querySelector('td[title$=" ppm"]')?.getAttribute("title") ?? "").replace(/[^0-9]/g, "")) })),
  );
  expect(shares.reduce((a, b) => a + b.ppm, 0)).toBe(1_000_000);
  const best = shares.reduce((a, b) => (b.ppm > a.ppm ? b : a));
  expect(best.id).toBe(String(holder));

  // Its inference page names the method and α, and anyone can verify it without a wallet.
  const link = result.getByRole("link", { name: /Inference #\d+/ });
  const requestId = ((await link.innerText()).match(/#(\d+)/) ?? [])[1];
  await page.goto(`/inferences/${requestId}`);
  await expect(page.getByText("α (retrieval share)")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText("100 %", { exact: true })).toBeVisible();
  await expect(page.getByTestId("output")).toContainText(GLOSS);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByTestId("verify-result")).toHaveText("Verified: the attribution is exactly what was settled.", { timeout: 30_000 });
});
