/**
 * One paid inference over HTTP, shared by `POST /api/models/{id}/inference` and `POST /v1/chat/completions`:
 * quote the on-chain price, take the payment (an x402 authorization, or the wallet's own `pay`
 * transaction), serve exactly once, settle. Anything refused before payment moves no funds.
 */
import { questionTerms } from "@/lib/attribution/rag";
import { formatUnits, type Hex } from "viem";
import { limit, limitRequest } from "@/lib/api/rate-limit";
import {
  isDeferredScheme,
  MAX_PROMPT_CHARS,
  paymentErrorResponse,
  paymentHeaderOf,
  paymentRequiredResponse,
  paymentSchemeFor,
  PaymentError,
  x402Offer,
  X402_CORS_HEADERS,
  type InferenceParams,
  type DeferredPaymentScheme,
  type PaymentAttempt,
  type PaymentChain,
  type PaymentQuote,
  type PaymentRequired,
  type PaymentVia,
} from "@/lib/payments";
import { getDb } from "@/db/client";
import { modelTokenizer } from "@/lib/attribution/run";
import type { Tokenizer } from "@/lib/attribution/tokenizer";
import { cardTokenizer } from "./model-tokenizer";
import { serverConfig } from "@/lib/config";
import { AppError } from "@/lib/errors";
import { minimumPrices } from "@/lib/payments/minimum-price";
import { awaitFinality } from "@/lib/chain/finality";
import { errorMessage, log } from "@/lib/ops/log";
import { paidRequests } from "@/lib/ops/metrics";
import { serveContext } from "./runtime";
import { serveBatched } from "./batch";
import { InvalidParams } from "./params";
import { serveInference, type ServeContext, type ServedInference, type ServeHooks } from "./serve";
import { charge, costJson, isPerToken, quote as quoteCeiling, settledCost, type TokenRates } from "./pricing";
import { modelPricing } from "./model-pricing";
import { pricedAnswerTokens } from "./estimate";
import { installNativeCrypto } from "@/lib/chain/native-crypto";

// This module graph's keccak and signature recovery run natively (Next gives the routes their own copy of noble).
void installNativeCrypto();

export interface PaidInferenceInput {
  modelId: number;
  prompt: string;
  params: InferenceParams;
  /** The wallet paid with its own `pay` transaction; its request hash used this nonce. */
  payment?: { txHash: Hex; nonce: Hex };
  /** Absolute URL of the paid resource (x402 `resource`). */
  resource: string;
}

export interface PaidHooks extends ServeHooks {
  /** The payment is in escrow on-chain (the x402 authorization was submitted and mined, or the wallet's `pay` checked); serving starts. */
  onPaid?: (paid: { requestId: bigint; payer: Hex; txHash: Hex; via: PaymentVia }) => void;
}

export type PaidOutcome =
  | { kind: "response"; response: Response }
  | { kind: "served"; served: ServedInference; payer: Hex; paymentTx: Hex; via: PaymentVia; headers: Record<string, string> };

/**
 * The model's on-chain pricing and state, and whether this server can serve it (before any payment). `price` is
 * what the payer pays into escrow: a flat-price model's price, or a per-token model's ceiling, the quote at
 * max_tokens (T_in·R_in + max_tokens·R_out + F; the charge for the tokens served is settled, the rest returned).
 * The minimum price applies to the least a request can be charged (a per-token model: an empty answer).
 */
/**
 * A prompt's tokens in the model's tokenizer, refused (nothing charged) above the server's limit. Its length is checked
 * first, on every route (POST /v1/chat/completions takes the last user message as it is): BPE is quadratic in a word's
 * length, and o200k_base and cl100k_base read a run of CJK as one word, so an unpaid request could otherwise make the
 * server tokenize 20,000 characters (~4 s) before refusing it.
 */
function promptTokensIn(tokenizer: Tokenizer, prompt: string): number {
  if (prompt.length > MAX_PROMPT_CHARS) {
    throw new AppError("prompt_too_long", `The prompt is too long: at most ${MAX_PROMPT_CHARS.toLocaleString("en-US")} characters. Nothing was charged.`);
  }
  const promptTokens = tokenizer.encode(prompt).length;
  const maxPromptTokens = serverConfig().maxPromptTokens;
  if (promptTokens > maxPromptTokens) {
    throw new AppError("prompt_too_long", `The prompt is ${promptTokens.toLocaleString("en-US")} tokens; this server takes at most ${maxPromptTokens.toLocaleString("en-US")}. Nothing was charged.`);
  }
  return promptTokens;
}

