/**
 * Attacks on per-token prices across tokenizers (issue 17), through the real paid route (real anvil, real PGlite, the
 * official x402 `exact` client; models built by the Model Factory):
 * - a payer who wants to pay less: the prompt limit and the 402's ceiling are counted before payment in the model's
 *   card tokenizer, but a card that names a tokenizer counting fewer tokens than the artifact's (whitespace: r50k_base
 *   counts one token per space, o200k_base one per 128) must not lower the ceiling below the charge or let a prompt
 *   over the limit through: the artifact's count decides, before anything is signed;
 * - the limit is the model's own tokenizer's: an o200k_base model takes a prompt of exactly the limit in o200k_base
 *   (three times that in r50k_base) and refuses one token more, before payment.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEventLogs, type Hex } from "viem";
import { decodePaymentRequiredHeader } from "@x402/core/http";
import { count, eq } from "drizzle-orm";
import * as t from "@/db/schema";
import { inferenceMarketAbi } from "@/contracts-abi";
import { testDatabaseKinds } from "@/db/testing";
import { encode, encodeWith, loadTokenizer } from "@/lib/attribution/tokenizer";
import { serverConfig } from "@/lib/config";
import { cardTokenizer } from "./model-tokenizer";
import { charge, quote } from "./pricing";
import { appFetchFor, BASE, exactPayer, postInference as post } from "./testing/paying-client";
import { perTokenModel as perTokenModelOf, ROLES, serveRoutesFrom, setupMarket, type Market } from "./testing/market";
import type { TokenizerName } from "@/lib/attribution/tokenizer-names";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const INPUT_RATE = 10n ** 12n;
const OUTPUT_RATE = 5n * 10n ** 12n;
const MAX_TOKENS = 16;

let m: Market;
let unserve: (() => void) | undefined;
const appFetch = appFetchFor();

const perTokenModel = (tokenizer: TokenizerName, name: string) => perTokenModelOf(m, { name, tokenizer, maxTokens: MAX_TOKENS, inputRate: INPUT_RATE, outputRate: OUTPUT_RATE });

const offered = (res: Response) => BigInt(decodePaymentRequiredHeader(res.headers.get("PAYMENT-REQUIRED")!).accepts.find((a) => a.scheme === "exact")!.amount);
const jobs = async () => Number((await m.ctx.db.select({ n: count() }).from(t.inferenceJobs))[0].n);

for (const { kind, available } of testDatabaseKinds) {
  describe.skipIf(!available)(`per-token prices across tokenizers, attacked, on ${kind}`, () => {
    beforeAll(async () => {
      await loadTokenizer("o200k_base");
      m = await setupMarket(kind);
      unserve = serveRoutesFrom(m);
    }, 180_000);
    afterAll(async () => {
      unserve?.();
      await m?.close();
    });

    it("a card naming a tokenizer that counts fewer tokens than the artifact's lowers neither the ceiling nor the prompt limit", async () => {
      const { modelId, rates } = await perTokenModel("r50k_base", "Animal ∞-gram, card says o200k");
      // The card lies (as a card edited or indexed from elsewhere could): it names o200k_base for an r50k_base artifact.
      const [row] = await m.ctx.db.select({ parameters: t.models.parameters }).from(t.models).where(eq(t.models.id, modelId));
      await m.ctx.db.update(t.models).set({ parameters: { ...(row.parameters as object), tokenizer: "o200k_base" } }).where(eq(t.models.id, modelId));
      expect((await cardTokenizer(m.ctx.db, modelId)).name).toBe("o200k_base");
      const limit = serverConfig().maxPromptTokens;

      // Whitespace: 1,500 tokens in the artifact's r50k_base, a few dozen in the card's o200k_base.
      const prompt = `${" ".repeat(1_500)}The domestic cat is`;
      const promptTokens = encode(prompt).length;
      expect(promptTokens).toBeLessThan(limit);
      expect(encodeWith("o200k_base", prompt).length * 10).toBeLessThan(promptTokens);
      const ceiling = quote(rates, promptTokens, MAX_TOKENS);
      const unpaid = await post(appFetch, modelId, prompt, { maxTokens: MAX_TOKENS });
      expect(unpaid.status).toBe(402);
      expect(offered(unpaid)).toBe(ceiling);

      const user = ROLES.users[0];
      const before = await m.balance(user);
      const res = await post(exactPayer(m, appFetch, user), modelId, prompt, { maxTokens: MAX_TOKENS });
      const body = (await res.json()) as Json;
      expect(res.status, JSON.stringify(body)).toBe(200);
      const completionTokens = encode(body.output as string).length;
      expect(body.usage).toEqual({ prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens });
      const formula = charge(rates, promptTokens, completionTokens);
      expect(formula).toBeLessThanOrEqual(ceiling);
      expect(body.cost).toEqual({ charged: formula.toString(), ceiling: ceiling.toString(), returned: (ceiling - formula).toString() });
      const receipt = await m.client.getTransactionReceipt({ hash: body.settleTx as Hex });
      expect(parseEventLogs({ abi: inferenceMarketAbi, logs: receipt.logs, eventName: "InferenceSettled" })[0].args.price).toBe(formula);
      expect(before - (await m.balance(user))).toBe(formula);

      // Over the limit in the artifact's tokens, far under it in the card's: refused before any offer, nothing taken.
      const over = `${" ".repeat(limit + 10)}The domestic cat is`;
      expect(encodeWith("o200k_base", over).length).toBeLessThan(limit / 10);
      const jobsBefore = await jobs();
      const payerBefore = await m.balance(ROLES.users[1]);
      const refused = await post(exactPayer(m, appFetch, ROLES.users[1]), modelId, over, { maxTokens: MAX_TOKENS });
      const refusal = (await refused.json()) as Json;
      expect(refused.status, JSON.stringify(refusal)).toBe(422);
      expect(refused.headers.get("PAYMENT-REQUIRED")).toBeNull();
      expect(refusal.error).toMatch(new RegExp(`The prompt is ${encode(over).length.toLocaleString("en-US")} tokens; this server takes at most ${limit.toLocaleString("en-US")}\\. Nothing was charged\\.`));
      expect(await m.balance(ROLES.users[1])).toBe(payerBefore);
      expect(await jobs()).toBe(jobsBefore);
    }, 180_000);

    it("an o200k_base model takes a prompt of exactly the limit in its own tokens and refuses one more, before payment", async () => {
      const { modelId, rates } = await perTokenModel("o200k_base", "Animal ∞-gram in o200k, at the limit");
      const limit = serverConfig().maxPromptTokens;
      const atLimit = "漢".repeat(limit);
      expect(encodeWith("o200k_base", atLimit).length).toBe(limit);
      expect(encode(atLimit).length).toBeGreaterThan(2 * limit); // GPT-2's count would refuse it
      const unpaid = await post(appFetch, modelId, atLimit, { maxTokens: MAX_TOKENS });
      expect(unpaid.status).toBe(402);
      expect(offered(unpaid)).toBe(quote(rates, limit, MAX_TOKENS));

      const user = ROLES.users[2];
      const before = await m.balance(user);
      const res = await post(exactPayer(m, appFetch, user), modelId, atLimit, { maxTokens: MAX_TOKENS });
      const body = (await res.json()) as Json;
      expect(res.status, JSON.stringify(body)).toBe(200);
      const completionTokens = encodeWith("o200k_base", body.output as string).length;
      expect(body.usage.prompt_tokens).toBe(limit);
      const charged = charge(rates, limit, completionTokens);
      expect(charged).toBeLessThanOrEqual(quote(rates, limit, MAX_TOKENS));
      expect(body.cost.charged).toBe(charged.toString());
      expect(before - (await m.balance(user))).toBe(charged);

      const jobsBefore = await jobs();
      const payerBefore = await m.balance(ROLES.bob);
      const refused = await post(exactPayer(m, appFetch, ROLES.bob), modelId, `${atLimit}漢`, { maxTokens: MAX_TOKENS });
      expect(refused.status).toBe(422);
      expect(((await refused.json()) as Json).error).toMatch(/Nothing was charged/);
      expect(await m.balance(ROLES.bob)).toBe(payerBefore);
      expect(await jobs()).toBe(jobsBefore);

      // The OpenAI-compatible route takes the same prompt limits: a long CJK message (BPE is quadratic in a word's
      // length, and o200k_base reads a run of CJK as one word: ~4 s for 20,000 characters) is refused by its length
      // before it is tokenized, as POST /api/models/{id}/inference refuses it.
      const chat = await appFetch(`${BASE}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: `model-${modelId}`, messages: [{ role: "user", content: "漢".repeat(20_000) }], max_tokens: MAX_TOKENS }),
      });
      const chatBody = (await chat.json()) as Json;
      expect(chat.status, JSON.stringify(chatBody)).toBeGreaterThanOrEqual(400);
      expect(chat.status).toBeLessThan(500);
      expect(chat.headers.get("PAYMENT-REQUIRED")).toBeNull();
      expect(JSON.stringify(chatBody)).toMatch(/at most 8,000 characters/);
      expect(await jobs()).toBe(jobsBefore);
    }, 180_000);
  });
}
