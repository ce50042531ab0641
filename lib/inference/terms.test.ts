/**
 * Contributors' terms served end to end on a real anvil and a real database: bob registers his Animals contribution
 * with "no verbatim over 8 tokens" (contributeWithTerms). A greedy ∞-gram answer that would recite his text stops
 * copying at 8 tokens, its version-2 record names the term, Verify recomputes it from the chain's ContributionTerms
 * logs (and offline from the index), and an operator that served without the terms cannot pass the recomputation.
 */
import { eq, sql } from "drizzle-orm";
import { setDatabaseForTests } from "@/db/client";
import { pageAccountContributions } from "@/lib/queries";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as t from "@/db/schema";
import { testDatabaseKinds } from "@/db/testing";
import { encodeRecord, type AttributionRecordV2 } from "@/lib/attribution/record";
import { runAttribution } from "@/lib/attribution/run";
import { verbatimLimitsOnChain } from "@/lib/chain/terms";
import { nounGlosses } from "@/lib/seed/wordnet";
import { committedRecord, reproduce } from "@/lib/watch/record";
import { serveInference } from "./serve";
import { ROLES, setupMarket, type Market } from "./testing/market";
import { indexedVerbatimLimits } from "./terms";
import { verifyInference } from "./verify";

const LIMIT = 8;
const pglite = testDatabaseKinds.find((k) => k.kind === "pglite")!;

/** The longest run of `out` found verbatim in `doc`. */
function longestRun(doc: ArrayLike<number>, out: ArrayLike<number>): number {
  let best = 0;
  for (let i = 0; i < out.length; i++) {
    for (let s = 0; s < doc.length; s++) {
      let j = 0;
      while (i + j < out.length && s + j < doc.length && doc[s + j] === out[i + j]) j++;
      if (j > best) best = j;
    }
  }
  return best;
}

