/**
 * Per-token pricing through the real paid routes (issue 16): a model with token rates asks, in its 402, for the
 * ceiling (the quote at max_tokens); the official x402 `exact` client signs it; the server serves, counts the tokens
 * with the models' tokenizer, settles the charge on-chain (Fee = T_in·R_in + T_out·R_out + F) and the market returns
 * the rest to the payer. Real anvil, real PGlite (and Postgres with TEST_DATABASE_URL), models built by the Model
 * Factory (lib/inference/testing/market.ts), `POST /api/models/{id}/inference` and `POST /v1/chat/completions`
 * (the `openai` client, plain and streaming) called through their route handlers. No mocks.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keccak256, parseEventLogs, toHex, type Hex } from "viem";
import { decodePaymentRequiredHeader } from "@x402/core/http";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { toClientEvmSigner } from "@x402/evm";
import { BatchSettlementEvmScheme as BatchClient } from "@x402/evm/batch-settlement/client";
import { eq } from "drizzle-orm";
import * as t from "@/db/schema";
import * as modelInference from "@/app/api/models/[id]/inference/route";
import { inferenceMarketAbi, modelRegistryAbi } from "@/contracts-abi";
import { testDatabaseKinds } from "@/db/testing";
import { encode, encodeWith, loadTokenizer } from "@/lib/attribution/tokenizer";
import { findJob } from "./jobs";
import { inferenceSpans } from "./spans";
import { verifyInference } from "./verify";
import { ModelCatalog } from "./models";
import { charge, quote, type TokenRates } from "./pricing";
import { recoverPendingInferences } from "./recovery";
import { serveInference, SettlementPending, type PaidRequest, type ServeContext } from "./serve";
import { appFetchFor, BASE, exactPayer, NETWORK, postInference } from "./testing/paying-client";
import { account, perTokenModel, ratesOf as ratesOfModel, ROLES, serveRoutesFrom, setupMarket, type Market, type Wallet } from "./testing/market";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Handler = (request: Request, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;

const INPUT_RATE = 10n ** 12n;
const OUTPUT_RATE = 5n * 10n ** 12n;

let m: Market;
let unserve: (() => void) | undefined;

const appFetch = appFetchFor();
const payer = (user: number) => exactPayer(m, appFetch, user);
const post = postInference;

const ratesOf = (modelId: number): Promise<TokenRates> => ratesOfModel(m, modelId);

/** The settle transaction's InferenceSettled price and UnusedCeilingReturned amounts. */
async function settledOnChain(tx: Hex) {
  const receipt = await m.client.getTransactionReceipt({ hash: tx });
  const [settled] = parseEventLogs({ abi: inferenceMarketAbi, logs: receipt.logs, eventName: "InferenceSettled" });
  const returned = parseEventLogs({ abi: inferenceMarketAbi, logs: receipt.logs, eventName: "UnusedCeilingReturned" }).map((e) => e.args);
  return { price: settled.args.price, returned, gasUsed: receipt.gasUsed };
}

/** `user` pays `pay(modelId, requestHash, ceiling)` with their own transaction (a per-token model escrows the ceiling). */
async function payCeiling(user: number, modelId: number, prompt: string, ceiling: bigint): Promise<PaidRequest> {
  const w = m.wallets.get(user)!;
  const requestHash = keccak256(toHex(`${modelId}|${prompt}|${Math.random()}`));
  const hash = await w.writeContract({ address: m.d.inferenceMarket, abi: inferenceMarketAbi, functionName: "pay", args: [BigInt(modelId), requestHash, ceiling] });
  const receipt = await m.client.waitForTransactionReceipt({ hash });
  const [ev] = parseEventLogs({ abi: inferenceMarketAbi, logs: receipt.logs, eventName: "InferencePaid" });
  expect(ev.args.price).toBe(ceiling);
  return { requestId: ev.args.requestId, requestHash, modelId, payer: w.account.address, prompt, params: {}, via: "transaction", paidTx: hash };
}

async function surplus() {
  return m.client.readContract({ address: m.d.inferenceMarket, abi: inferenceMarketAbi, functionName: "surplus" });
}