async function quote(modelId: number, prompt: string, counted: { tokenizer: Tokenizer; promptTokens: number }, params: InferenceParams) {
  const ctx = await serveContext();
  const { rates, active, block } = await modelPricing(ctx.publicClient, ctx.deployment.modelRegistry, modelId);
  if (!active) throw new AppError("model_inactive", `Model ${modelId} is not active: its builder has paused it. Nothing was charged.`);
  // Only the row's kind and parameters are used before payment; serving reads the checkpoint again (takedowns, terms).
  const model = await ctx.models.get(modelId, { head: block });
  // The artifact is the authority on the tokenizer: a card that named another (it cannot, from the Factory) is recounted.
  const tokenizer = modelTokenizer(model.model);
  const promptTokens = tokenizer.name === counted.tokenizer.name ? counted.promptTokens : promptTokensIn(tokenizer, prompt);
  const least = charge(rates, promptTokens, 0);
  const config = serverConfig();
  const minimum = await minimumPrices(ctx.publicClient, { perCall: config.minPrice, channel: config.minChannelPrice });
  const costs = `Model ${modelId} costs ${isPerToken(rates) ? "at least " : ""}${formatUnits(least, 18)} OPEN`;
  if (least < minimum.channel) {
    throw new AppError(
      "price_below_minimum",
      `${costs}, below this server's minimum of ${formatUnits(minimum.channel, 18)} OPEN (the gas of booking one paid call). Nothing was charged.`,
    );
  }
  // Above the channel minimum, below the per-call one: served from batch-settlement channels only.
  const perCallRefusal =
    least < minimum.perCall
      ? `${costs}, below this server's minimum of ${formatUnits(minimum.perCall, 18)} OPEN for a payment per call (the gas of taking, settling and refunding it). Pay from an x402 batch-settlement channel instead (its minimum is ${formatUnits(minimum.channel, 18)} OPEN). Nothing was charged.`
      : null;
  // Parameters are checked against the model before anyone signs anything; their max_tokens bounds the ceiling.
  const price = quoteCeiling(rates, promptTokens, pricedAnswerTokens(model, params));
  return { ctx, price, rates, model, perCallRefusal, promptTokens };
}

/** Where this server takes payments. */
export function paymentChain(ctx: ServeContext): PaymentChain {
  const d = ctx.deployment;
  return {
    publicClient: ctx.publicClient,
    operator: ctx.operator,
    chainId: d.chainId,
    token: d.token,
    market: d.inferenceMarket,
    // batch-settlement is offered where its contracts are (installed locally by deployLedgerline, canonical elsewhere).
    ...(d.batchSettlement ? { batchSettlement: { db: ctx.db } } : {}),
  };
}

/** What the payer buys, and that it becomes public: anyone must be able to recompute the attribution it pays for. */
export function paymentDescription(modelId: number): string {
  return (
    `One inference of Ledgerline model ${modelId}, with its attribution settled on-chain. ` +
    "Public: your prompt, parameters and the answer are published with the attribution record, so anyone can recompute who gets paid."
  );
}

function paymentQuote(modelId: number, price: bigint, resource: string): PaymentQuote {
  return { modelId, price, resource, description: paymentDescription(modelId) };
}

/** The x402 offer (PAYMENT-REQUIRED) for one inference of a model at a price (channels only below the per-call minimum). */
export async function requirementsFor(modelId: number, price: bigint, resource: string): Promise<PaymentRequired> {
  const ctx = await serveContext();
  const config = serverConfig();
  const minimum = await minimumPrices(ctx.publicClient, { perCall: config.minPrice, channel: config.minChannelPrice });
  return x402Offer({ ...paymentQuote(modelId, price, resource), channelOnly: price < minimum.perCall }, paymentChain(ctx));
}

/**
 * quote → offer (x402) → verify → settle → serve. The scheme comes from the request: a wallet
 * transaction in the body, else x402 (the PAYMENT-SIGNATURE header, or a 402 asking for one).
 */
export async function paidInference(request: Request, input: PaidInferenceInput, opts: PaidHooks = {}): Promise<PaidOutcome> {
  // Counted once per request by the scheme that took it ("none" when refused before one was chosen) and the
  // status it answers with (ledgerline_paid_requests_total).
  const seen: { scheme: string } = { scheme: "none" };
  let status = 500;
  try {
    const outcome = await paidInferenceInner(request, input, opts, seen);
    status = outcome.kind === "served" ? 200 : outcome.response.status;
    return outcome;
  } catch (err) {
    status = err instanceof AppError ? err.status : 500;
    throw err;
  } finally {
    paidRequests.inc({ scheme: seen.scheme, status: String(status) });
    const fields = { modelId: input.modelId, scheme: seen.scheme, status };
    if (status >= 500) log("payment").warn(fields, `paid request for model ${input.modelId}: ${status}`);
    else log("payment").info(fields, `paid request for model ${input.modelId}: ${status}`);
  }
}

