/**
 * The Model Factory end to end on a real anvil and a real database (PGlite, and Postgres when
 * TEST_DATABASE_URL is set): Datanets with real WordNet text, builds in child processes with progress,
 * evaluation, registration on-chain, recovery after a restart, and the verifier on a settled inference.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { count, eq } from "drizzle-orm";
import { createPublicClient, createWalletClient, http, maxUint256, parseUnits, zeroAddress, type Hex, type PublicClient } from "viem";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datanetRegistryAbi, inferenceMarketAbi, openTokenAbi } from "@/contracts-abi";
import type { Database } from "@/db/client";
import * as t from "@/db/schema";
import { openTestDatabase, testDatabaseKinds } from "@/db/testing";
import { attributionHash, encodeRecord, splitPool } from "@/lib/attribution/record";
import { loadArtifact, outputHash, runAttribution } from "@/lib/attribution/run";
import { devAccount, startAnvil, type Anvil } from "@/lib/chain/anvil";
import { deployLedgerline, type Deployment } from "@/lib/chain/deploy";
import { versionRoot } from "@/lib/chain/merkle";
import { storeContent } from "@/lib/content/store";
import { verifyInference } from "@/lib/inference/verify";
import { Indexer } from "@/lib/indexer/indexer";
import { canonicalJson, contentUri, modelMetadataSchema } from "@/lib/metadata";
import { glossJsonl, glossMarkdown, nounGlosses } from "@/lib/seed/wordnet";
import { copyMapBounds, copyMapDirStore } from "@/lib/attribution/copy-map-store";
import { copyMap } from "@/lib/attribution/credit";
import { ORIGINAL_SPAN_TOKENS } from "@/lib/attribution/originality";
import { copyMapDir, getArtifact, sha256Of } from "./artifacts";
import { BuildRunner, createBuild, describeBuilds, getBuild, registrationOf } from "./jobs";
import { decryptEndpointKey, endpointKeyFor } from "./endpoint-keys";
import { registerModel } from "./register";
import { buildRequestSchema, FactoryError, type BuildRequestInput } from "./spec";

const [operator, owner, alice, bob, carol, user] = [0, 1, 2, 3, 4, 5].map(devAccount);

for (const { kind, available } of testDatabaseKinds) {
  describe.skipIf(!available)(`Model Factory on ${kind}`, () => {
    let anvil: Anvil;
    let database: Database;
    let client: PublicClient;
    let d: Deployment;
    let runner: BuildRunner;
    let artifactDir: string;
    const datanet = { text: 0n, labelled: 0n };
    const wallet = (a: ReturnType<typeof devAccount>) => createWalletClient({ account: a, chain: foundry, transport: http(anvil.rpcUrl) });
    const send = async (hash: Hex) => {
      const r = await client.waitForTransactionReceipt({ hash });
      expect(r.status).toBe("success");
      return r;
    };
    const index = async () => {
      const indexer = new Indexer({ db: database.db, client, deployment: d });
      for (;;) {
        const r = await indexer.syncOnce();
        if (r.block >= r.head) return;
      }
    };
    const reg = () => ({ address: d.datanetRegistry, abi: datanetRegistryAbi }) as const;

    async function createDatanet(name: string): Promise<bigint> {
      const meta = await storeContent(database.db, {
        body: new TextEncoder().encode(canonicalJson({ name, summary: "", description: "", tags: [], license: "WordNet-3.0" })),
        filename: "datanet.json",
      });
      await send(await wallet(owner).writeContract({ ...reg(), functionName: "createDatanet", args: [meta.hash, contentUri(meta.hash), parseUnits("1", 18), true, zeroAddress] }));
      return client.readContract({ ...reg(), functionName: "datanetCount" });
    }

    /** Contributes each file, accepts all, publishes version 1 over them. */
    async function fill(datanetId: bigint, files: { from: ReturnType<typeof devAccount>; body: string; filename: string }[]) {
      const accepted: { id: bigint; contentHash: Hex }[] = [];
      for (const f of files) {
        const c = await storeContent(database.db, { body: new TextEncoder().encode(f.body), filename: f.filename });
        await send(await wallet(f.from).writeContract({ ...reg(), functionName: "contribute", args: [datanetId, c.hash, BigInt(c.bytes), c.records, parseUnits("1", 18), 0n, "0x"] }));
        const id = await client.readContract({ ...reg(), functionName: "contributionCount" });
        await send(await wallet(owner).writeContract({ ...reg(), functionName: "review", args: [id, true] }));
        accepted.push({ id, contentHash: c.hash });
      }
      await send(await wallet(owner).writeContract({ ...reg(), functionName: "publishVersion", args: [datanetId, versionRoot(accepted), accepted.length] }));
    }

    async function build(input: BuildRequestInput) {
      const row = await createBuild(database.db, buildRequestSchema.parse(input), runner);
      await runner.idle();
      return (await getBuild(database.db, row.id))!;
    }

    beforeAll(async () => {
      anvil = await startAnvil();
      database = await openTestDatabase(kind);
      artifactDir = fs.mkdtempSync(path.join(os.tmpdir(), "ledgerline-artifacts-"));
      runner = new BuildRunner({ db: database.db, artifactDir });
      client = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl), pollingInterval: 25 }) as PublicClient;
      d = await deployLedgerline({ publicClient: client, walletClient: wallet(operator), admin: operator.address, operator: operator.address, protocolTreasury: operator.address });
      for (const a of [owner, alice, bob, carol, user]) {
        await send(await wallet(a).writeContract({ address: d.token, abi: openTokenAbi, functionName: "faucet", args: [a.address, parseUnits("1000", 18)] }));
        for (const spender of [d.datanetRegistry, d.inferenceMarket]) {
          await send(await wallet(a).writeContract({ address: d.token, abi: openTokenAbi, functionName: "approve", args: [spender, maxUint256] }));
        }
      }
      const glosses = nounGlosses();
      const animals = glosses.filter((g) => g.lexfile === "animal");
      datanet.text = await createDatanet("Animals");
      await fill(datanet.text, [alice, bob, carol].map((from, i) => ({ from, body: glossMarkdown(animals.slice(i * 60, (i + 1) * 60)), filename: `a${i}.md` })));
      const mixed = (["animal", "food", "plant"] as const).flatMap((l) => glosses.filter((g) => g.lexfile === l).slice(500, 560));
      datanet.labelled = await createDatanet("Labelled nouns");
      await fill(datanet.labelled, [alice, bob].map((from, i) => ({ from, body: glossJsonl(mixed.filter((_, j) => j % 2 === i)), filename: `l${i}.jsonl` })));
      await index();
    }, 120_000);

    afterAll(async () => {
      await runner?.stop();
      await database?.close();
      await anvil?.stop();
      if (artifactDir) fs.rmSync(artifactDir, { recursive: true, force: true });
    });

    it("builds an ∞-gram model in a child process with progress, evaluation and a stored, content-addressed artifact", async () => {
      const progress: number[] = [];
      const row = await createBuild(database.db, buildRequestSchema.parse({ kind: "infinigram", name: "Animal ∞-gram", datanets: [{ id: Number(datanet.text), version: 1 }] }), runner);
      expect(row.status).toBe("queued");
      // Watch the row while it runs: progress only moves forward and ends at 1.
      while (true) {
        const now = (await getBuild(database.db, row.id))!;
        progress.push(now.progress);
        if (now.status === "succeeded" || now.status === "failed") break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const done = (await getBuild(database.db, row.id))!;
      expect(done.error).toBeNull();
      expect(done.status).toBe("succeeded");
      expect(done.phase).toBe("done");
      expect(progress.at(-1)).toBe(1);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(done.contributions).toBe(3);
      expect(done.tokens).toBeGreaterThan(3_000);
      const evaluation = done.evaluation as { nextTokenAccuracy: number; perplexity: number; heldOutRecords: number };
      expect(evaluation.heldOutRecords).toBeGreaterThan(5);
      expect(evaluation.nextTokenAccuracy).toBeGreaterThan(0);
      expect(evaluation.nextTokenAccuracy).toBeLessThan(1);
      expect(Number.isFinite(evaluation.perplexity)).toBe(true);
      const bytes = getArtifact(done.artifactHash!, artifactDir)!;
      expect(sha256Of(bytes)).toBe(done.artifactHash);
      expect(bytes.byteLength).toBe(done.artifactBytes);
      // The build kept the whole index's copy map where the catalog reads it, equal to one computed from the artifact.
      const model = loadArtifact(bytes);
      if (model.format !== "corpus") throw new Error("an ∞-gram build stores a corpus index");
      const kept = copyMapDirStore(copyMapDir(done.artifactHash!, artifactDir), copyMapBounds(model.index)).read(`all-L${ORIGINAL_SPAN_TOKENS}`, ORIGINAL_SPAN_TOKENS);
      const computed = copyMap(model.index, undefined, null, ORIGINAL_SPAN_TOKENS);
      expect(kept).not.toBeNull();
      expect([Array.from(kept!.starts), Array.from(kept!.ends), Array.from(kept!.owners)]).toEqual([Array.from(computed.starts), Array.from(computed.ends), Array.from(computed.owners)]);
      // The metadata the builder registers is stored content-addressed and parses as a model card.
      const [meta] = await database.db.select().from(t.contents).where(eq(t.contents.hash, done.metadataHash!));
      const card = modelMetadataSchema.parse(JSON.parse(new TextDecoder().decode(meta.body)));
      expect(card.parameters).toMatchObject({ kind: "infinigram", artifactHash: done.artifactHash, contributions: 3 });
      expect(card.evaluation).toEqual(done.evaluation);
    });

    it("is deterministic: the same request builds a byte-identical artifact", async () => {
      const request = { kind: "infinigram" as const, name: "Twice", datanets: [{ id: Number(datanet.text), version: 1 }] };
      const [a, b] = [await build(request), await build(request)];
      expect(a.status).toBe("succeeded");
      expect(b.artifactHash).toBe(a.artifactHash);
      expect(b.metadataHash).toBe(a.metadataHash);
    });

    it("builds with the tokenizer the request names (o200k_base): a 32-bit artifact that records it, and the same request rebuilds the same bytes", async () => {
      const request = { kind: "infinigram" as const, name: "Animals in o200k", datanets: [{ id: Number(datanet.text), version: 1 }], parameters: { tokenizer: "o200k_base" as const } };
      const [a, b] = [await build(request), await build(request)];
      expect(a.error).toBeNull();
      expect(a.status).toBe("succeeded");
      expect(b.artifactHash).toBe(a.artifactHash);
      expect((a.request as { parameters: { tokenizer?: string } }).parameters.tokenizer).toBe("o200k_base");
      expect((a.evaluation as { tokenizer: string }).tokenizer).toBe("o200k_base");
      const model = loadArtifact(getArtifact(a.artifactHash!, artifactDir)!);
      if (model.format !== "corpus") throw new Error("an ∞-gram build stores a corpus index");
      expect(model.index.params.tokenizer).toBe("o200k_base");
      expect(model.index.tokens).toBeInstanceOf(Uint32Array);
      const r50k = await build({ ...request, name: "Animals in r50k", parameters: {} });
      expect(r50k.artifactHash).not.toBe(a.artifactHash);
      const [meta] = await database.db.select().from(t.contents).where(eq(t.contents.hash, a.metadataHash!));
      expect(modelMetadataSchema.parse(JSON.parse(new TextDecoder().decode(meta.body))).parameters).toMatchObject({ tokenizer: "o200k_base" });
    });

    it("builds a kNN classifier with accuracy and per-class F1 on the held-out split", async () => {
      const done = await build({ kind: "knn", name: "Noun classifier", datanets: [{ id: Number(datanet.labelled), version: 1 }], parameters: { k: 5 } });
      expect(done.error).toBeNull();
      const evaluation = done.evaluation as { accuracy: number; macroF1: number; perClass: { label: string }[] };
      expect(evaluation.accuracy).toBeGreaterThan(0.34); // three balanced classes: better than chance
      expect(evaluation.perClass.map((c) => c.label)).toEqual(["animal", "food", "plant"]);
      expect(loadArtifact(getArtifact(done.artifactHash!, artifactDir)!).format).toBe("knn");
    });

    it("refuses a bad request with a clear error and writes nothing", async () => {
      const before = (await database.db.select({ n: count() }).from(t.modelBuilds))[0].n;
      const attempts: [BuildRequestInput, number, RegExp][] = [
        [{ kind: "infinigram", name: "x1x", datanets: [{ id: 999, version: 1 }] }, 404, /Datanet 999 was not found/],
        [{ kind: "infinigram", name: "x2x", datanets: [{ id: Number(datanet.text), version: 2 }] }, 404, /has no version 2/],
        [{ kind: "knn", name: "x3x", datanets: [{ id: Number(datanet.text), version: 1 }] }, 422, /label/],
      ];
      for (const [input, status, message] of attempts) {
        const err = await createBuild(database.db, buildRequestSchema.parse(input), runner)
          .then(() => runner.idle())
          .then(async () => (await database.db.select().from(t.modelBuilds).where(eq(t.modelBuilds.status, "failed"))).at(-1)?.error)
          .catch((e: unknown) => e);
        if (err instanceof FactoryError) {
          expect(err.status).toBe(status);
          expect(err.message).toMatch(message);
        } else {
          // A kNN build over unlabelled text is only found out while building: it fails with the reason.
          expect(status).toBe(422);
          expect(String(err)).toMatch(message);
        }
      }
      const after = (await database.db.select({ n: count() }).from(t.modelBuilds))[0].n;
      expect(Number(after) - Number(before)).toBe(1); // only the kNN-over-text build, marked failed
      expect(buildRequestSchema.safeParse({ kind: "infinigram", name: "ok name", datanets: [] }).success).toBe(false);
      expect(buildRequestSchema.safeParse({ kind: "gpt", name: "ok name", datanets: [{ id: 1, version: 1 }] }).success).toBe(false);
    });

    it("queues a build that a crashed process left running and finishes it on restart", async () => {
      const row = await createBuild(database.db, buildRequestSchema.parse({ kind: "infinigram", name: "Interrupted", datanets: [{ id: Number(datanet.text), version: 1 }] }));
      await database.db.update(t.modelBuilds).set({ status: "running", phase: "indexing", progress: 0.4, attempts: 1 }).where(eq(t.modelBuilds.id, row.id));
      const restarted = new BuildRunner({ db: database.db, artifactDir });
      await restarted.start();
      await restarted.idle();
      const done = (await getBuild(database.db, row.id))!;
      expect(done.status).toBe("succeeded");
      expect(done.attempts).toBe(2);
      await restarted.stop();
    });

    it("keeps an external endpoint's API key only encrypted, out of the request and the card, for the model its builder registers", async () => {
      const input = {
        kind: "external" as const,
        name: "Keyed hosted model",
        builder: owner.address.toLowerCase(),
        datanets: [{ id: Number(datanet.text), version: 1 }],
        parameters: { baseUrl: "https://api.example.com/v1", model: "m-1", apiKey: "sk-live-do-not-leak-0123456789" },
      };
      const saved = process.env.ENDPOINT_KEY_SECRET;
      delete process.env.ENDPOINT_KEY_SECRET;
      const before = (await database.db.select({ n: count() }).from(t.modelBuilds))[0].n;
      // Without a secret to encrypt it with, the key is refused and nothing is written.
      await expect(createBuild(database.db, buildRequestSchema.parse(input), runner)).rejects.toThrow(/ENDPOINT_KEY_SECRET/);
      expect((await database.db.select({ n: count() }).from(t.modelBuilds))[0].n).toBe(before);
      process.env.ENDPOINT_KEY_SECRET = "a-test-secret-of-at-least-32-characters!";
      try {
        const done = await build(input);
        expect(done.status).toBe("succeeded");
        const everything = JSON.stringify([done, await describeBuilds(database.db, [done])]);
        expect(everything).not.toContain("sk-live");
        const card = await database.db.select().from(t.contents).where(eq(t.contents.hash, done.metadataHash!));
        expect(Buffer.from(card[0].body).toString()).not.toContain("sk-live");
        const [stored] = await database.db.select().from(t.endpointKeys).where(eq(t.endpointKeys.buildId, done.id));
        expect(stored.ciphertext).not.toContain("sk-live");

        const registration = (await describeBuilds(database.db, [done]))[0].registration!;
        const register = async (from: ReturnType<typeof devAccount>) =>
          Number((await registerModel({ wallet: wallet(from), publicClient: client, deployment: d, registration, price: parseUnits("0.1", 18), builderBps: 1000 })).modelId);
        const mine = await register(owner);
        // The registration arguments are public: anyone may register them, but not use the builder's key.
        const copied = await register(alice);
        await index();
        expect(await endpointKeyFor(database.db, mine)).toBe("sk-live-do-not-leak-0123456789");
        expect(await endpointKeyFor(database.db, copied)).toBeNull();
        // A ciphertext moved to another build does not decrypt.
        expect(() => decryptEndpointKey(process.env.ENDPOINT_KEY_SECRET!, "another-build", stored.ciphertext)).toThrow();
      } finally {
        if (saved === undefined) delete process.env.ENDPOINT_KEY_SECRET;
        else process.env.ENDPOINT_KEY_SECRET = saved;
      }
    });

    it("registers a build on-chain, links it to the indexed model, and verifies a settled inference", async () => {
      const done = await build({ kind: "infinigram", name: "Registered ∞-gram", datanets: [{ id: Number(datanet.text), version: 1 }], parameters: { maxTokens: 24 } });
      const { modelId } = await registerModel({
        wallet: wallet(owner),
        publicClient: client,
        deployment: d,
        registration: (await describeBuilds(database.db, [done]))[0].registration!,
        price: parseUnits("0.5", 18),
        builderBps: 2000,
      });
      expect(registrationOf(done, 1n, 1)[2]).toBe(done.artifactHash);
      await index();
      const [view] = await describeBuilds(database.db, [done]);
      expect(view.modelId).toBe(Number(modelId));
      const [model] = await database.db.select().from(t.models).where(eq(t.models.id, Number(modelId)));
      expect(model.evaluation).toEqual(done.evaluation);
      expect(model.artifactHash).toBe(done.artifactHash);

      // A user pays; the operator runs the model from the artifact and settles with the record's hash.
      const prompt = "a large";
      const params = { seed: 7, maxTokens: 24, temperature: 0.8, topK: 40, maxSupport: 1000 };
      const requestHash = sha256Of(new TextEncoder().encode(`${prompt}|${Date.now()}`)) as Hex;
      const paid = await send(await wallet(user).writeContract({ address: d.inferenceMarket, abi: inferenceMarketAbi, functionName: "pay", args: [modelId, requestHash, maxUint256] }));
      expect(paid.status).toBe("success");
      const requestId = await client.readContract({ address: d.inferenceMarket, abi: inferenceMarketAbi, functionName: "requestCount" });
      const artifact = loadArtifact(getArtifact(done.artifactHash!, artifactDir)!);
      const served = runAttribution({ kind: "infinigram", model: artifact, modelId: Number(modelId), artifactHash: done.artifactHash as Hex, requestId, prompt, params });
      expect(served.output.length).toBeGreaterThan(0);
      expect(served.record.entries.reduce((s, e) => s + e.weightPpm, 0)).toBe(1_000_000);
      await database.db.insert(t.inferenceResults).values({
        requestHash,
        prompt,
        output: served.output,
        params,
        attributionMethod: served.record.method,
        attributionRecord: encodeRecord(served.record),
      });
      await send(
        await wallet(operator).writeContract({
          address: d.inferenceMarket,
          abi: inferenceMarketAbi,
          functionName: "settle",
          args: [requestId, requestHash, outputHash(served.output), attributionHash(served.record)],
        }),
      );
      await index();
      const chain = { publicClient: client, market: d.inferenceMarket, artifactDir };
      const report = (await verifyInference(database.db, Number(requestId), chain))!;
      expect(report.checks.filter((c) => !c.ok)).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.recomputedHash).toBe(attributionHash(served.record));
      // The pool splits to the wei over the record's entries.
      const pool = (await database.db.select().from(t.inferences).where(eq(t.inferences.requestId, Number(requestId))))[0].contributorPool!;
      expect(splitPool(served.record, pool).reduce((s, e) => s + e.amount, 0n)).toBe(pool);

      // A tampered stored record (one ppm moved) no longer verifies.
      const tampered = structuredClone(served.record);
      if (tampered.entries.length > 1) {
        tampered.entries[0].weightPpm += 1;
        tampered.entries[1].weightPpm -= 1;
      } else tampered.requestId = "0";
      await database.db.update(t.inferenceResults).set({ attributionRecord: encodeRecord(tampered) }).where(eq(t.inferenceResults.requestHash, requestHash));
      const bad = (await verifyInference(database.db, Number(requestId), chain))!;
      expect(bad.ok).toBe(false);
      expect(bad.checks.find((c) => c.name === "record")?.ok).toBe(false);
      expect(bad.checks.find((c) => c.name === "record on-chain")?.ok).toBe(true);
    });
  });
}
