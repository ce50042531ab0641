/**
 * The brute-force reference the engine's tests compare against: contributions laid out in id order with
 * a distinct separator after each (VOCAB_SIZE + rank), suffixes sorted by direct comparison.
 */
import fc from "fast-check";
import { seededSample } from "../credit";
import { Prng } from "../infinigram";
import { outputSeed } from "../span-trace";
import { VOCAB_SIZE } from "../tokenizer";

export interface Doc {
  id: number;
  datanetId: number;
  tokens: number[];
}

export function naiveLayout(docs: Doc[]): { text: number[]; owner: number[]; order: number[] } {
  const sorted = [...docs].sort((a, b) => a.id - b.id);
  const text: number[] = [];
  const owner: number[] = [];
  sorted.forEach((d, r) => {
    for (const t of d.tokens) {
      text.push(t);
      owner.push(d.id);
    }
    text.push(VOCAB_SIZE + r);
    owner.push(d.id);
  });
  const order = text.map((_, i) => i);
  order.sort((a, b) => {
    for (;;) {
      if (text[a] !== text[b]) return text[a] - text[b];
      a++;
      b++;
    }
  });
  return { text, owner, order };
}

/** 1–5 contributions with distinct ids over a 4-token vocabulary (so patterns repeat), not all empty. */
export function docsArb(datanets = 1): fc.Arbitrary<Doc[]> {
  return fc
    .uniqueArray(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 5 })
    .chain((ids) =>
      fc.tuple(
        fc.constant(ids),
        fc.array(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 25 }), { minLength: ids.length, maxLength: ids.length }),
      ),
    )
    .map(([ids, ts]) => ts.map((tokens, i) => ({ id: ids[i], datanetId: i % datanets, tokens })))
    .filter((docs) => docs.some((d) => d.tokens.length > 0));
}

/**
 * Version 2's originality rule by brute force: for each text position, the id of the earlier contribution
 * it credits instead of its own (−1: its own). A window of L real tokens of one contribution is a copy when
 * a lower-id contribution also holds those L tokens; a position credits the lowest such original over the
 * windows covering it.
 */
export function naiveCopyOwners(docs: Doc[], L: number): number[] {
  const sorted = [...docs].sort((a, b) => a.id - b.id);
  const { text, owner } = naiveLayout(docs);
  const result = text.map(() => -1);
  const holds = (d: Doc, gram: number[]) => {
    for (let s = 0; s + L <= d.tokens.length; s++) if (gram.every((t, j) => d.tokens[s + j] === t)) return true;
    return false;
  };
  for (let s = 0; s + L <= text.length; s++) {
    const gram = text.slice(s, s + L);
    if (gram.some((t) => t >= VOCAB_SIZE)) continue;
    const first = sorted.find((d) => holds(d, gram))!;
    if (first.id === owner[s]) continue;
    for (let q = s; q < s + L; q++) if (result[q] < 0 || first.id < result[q]) result[q] = first.id;
  }
  return result;
}

/** Exact credit as the engine keeps it: id → Σ amount/d, over the lcm of the denominators used. */
export class NaiveExact {
  private readonly parts = new Map<number, Map<number, bigint>>();

  add(ids: number[], amount: bigint): void {
    const d = ids.length;
    if (d === 0 || amount === 0n) return;
    for (const id of ids) {
      const m = this.parts.get(id) ?? new Map<number, bigint>();
      m.set(d, (m.get(d) ?? 0n) + amount);
      this.parts.set(id, m);
    }
  }

  weights(): Map<number, bigint> {
    const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
    let lcm = 1n;
    for (const m of this.parts.values()) for (const d of m.keys()) lcm = (lcm / gcd(lcm, BigInt(d))) * BigInt(d);
    const out = new Map<number, bigint>();
    for (const id of [...this.parts.keys()].sort((a, b) => a - b)) {
      let w = 0n;
      for (const [d, num] of this.parts.get(id)!) w += num * (lcm / BigInt(d));
      if (w > 0n) out.set(id, w);
    }
    return out;
  }
}

export interface NaiveTraceOptions {
  minSpan: number;
  maxSupport: number;
  /** The originality window (naiveCopyOwners). */
  L: number;
  /** Word boundaries of the output (absent: every position is one). */
  boundary?: Uint8Array;
  /** The output's real token ids: they seed the occurrence sample. */
  real: Uint16Array | Uint32Array;
  /** The text of output tokens [start, end). */
  text: (start: number, end: number) => string;
}

/**
 * Span tracing, version 2, by brute force (every start, every length, by scanning): the longest match at each
 * start (on a word boundary, trimmed back to the last one), skipped when it ends within what earlier spans paid;
 * each newly paid token weighs −ln(c/N) and is split equally over the distinct contributions of a seeded sample of
 * the span's occurrences, a copy's occurrence crediting its original.
 */
export function naiveTraceV2(docs: Doc[], output: number[], o: NaiveTraceOptions) {
  const { text, owner, order } = naiveLayout(docs);
  const copyOwner = naiveCopyOwners(docs, o.L);
  const occurrences = (pat: number[]) => order.filter((p) => pat.every((t, j) => text[p + j] === t));
  const unigram = new Map<number, number>();
  for (const t of text) if (t < VOCAB_SIZE) unigram.set(t, (unigram.get(t) ?? 0) + 1);
  const nTokens = text.length - docs.length;
  const rng = new Prng(outputSeed(o.real));
  const exact = new NaiveExact();
  const spans = [];
  let paidEnd = 0;
  for (let i = 0; i < output.length; i++) {
    if (o.boundary && !o.boundary[i]) continue;
    let len = 0;
    while (i + len < output.length && occurrences(output.slice(i, i + len + 1)).length > 0) len++;
    let end = i + len;
    if (o.boundary) while (end > i && !o.boundary[end]) end--;
    if (end - i < o.minSpan || end <= paidEnd) continue;
    const occ = occurrences(output.slice(i, end));
    const sample = Array.from(seededSample(occ.length, o.maxSupport, rng), (k) => occ[k]);
    const contributions = new Map<number, number>();
    for (const id of sample.map((p) => owner[p]).sort((a, b) => a - b)) contributions.set(id, (contributions.get(id) ?? 0) + 1);
    let rarityMicros = 0n;
    const from = Math.max(i, paidEnd);
    for (let j = i; j < end; j++) {
      const w = BigInt(Math.round((Math.log(nTokens) - Math.log(unigram.get(output[j])!)) * 1e6));
      rarityMicros += w;
      if (j < from) continue;
      const credited = new Set(sample.map((p) => (copyOwner[p + j - i] >= 0 ? copyOwner[p + j - i] : owner[p])));
      exact.add([...credited].sort((a, b) => a - b), w);
    }
    spans.push({ start: i, end, text: o.text(i, end), rarityMicros, paidFrom: from, occurrences: occ.length, contributions });
    paidEnd = end;
  }
  return { spans, rawWeights: exact.weights() };
}
