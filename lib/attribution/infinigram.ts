/**
 * ∞-gram generation (Infini-gram, Liu et al. 2024) with attribution in the same pass: each token is
 * sampled from the tokens that follow the longest matching context suffix in the corpus, and its
 * credit goes to the contributions whose occurrences supplied it.
 */
import { checkMaxSupport, floorDiv, NextTokenQuery, rankAt, type CorpusIndex } from "./corpus";
import { copyMap, ExactCredit, splitInteger } from "./credit";
import { AttributionError } from "./errors";
import { ORIGINAL_SPAN_TOKENS } from "./originality";
import { CURRENT_RECORD_VERSION } from "./record";
import { VerbatimGuard, type VerbatimLimits } from "./terms";
import { MAX_VOCAB_SIZE, tokenizerFor, type Tokenizer, type Tokens } from "./tokenizer";
import { viewFilter, type ModelView } from "./view";
import { globalRankAt, isSharded, shardedCopyMap, ShardedNextTokenQuery, type ShardedIndex } from "./shards";

/** One generated token's credit, in integer units. */
export const TOKEN_CREDIT = 1_000_000_000n;
const CREDIT = 1_000_000_000; // as a number: CREDIT · maxSupport < 2^53, so the split is exact in doubles
export const MAX_PROMPT_TOKENS = 4096;

export interface GenerateOptions {
  maxTokens: number;
  temperature: number;
  topK: number;
  seed: number | bigint;
  maxSupport: number;
  view?: ModelView;
  /**
   * Lets the end of a contribution be sampled like a token: generation then stops there, as a
   * document ends. Off by default: only real tokens are candidates.
   */
  stopAtSeparator?: boolean;
  /** Called with each token as it is chosen (streaming, per-token attribution); it only observes. */
  onToken?: (token: GeneratedToken) => void;
  /**
   * The attribution record version whose rules apply (default 2). 1: credit proportional to occurrences over
   * an evenly spaced sample, as version 1 records were computed (Verify recomputes old records with it).
   */
  rules?: 1 | 2;
  /** Version 2: the shortest verbatim run that counts as a copy (default ORIGINAL_SPAN_TOKENS; tests use less). */
  originalSpanTokens?: number;
  /**
   * Version 2: contributors' "no verbatim over N tokens" terms. The answer never contains a run of more than N
   * tokens found in such a contribution: a continuation that would complete one is not a candidate, and when
   * none is left the context backs off to a shorter suffix.
   */
  verbatimLimits?: VerbatimLimits;
}

export interface GenerateStep {
  token: number;
  /** Length of the context suffix the token's distribution came from. */
  suffixLength: number;
  /** Occurrences sampled for that distribution (≤ maxSupport). */
  support: number;
}

/** A generated token with its own credit: [contribution id, credit] pairs summing to TOKEN_CREDIT (display only; the record sums exact fractions). */
export interface GeneratedToken extends GenerateStep {
  credit: [number, number][];
}

export interface GenerateResult {
  /** Ids of the index's tokenizer (Uint16Array for r50k_base, Uint32Array for the 32-bit vocabularies). */
  tokens: Tokens;
  text: string;
  steps: GenerateStep[];
  /**
   * contribution id → credit, ascending id. Version 1: Σ = TOKEN_CREDIT × tokens.length. Version 2: exact
   * fractions over one common denominator (each token's credit is 1 split over its distinct contributions).
   */
  rawWeights: Map<number, bigint>;
  /** Contribution ids (ascending) whose verbatim limit removed a continuation the model would have considered. */
  limited: number[];
}

/** Seeded 32-bit PRNG (xoshiro128**), its state expanded from a 64-bit seed by splitmix64. */
export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: bigint) {
    const M = (1n << 64n) - 1n;
    let x = BigInt.asUintN(64, seed);
    const next = (): bigint => {
      x = (x + 0x9e3779b97f4a7c15n) & M;
      let z = x;
      z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
      z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
      return z ^ (z >> 31n);
    };
    const a = next();
    const b = next();
    this.s0 = Number(a & 0xffffffffn);
    this.s1 = Number(a >> 32n);
    this.s2 = Number(b & 0xffffffffn);
    this.s3 = Number(b >> 32n);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  nextUint32(): number {
    const s1 = this.s1;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  nextDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }
}

export const MAX_SEED = (1n << 64n) - 1n;

/** A seed in 0..2^64−1 (a value outside is refused, never wrapped: −1 and 2^64−1 are different requests). */
export function seedToBigInt(seed: unknown): bigint {
  let s: bigint | null = null;
  if (typeof seed === "bigint") s = seed;
  else if (typeof seed === "number" && Number.isSafeInteger(seed)) s = BigInt(seed);
  if (s === null || s < 0n || s > MAX_SEED) {
    throw new AttributionError(`The seed must be an integer in 0..${MAX_SEED}, got ${String(seed)}.`);
  }
  return s;
}

