/**
 * ∞-gram generation (Infini-gram, Liu et al. 2024) with attribution in the same pass: each token is
 * sampled from the tokens that follow the longest matching context suffix in the corpus, and its
 * credit goes to the contributions whose occurrences supplied it.
 */
import { checkMaxSupport, floorDiv, NextTokenQuery, rankAt, type CorpusIndex } from "./corpus";
import { AttributionError } from "./errors";
import { decode, encode, SEPARATOR, toTokenArray, VOCAB_SIZE } from "./tokenizer";
import type { ModelView } from "./view";

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
}

export interface GenerateStep {
  token: number;
  /** Length of the context suffix the token's distribution came from. */
  suffixLength: number;
  /** Occurrences sampled for that distribution (≤ maxSupport). */
  support: number;
}

/** A generated token with its own credit: [contribution id, credit] pairs summing to TOKEN_CREDIT. */
export interface GeneratedToken extends GenerateStep {
  credit: [number, number][];
}

export interface GenerateResult {
  tokens: Uint16Array;
  text: string;
  steps: GenerateStep[];
  /** contribution id → credit, ascending id; Σ = TOKEN_CREDIT × tokens.length */
  rawWeights: Map<number, bigint>;
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

export function seedToBigInt(seed: unknown): bigint {
  if (typeof seed === "bigint") return BigInt.asUintN(64, seed);
  if (typeof seed === "number" && Number.isSafeInteger(seed)) return BigInt.asUintN(64, BigInt(seed));
  throw new AttributionError(`The seed must be an integer (number or bigint), got ${String(seed)}.`);
}

function checkInt(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new AttributionError(`${name} must be an integer in ${min}..${max}, got ${String(value)}.`);
  }
  return value;
}

/** Prompt (text or tokens) as validated tokens. */
export function promptTokens(prompt: unknown, maxTokens: number, what: string): Uint16Array {
  let tokens: Uint16Array;
  if (typeof prompt === "string") tokens = encode(prompt);
  else if (prompt instanceof Uint16Array) tokens = toTokenArray(prompt, what);
  else throw new AttributionError(`${what} must be text or a Uint16Array of token ids.`);
  if (tokens.length > maxTokens) {
    throw new AttributionError(`${what} is ${tokens.length} tokens long; the limit is ${maxTokens}.`);
  }
  return tokens;
}

// Candidate keys: (support − count)·65536 + token sorts by count desc, then token id asc, natively.
const candidateKeys = new Float64Array(VOCAB_SIZE + 1);
let rankCounts = new Uint32Array(1024);
let touchedRanks = new Uint32Array(1024);

export function generate(index: CorpusIndex, prompt: string | Uint16Array, opts: GenerateOptions): GenerateResult {
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
  const promptToks = promptTokens(prompt, MAX_PROMPT_TOKENS, "The prompt");

  const q = new NextTokenQuery(index, opts.view, maxSupport, opts.stopAtSeparator === true);
  const rng = new Prng(seed);
  const { tokens, starts } = index;
  const c = starts.length;
  if (rankCounts.length < c) {
    rankCounts = new Uint32Array(c);
    touchedRanks = new Uint32Array(c);
  }
  const ctx = new Uint16Array(promptToks.length + maxTokens);
  ctx.set(promptToks);
  let ctxLen = promptToks.length;
  const steps: GenerateStep[] = [];
  const credit = new Map<number, number>(); // rank → credit (integers < 2^53)
  let bound = -1;

  for (let step = 0; step < maxTokens; step++) {
    if (!q.query(ctx, ctxLen, bound)) break;
    const len = q.suffixLength;
    const support = q.support;
    const dc = q.distinctCount;
    const distinct = q.distinct;
    for (let i = 0; i < dc; i++) {
      const t = distinct[i];
      candidateKeys[i] = (support - q.countOf(t)) * 65536 + t;
    }
    const keys = candidateKeys.subarray(0, dc);
    keys.sort();
    const k = dc < topK ? dc : topK;
    let chosen = keys[0] % 65536;
    if (temperature > 0 && k > 1) {
      const maxCount = q.countOf(chosen);
      const inv = 1 / temperature;
      let sum = 0;
      for (let i = 0; i < k; i++) sum += Math.pow(q.countOf(keys[i] % 65536) / maxCount, inv);
      const u = rng.nextDouble() * sum;
      let acc = 0;
      for (let i = 0; i < k; i++) {
        const t = keys[i] % 65536;
        acc += Math.pow(q.countOf(t) / maxCount, inv);
        chosen = t;
        if (u < acc) break;
      }
    }
    if (chosen === SEPARATOR) break;

    // Split this token's credit over the contributions of the sampled occurrences that it followed.
    const positions = q.positions;
    let touched = 0;
    for (let i = 0; i < support; i++) {
      const p = positions[i];
      if (tokens[p + len] !== chosen) continue;
      const r = rankAt(starts, p);
      if (rankCounts[r]++ === 0) touchedRanks[touched++] = r;
    }
    const ranks = touchedRanks.subarray(0, touched);
    ranks.sort();
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
  const rawWeights = new Map<number, bigint>();
  for (const r of [...credit.keys()].sort((a, b) => a - b)) {
    const w = credit.get(r)!;
    if (w > 0) rawWeights.set(index.contributionIds[r], BigInt(w));
  }
  return { tokens: out, text: decode(out), steps, rawWeights };
}
