/**
 * RAG models end to end on a real anvil and PGlite: built by the factory's build function, registered with kind 3,
 * paid, served (extractive, and through a local OpenAI-compatible endpoint given the retrieved records), settled
 * on-chain, credited by the indexer and verified by Verify; a question the model cannot take is refunded.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { parseUnits } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datanetRegistryAbi, inferenceMarketAbi, modelRegistryAbi } from "@/contracts-abi";
import * as modelInference from "@/app/api/models/[id]/inference/route";
import * as t from "@/db/schema";
import { readableQuote } from "@/lib/attribution/rag";
import { corpusText } from "@/lib/factory/build";
import { InferenceFailed, serveInference } from "./serve";
import { readRequest } from "./onchain";
import { ROLES, serveRoutesFrom, setupMarket, type Market } from "./testing/market";
import { verifyInference } from "./verify";

/** An OpenAI-compatible endpoint that answers by repeating the first record it was given as context. */
async function quotingEndpoint() {
  const prompts: string[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const parsed = JSON.parse(body) as { model: string; messages: { content: string }[] };
      const prompt = parsed.messages.at(-1)!.content;
      prompts.push(prompt);
      const first = /\n\[1\] (.*)\n/.exec(prompt)?.[1] ?? "I do not know.";
      const content = `From the records: ${first} That is all I can say.`;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: "c1", object: "chat.completion", model: parsed.model, choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, prompts, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe("RAG models on anvil and PGlite", () => {
  let m: Market;
  let unserve: (() => void) | undefined;
  let endpoint: Awaited<ReturnType<typeof quotingEndpoint>>;
  let extractive: number;
  let llm: number;
  const [user1, user2] = ROLES.users;
  const verify = (requestId: bigint) => verifyInference(m.database.db, Number(requestId), { publicClient: m.client, market: m.d.inferenceMarket, artifactDir: m.artifactDir });
  // The Animals Datanet holds animal glosses 0..149: alice 0–49, bob 50–99, carol 100–149.
  const target = () => m.glosses.filter((g) => g.lexfile === "animal")[72];

  beforeAll(async () => {
    m = await setupMarket("pglite");
    endpoint = await quotingEndpoint();
    m.ctx.allowHosts = [...(m.ctx.allowHosts ?? []), new URL(endpoint.url).host];
    const datanets = [
      { id: 1, version: 1 },
      { id: 2, version: 1 },
    ];
    extractive = await m.build({ kind: "rag", name: "Glossary RAG", datanets, parameters: { k: 3, quotes: 1 } }, parseUnits("0.004", 18) + 3n, 2000);
    llm = await m.build(
      { kind: "rag", name: "Glossary RAG with an LLM", datanets, parameters: { k: 3, alphaPpm: 300_000, baseUrl: `${endpoint.url}/v1`, model: "local-llm", maxTokens: 128 } },
      parseUnits("0.005", 18),
      1000,
    );
    await m.index();
    unserve = serveRoutesFrom(m);
  }, 180_000);
  afterAll(async () => {
    unserve?.();
    await endpoint?.close();
    await m?.close();
  });

  it("registers kind 3 on-chain and indexes it as rag", async () => {
    const onchain = await m.client.readContract({ address: m.d.modelRegistry, abi: modelRegistryAbi, functionName: "getModel", args: [BigInt(extractive)] });
    expect(onchain.kind).toBe(3);
    const [row] = await m.database.db.select().from(t.models).where(eq(t.models.id, extractive));
    expect(row.kind).toBe("rag");
  });

  it("pays, serves an extractive answer quoting the gloss, settles, credits the contribution that holds it, and verifies", async () => {
    const g = target();
    const paid = await m.pay(user1, extractive, `What is a ${g.words[0]}?`);
    const chunks: string[] = [];
    const s = await serveInference(m.ctx, paid, { onText: (c) => chunks.push(c) });
    expect(chunks.join("")).toBe(s.output);
    expect(s.output).toBe(readableQuote(corpusText(`**${g.words.join(", ")}**: ${g.gloss}`, true)));
    expect(s.output).not.toContain("**");
    expect(s.params).toEqual({ k: 3, quotes: 1, alphaPpm: 1_000_000, minSpanTokens: 4, maxSupport: 1_000, llm: false });
    const record = s.record;
    expect(record.method).toBe("rag");
    expect(record.version === 2 && record.alphaPpm).toBe(1_000_000);
    // Bob's contribution (#2) holds glosses 50–99: it takes the largest share.
    const top = [...s.entries].sort((a, b) => b.weightPpm - a.weightPpm)[0];
    expect(top.contributionId).toBe(2);
    expect(s.entries.reduce((a, e) => a + e.amount, 0n)).toBe(s.split.contributorPool);
    expect(s.entries.reduce((a, e) => a + e.weightPpm, 0)).toBe(1_000_000);
    expect((await readRequest(m.ctx, paid.requestId)).status).toBe(2);
    const [settled] = await m.client.getContractEvents({ address: m.d.inferenceMarket, abi: inferenceMarketAbi, eventName: "InferenceSettled", args: { requestId: paid.requestId }, fromBlock: 0n });
    expect(settled.args.attributionHash).toBe(s.attributionHash);

    await m.index();
    const entries = await m.database.db.select().from(t.attributionEntries).where(eq(t.attributionEntries.requestId, Number(paid.requestId)));
    expect(entries.reduce((a, e) => a + e.amount, 0n)).toBe(s.split.contributorPool);
    const report = (await verify(paid.requestId))!;
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.recomputedHash).toBe(s.attributionHash);
  });

  it("asks the endpoint with the retrieved records as context, attributes α by retrieval and 1 − α by the copied spans, and verifies", async () => {
    const g = target();
    const paid = await m.pay(user2, llm, `What is a ${g.words[0]}?`);
    const s = await serveInference(m.ctx, paid);
    const asked = endpoint.prompts.at(-1)!;
    expect(asked).toContain(`Question: What is a ${g.words[0]}?`);
    expect(asked).toContain(g.gloss.slice(0, 30));
    expect(s.output).toContain(g.gloss.slice(0, 30));
    expect(s.params).toMatchObject({ k: 3, alphaPpm: 300_000, llm: true, maxTokens: 128 });
    const record = s.record;
    expect(record.method).toBe("rag");
    expect(record.version === 2 && record.alphaPpm).toBe(300_000);
    const top = [...s.entries].sort((a, b) => b.weightPpm - a.weightPpm)[0];
    expect(top.contributionId).toBe(2);
    await m.index();
    const report = (await verify(paid.requestId))!;
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it("a tampered stored answer of an extractive model does not verify", async () => {
    const paid = await m.pay(user1, extractive, "What is honey?");
    const s = await serveInference(m.ctx, paid);
    await m.index();
    await m.database.db.update(t.inferenceResults).set({ output: `${s.output} (and more)` }).where(eq(t.inferenceResults.requestHash, paid.requestHash.toLowerCase()));
    const report = (await verify(paid.requestId))!;
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.name === "output")?.ok).toBe(false);
  });

  it("refuses a question it cannot take before any payment, with a clear 4xx (a good one is offered a payment)", async () => {
    const post = (prompt: string) =>
      (modelInference.POST as unknown as (r: Request, c: { params: Promise<{ id: string }> }) => Promise<Response>)(
        new Request(`http://test/api/models/${extractive}/inference`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt }) }),
        { params: Promise.resolve({ id: String(extractive) }) },
      );
    const before = await m.balance(user1);
    const wordy = Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ");
    const res = await post(wordy);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.status).not.toBe(402);
    const body = (await res.json()) as { error: string };
    expect(body.error).toMatch(/at most 32 distinct search words.*Nothing was charged/);
    const empty = await post("What is it?");
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: string }).error).toMatch(/nothing to search for/);
    expect((await post("What is a tiger?")).status).toBe(402);
    expect(await m.balance(user1)).toBe(before);
  });

  it("refunds a paid question the model cannot take (too long), with a clear reason", async () => {
    const before = await m.balance(user1);
    const paid = await m.pay(user1, extractive, "tiger ".repeat(400));
    const err = await serveInference(m.ctx, paid).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InferenceFailed);
    expect((err as InferenceFailed).refunded).toBe(true);
    expect((err as InferenceFailed).problem).toMatch(/at most 2000 characters/);
    expect(await m.balance(user1)).toBe(before);
  });

  it("after its contributor withdraws the contribution holding the gloss, the next answer neither quotes nor pays it, names the withdrawal set, and verifies", async () => {
    const g = target();
    const receipt = await m.client.waitForTransactionReceipt({
      hash: await m.wallets.get(ROLES.bob)!.writeContract({ address: m.d.datanetRegistry, abi: datanetRegistryAbi, functionName: "withdraw", args: [2n] }),
    });
    expect(receipt.status).toBe("success");
    await m.index();
    const paid = await m.pay(user2, extractive, `What is a ${g.words[0]}?`);
    const s = await serveInference(m.ctx, paid);
    expect(s.output).not.toContain(g.gloss.slice(0, 30));
    expect(s.record.entries.map((e) => e.contributionId)).not.toContain(2);
    expect(s.record.version === 2 && s.record.withdrawalsAt?.block).toBe(Number(receipt.blockNumber));
    await m.index();
    const report = (await verify(paid.requestId))!;
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  });
});
