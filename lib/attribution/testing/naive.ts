/**
 * The brute-force reference the engine's tests compare against: contributions laid out in id order with
 * a distinct separator after each (VOCAB_SIZE + rank), suffixes sorted by direct comparison.
 */
import fc from "fast-check";
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