/** Salt of the sampling stream (version 2): independent of the stream that picks tokens. */
export const SAMPLE_SALT = 0x5851f42d4c957f2dn;

function checkInt(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new AttributionError(`${name} must be an integer in ${min}..${max}, got ${String(value)}.`);
  }
  return value;
}

/** The tokenizer an index (one or sharded: its first shard's) was built with; it must be loaded (loadTokenizer). */
export function indexTokenizer(index: CorpusIndex | ShardedIndex): Tokenizer {
  return tokenizerFor((isSharded(index) ? index.shards[0] : index).params.tokenizer);
}

/** Prompt (text or tokens) as validated tokens of the tokenizer (r50k_base when none is given). */
export function promptTokens(prompt: unknown, maxTokens: number, what: string, tokenizer: Tokenizer = tokenizerFor()): Tokens {
  let tokens: Tokens;
  if (typeof prompt === "string") tokens = tokenizer.encode(prompt);
  else if (prompt instanceof Uint16Array || prompt instanceof Uint32Array) tokens = tokenizer.tokens(prompt, what);
  else throw new AttributionError(`${what} must be text or a Uint16Array or Uint32Array of token ids.`);
  if (tokens.length > maxTokens) {
    throw new AttributionError(`${what} is ${tokens.length} tokens long; the limit is ${maxTokens}.`);
  }
  return tokens;
}

// Candidate keys: (support − count)·KEY + token sorts by count desc, then token id asc, natively. KEY is above every
// id and separator of every tokenizer (the order, and so r50k_base's answers, are the same as with 65536).
const KEY = 262144;
const candidateKeys = new Float64Array(MAX_VOCAB_SIZE + 1);
let rankCounts = new Uint32Array(1024);
let touchedRanks = new Uint32Array(1024);

/**
 * Generates from one index or from a sharded one (shards.ts): a sharded index generates exactly what the one index of
 * the same corpus generates, credit included (no view and no verbatim limits on a sharded index yet).
 */