for (const { kind, available } of testDatabaseKinds) {
  describe.skipIf(!available)(`per-token pricing on ${kind}`, () => {
    beforeAll(async () => {
      m = await setupMarket(kind);
      unserve = serveRoutesFrom(m);
      const builder = m.wallets.get(ROLES.owner)!;
      for (const id of [m.models.gramA, m.models.knn]) {
        const hash = await builder.writeContract({ address: m.d.modelRegistry, abi: modelRegistryAbi, functionName: "setTokenRates", args: [BigInt(id), INPUT_RATE, OUTPUT_RATE] });
        expect((await m.client.waitForTransactionReceipt({ hash })).status).toBe("success");
      }
    }, 180_000);
    afterAll(async () => {
      unserve?.();
      await m?.close();
    });

    const cases = [
      // kNN answers with a short label: its ceiling is priced at the default 256 answer tokens, most of it returns.
      { name: "a short answer (kNN label)", model: () => m.models.knn, prompt: "a small bird that sings", params: {}, maxTokens: 256, user: ROLES.users[0] },
      // ∞-gram generates up to max_tokens: charged close to the ceiling.
      { name: "a long answer (∞-gram, max_tokens 24)", model: () => m.models.gramA, prompt: "The domestic cat is", params: { maxTokens: 24 }, maxTokens: 24, user: ROLES.users[1] },
    ];
    for (const c of cases) {
      it(`${c.name}: the 402 asks for the ceiling, the charge is T_in·R_in + T_out·R_out + F, the payer keeps the rest to the wei`, async () => {
        const modelId = c.model();
        const rates = await ratesOf(modelId);
        const promptTokens = encode(c.prompt).length;
        const ceiling = quote(rates, promptTokens, c.maxTokens);

        const unpaid = await post(appFetch, modelId, c.prompt, c.params);
        expect(unpaid.status).toBe(402);
        const offer = decodePaymentRequiredHeader(unpaid.headers.get("PAYMENT-REQUIRED")!);
        expect(offer.accepts.find((a) => a.scheme === "exact")!.amount).toBe(ceiling.toString());

        const before = await m.balance(c.user);
        const surplusBefore = await surplus();
        const res = await post(payer(c.user), modelId, c.prompt, c.params);
        const body = (await res.json()) as Json;
        expect(res.status, JSON.stringify(body)).toBe(200);

        const completionTokens = encode(body.output as string).length;
        expect(body.usage).toEqual({ prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens });
        const formula = BigInt(promptTokens) * INPUT_RATE + BigInt(completionTokens) * OUTPUT_RATE + rates.fee;
        expect(charge(rates, promptTokens, completionTokens)).toBe(formula);
        const charged = formula < ceiling ? formula : ceiling;
        expect(body.cost).toEqual({ charged: charged.toString(), ceiling: ceiling.toString(), returned: (ceiling - charged).toString() });
        expect(body.price).toBe(charged.toString());
        const split = body.split as Record<string, string>;
        expect(Object.values(split).reduce((s, v) => s + BigInt(v), 0n)).toBe(charged);

        // On-chain: the settle charged exactly this and sent the rest back; the payer is down by the charge alone.
        const onchain = await settledOnChain(body.settleTx as Hex);
        expect(onchain.price).toBe(charged);
        const returned = ceiling - charged;
        if (returned > 0n) expect(onchain.returned.map((r) => r.amount)).toEqual([returned]);
        expect(before - (await m.balance(c.user))).toBe(charged);
        expect(await surplus()).toBe(surplusBefore);
        if (c.model() === m.models.knn) expect(returned).toBeGreaterThan(0n);

        // The index: the inference's price is what was charged; its ledger holds the escrowed ceiling, to the wei —
        // the split of the charge plus the returned rest.
        await m.index();
        const [indexed] = await m.ctx.db.select().from(t.inferences).where(eq(t.inferences.requestId, Number(body.requestId)));
        expect(indexed.price).toBe(charged);
        const ledger = await m.ctx.db.select().from(t.ledgerEntries).where(eq(t.ledgerEntries.requestId, indexed.requestId));
        expect(ledger.reduce((s, l) => s + l.amount, 0n)).toBe(ceiling);
        expect(ledger.filter((l) => l.role === "refund").map((l) => l.amount)).toEqual(returned > 0n ? [returned] : []);
      }, 120_000);
    }

    it("a model built with o200k_base counts its tokens with o200k_base (issue 17): the 402's ceiling, the usage and the charge", async () => {
      await loadTokenizer("o200k_base");
      const { modelId, rates } = await perTokenModel(m, { name: "Animal ∞-gram in o200k", tokenizer: "o200k_base", maxTokens: 16, inputRate: INPUT_RATE, outputRate: OUTPUT_RATE });
      // Text that o200k_base and r50k_base count differently.
      const prompt = "Der Straßenbahnfahrer grüßt die Fahrgäste: 東京の地下鉄. The domestic cat is";
      const promptTokens = encodeWith("o200k_base", prompt).length;
      expect(promptTokens).toBeLessThan(encode(prompt).length);
      const ceiling = quote(rates, promptTokens, 16);
      const unpaid = await post(appFetch, modelId, prompt, { maxTokens: 16 });
      expect(unpaid.status).toBe(402);
      expect(decodePaymentRequiredHeader(unpaid.headers.get("PAYMENT-REQUIRED")!).accepts.find((a) => a.scheme === "exact")!.amount).toBe(ceiling.toString());

      const res = await post(payer(ROLES.users[2]), modelId, prompt, { maxTokens: 16 });
      const body = (await res.json()) as Json;
      expect(res.status, JSON.stringify(body)).toBe(200);
      const output = body.output as string;
      expect(output.length).toBeGreaterThan(0);
      expect(output).not.toContain("\uFFFD");
      const completionTokens = encodeWith("o200k_base", output).length;
      expect(completionTokens).toBeLessThanOrEqual(16);
      expect(body.usage).toEqual({ prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens });
      const formula = charge(rates, promptTokens, completionTokens);
      const charged = formula < ceiling ? formula : ceiling;
      expect(body.cost).toEqual({ charged: charged.toString(), ceiling: ceiling.toString(), returned: (ceiling - charged).toString() });
      expect((await settledOnChain(body.settleTx as Hex)).price).toBe(charged);
      // Anyone recomputes it from the artifact (which names its tokenizer), and the answer's spans fall on its text.
      await m.index();
      const report = await verifyInference(m.ctx.db, Number(body.requestId), { publicClient: m.client, market: m.d.inferenceMarket, artifactDir: m.artifactDir });
      expect(report?.checks.filter((c) => !c.ok)).toEqual([]);
      expect(report?.ok).toBe(true);
      const spans = (await inferenceSpans(m.ctx.db, Number(body.requestId), { artifactDir: m.artifactDir }))!;
      expect(spans.length).toBeGreaterThan(0);
      for (const sp of spans) {
        expect(sp.start).toBeLessThan(sp.end);
        expect(sp.end).toBeLessThanOrEqual(output.length);
      }
    }, 180_000);

    it("a replayed payment is refused: served and charged once, the unused ceiling returned once", async () => {
      const user = ROLES.users[2];
      let signature: string | null = null;
      const recording: typeof fetch = async (input, init) => {
        const request = new Request(input as RequestInfo, init);
        signature = request.headers.get("PAYMENT-SIGNATURE") ?? signature;
        return appFetch(request);
      };
      const before = await m.balance(user);
      const first = await post(exactPayer(m, recording, user), m.models.knn, "a sweet yellow fruit");
      const body = (await first.json()) as Json;
      expect(first.status).toBe(200);
      expect(BigInt(body.cost.returned)).toBeGreaterThan(0n);
      expect(before - (await m.balance(user))).toBe(BigInt(body.cost.charged));
      expect(signature).toBeTruthy();

      const replay = await appFetch(`${BASE}/api/models/${m.models.knn}/inference`, {
        method: "POST",
        headers: { "content-type": "application/json", "PAYMENT-SIGNATURE": signature! },
        body: JSON.stringify({ prompt: "a sweet yellow fruit", params: {} }),
      });
      // The authorization's nonce is used on-chain: refused before anything is sent, nothing served or moved.
      expect(replay.status).toBe(402);
      expect(JSON.stringify(await replay.json())).toContain("authorization_used");
      expect(before - (await m.balance(user))).toBe(BigInt(body.cost.charged));
    }, 120_000);

    it("a crash between the stored answer and its settle: recovery settles the per-token charge and returns the rest", async () => {
      const user = ROLES.users[0];
      const rates = await ratesOf(m.models.knn);
      const prompt = "a large wild cat";
      const ceiling = quote(rates, encode(prompt).length, 256);
      const before = await m.balance(user);
      const paid = await payCeiling(user, m.models.knn, prompt, ceiling);
      const base = m.operator;
      const noSettle: ServeContext = {
        ...m.ctx,
        operator: {
          ...base,
          writeContract: async (args: Parameters<Wallet["writeContract"]>[0]) => {
            if (args.functionName === "settle") throw new Error("process killed");
            return base.writeContract(args);
          },
        } as Wallet,
      };
      expect(await serveInference(noSettle, paid).catch((e: unknown) => e)).toBeInstanceOf(SettlementPending);
      expect(before - (await m.balance(user))).toBe(ceiling);

      const restarted: ServeContext = { ...m.ctx, models: new ModelCatalog({ db: m.ctx.db, artifactDir: m.artifactDir }) };
      const report = await recoverPendingInferences(restarted, { staleAfterMs: 0, abandonedAfterMs: 0 });
      expect(report).toMatchObject({ settled: 1, pending: 0 });
      const job = (await findJob(m.ctx.db, paid.requestHash))!;
      expect(job.status).toBe("settled");
      const charged = charge(rates, encode(prompt).length, encode(job.output!).length);
      expect(job.price).toBe(charged);
      expect(job.split?.ceiling).toBe(ceiling.toString());
      const onchain = await settledOnChain(job.settleTx as Hex);
      expect(onchain.price).toBe(charged);
      expect(onchain.returned.map((r) => r.amount)).toEqual([ceiling - charged]);
      expect(before - (await m.balance(user))).toBe(charged);
    }, 120_000);

    it("a rate raised after the payment does not reach it: the request is charged at the rates it was paid under", async () => {
      const user = ROLES.users[2];
      // kNN answers with a short label: far below its ceiling, so a tripled rate would show in the charge.
      const model = m.models.knn;
      const rates = await ratesOf(model);
      const prompt = "a small striped wild cat";
      const ceiling = quote(rates, encode(prompt).length, 256);
      const before = await m.balance(user);
      const paid = await payCeiling(user, model, prompt, ceiling);
      // The builder triples both rates once the request is paid (front-running the settle).
      const builder = m.wallets.get(ROLES.owner)!;
      const setRates = async (input: bigint, output: bigint) => {
        const hash = await builder.writeContract({ address: m.d.modelRegistry, abi: modelRegistryAbi, functionName: "setTokenRates", args: [BigInt(model), input, output] });
        expect((await m.client.waitForTransactionReceipt({ hash })).status).toBe("success");
      };
      await setRates(3n * INPUT_RATE, 3n * OUTPUT_RATE);
      try {
        const served = await serveInference(m.ctx, paid);
        const charged = charge(rates, encode(prompt).length, encode(served.output).length);
        const tripled = charge({ ...rates, inputRate: 3n * INPUT_RATE, outputRate: 3n * OUTPUT_RATE }, encode(prompt).length, encode(served.output).length);
        expect(tripled).toBeLessThan(ceiling);
        expect(served.price).toBe(charged);
        expect(before - (await m.balance(user))).toBe(charged);
      } finally {
        await setRates(INPUT_RATE, OUTPUT_RATE);
      }
    }, 120_000);

    it("the quote follows the rates from their block on (pricing is read once per block), and an unknown model is a 404", async () => {
      const model = m.models.knn;
      const prompt = "a small striped wild cat";
      const offered = async () => {
        const res = await post(appFetch, model, prompt, {});
        expect(res.status).toBe(402);
        return BigInt(decodePaymentRequiredHeader(res.headers.get("PAYMENT-REQUIRED")!).accepts.find((a) => a.scheme === "exact")!.amount);
      };
      const rates = await ratesOf(model);
      const ceiling = quote(rates, encode(prompt).length, 256);
      // Two quotes in one block: the same ceiling (the second from the per-block read).
      expect(await offered()).toBe(ceiling);
      expect(await offered()).toBe(ceiling);
      const builder = m.wallets.get(ROLES.owner)!;
      const setRates = async (input: bigint, output: bigint) => {
        const hash = await builder.writeContract({ address: m.d.modelRegistry, abi: modelRegistryAbi, functionName: "setTokenRates", args: [BigInt(model), input, output] });
        expect((await m.client.waitForTransactionReceipt({ hash })).status).toBe("success");
      };
      await setRates(2n * INPUT_RATE, 2n * OUTPUT_RATE);
      try {
        // The very next quote, with no wait: the new block's rates.
        expect(await offered()).toBe(quote({ ...rates, inputRate: 2n * INPUT_RATE, outputRate: 2n * OUTPUT_RATE }, encode(prompt).length, 256));
      } finally {
        await setRates(INPUT_RATE, OUTPUT_RATE);
      }
      expect(await offered()).toBe(ceiling);
      const unknown = await post(appFetch, 9_999, prompt, {});
      expect(unknown.status).toBe(404);
      expect(((await unknown.json()) as Json).error).toMatch(/Model 9999 was not found/);
    }, 120_000);

    it("batch-settlement: the voucher signs the ceiling, the channel is charged the tokens used", async () => {
      const user = ROLES.users[1];
      const scheme = new BatchClient(toClientEvmSigner(account(user) as never, m.client as never));
      const client = new x402Client().register(NETWORK, scheme);
      client.setSpendControls({ allowedAssets: [{ network: NETWORK, asset: m.d.token }] });
      // The batch-settlement offer only (the exact client is not registered): its amount is the ceiling.
      const pay = wrapFetchWithPayment(appFetch, client);
      const rates = await ratesOf(m.models.knn);
      const prompt = "a tall tree with needles";
      const promptTokens = encode(prompt).length;
      const ceiling = quote(rates, promptTokens, 256);
      const unpaid = await post(appFetch, m.models.knn, prompt);
      const offer = decodePaymentRequiredHeader(unpaid.headers.get("PAYMENT-REQUIRED")!);
      expect(offer.accepts.find((a) => a.scheme === "batch-settlement")!.amount).toBe(ceiling.toString());

      const res = await post(pay, m.models.knn, prompt);
      const body = (await res.json()) as Json;
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body.settlement).toBe("pending");
      const charged = charge(rates, promptTokens, encode(body.output as string).length);
      expect(charged).toBeLessThan(ceiling);
      expect(body.cost).toEqual({ charged: charged.toString(), ceiling: ceiling.toString(), returned: (ceiling - charged).toString() });
      const [row] = await m.ctx.db.select().from(t.batchCharges).where(eq(t.batchCharges.requestHash, body.requestHash as string));
      expect(row.charged).toBe(charged);
    }, 120_000);

    it("a flat-price model reports cost with nothing returned", async () => {
      const rates = await ratesOf(m.models.gramB);
      expect([rates.inputRate, rates.outputRate]).toEqual([0n, 0n]);
      const quoteOf = async (id: number) =>
        (await (await (modelInference.GET as Handler)(new Request(`${BASE}/api/models/${id}/inference`), { params: Promise.resolve({ id: String(id) }) })).json()) as Json;
      expect(await quoteOf(m.models.gramB)).toMatchObject({ price: rates.fee.toString(), inputRate: "0", outputRate: "0" });
      expect(await quoteOf(m.models.knn)).toMatchObject({ inputRate: INPUT_RATE.toString(), outputRate: OUTPUT_RATE.toString() });
      const res = await post(payer(ROLES.users[0]), m.models.gramB, "a large", { maxTokens: 6 });
      const body = (await res.json()) as Json;
      expect(res.status).toBe(200);
      expect(body.cost).toEqual({ charged: rates.fee.toString(), ceiling: rates.fee.toString(), returned: "0" });
      expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
    }, 120_000);

    it("the openai client gets usage and cost, plain and in the stream's final chunk", async () => {
      const openai = new OpenAI({ baseURL: `${BASE}/v1`, apiKey: "unused", maxRetries: 0, fetch: payer(ROLES.users[1]) });
      const rates = await ratesOf(m.models.gramA);
      const prompt = "A dog is";
      const promptTokens = encode(prompt).length;
      const ceiling = quote(rates, promptTokens, 10);

      const completion = (await openai.chat.completions.create({ model: `model-${m.models.gramA}`, messages: [{ role: "user", content: prompt }], max_tokens: 10 })) as unknown as Json;
      const completionTokens = encode(completion.choices[0].message.content).length;
      expect(completion.usage).toEqual({ prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens });
      const charged = [charge(rates, promptTokens, completionTokens), ceiling].reduce((a, b) => (a < b ? a : b));
      expect(completion.cost).toEqual({ charged: charged.toString(), ceiling: ceiling.toString(), returned: (ceiling - charged).toString() });
      expect(completion.ledgerline.cost).toBe(charged.toString());

      const stream = await openai.chat.completions.create({ model: `model-${m.models.gramA}`, messages: [{ role: "user", content: prompt }], max_tokens: 10, stream: true });
      let text = "";
      let final: Json | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? "";
        if ((chunk as unknown as Json).cost) final = chunk as unknown as Json;
      }
      const streamedTokens = encode(text).length;
      expect(final?.usage).toEqual({ prompt_tokens: promptTokens, completion_tokens: streamedTokens, total_tokens: promptTokens + streamedTokens });
      const streamedCharge = [charge(rates, promptTokens, streamedTokens), ceiling].reduce((a, b) => (a < b ? a : b));
      expect(final?.cost).toEqual({ charged: streamedCharge.toString(), ceiling: ceiling.toString(), returned: (ceiling - streamedCharge).toString() });
      expect((await m.client.getTransactionReceipt({ hash: final!.ledgerline.settle_tx as Hex })).status).toBe("success");
    }, 120_000);
  });
}