describe.skipIf(!pglite.available)("contributor terms: no verbatim over N tokens, enforced at inference", () => {
  let m: Market;
  const db = () => m.database.db;

  beforeAll(async () => {
    m = await setupMarket("pglite", { animalTerms: [undefined, { kind: 2, maxVerbatimTokens: LIMIT }, { kind: 1, maxVerbatimTokens: 0 }] });
  }, 180_000);
  afterAll(async () => {
    await m?.close();
  });

  it("a greedy answer that would recite bob's gloss copies at most N tokens of it; the record names the term; Verify and the watcher recompute it", async () => {
    const [bob] = await db().select().from(t.contributions).where(eq(t.contributions.contributor, (await import("./testing/market")).account(ROLES.bob).address.toLowerCase()));
    expect(bob).toMatchObject({ termsKind: 2, maxVerbatimTokens: LIMIT });
    const limits = await verbatimLimitsOnChain(m.client, m.d.datanetRegistry);
    expect([...limits]).toEqual([[bob.id, LIMIT]]); // carol's "attribution required" has no limit
    expect(await indexedVerbatimLimits(db())).toEqual(limits);

    const served = await m.catalog.get(m.models.gramA);
    if (served.model.format !== "corpus") throw new Error("gramA is a corpus model");
    const index = served.model.index;
    const rank = Array.from(index.contributionIds).indexOf(bob.id);
    const bobTokens = index.tokens.subarray(index.starts[rank], rank + 1 < index.starts.length ? index.starts[rank + 1] - 1 : index.tokens.length - 1);

    // A prompt from bob's part of the glosses: without his term the model recites well past N tokens.
    const gloss = nounGlosses().filter((g) => g.lexfile === "animal")[60];
    const prompt = `**${gloss.words.join(", ")}**: ${gloss.gloss.split(" ").slice(0, 3).join(" ")}`;
    const params = { temperature: 0, maxTokens: 40 };
    const base = { kind: "infinigram" as const, model: served.model, view: served.view, modelId: m.models.gramA, artifactHash: served.artifactHash, requestId: 1n, prompt, params: { ...params, topK: 20, maxSupport: 500, seed: 1 }, datanetIds: served.datanetIds };
    const free = runAttribution(base);
    const { encode } = await import("@/lib/attribution/tokenizer");
    expect(longestRun(bobTokens, encode(free.output))).toBeGreaterThan(LIMIT);

    const paid = await m.pay(ROLES.users[0], m.models.gramA, prompt, params);
    const answer = await serveInference(m.ctx, paid);
    const record = answer.record as AttributionRecordV2;
    expect(record.version).toBe(2);
    expect(record.terms).toEqual([{ contributionId: bob.id, maxVerbatimTokens: LIMIT }]);
    expect(longestRun(bobTokens, encode(answer.output))).toBeLessThanOrEqual(LIMIT);
    expect(answer.output).not.toBe(free.output);
    // Bob still earns for what the answer did take from him (up to N tokens in a row).
    await m.index();

    const onChain = await verifyInference(db(), Number(paid.requestId), { publicClient: m.client, market: m.d.inferenceMarket, artifactDir: m.artifactDir });
    expect(onChain!.checks.filter((c) => !c.ok)).toEqual([]);
    expect(onChain!.checks.find((c) => c.name === "terms")!.detail).toMatch(/ContributionTerms logs/);
    const offline = await verifyInference(db(), Number(paid.requestId), { artifactDir: m.artifactDir });
    expect(offline!.checks.filter((c) => !c.ok && !c.name.includes("on-chain"))).toEqual([]);

    // The watcher's recomputation, from the chain's terms: reproduced; without them it is not.
    const committed = { requestId: Number(paid.requestId), modelId: m.models.gramA, attributionHash: answer.attributionHash, outputHash: answer.outputHash };
    const [stored] = await db().select().from(t.inferenceResults).where(eq(t.inferenceResults.requestHash, paid.requestHash.toLowerCase()));
    const servedInput = { prompt: stored.prompt, params: stored.params, output: stored.output, attributionRecord: stored.attributionRecord };
    const check = committedRecord(committed, servedInput);
    if (!check.ok) throw new Error(check.why);
    const { loadArtifact } = await import("@/lib/attribution/run");
    const { getArtifact } = await import("@/lib/factory/artifacts");
    const own = loadArtifact(getArtifact(served.artifactHash, m.artifactDir)!);
    const input = { kind: "infinigram" as const, model: own, artifactHash: served.artifactHash, datanetIds: served.datanetIds, committed, served: servedInput };
    expect(reproduce(check, { ...input, verbatimLimits: limits })).toBeNull();
    expect(reproduce(check, input)).toMatch(/another answer|another attribution record/);

    // The dashboard's trailing earnings per 1,000 inferences: what bob's contribution earned over the settled
    // inferences of models built on its Datanet.
    setDatabaseForTests(m.database);
    try {
      const page = await pageAccountContributions(bob.contributor);
      const item = page.items.find((i) => i.id === bob.id)!;
      const [earned] = await db().select({ total: sql<string>`coalesce(sum(${t.attributionEntries.amount}), 0)::text` }).from(t.attributionEntries).where(eq(t.attributionEntries.contributionId, bob.id));
      expect(item.trailing.earned).toBe(BigInt(earned.total));
      expect(item.trailing.earned).toBeGreaterThan(0n);
      expect(item.trailing.inferences).toBe(1);
      expect(item.trailing.per1000).toBe(item.trailing.earned * 1000n);
    } finally {
      setDatabaseForTests(undefined);
    }
  }, 240_000);

  it("an operator that serves without the terms settles a record that does not recompute", async () => {
    const gloss = nounGlosses().filter((g) => g.lexfile === "animal")[70];
    const prompt = `**${gloss.words.join(", ")}**: ${gloss.gloss.split(" ").slice(0, 3).join(" ")}`;
    const served = await m.catalog.get(m.models.gramA);
    const params = { temperature: 0, maxTokens: 40, topK: 20, maxSupport: 500, seed: 7 };
    const honest = runAttribution({ kind: "infinigram", model: served.model, view: served.view, modelId: m.models.gramA, artifactHash: served.artifactHash, requestId: 5n, prompt, params, datanetIds: served.datanetIds, verbatimLimits: served.verbatimLimits });
    const cheat = runAttribution({ kind: "infinigram", model: served.model, view: served.view, modelId: m.models.gramA, artifactHash: served.artifactHash, requestId: 5n, prompt, params, datanetIds: served.datanetIds });
    expect((honest.record as AttributionRecordV2).terms.length).toBe(1);
    expect(cheat.output).not.toBe(honest.output);
    expect(encodeRecord(cheat.record)).not.toBe(encodeRecord(honest.record));
  });
});
