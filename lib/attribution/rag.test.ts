import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildCorpusIndex, type CorpusContribution } from "./corpus";
import { AttributionError } from "./errors";
import { extractiveAnswer, NO_ANSWER, RAG_MAX_QUERY_TERMS, ragWeights, retrieve, searchTerms, stripMarkdown, type Retrieved } from "./rag";
import { decodeRecord, encodeRecord, PPM, splitPool, toPpm } from "./record";
import { runAttribution } from "./run";
import { traceSpans } from "./span-trace";
import { encode } from "./tokenizer";
import { createView } from "./view";
import { glossaryContributions, RAG_PARAMS, ragTranscript } from "./testing/rag-transcript";

const run = promisify(execFile);
const HASH = `0x${"ab".repeat(32)}` as const;
const corpus = (contributions: CorpusContribution[]) => ({ format: "corpus" as const, index: buildCorpusIndex(contributions) });
const glossary = corpus(glossaryContributions());
const ask = (prompt: string, extra: Partial<typeof RAG_PARAMS> & { output?: string; view?: ReturnType<typeof createView> } = {}, model = glossary) => {
  const { output, view, ...params } = extra;
  return runAttribution({ kind: "rag", model, view, modelId: 4, artifactHash: HASH, requestId: 1n, prompt, params: { ...RAG_PARAMS, ...params }, output });
};

describe("RAG retrieval", () => {
  it('answers "What is a tiger?" with the WordNet gloss, cleaned of markdown, credited mostly to the contribution that holds it', () => {
    const { output, record } = ask("What is a tiger?");
    expect(output).toBe("Tiger (Panthera tigris): large feline of forests in most of Asia having a tawny coat with black stripes; endangered.");
    expect(output).not.toMatch(/\*\*/);
    expect(record.method).toBe("rag");
    expect(record.version === 2 && record.alphaPpm).toBe(PPM);
    // Contribution 1 holds the tiger gloss; the rest goes to the other retrieved record ("tiger cub").
    expect(record.entries[0].contributionId).toBe(1);
    expect(record.entries[0].weightPpm).toBeGreaterThan(600_000);
  });

  it("gives the same bytes in another process (other hash seed, time zone and locale)", async () => {
    const script = path.join(import.meta.dirname, "testing", "rag-transcript.ts");
    const { stdout } = await run(process.execPath, ["--hash-seed=424242", "--import", "tsx", script], {
      cwd: process.cwd(),
      env: { ...process.env, TZ: "Pacific/Chatham", LANG: "tr_TR.UTF-8" },
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(stdout).toBe(ragTranscript() + "\n");
    expect(stdout).toContain('"method":"rag"');
    expect(stdout).toContain('"method":"fallback-datanet-treasury"');
  }, 60_000);

  it("breaks exact score ties toward the lower contribution id, then the earlier record", () => {
    const model = corpus([
      { id: 7, datanetId: 1, text: "zebra: a striped horse of Africa" },
      { id: 3, datanetId: 1, text: "zebra: a striped horse of Africa\n\nzebra: a striped horse of Africa" },
      { id: 5, datanetId: 2, text: "lion: a large cat" },
    ]);
    const got = retrieve(model.index, undefined, "zebra", 3);
    expect(got.map((r) => [r.passage.contributionId, r.passage.ordinal])).toEqual([
      [3, 0],
      [3, 1],
      [7, 0],
    ]);
    expect(new Set(got.map((r) => r.scoreMicros)).size).toBe(1);
    const { record } = ask("zebra", { k: 3 }, model);
    // Contribution 3 has two of the three equal scores; exact thirds, the odd ppm to the lower id.
    expect(record.entries).toEqual([
      { contributionId: 3, weightPpm: 666_667 },
      { contributionId: 7, weightPpm: 333_333 },
    ]);
  });

  it("skips withdrawn contributions: the view's records only, statistics over the view", () => {
    const all = glossary.index.contributionIds;
    const view = createView(glossary.index, [...all].filter((id) => id !== 1));
    const { output, record } = ask("What is a tiger?", { view });
    expect(output).not.toContain("Panthera");
    expect(record.entries.some((e) => e.contributionId === 1)).toBe(false);
  });

  it("refuses hostile questions with clear errors and bounds the work of a huge one", () => {
    expect(() => ask("")).toThrow(/prompt is empty/);
    expect(() => ask("   \n ")).toThrow(AttributionError);
    expect(() => ask("What is it?")).toThrow(/nothing to search for/);
    expect(() => ask("tiger ".repeat(400))).toThrow(/at most 2000 characters/);
    const many = Array.from({ length: RAG_MAX_QUERY_TERMS + 1 }, (_, i) => `w${i}x`).join(" ");
    expect(() => ask(many)).toThrow(/at most 32 distinct search words/);
    // The 32 most common search words of the corpus: every posting list is long, yet the work stays small.
    const counts = new Map<string, number>();
    for (const c of glossaryContributions()) for (const t of searchTerms(c.text)) counts.set(t, (counts.get(t) ?? 0) + 1);
    const common = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, RAG_MAX_QUERY_TERMS).map(([t]) => t);
    const started = performance.now();
    const { record } = ask(common.join(" "), { k: 20 });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(record.method).toBe("rag");
    expect(() => retrieve(glossary.index, undefined, "tiger", 21)).toThrow(/k must be/);
  });

  it("strips markdown markup and keeps the words", () => {
    expect(stripMarkdown("**tiger, Panthera tigris**: a *large* `cat`, see [this](http://x) ![img](y)")).toBe("tiger, Panthera tigris: a large cat, see this img");
    expect(stripMarkdown("# Title\n- item one\n> quoted __bold__")).toBe("Title\nitem one\nquoted bold");
    expect(stripMarkdown("snake_case and 2*3*4 stay")).toBe("snake_case and 2*3*4 stay");
  });

  it("strips a hostile passage in time linear in its length (openers without closers)", () => {
    // Unbounded patterns backtracked over the rest of the text for every opener: 80 kB of "[a " took 1.1 s, 1 MB minutes.
    // Growth, not a bound: 8× the text must cost well under 64×, what a quadratic pattern costs (linear measures
    // ~4–13×). Measured in this process's CPU time, not wall time: on a loaded machine the wall clock also counts the
    // time other processes held the cores (it once inflated a linear ratio past 32). Each size keeps its cheapest of
    // five alternating runs.
    const cpuMs = () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1000;
    };
    for (const unit of ["[a ", "[", "![a ", "**a ", "_a ", "`a **"]) {
      const of = (chars: number) => `tiger: ${unit.repeat(Math.ceil(chars / unit.length))}`;
      const texts = [of(25_000), of(200_000)];
      const best = [Infinity, Infinity];
      for (let round = 0; round < 5; round++) {
        for (const [i, text] of texts.entries()) {
          const started = cpuMs();
          expect(stripMarkdown(text).startsWith("tiger: ")).toBe(true);
          best[i] = Math.min(best[i], cpuMs() - started);
        }
      }
      expect(best[1] / Math.max(best[0], 1), unit).toBeLessThan(32);
    }
  });
});

