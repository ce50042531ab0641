/**
 * Contributor terms the engine enforces: "no verbatim over N tokens" — an answer may not contain a run of more
 * than N consecutive tokens that occurs in that contribution. ∞-gram generation never emits a token that would
 * complete such a run (it backs off to a shorter context or another continuation); span tracing of an
 * external model's answer flags the contributions whose limit the answer exceeded. Both are exact searches of
 * the suffix array over the whole view (not the sample), so they are deterministic and Verify recomputes them.
 */
import { rangeOf, rankAt, type CorpusIndex, type TokenArray } from "./corpus";
import { AttributionError } from "./errors";
import type { ModelView } from "./view";

/** The shortest and longest verbatim limit a contributor may set (shorter would forbid common phrases). */
export const MIN_VERBATIM_TOKENS = 8;
export const MAX_VERBATIM_TOKENS = 4096;

/** contribution id → the longest verbatim run (tokens) an answer may copy from it. */
export type VerbatimLimits = ReadonlyMap<number, number>;

export function checkVerbatimLimit(n: unknown, what = "maxVerbatimTokens"): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < MIN_VERBATIM_TOKENS || n > MAX_VERBATIM_TOKENS) {
    throw new AttributionError(`${what} must be an integer in ${MIN_VERBATIM_TOKENS}..${MAX_VERBATIM_TOKENS}, got ${String(n)}.`);
  }
  return n;
}

const range = new Uint32Array(2);

export class VerbatimGuard {
  /** Limit of each limited member contribution by rank (few: a map, so a request costs nothing per unlimited contribution). */
  private readonly limitByRank = new Map<number, number>();
  /** Distinct limits in use, ascending. */
  private readonly limits: number[];

  constructor(
    private readonly index: CorpusIndex,
    view: ModelView | undefined,
    limits: VerbatimLimits,
  ) {
    const { contributionIds } = index;
    const used = new Set<number>();
    for (const [id, n] of limits) {
      checkVerbatimLimit(n);
      // contributionIds ascend (contributions are concatenated in id order): binary search.
      let lo = 0;
      let hi = contributionIds.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (contributionIds[mid] < id) lo = mid + 1;
        else hi = mid;
      }
      if (lo === contributionIds.length || contributionIds[lo] !== id || (view !== undefined && !view.has(id))) continue;
      this.limitByRank.set(lo, n);
      used.add(n);
    }
    this.limits = [...used].sort((a, b) => a - b);
  }

  get active(): boolean {
    return this.limits.length > 0;
  }

  /**
   * Next tokens forbidden after text[0..end), whose last `answerLen` tokens are the answer so far: t is
   * forbidden when the answer's last n tokens followed by t occur in a contribution limited to n. Each
   * forbidden token maps to the ranks of the contributions that forbid it.
   */
  banned(text: TokenArray, end: number, answerLen: number): Map<number, number[]> {
    const out = new Map<number, number[]>();
    const { tokens, sa, starts } = this.index;
    const separator = this.index.params.separator;
    for (const n of this.limits) {
      if (n > answerLen) break;
      rangeOf(tokens, sa, text, end - n, n, range);
      for (let k = range[0]; k < range[1]; k++) {
        const p = sa[k];
        const r = rankAt(starts, p);
        if (this.limitByRank.get(r) !== n) continue;
        const next = tokens[p + n];
        if (next === separator) continue;
        const by = out.get(next);
        if (by === undefined) out.set(next, [r]);
        else if (!by.includes(r)) by.push(r);
      }
    }
    return out;
  }

  /** Ranks (ascending) of the limited contributions that contain a run of more than their limit tokens of `out`. */
  violations(out: TokenArray): number[] {
    const { tokens, sa, starts } = this.index;
    const found = new Set<number>();
    for (const n of this.limits) {
      for (let i = 0; i + n < out.length; i++) {
        rangeOf(tokens, sa, out, i, n + 1, range);
        for (let k = range[0]; k < range[1]; k++) {
          const r = rankAt(starts, sa[k]);
          if (this.limitByRank.get(r) === n) found.add(r);
        }
      }
    }
    return [...found].sort((a, b) => a - b);
  }
}
