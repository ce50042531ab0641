/**
 * Held-out evaluation of an ∞-gram model: next-token accuracy of the argmax prediction, and
 * perplexity of p = 0.9·p_∞gram + 0.1·p_unigram (add-one unigram, so it stays finite).
 */
import { checkMaxSupport, NextTokenQuery, type CorpusIndex } from "./corpus";
import { AttributionError } from "./errors";
import { tokenizerFor } from "./tokenizer";
import { viewStats, type ModelView } from "./view";

export interface EvaluateOptions {
  maxSupport: number;
  /** Only the first this many tokens of each text are predicted. */
  maxTokensPerText?: number;
  view?: ModelView;
  onProgress?: (done: number, total: number) => void;
}

export interface InfinigramEvaluation {
  /** Tokens predicted. */
  tokens: number;
  nextTokenAccuracy: number;
  perplexity: number;
}

export function evaluateInfinigram(index: CorpusIndex, heldOut: string[], opts: EvaluateOptions): InfinigramEvaluation {
  const tokenizer = tokenizerFor(index.params.tokenizer);
  if (!Array.isArray(heldOut) || heldOut.length === 0) throw new AttributionError("Evaluation needs at least one held-out text.");
  if (opts === null || typeof opts !== "object") throw new AttributionError("Evaluation needs options.");
  const maxSupport = checkMaxSupport(opts.maxSupport);
  const cap = opts.maxTokensPerText ?? Infinity;
  if (cap !== Infinity && (typeof cap !== "number" || !Number.isInteger(cap) || cap < 1)) {
    throw new AttributionError(`maxTokensPerText must be a positive integer, got ${String(cap)}.`);
  }
  const q = new NextTokenQuery(index, opts.view, maxSupport, false);
  const stats = viewStats(index, opts.view);
  const uniDenominator = stats.tokens + tokenizer.vocabSize;
  let predicted = 0;
  let correct = 0;
  let logSum = 0;
  for (let d = 0; d < heldOut.length; d++) {
    const text = heldOut[d];
    if (typeof text !== "string") throw new AttributionError(`Held-out text ${d + 1} is not a string.`);
    const all = tokenizer.encode(text);
    const toks = all.length > cap ? all.subarray(0, cap) : all;
    let bound = -1;
    for (let j = 0; j < toks.length; j++) {
      const actual = toks[j];
      let pInf = 0;
      if (q.query(toks, j, bound)) {
        // Argmax, ties to the lowest id.
        let best = -1;
        let bestCount = 0;
        const distinct = q.distinct;
        for (let i = 0; i < q.distinctCount; i++) {
          const t = distinct[i];
          const c = q.countOf(t);
          if (c > bestCount || (c === bestCount && t < best)) {
            best = t;
            bestCount = c;
          }
        }
        if (best === actual) correct++;
        pInf = q.countOf(actual) / q.support;
        bound = q.suffixLength + 1;
      } else {
        bound = -1;
      }
      const pUni = (stats.unigram(actual) + 1) / uniDenominator;
      logSum += Math.log(0.9 * pInf + 0.1 * pUni);
      predicted++;
    }
    opts.onProgress?.(d + 1, heldOut.length);
  }
  if (predicted === 0) throw new AttributionError("The held-out texts contain no tokens to predict.");
  return { tokens: predicted, nextTokenAccuracy: correct / predicted, perplexity: Math.exp(-logSum / predicted) };
}
