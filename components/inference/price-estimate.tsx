"use client";

import { useDeferredValue, useEffect, useState } from "react";
import { OpenAmount } from "@/components/domain";
import { estimate, pricedAnswerTokens } from "@/lib/inference/estimate";
import { isPerToken, type TokenRates } from "@/lib/inference/pricing";
import { MODEL_KINDS, type ModelKind } from "@/lib/metadata";
import { loadTokenCounter, type CountTokens } from "./prompt-tokens";
import { modelTokenizerName, type TokenizerName } from "@/lib/attribution/tokenizer-names";
import { TokenRatesText } from "./token-rates";

/** The rates of the quote the payment is made against (GET /api/models/{id}/inference, read from the chain). */
interface QuotedRates {
  price: string;
  inputRate: string;
  outputRate: string;
}

/**
 * A per-token model's cost for the prompt being typed: T_in counted as the server counts it, the ceiling the payer
 * authorizes at the request's max tokens, and the least it can cost; nothing for a flat-price model (its price is
 * the quote). Computed with lib/inference/estimate.ts, the functions the server quotes with.
 */
export function PriceEstimate({ quote, kind, card, prompt, params, tokenizer }: { quote: QuotedRates | undefined; kind: string; card: Record<string, unknown>; prompt: string; params: Record<string, unknown>; tokenizer?: TokenizerName }) {
  if (!quote || !(MODEL_KINDS as readonly string[]).includes(kind)) return null;
  const rates: TokenRates = { fee: BigInt(quote.price), inputRate: BigInt(quote.inputRate), outputRate: BigInt(quote.outputRate) };
  if (!isPerToken(rates)) return null;
  return <PerTokenEstimate rates={rates} model={{ kind: kind as ModelKind, parameters: card }} prompt={prompt} params={params} tokenizer={tokenizer ?? modelTokenizerName(kind, card)} />;
}

/**
 * What one request of the prompt being typed asks the payer to authorize: undefined for a flat-price model (its
 * quote is the price), null while a per-token model's ceiling cannot be computed yet (tokenizer loading, bad
 * parameters), else the ceiling in wei as the server quotes it (the 402's amount for this very request).
 */
export function useRequestCeiling({ quote, kind, card, prompt, params, tokenizer }: { quote: QuotedRates | undefined; kind: string; card: Record<string, unknown>; prompt: string; params: Record<string, unknown>; tokenizer?: TokenizerName }): bigint | null | undefined {
  const rates: TokenRates | null = quote ? { fee: BigInt(quote.price), inputRate: BigInt(quote.inputRate), outputRate: BigInt(quote.outputRate) } : null;
  const perToken = rates !== null && isPerToken(rates) && (MODEL_KINDS as readonly string[]).includes(kind);
  const counter = useTokenCounter(tokenizer ?? modelTokenizerName(kind, card), perToken);
  if (!perToken) return undefined;
  if (typeof counter !== "function") return null;
  try {
    return estimate(rates, counter(prompt), pricedAnswerTokens({ kind: kind as ModelKind, parameters: card }, params)).ceiling;
  } catch {
    return null;
  }
}

/** The model's tokenizer, loaded on first use; null until then, an Error if it could not load. */
function useTokenCounter(tokenizer: TokenizerName, wanted = true): CountTokens | Error | null {
  const [counter, setCounter] = useState<CountTokens | Error | null>(null);
  useEffect(() => {
    // The tables load only for a per-token model.
    if (!wanted) return;
    let live = true;
    loadTokenCounter(tokenizer).then(
      (count) => live && setCounter(() => count),
      (err: unknown) => live && setCounter(err instanceof Error ? err : new Error(String(err))),
    );
    return () => {
      live = false;
    };
  }, [tokenizer, wanted]);
  return counter;
}

function PerTokenEstimate({ rates, model, prompt, params, tokenizer }: { rates: TokenRates; model: { kind: ModelKind; parameters: Record<string, unknown> }; prompt: string; params: Record<string, unknown>; tokenizer: TokenizerName }) {
  const counter = useTokenCounter(tokenizer);
  // Typing stays responsive on long prompts: the count follows a render behind when it must.
  const typed = useDeferredValue(prompt);
  let maxTokens: number | null = null;
  let problem: string | null = null;
  try {
    maxTokens = pricedAnswerTokens(model, params);
  } catch (err) {
    problem = (err as Error).message;
  }
  const e = typeof counter === "function" && maxTokens !== null ? estimate(rates, counter(typed), maxTokens) : null;

  return (
    <div className="space-y-2 rounded-md border border-border bg-muted/30 px-3 py-2.5 text-sm" data-testid="price-estimate">
      <p className="text-muted-foreground">
        Per-token price: <TokenRatesText rates={rates} />
      </p>
      {problem ? (
        <p className="text-destructive">{problem}</p>
      ) : counter instanceof Error ? (
        <p className="text-destructive">The tokenizer did not load ({counter.message}): the estimate is unavailable; the server still quotes the exact ceiling before you sign.</p>
      ) : e === null ? (
        <p className="text-muted-foreground" role="status">
          Counting tokens…
        </p>
      ) : (
        <>
          <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-1">
            <dt className="text-muted-foreground">Prompt</dt>
            <dd className="text-right tabular-nums">
              <span data-testid="estimate-prompt-tokens">{e.promptTokens.toLocaleString("en-US")}</span> tokens ·{" "}
              <OpenAmount wei={e.least - rates.fee} maxDecimals={18} />
            </dd>
            <dt className="text-muted-foreground">Answer</dt>
            <dd className="text-right tabular-nums">
              up to <span data-testid="estimate-max-tokens">{e.maxTokens.toLocaleString("en-US")}</span> tokens · up to <OpenAmount wei={e.ceiling - e.least} maxDecimals={18} />
            </dd>
            <dt className="text-muted-foreground">Fixed fee</dt>
            <dd className="text-right tabular-nums">
              <OpenAmount wei={rates.fee} maxDecimals={18} />
            </dd>
            <dt className="font-medium">You authorize at most</dt>
            <dd className="text-right font-medium tabular-nums" data-testid="estimate-ceiling" data-wei={e.ceiling.toString()}>
              <OpenAmount wei={e.ceiling} maxDecimals={18} />
            </dd>
          </dl>
          <p className="text-xs text-muted-foreground">
            You are charged only for the tokens the answer uses, from <OpenAmount wei={e.least} maxDecimals={18} /> for an empty answer up to the
            ceiling at {e.maxTokens.toLocaleString("en-US")} tokens; the rest goes back to you when the inference settles.
          </p>
        </>
      )}
    </div>
  );
}