describe("RAG attribution", () => {
  const retrievedArb = fc
    .array(fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 50_000_000 })), { minLength: 1, maxLength: 8 })
    .map((xs) => xs.map(([id, score], i) => ({ passage: { rank: 0, contributionId: id, ordinal: i, text: "", titles: [], length: 1 }, scoreMicros: score }) as Retrieved));
  const spansArb = fc.option(fc.array(fc.tuple(fc.integer({ min: 1, max: 14 }), fc.bigInt({ min: 0n, max: 10n ** 12n })), { maxLength: 8 }).map((xs) => new Map(xs)), { nil: null });

  it("conserves the pool: Σ ppm = 1,000,000 and Σ wei = pool, for any retrieval, spans and α", () => {
    fc.assert(
      fc.property(retrievedArb, spansArb, fc.integer({ min: 0, max: PPM }), fc.bigInt({ min: 0n, max: 10n ** 24n }), (retrieved, spans, alpha, pool) => {
        const { raw, alphaPpm } = ragWeights(retrieved, spans, alpha);
        const entries = toPpm(raw);
        expect(entries.reduce((s, e) => s + e.weightPpm, 0)).toBe(PPM);
        // Only retrieved contributions earn.
        const ids = new Set(retrieved.map((r) => r.passage.contributionId));
        expect(entries.every((e) => ids.has(e.contributionId))).toBe(true);
        const record = { version: 2 as const, method: "rag" as const, modelId: 1, artifactHash: HASH, requestId: "1", withdrawalsAt: null, entries, datanets: [], terms: [], alphaPpm };
        expect(splitPool(record, pool).reduce((s, x) => s + x.amount, 0n)).toBe(pool);
        expect(decodeRecord(encodeRecord(record))).toEqual(record);
      }),
      { numRuns: 300 },
    );
  });

  it("encodes α last, only in rag records: every other record keeps its bytes, and a decoder refuses a misplaced α", () => {
    const { record } = ask("What is a tiger?");
    const bytes = encodeRecord(record);
    expect(bytes.endsWith(',"terms":[],"alphaPpm":1000000}')).toBe(true);
    expect(decodeRecord(bytes)).toEqual(record);
    expect(() => decodeRecord(bytes.replace(',"alphaPpm":1000000', ""))).toThrow(/names its α/);
    const traced = runAttribution({ kind: "external", model: glossary, modelId: 4, artifactHash: HASH, requestId: 1n, prompt: "x", params: { minSpanTokens: 4, maxSupport: 100 }, output: "large feline of forests in most of Asia" });
    const plain = encodeRecord(traced.record);
    expect(plain).not.toContain("alphaPpm");
    expect(() => decodeRecord(plain.replace(/}$/, ',"alphaPpm":5}'))).toThrow(/only a rag record/);
    expect(() => decodeRecord(bytes.replace("1000000}", "1000001}"))).toThrow(AttributionError);
    expect(() => runAttribution({ kind: "rag", model: glossary, modelId: 4, artifactHash: HASH, requestId: 1n, prompt: "tiger", params: RAG_PARAMS, recordVersion: 1 })).toThrow(/version 2/);
  });

  it("mixes exactly: α by retrieval scores, 1 − α by spans (example by hand)", () => {
    const r = (id: number, score: number) => ({ passage: { rank: 0, contributionId: id, ordinal: 0, text: "", titles: [], length: 1 }, scoreMicros: score });
    // R = {1: 3, 2: 1} (S = 4), P = {2: 5} (T = 5, the 9 of contribution 3 was not retrieved), α = 0.25:
    // 1 → 0.25·3/4 = 0.1875, 2 → 0.25·1/4 + 0.75·5/5 = 0.8125.
    const { raw, alphaPpm } = ragWeights([r(1, 3), r(2, 1)], new Map([[2, 5n], [3, 9n]]), 250_000);
    expect(alphaPpm).toBe(250_000);
    expect(toPpm(raw)).toEqual([
      { contributionId: 1, weightPpm: 187_500 },
      { contributionId: 2, weightPpm: 812_500 },
    ]);
    // Nothing copied from the retrieved records: α = 1.
    expect(ragWeights([r(1, 3)], new Map([[3, 9n]]), 250_000).alphaPpm).toBe(PPM);
    expect(ragWeights([], null, 250_000).raw.size).toBe(0);
  });

  it("attributes an endpoint's answer by α and its verbatim spans, and records α", () => {
    const output = "A tiger is a large feline of forests in most of Asia having a tawny coat with black stripes.";
    const { record, output: got } = ask("What is a tiger?", { llm: true, alphaPpm: 400_000, output });
    expect(got).toBe(output);
    expect(record.version === 2 && record.alphaPpm).toBe(400_000);
    const extractive = ask("What is a tiger?").record;
    // The copied span is contribution 1's: the endpoint answer credits it more than retrieval alone did.
    expect(record.entries[0].contributionId).toBe(1);
    expect(record.entries[0].weightPpm).toBeGreaterThan(extractive.entries[0].weightPpm);
    expect(() => ask("What is a tiger?", { llm: true })).toThrow(/needs the endpoint's answer/);
    // An extractive record ignores a given output (it is recomputed).
    expect(ask("What is a tiger?", { output: "anything" }).output).toBe(ask("What is a tiger?").output);
  });
});

