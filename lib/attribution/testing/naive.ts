/**
 * The brute-force reference the engine's tests compare against: contributions laid out in id order with
 * a distinct separator after each (VOCAB_SIZE + rank), suffixes sorted by direct comparison.
 */
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
