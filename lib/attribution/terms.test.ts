import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildCorpusIndex, buildCorpusIndexFromTokens } from "./corpus";
import { AttributionError } from "./errors";
import { generate } from "./infinigram";
import { decodeRecord, encodeRecord } from "./record";
import { loadArtifact, runAttribution } from "./run";
import { traceSpans } from "./span-trace";
import { MIN_VERBATIM_TOKENS } from "./terms";
import { docsArb, type Doc } from "./testing/naive";
import { encode } from "./tokenizer";
import { serializeCorpusIndex } from "./artifact";

/** Whether `doc` holds the run out[i..i+len) verbatim. */
function holds(doc: number[], out: ArrayLike<number>, i: number, len: number): boolean {
  for (let s = 0; s + len <= doc.length; s++) {
    let j = 0;
    while (j < len && doc[s + j] === out[i + j]) j++;
    if (j === len) return true;
  }
  return false;
}

/** The longest run of `out` that `doc` holds verbatim. */
function longestRun(doc: number[], out: ArrayLike<number>): number {
  let best = 0;
  for (let i = 0; i < out.length; i++) for (let len = best + 1; i + len <= out.length && holds(doc, out, i, len); len++) best = len;
  return best;
}

const limitsArb = (docs: Doc[]) =>
  fc.subarray(docs.map((d) => d.id)).chain((ids) =>
    fc.tuple(...ids.map((id) => fc.tuple(fc.constant(id), fc.integer({ min: MIN_VERBATIM_TOKENS, max: MIN_VERBATIM_TOKENS + 3 })))).map((pairs) => new Map(pairs)),
  );

// Long, repetitive contributions over a 4-token vocabulary, so limits of 8+ tokens bind often.
const longDocsArb = docsArb(1).map((docs) => docs.map((d) => ({ ...d, tokens: [...d.tokens, ...d.tokens.slice().reverse(), ...d.tokens] })));

describe("no verbatim over N tokens", () => {
  it("∞-gram answers never hold a run of more than N tokens of a limited contribution; unbound limits change nothing", () => {
    let bound = 0;
    fc.assert(
      fc.property(
        longDocsArb.chain((docs) => fc.tuple(fc.constant(docs), limitsArb(docs))),
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom(0, 1),
        fc.integer({ min: 0, max: 1000 }),
        ([docs, limits], prompt, maxTokens, temperature, seed) => {
          const index = buildCorpusIndexFromTokens(docs.map((d) => ({ ...d, tokens: Uint16Array.from(d.tokens) })));
          const opts = { maxTokens, temperature, topK: 50, seed, maxSupport: 8, rules: 2 as const, originalSpanTokens: 4 };
          const got = generate(index, Uint16Array.from(prompt), { ...opts, verbatimLimits: limits });
          for (const d of docs) {
            const n = limits.get(d.id);
            if (n !== undefined) expect(longestRun(d.tokens, got.tokens)).toBeLessThanOrEqual(n);
          }
          expect(got.limited.every((id) => limits.has(id))).toBe(true);
          if (got.limited.length > 0) bound++;
          if (got.limited.length === 0) {
            const free = generate(index, Uint16Array.from(prompt), opts);
            expect(Array.from(got.tokens)).toEqual(Array.from(free.tokens));
            expect(got.rawWeights).toEqual(free.rawWeights);
          }
        },
      ),
      { numRuns: 300 },
    );
    expect(bound).toBeGreaterThan(30); // the property is exercised, not vacuous
  });

  it("span tracing names exactly the limited contributions holding a run of the answer longer than their limit", () => {
    fc.assert(
      fc.property(
        longDocsArb.chain((docs) => fc.tuple(fc.constant(docs), limitsArb(docs))),
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 40 }),
        ([docs, limits], output) => {
          const index = buildCorpusIndexFromTokens(docs.map((d) => ({ ...d, tokens: Uint16Array.from(d.tokens) })));
          const got = traceSpans(index, Uint16Array.from(output), { minSpanTokens: 2, maxSupport: 8, rules: 2, verbatimLimits: limits });
          const expected = docs.filter((d) => limits.has(d.id) && longestRun(d.tokens, output) > limits.get(d.id)!).map((d) => d.id).sort((a, b) => a - b);
          expect(got.violations).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  const alice = "The red fox is a small wild dog with a bushy tail. It hunts mice and rabbits at night, and it sleeps in a den dug under the roots of an old tree.";
  const bob = "The arctic fox is a small fox with thick white fur. It lives on the tundra and eats lemmings.";
  const index = buildCorpusIndex([
    { id: 1, datanetId: 1, text: alice },
    { id: 2, datanetId: 1, text: bob },
  ]);
  const model = loadArtifact(serializeCorpusIndex(index));
  const params = { maxTokens: 30, temperature: 0, topK: 1, seed: 1, maxSupport: 100 };
  const run = (limits?: Map<number, number>) =>
    runAttribution({ kind: "infinigram", model, modelId: 1, artifactHash: `0x${"ab".repeat(32)}`, requestId: 9n, prompt: "The red fox", params, verbatimLimits: limits });

  it("a greedy answer that would recite a limited contribution stops copying at N tokens, and the record names the term", () => {
    const free = run();
    expect(longestRun(Array.from(encode(alice)), encode(free.output))).toBeGreaterThan(20);
    expect(free.record.version === 2 && free.record.terms).toEqual([]);
    const bound = run(new Map([[1, 8]]));
    expect(longestRun(Array.from(encode(alice)), encode(bound.output))).toBeLessThanOrEqual(8);
    expect(bound.output).not.toBe(free.output);
    expect(bound.record.version === 2 && bound.record.terms).toEqual([{ contributionId: 1, maxVerbatimTokens: 8 }]);
    // The record round-trips, and the same inputs give the same bytes.
    expect(decodeRecord(encodeRecord(bound.record))).toEqual(bound.record);
    expect(encodeRecord(run(new Map([[1, 8]])).record)).toBe(encodeRecord(bound.record));
    // A limit on a contribution the answer does not reach changes nothing.
    const other = run(new Map([[2, 8]]));
    expect(other.output).toBe(free.output);
  });

  it("a traced external answer that recites a limited contribution is flagged in its record", () => {
    const traced = runAttribution({
      kind: "external",
      model,
      modelId: 1,
      artifactHash: `0x${"ab".repeat(32)}`,
      requestId: 10n,
      prompt: "?",
      output: alice,
      params: { minSpanTokens: 4, maxSupport: 100 },
      verbatimLimits: new Map([
        [1, 16],
        [2, 8],
      ]),
    });
    expect(traced.record.version === 2 && traced.record.terms).toEqual([{ contributionId: 1, maxVerbatimTokens: 16 }]);
  });

  it("refuses limits outside the allowed range and limits under version 1's rules", () => {
    expect(() => run(new Map([[1, MIN_VERBATIM_TOKENS - 1]]))).toThrow(AttributionError);
    expect(() => run(new Map([[1, 1.5]]))).toThrow(AttributionError);
    expect(() => generate(index, "The red fox", { ...params, rules: 1, verbatimLimits: new Map([[1, 8]]) })).toThrow(/version 2/);
  });
});