async function paidInferenceInner(request: Request, input: PaidInferenceInput, opts: PaidHooks, seen: { scheme: string }): Promise<PaidOutcome> {
  await limitRequest("paid-ip", request);
  let attempt: PaymentAttempt | undefined;
  // Every limit that could fail after payment is checked before anything is signed: the prompt in tokens here — the
  // model's own tokenizer's (issue 17: r50k_base, cl100k_base or o200k_base), as its card names it, so a per-token
  // price charges what its tokenizer counts — the parameters against the model below.
  const tokenizer = await cardTokenizer(await getDb(), input.modelId);
  const promptTokens = promptTokensIn(tokenizer, input.prompt);
  try {
    const { ctx, price, rates, model, perCallRefusal } = await quote(input.modelId, input.prompt, { tokenizer, promptTokens }, input.params);
    // A RAG model's question is checked too (empty, too long, too many search words): a clear 4xx, nothing charged.
    if (model.kind === "rag") {
      try {
        questionTerms(input.prompt);
      } catch (err) {
        throw new InvalidParams(`${(err as Error).message} Nothing was charged.`);
      }
    }
    const chain = paymentChain(ctx);
    const order = { ...paymentQuote(input.modelId, price, input.resource), channelOnly: perCallRefusal !== null, prompt: input.prompt, params: input.params, transaction: input.payment };
    const scheme = paymentSchemeFor(request, order);
    seen.scheme = scheme.name;
    // A per-call payment for a channel-only price is refused; a request without any payment gets the channel offer.
    if (perCallRefusal && !isDeferredScheme(scheme) && (input.payment || paymentHeaderOf(request) !== null)) throw new AppError("price_below_minimum", perCallRefusal);
    attempt = { request, order, chain };
    if (scheme.requirements) attempt.requirements = await x402Offer(order, chain);

    if (isDeferredScheme(scheme)) return await deferredInference(ctx, scheme, attempt, input, price, rates, opts);

    const verified = await scheme.verify(attempt);
    if (!verified) {
      if (!attempt.requirements) throw new Error(`the ${scheme.name} scheme found no payment and has no offer`);
      return { kind: "response", response: paymentRequiredResponse(attempt.requirements) };
    }
    await limit("paid-payer", verified.payer);
    const paid = await scheme.settle(verified, attempt);
    log("payment").info({ requestId: String(paid.requestId), payer: paid.payer, txHash: paid.txHash, scheme: scheme.name }, `payment for request ${paid.requestId} in escrow`);
    if (ctx.finalityDepth) {
      // Serve only money a reorganization cannot take back: the payment must be final first.
      const finality = await awaitFinality(ctx.publicClient, paid.txHash, ctx.finalityDepth);
      if (!finality.final) {
        throw new PaymentError("payment_failed", `Your payment did not become final: ${finality.reason}. Nothing was served; pay again. If it reappears on-chain, it is refundable after the refund timeout.`);
      }
    }
    try {
      opts.onPaid?.({ requestId: paid.requestId, payer: paid.payer, txHash: paid.txHash, via: paid.via });
    } catch {
      /* a listener's failure is not the payment's */
    }
    const served = await serveInference(
      ctx,
      { requestId: paid.requestId, requestHash: paid.requestHash, modelId: input.modelId, payer: paid.payer, prompt: input.prompt, params: input.params, via: paid.via, paidTx: paid.txHash },
      { onClaimed: opts.onClaimed, onText: opts.onText, onStored: opts.onStored },
    );
    const headers: Record<string, string> = {
      "Access-Control-Expose-Headers": X402_CORS_HEADERS["Access-Control-Expose-Headers"],
      ...scheme.responseHeaders(paid, attempt, served.price),
    };
    return { kind: "served", served, payer: paid.payer, paymentTx: paid.txHash, via: paid.via, headers };
  } catch (err) {
    // Refused payments answer here (a 402 repeats the offer); serving errors (AppErrors) go to route().
    if (err instanceof PaymentError) {
      log("payment").info({ code: err.code }, `payment refused: ${errorMessage(err)}`);
      return { kind: "response", response: paymentErrorResponse(err, attempt?.requirements) };
    }
    throw err;
  }
}