describe("RAG and contributors' terms", () => {
  /** Whether `doc` holds the run out[i..i+len) verbatim. */
  const holdsRun = (doc: Uint16Array, out: Uint16Array, len: number) => {
    for (let i = 0; i + len <= out.length; i++) {
      outer: for (let s = 0; s + len <= doc.length; s++) {
        for (let j = 0; j < len; j++) if (doc[s + j] !== out[i + j]) continue outer;
        return true;
      }
    }
    return false;
  };
  const base = glossaryContributions(8, 2);
  const model = corpus(base);
  const questions = ["What is a tiger?", "lion", "large cat", "honey bees", "apple fruit", "What is a rose?", "striped horse Africa", "oak tree acorns"];

  it("an extractive answer never quotes more than N consecutive tokens of a limited contribution (property)", () => {
    let bound = 0;
    fc.assert(
      fc.property(
        fc.subarray(base.map((c) => c.id)).chain((ids) => fc.tuple(...ids.map((id) => fc.tuple(fc.constant(id), fc.integer({ min: 8, max: 24 }))))),
        fc.constantFrom(...questions),
        fc.integer({ min: 1, max: 4 }),
        (pairs, question, quotes) => {
          const limits = new Map(pairs);
          const retrieved = retrieve(model.index, undefined, question, 4);
          const answer = extractiveAnswer(model.index, undefined, retrieved, { quotes, verbatimLimits: limits });
          const out = encode(answer.text);
          for (const c of base) {
            const n = limits.get(c.id);
            if (n !== undefined) expect(holdsRun(encode(c.text), out, n + 1), `${c.id} limited to ${n}: ${answer.text}`).toBe(false);
          }
          expect(answer.limited.every((id) => limits.has(id))).toBe(true);
          if (answer.limited.length > 0) bound++;
          // No limit bound: the answer is the unlimited one.
          if (answer.limited.length === 0) expect(answer.text).toBe(extractiveAnswer(model.index, undefined, retrieved, { quotes }).text);
        },
      ),
      { numRuns: 150 },
    );
    expect(bound).toBeGreaterThan(10);
  });

  it("names the limits that held a quote back in the record, and span tracing finds no violation", () => {
    const limits = new Map([[1, 16]]);
    const run = runAttribution({ kind: "rag", model, modelId: 4, artifactHash: HASH, requestId: 9n, prompt: "What is a tiger?", params: RAG_PARAMS, verbatimLimits: limits });
    expect(run.output).toMatch(/…/);
    expect(run.output).not.toBe(NO_ANSWER);
    expect(run.record.version === 2 && run.record.terms).toEqual([{ contributionId: 1, maxVerbatimTokens: 16 }]);
    expect(run.output).toBe("Tiger (Panthera tigris): large …");
    expect(traceSpans(model.index, run.output, { minSpanTokens: 4, maxSupport: 100, verbatimLimits: limits }).violations).toEqual([]);
  });
});
