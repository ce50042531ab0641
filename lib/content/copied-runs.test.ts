import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { copiedRuns, ppm, type RunDocument } from "./copied-runs";

/** Brute force: token p is copied from the smallest earlier document holding an L-window of the target that contains p. */
function reference(docs: RunDocument[], t: number, L: number) {
  const target = docs[t].tokens;
  const holds = (doc: Uint16Array, j: number) => {
    outer: for (let s = 0; s + L <= doc.length; s++) {
      for (let q = 0; q < L; q++) if (doc[s + q] !== target[j + q]) continue outer;
      return true;
    }
    return false;
  };
  const windowOwner: number[] = [];
  for (let j = 0; j + L <= target.length; j++) {
    let owner = -1;
    for (let r = 0; r < t && owner < 0; r++) if (holds(docs[r].tokens, j)) owner = r;
    windowOwner.push(owner);
  }
  const bySource = new Map<number, number>();
  let copied = 0;
  for (let p = 0; p < target.length; p++) {
    let best = -1;
    for (let j = Math.max(0, p - L + 1); j <= p && j < windowOwner.length; j++) {
      const o = windowOwner[j];
      if (o >= 0 && (best < 0 || o < best)) best = o;
    }
    if (best >= 0) {
      copied++;
      bySource.set(docs[best].id, (bySource.get(docs[best].id) ?? 0) + 1);
    }
  }
  return { tokens: target.length, copied, bySource: new Map([...bySource].sort((a, b) => a[0] - b[0])) };
}

const doc = (id: number, tokens: number[]): RunDocument => ({ id, tokens: Uint16Array.from(tokens) });
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe("copied runs (suffix array)", () => {
  it("finds a copied run of exactly L tokens, and nothing at L − 1", () => {
    const original = doc(3, range(100, 40));
    const copy = doc(7, [1, 2, ...range(110, 8), 3, 4]);
    expect(copiedRuns([original, copy], [1], 8)[0]).toEqual({ tokens: 12, copied: 8, bySource: new Map([[3, 8]]) });
    expect(copiedRuns([original, copy], [1], 9)[0]).toEqual({ tokens: 12, copied: 0, bySource: new Map() });
  });

  it("credits each copied token to the lowest-id earlier holder, never to a later one or to itself", () => {
    const text = range(500, 20);
    const a = doc(1, [9, ...text.slice(0, 12)]);
    const b = doc(2, text);
    const c = doc(5, [...text, ...text]);
    const [ra, rb, rc] = copiedRuns([a, b, c], [0, 1, 2], 10);
    expect(ra).toEqual({ tokens: 13, copied: 0, bySource: new Map() });
    // b's first 12 tokens are a's; the rest only b holds.
    expect(rb).toEqual({ tokens: 20, copied: 12, bySource: new Map([[1, 12]]) });
    // c repeats b twice: its own repetition is not a copy, but every token is b's (or a's, which is earlier).
    expect(rc).toEqual({ tokens: 40, copied: 40, bySource: new Map([[1, 24], [2, 16]]) });
  });

  it("never matches across a document boundary", () => {
    const a = doc(1, range(10, 5));
    const b = doc(2, range(15, 5));
    expect(copiedRuns([a, b, doc(3, range(10, 10))], [2], 6)[0].copied).toBe(0);
  });

  it("agrees with a brute-force reference on random documents", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 40 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 5 }),
        (texts, L) => {
          const docs = texts.map((t, i) => doc(i * 2 + 1, t));
          const got = copiedRuns(docs, docs.map((_, i) => i), L);
          docs.forEach((_, t) => {
            const want = reference(docs, t, L);
            expect({ ...got[t], bySource: new Map([...got[t].bySource].sort((a, b) => a[0] - b[0])) }).toEqual(want);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses documents out of id order", () => {
    expect(() => copiedRuns([doc(2, [1]), doc(1, [1])], [1], 4)).toThrow(/ascending id/);
  });

  it("rounds shares down in ppm", () => {
    expect(ppm(1, 3)).toBe(333_333);
    expect(ppm(2, 3)).toBe(666_666);
    expect(ppm(3, 3)).toBe(1_000_000);
    expect(ppm(0, 0)).toBe(0);
  });
});