/**
 * A deferred scheme (x402 batch-settlement): verify reserves the payer's channel, the inference is served and its
 * answer stored, then the price is charged off-chain and recorded as pending settlement; a failed inference releases
 * the reservation and is not charged.
 */
async function deferredInference(
  ctx: ServeContext,
  scheme: DeferredPaymentScheme,
  attempt: PaymentAttempt,
  input: PaidInferenceInput,
  price: bigint,
  rates: TokenRates,
  opts: PaidHooks,
): Promise<PaidOutcome> {
  const verified = await scheme.verify(attempt);
  if (!verified) {
    if (!attempt.requirements) throw new Error(`the ${scheme.name} scheme found no payment and has no offer`);
    return { kind: "response", response: paymentRequiredResponse(attempt.requirements) };
  }
  let served: ServedInference;
  try {
    await limit("paid-payer", verified.payer);
    served = await serveBatched(
      ctx,
      { requestHash: verified.requestHash, modelId: input.modelId, payer: verified.payer, prompt: input.prompt, params: input.params, price },
      { onClaimed: opts.onClaimed, onText: opts.onText, onStored: opts.onStored },
    );
  } catch (err) {
    await scheme.cancel(verified, attempt, "handler_threw");
    throw err;
  }
  // A flat-price model is charged its price; a per-token model the tokens served, at most the quoted ceiling
  // (`price`, what the voucher signed for this request; the scheme refuses more).
  if (isPerToken(rates)) {
    const cost = settledCost(rates, price, served.usage.promptTokens, served.usage.completionTokens);
    served = { ...served, price: cost.charged, cost };
  }
  let paymentHeaders: Record<string, string>;
  try {
    paymentHeaders = await scheme.charge(verified, attempt, { amount: served.price, requestHash: verified.requestHash, outputHash: served.outputHash, attributionHash: served.attributionHash });
  } catch (err) {
    // Not charged (the charge and its row commit together or not at all): release the channel at once.
    await scheme.cancel(verified, attempt, "handler_failed");
    throw err;
  }
  log("payment").info({ requestHash: verified.requestHash, payer: verified.payer, charged: String(served.price), scheme: scheme.name }, `batch request ${verified.requestHash} charged, pending settlement`);
  const headers: Record<string, string> = { "Access-Control-Expose-Headers": X402_CORS_HEADERS["Access-Control-Expose-Headers"], ...paymentHeaders };
  return { kind: "served", served, payer: verified.payer, paymentTx: "0x", via: "x402", headers };
}

/** The id a served inference is known by: its on-chain request id, or the request hash while pending settlement. */
export function publicRequestId(s: ServedInference): string {
  return s.settlement === "pending" && s.requestHash ? s.requestHash : s.requestId.toString();
}

/** The JSON an inference answers with (amounts as decimal strings). */
export function servedJson(s: ServedInference, extra: { payer: Hex; paymentTx: Hex; via: string }) {
  const pending = s.settlement === "pending";
  return {
    requestId: publicRequestId(s),
    ...(s.requestHash ? { requestHash: s.requestHash } : {}),
    /** "settled" on-chain, or "pending" settlement (batch-settlement: charged, booked on-chain in a later batch). */
    settlement: pending ? "pending" : "settled",
    modelId: s.modelId,
    output: s.output,
    price: s.price.toString(),
    // Pending settlement: the contract splits the price when the batch is booked.
    split: pending
      ? null
      : {
          protocol: s.split.protocol.toString(),
          operator: s.split.operator.toString(),
          builder: s.split.builder.toString(),
          contributorPool: s.split.contributorPool.toString(),
        },
    attribution: {
      method: s.record.method,
      attributionHash: s.attributionHash,
      entries: s.entries.map((e) => ({ ...e, amount: e.amount.toString() })),
    },
    outputHash: s.outputHash,
    settleTx: pending ? null : s.settleTx,
    paymentTx: pending ? null : extra.paymentTx,
    payer: extra.payer.toLowerCase(),
    via: extra.via,
    params: s.params,
    /** OpenAI style, counted with the model's own tokenizer (r50k_base, cl100k_base or o200k_base). */
    usage: { prompt_tokens: s.usage.promptTokens, completion_tokens: s.usage.completionTokens, total_tokens: s.usage.promptTokens + s.usage.completionTokens },
    /** Wei: the ceiling paid, the charge (= price) and what went back to the payer. */
    cost: costJson(s.cost),
  };
}

