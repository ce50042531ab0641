import { expect, test } from "@playwright/test";
import { parseUnits } from "viem";
import { registerModel } from "../lib/factory/register";
import { DEMO_BUILDER, DEMO_MODELS } from "../lib/seed/models";
import { demoAccount } from "../lib/seed/seed";
import { stackChain } from "./chain";
import { signInRequest } from "./wallet";

test("the demo models built by the Model Factory are listed with their evaluation and lineage", async ({ page }) => {
  await page.goto("/models");
  for (const name of ["Glossary ∞-gram", "Animal Facts ∞-gram", "What-Is-It Classifier", "Glossary RAG"]) await expect(page.getByText(name).first()).toBeVisible();
  expect(DEMO_MODELS).toHaveLength(4);
  await page.getByText("What-Is-It Classifier").first().click();
  await expect(page).toHaveURL(/\/models\/\d+$/);
  await expect(page.getByText(/accuracy/i).first()).toBeVisible();
  await expect(page.getByRole("link", { name: /What Is It\? Labelled Nouns/ }).first()).toBeVisible();
  // The API snippet names this model and the paid routes.
  const snippet = page.getByTestId("api-snippet");
  await expect(snippet).toContainText("/v1/chat/completions");
  await expect(snippet).toContainText(/model: "model-\d+"/);
});

test("a builder builds a model through the API, watches its progress, registers it and sees it listed", async ({ page, request }) => {
  const { client, wallet: walletOf, deployment } = stackChain();
  // Builds are queued under a signed-in account; without a session the API refuses and queues nothing.
  const anonymous = await request.post("/api/factory/builds", { data: { kind: "infinigram", name: "Anonymous", datanets: [{ id: 3, version: 1 }] } });
  expect(anonymous.status()).toBe(401);
  await signInRequest(request, demoAccount(DEMO_BUILDER));
  // Nor under someone else's name.
  const impostor = await request.post("/api/factory/builds", { data: { kind: "infinigram", name: "Impostor", builder: demoAccount(2).address, datanets: [{ id: 3, version: 1 }] } });
  expect(impostor.status()).toBe(403);
  const created = await request.post("/api/factory/builds", {
    data: { kind: "infinigram", name: `E2E ∞-gram ${Date.now()}`, datanets: [{ id: 3, version: 1 }], parameters: { maxTokens: 16 } },
  });
  expect(created.status()).toBe(202);
  let build = await created.json();
  const phases = new Set<string>([build.phase]);
  while (build.status === "queued" || build.status === "running") {
    await new Promise((r) => setTimeout(r, 50));
    build = await (await request.get(`/api/factory/builds/${build.id}`)).json();
    phases.add(build.phase);
  }
  expect(build.error).toBeNull();
  expect(build.status).toBe("succeeded");
  expect(build.progress).toBe(1);
  expect(phases.has("done")).toBe(true);
  expect(build.evaluation.nextTokenAccuracy).toBeGreaterThan(0);

  const wallet = walletOf(demoAccount(DEMO_BUILDER));
  const { modelId } = await registerModel({ wallet, publicClient: client as never, deployment, registration: build.registration, price: parseUnits("0.03", 18), builderBps: 1000 });
  await expect
    .poll(async () => (await (await request.get(`/api/factory/builds/${build.id}`)).json()).modelId, { timeout: 15_000 })
    .toBe(Number(modelId));
  await page.goto(`/models/${modelId}`);
  await expect(page.getByText("Plant Life").first()).toBeVisible();
  await page.goto("/models");
  await expect(page.getByText(/E2E ∞-gram/).first()).toBeVisible();

  // A bad request is refused with a reason and queues nothing.
  const bad = await request.post("/api/factory/builds", { data: { kind: "infinigram", name: "Nope", datanets: [{ id: 3, version: 99 }] } });
  expect(bad.status()).toBe(404);
  expect((await bad.json()).error).toMatch(/has no version 99/);
});