export function generate(index: CorpusIndex | ShardedIndex, prompt: string | Tokens, opts: GenerateOptions): GenerateResult {
  if (opts === null || typeof opts !== "object") throw new AttributionError("Generation needs options.");
  const maxTokens = checkInt(opts.maxTokens, "maxTokens", 1, 1024);
  const topK = checkInt(opts.topK, "topK", 1, 1000);
  const maxSupport = checkMaxSupport(opts.maxSupport);
  const temperature = opts.temperature;
  if (typeof temperature !== "number" || !(temperature >= 0 && temperature <= 5)) {
    throw new AttributionError(`temperature must be a number in 0..5, got ${String(temperature)}.`);
  }
  const seed = seedToBigInt(opts.seed);
  if (opts.stopAtSeparator !== undefined && typeof opts.stopAtSeparator !== "boolean") {
    throw new AttributionError("stopAtSeparator must be true or false.");
  }
  const sharded = isSharded(index) ? index : null;
  const tokenizer = indexTokenizer(index);
  if (sharded && opts.view !== undefined) throw new AttributionError("Model views over a sharded index are not supported yet.");
  if (sharded && opts.verbatimLimits?.size) throw new AttributionError("Verbatim limits over a sharded index are not supported yet.");
  const promptToks = promptTokens(prompt, MAX_PROMPT_TOKENS, "The prompt", tokenizer);
  const rules = opts.rules ?? CURRENT_RECORD_VERSION;
  if (rules !== 1 && rules !== 2) throw new AttributionError(`rules must be 1 or 2, got ${String(rules)}.`);
  const spanTokens = opts.originalSpanTokens ?? ORIGINAL_SPAN_TOKENS;
  checkInt(spanTokens, "originalSpanTokens", 1, 1 << 20);

  const v2 = rules === 2;
  if (!v2 && opts.verbatimLimits?.size) throw new AttributionError("Verbatim limits are terms of version 2 records; version 1 has none.");
  const one = sharded ? null : (index as CorpusIndex);
  const guard = one && v2 && opts.verbatimLimits?.size ? new VerbatimGuard(one, opts.view, opts.verbatimLimits) : null;
  const limited = new Set<number>();
  const sampler = v2 ? new Prng(seed ^ SAMPLE_SALT) : undefined;
  const includeEnd = opts.stopAtSeparator === true;
  const q = sharded ? new ShardedNextTokenQuery(sharded, maxSupport, includeEnd, sampler) : new NextTokenQuery(one!, opts.view, maxSupport, includeEnd, sampler);
  const copies = v2 ? (sharded ? shardedCopyMap(sharded, spanTokens) : copyMap(one!, opts.view, viewFilter(one!, opts.view), spanTokens)) : null;
  const exact = v2 ? new ExactCredit() : null;
  const rng = new Prng(seed);
  const starts = one ? one.starts : new Uint32Array(0);
  const globalStarts = sharded ? sharded.starts : null;
  const c = index.contributionIds.length;
  if (rankCounts.length < c) {
    rankCounts = new Uint32Array(c);
    touchedRanks = new Uint32Array(c);
  }
  const ctx = tokenizer.vocabSize < 0xffff ? new Uint16Array(promptToks.length + maxTokens) : new Uint32Array(promptToks.length + maxTokens);
  ctx.set(promptToks);
  let ctxLen = promptToks.length;
  const steps: GenerateStep[] = [];
  const credit = new Map<number, number>(); // rank → credit (integers < 2^53)
  let bound = -1;

  for (let step = 0; step < maxTokens; step++) {
    if (!q.query(ctx, ctxLen, bound)) break;
    const banned = guard?.active ? guard.banned(ctx, ctxLen, step) : null;
    let allowed = 0;
    for (;;) {
      allowed = 0;
      for (let i = 0; i < q.distinctCount; i++) {
        const t = q.distinct[i];
        const by = banned?.get(t);
        if (by === undefined) candidateKeys[allowed++] = (q.support - q.countOf(t)) * KEY + t;
        else for (const r of by) limited.add(r);
      }
      // Every continuation here would copy too much: back off to a shorter context.
      if (allowed > 0 || q.suffixLength === 0 || !q.query(ctx, ctxLen, q.suffixLength - 1)) break;
    }
    if (allowed === 0) break;
    const len = q.suffixLength;
    const support = q.support;
    const dc = allowed;
    const keys = candidateKeys.subarray(0, dc);
    keys.sort();
    const k = dc < topK ? dc : topK;
    let chosen = keys[0] % KEY;
    if (temperature > 0 && k > 1) {
      const maxCount = q.countOf(chosen);
      const inv = 1 / temperature;
      let sum = 0;
      for (let i = 0; i < k; i++) sum += Math.pow(q.countOf(keys[i] % KEY) / maxCount, inv);
      const u = rng.nextDouble() * sum;
      let acc = 0;
      for (let i = 0; i < k; i++) {
        const t = keys[i] % KEY;
        acc += Math.pow(q.countOf(t) / maxCount, inv);
        chosen = t;
        if (u < acc) break;
      }
    }
    if (chosen === tokenizer.separator) break;

    // Split this token's credit over the contributions of the sampled occurrences that it followed.
    // The sampled occurrences followed by the chosen token, in sample order.
    const positions = q.samplesOf(chosen);
    let touched = 0;
    for (let i = 0; i < positions.length; i++) {
      const p = positions[i];
      // Version 2: an occurrence inside a copied run credits the original.
      const owner = copies ? copies.ownerAt(p + len) : -1;
      const r = owner >= 0 ? owner : globalStarts ? globalRankAt(globalStarts, p) : rankAt(starts, p);
      if (rankCounts[r]++ === 0) touchedRanks[touched++] = r;
    }
    const ranks = touchedRanks.subarray(0, touched);
    ranks.sort();
    if (exact) {
      // Version 2: each distinct contribution gets an equal share, kept as an exact fraction.
      for (let i = 0; i < touched; i++) rankCounts[ranks[i]] = 0;
      exact.split(ranks, 1n);
      ctx[ctxLen++] = chosen;
      steps.push({ token: chosen, suffixLength: len, support });
      if (opts.onToken) {
        const ids = Array.from(ranks, (r) => index.contributionIds[r]);
        opts.onToken({ token: chosen, suffixLength: len, support, credit: splitInteger(ids, CREDIT) });
      }
      bound = len + 1;
      continue;
    }
    const total = q.countOf(chosen);
    let cum = 0;
    let prev = 0;
    const tokenCredit: [number, number][] | null = opts.onToken ? [] : null;
    for (let i = 0; i < touched; i++) {
      const r = ranks[i];
      cum += rankCounts[r];
      rankCounts[r] = 0;
      const upTo = floorDiv(CREDIT * cum, total);
      credit.set(r, (credit.get(r) ?? 0) + upTo - prev);
      if (tokenCredit && upTo > prev) tokenCredit.push([index.contributionIds[r], upTo - prev]);
      prev = upTo;
    }

    ctx[ctxLen++] = chosen;
    steps.push({ token: chosen, suffixLength: len, support });
    if (tokenCredit) opts.onToken!({ token: chosen, suffixLength: len, support, credit: tokenCredit });
    bound = len + 1;
  }

  const out = ctx.slice(promptToks.length, ctxLen);
  const rawWeights = exact ? exact.weights(index.contributionIds) : new Map<number, bigint>();
  for (const r of [...credit.keys()].sort((a, b) => a - b)) {
    const w = credit.get(r)!;
    if (w > 0) rawWeights.set(index.contributionIds[r], BigInt(w));
  }
  const limitedIds = [...limited].map((r) => index.contributionIds[r]).sort((a, b) => a - b);
  return { tokens: out, text: tokenizer.decode(out), steps, rawWeights, limited: limitedIds };
}
