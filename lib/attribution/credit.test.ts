import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildCorpusIndexFromTokens } from "./corpus";
import { computeLongLcpFlags, copyMap } from "./credit";
import { buildShardedIndexFromTokens, shardedCopyMap } from "./shards";
import { createView, viewFilter } from "./view";
import { docsArb, naiveCopyOwners } from "./testing/naive";

describe("copyMap (who a copied passage credits)", () => {
  it("credits every position of a copied L-token run to the earliest contribution holding it, as a naive scan does", () => {
    fc.assert(
      fc.property(docsArb(), fc.integer({ min: 1, max: 4 }), (docs, L) => {
        const index = buildCorpusIndexFromTokens(docs.map((d) => ({ ...d, tokens: Uint16Array.from(d.tokens) })));
        const map = copyMap(index, undefined, null, L);
        const got = Array.from(index.tokens, (_, p) => {
          const r = map.ownerAt(p);
          return r < 0 ? -1 : index.contributionIds[r];
        });
        expect(got).toEqual(naiveCopyOwners(docs, L));
      }),
      { numRuns: 300 },
    );
  });

  it("over shards, credits what the one index credits, position by position (shards of 3–40 tokens)", () => {
    fc.assert(
      fc.property(docsArb(), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 3, max: 40 }), (docs, L, maxShardTokens) => {
        const items = docs.map((d) => ({ ...d, tokens: Uint16Array.from(d.tokens) }));
        const one = buildCorpusIndexFromTokens(items);
        const sharded = buildShardedIndexFromTokens(items, { maxShardTokens: Math.max(maxShardTokens, ...docs.map((d) => d.tokens.length + 1)) });
        const a = copyMap(one, undefined, null, L);
        const b = shardedCopyMap(sharded, L);
        const id = (r: number) => (r < 0 ? -1 : one.contributionIds[r]);
        expect(Array.from(one.tokens, (_, p) => id(b.ownerAt(p)))).toEqual(Array.from(one.tokens, (_, p) => id(a.ownerAt(p))));
      }),
      { numRuns: 300 },
    );
  });

  it("computes the long-LCP flags identically in C and in JS, over 16- and 32-bit tokens", () => {
    fc.assert(
      fc.property(docsArb(), fc.integer({ min: 1, max: 6 }), (docs, L) => {
        const index = buildCorpusIndexFromTokens(docs.map((d) => ({ ...d, tokens: Uint16Array.from(d.tokens) })));
        const js = computeLongLcpFlags(index.tokens, index.sa, L, "js", index.params.separator);
        expect(computeLongLcpFlags(index.tokens, index.sa, L, "native", index.params.separator)).toEqual(js);
        expect(computeLongLcpFlags(Uint32Array.from(index.tokens), index.sa, L, "native", index.params.separator)).toEqual(js);
      }),
      { numRuns: 300 },
    );
  });

  it("in a view, credits only the view's members", () => {
    const docs = [
      { id: 1, datanetId: 1, tokens: Uint16Array.of(5, 6, 7, 8) },
      { id: 2, datanetId: 2, tokens: Uint16Array.of(5, 6, 7, 8) },
      { id: 3, datanetId: 2, tokens: Uint16Array.of(9, 5, 6, 7, 8) },
    ];
    const index = buildCorpusIndexFromTokens(docs);
    const whole = copyMap(index, undefined, null, 3);
    const third = index.starts[2];
    expect(index.contributionIds[whole.ownerAt(third + 1)]).toBe(1);
    const view = createView(index, Uint32Array.of(2, 3));
    const inView = copyMap(index, view, viewFilter(index, view), 3);
    // Contribution 1 is not in the view: 2 is the earliest member holding 5 6 7 8, and 2 itself copies nobody.
    expect(index.contributionIds[inView.ownerAt(third + 1)]).toBe(2);
    expect(inView.ownerAt(index.starts[1])).toBe(-1);
    expect(whole.ownerAt(index.starts[1])).toBe(0);
  });
});
