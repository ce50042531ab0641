/**
 * RAG models: a question retrieves the best records (passages) of the model's contributions with BM25, and the
 * answer is composed from them — extractively (quotes, cleaned of markdown, as one paragraph) or by an external
 * LLM given them as context. Everything here is a pure function of the corpus index, its view and the question,
 * so Verify recomputes retrieval, the extractive answer and the attribution byte for byte.
 *
 * Passages are recovered from the artifact itself: each contribution's tokens decode to its text with the index's
 * tokenizer (byte-level BPE is lossless) and records are its blank-line separated paragraphs (the build joins records with "\n\n").
 */
import type { CorpusIndex } from "./corpus";
import { unicode15 } from "./unicode";
import { AttributionError } from "./errors";
import { PPM } from "./record";
import { VerbatimGuard, type VerbatimLimits } from "./terms";
import { tokenizerFor, type Tokenizer } from "./tokenizer";
import type { ModelView } from "./view";

/** A longer question is refused (before payment by the route, and by the engine). */
export const RAG_MAX_QUESTION_CHARS = 2_000;
/** Distinct search words a question may have: bounds retrieval work to this many posting lists. */
export const RAG_MAX_QUERY_TERMS = 32;
/** Records an answer may retrieve (k). */
export const RAG_MAX_K = 20;
/** BM25 parameters (Robertson/Lucene defaults), fixed: part of the rule. */
const K1 = 1.2;
const B = 0.75;
/** A passage whose title is exactly the question's search words ("What is a tiger?" → "tiger") scores this many times its BM25. */
const TITLE_BOOST = 4;
/** The longest title a passage of the form "title: text" may have. */
const MAX_TITLE_CHARS = 80;

/** English function words and question words: never searched for (so "What is a tiger?" searches "tiger"). */
const STOPWORDS = new Set(
  (
    "a an and are as at be been being but by can could did do does for from had has have how i if in into is it its me my " +
    "of on or our so than that the their them then there these they this those to was we were what when where which who " +
    "whom whose why will with would you your about tell explain describe define definition meaning mean means please give " +
    "know called kind sort type"
  ).split(" "),
);

/** The search words of a text: NFKC, lower case, letters and digits only, stopwords dropped (fixed: part of the rule). */
export function searchTerms(text: string): string[] {
  const out: string[] = [];
  for (const w of unicode15(text).normalize("NFKC").toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (w.length === 0 || STOPWORDS.has(w)) continue;
    out.push(w);
  }
  return out;
}

/**
 * Markdown markup removed, the words kept: emphasis, code, headings, links and images, list and quote markers. Every
 * pattern is bounded (link text 200 characters, targets 2,048, emphasis 500, all within a line), so an opener without
 * its closer costs at most its bound: linear in the text, where unbounded patterns were quadratic ("[a [a [a …" of
 * 80 kB took 1.1 s, and a passage is stripped on every answer and every Verify).
 */
export function stripMarkdown(text: string): string {
  return text
    .replace(/!\[([^\]\n]{0,200})\]\([^)\s]{0,2048}\)/g, "$1")
    .replace(/\[([^\]\n]{1,200})\]\([^)\s]{0,2048}\)/g, "$1")
    .replace(/^[ \t]{0,3}#{1,6}[ \t]+/gm, "")
    .replace(/^[ \t]{0,3}>[ \t]?/gm, "")
    .replace(/^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+/gm, "")
    .replace(/```[^\n]*\n?/g, "")
    .replace(/(\*\*|__)(?=\S)([^\n]{0,500}?\S)\1/g, "$2")
    .replace(/(^|[^\w*])[*_](?=\S)([^*_\n]{0,500}?\S)[*_](?=$|[^\w*])/gm, "$1$2")
    .replace(/`([^`\n]{0,500})`/g, "$1");
}

export interface Passage {
  /** Rank of its contribution in the index (position in contributionIds). */
  rank: number;
  contributionId: number;
  /** Its position among its contribution's paragraphs, from 0. */
  ordinal: number;
  text: string;
  /** Search words of its title ("tiger, Panthera tigris: …" → "tiger", "panthera tigris"), each joined by spaces. */
  titles: string[];
  /** Its length in search words. */
  length: number;
}

interface PassageIndex {
  passages: Passage[];
  /** term → passage numbers (ascending) and the term's count in each. */
  postings: Map<string, { ps: number[]; tfs: number[] }>;
  /** Per contribution rank: passages and Σ lengths (a view's N and average length from its members). */
  countByRank: Uint32Array;
  lengthByRank: Float64Array;
}

/** The title of a definition-style paragraph: markdown bold at its start, else the text before ": " if short. */
function titlesOf(text: string): string[] {
  const bold = /^\s*(?:\*\*|__)(.+?)(?:\*\*|__)/.exec(text);
  let head: string | null = bold ? bold[1] : null;
  if (head === null) {
    const colon = text.indexOf(": ");
    if (colon > 0 && colon <= MAX_TITLE_CHARS && !/[.!?\n]/.test(text.slice(0, colon))) head = text.slice(0, colon);
  }
  if (head === null) return [];
  return head
    .split(/[,;]/)
    .map((item) => searchTerms(item).join(" "))
    .filter((t) => t.length > 0);
}

/** The paragraphs of a text: split at blank lines, trimmed, empty ones dropped. */
export function paragraphsOf(text: string): string[] {
  return text
    .split(/\n[ \t]*\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

const indexes = new WeakMap<CorpusIndex, PassageIndex>();

/** The passages of every contribution of an index, with their postings (built once per index, then kept). */
export function passageIndex(index: CorpusIndex): PassageIndex {
  const known = indexes.get(index);
  if (known) return known;
  const tokenizer = tokenizerFor(index.params.tokenizer);
  const passages: Passage[] = [];
  const postings = new Map<string, { ps: number[]; tfs: number[] }>();
  const n = index.contributionIds.length;
  const countByRank = new Uint32Array(n);
  const lengthByRank = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const end = r + 1 < n ? index.starts[r + 1] - 1 : index.tokens.length - 1;
    const text = tokenizer.decode(index.tokens.subarray(index.starts[r], end));
    paragraphsOf(text).forEach((p, ordinal) => {
      const terms = searchTerms(p);
      const id = passages.length;
      passages.push({ rank: r, contributionId: index.contributionIds[r], ordinal, text: p, titles: titlesOf(p), length: terms.length });
      countByRank[r]++;
      lengthByRank[r] += terms.length;
      const tf = new Map<string, number>();
      for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const [t, c] of tf) {
        let list = postings.get(t);
        if (!list) postings.set(t, (list = { ps: [], tfs: [] }));
        list.ps.push(id);
        list.tfs.push(c);
      }
    });
  }
  const built = { passages, postings, countByRank, lengthByRank };
  indexes.set(index, built);
  return built;
}

export interface Retrieved {
  passage: Passage;
  /** BM25 score (× TITLE_BOOST on an exact title match) in integer millionths: the exact weight attribution uses. */
  scoreMicros: number;
}

/** The question's distinct search words, in order; refuses what cannot be a question (clear errors, bounded work). */
export function questionTerms(question: string): string[] {
  if (typeof question !== "string" || question.trim().length === 0) throw new AttributionError("Ask a question: the prompt is empty.");
  if (question.length > RAG_MAX_QUESTION_CHARS) {
    throw new AttributionError(`A question to a RAG model has at most ${RAG_MAX_QUESTION_CHARS} characters (this one has ${question.length}).`);
  }
  const terms = [...new Set(searchTerms(question))];
  if (terms.length === 0) {
    throw new AttributionError('This question has nothing to search for (only common words such as "what", "is", "a"): name what you are asking about.');
  }
  if (terms.length > RAG_MAX_QUERY_TERMS) {
    throw new AttributionError(`A question to a RAG model has at most ${RAG_MAX_QUERY_TERMS} distinct search words (this one has ${terms.length}); ask something shorter.`);
  }
  return terms;
}

/**
 * The top k passages of the model's view for a question, by BM25 (k1 = 1.2, b = 0.75, Lucene's idf
 * ln(1 + (N − df + 0.5)/(df + 0.5)), statistics over the view's passages only, so a withdrawn contribution
 * changes nothing but its absence). Terms are summed in sorted order so the float sum is the same everywhere;
 * scores become integer millionths; ties go to the lower contribution id, then the earlier passage.
 */
export function retrieve(index: CorpusIndex, view: ModelView | undefined, question: string, k: number): Retrieved[] {
  if (!Number.isSafeInteger(k) || k < 1 || k > RAG_MAX_K) throw new AttributionError(`k must be a whole number in 1..${RAG_MAX_K}.`);
  const terms = questionTerms(question).sort();
  const pi = passageIndex(index);
  const member = (rank: number) => view === undefined || view.members[rank] === 1;
  let n = 0;
  let totalLength = 0;
  for (let r = 0; r < pi.countByRank.length; r++) {
    if (!member(r)) continue;
    n += pi.countByRank[r];
    totalLength += pi.lengthByRank[r];
  }
  if (n === 0) return [];
  const avgdl = totalLength / n || 1;
  const scores = new Map<number, number>();
  for (const term of terms) {
    const list = pi.postings.get(term);
    if (!list) continue;
    let df = 0;
    for (const p of list.ps) if (member(pi.passages[p].rank)) df++;
    if (df === 0) continue;
    const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
    for (let i = 0; i < list.ps.length; i++) {
      const passage = pi.passages[list.ps[i]];
      if (!member(passage.rank)) continue;
      const tf = list.tfs[i];
      const s = (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * passage.length) / avgdl));
      scores.set(list.ps[i], (scores.get(list.ps[i]) ?? 0) + s);
    }
  }
  const key = questionTerms(question).join(" ");
  const out: { p: number; scoreMicros: number }[] = [];
  for (const [p, s] of scores) {
    const boosted = pi.passages[p].titles.includes(key) ? s * TITLE_BOOST : s;
    const scoreMicros = Math.round(boosted * 1e6);
    if (scoreMicros > 0) out.push({ p, scoreMicros });
  }
  // Passage numbers ascend with (contribution id, ordinal): the tie rule.
  out.sort((a, b) => b.scoreMicros - a.scoreMicros || a.p - b.p);
  return out.slice(0, k).map((x) => ({ passage: pi.passages[x.p], scoreMicros: x.scoreMicros }));
}

/** One quote as a sentence: markdown removed, whitespace collapsed, "tiger, Panthera tigris: …" → "Tiger (Panthera tigris): …". */
export function readableQuote(text: string): string {
  let s = stripMarkdown(text).replace(/\s+/g, " ").trim();
  const colon = s.indexOf(": ");
  if (colon > 0 && colon <= MAX_TITLE_CHARS && !/[.!?]/.test(s.slice(0, colon))) {
    const items = s
      .slice(0, colon)
      .split(", ")
      .map((x) => x.trim())
      .filter(Boolean);
    if (items.length > 1) s = `${items[0]} (${items.slice(1).join(", ")})${s.slice(colon)}`;
  }
  if (s.length === 0) return s;
  s = s[0].toUpperCase() + s.slice(1);
  return /[.!?…"')\]]$/.test(s) ? s : `${s}.`;
}

/** What an extractive answer says when nothing in the model answers the question. */
export const NO_ANSWER = "No record of this model's Datanets matches the question.";

export interface ExtractiveOptions {
  /** Most passages quoted (of those retrieved). */
  quotes: number;
  verbatimLimits?: VerbatimLimits;
}

/** A quote cut to at most `max` tokens, at a word boundary, marked with an ellipsis (null when little would remain). */
function truncateQuote(tokenizer: Tokenizer, quote: string, max: number): string | null {
  const tokens = tokenizer.encode(quote);
  if (tokens.length <= max) return quote;
  let cut = tokenizer.decode(tokens.subarray(0, Math.max(0, max)));
  const space = cut.lastIndexOf(" ");
  cut = space > 0 ? cut.slice(0, space) : "";
  cut = cut.replace(/[\s,;:]+$/, "");
  return cut.split(" ").length >= 3 ? `${cut} …` : null;
}

/**
 * The extractive answer: the best retrieved passages (those scoring at least half the best, up to `quotes`),
 * each cleaned into a sentence, joined into one paragraph. Contributors' "no verbatim over N tokens" terms hold:
 * a quote of a limited contribution is cut to N − 2 tokens (the answer's own tokenization may join a token at
 * either end), and the composed answer is checked exactly against every limit of the model; while it still holds
 * a run of more than N tokens of a limited contribution, its last quote is dropped. Returns the answer and the
 * limited contributions that held a quote back (the record's `terms`).
 */
export function extractiveAnswer(index: CorpusIndex, view: ModelView | undefined, retrieved: Retrieved[], opts: ExtractiveOptions): { text: string; limited: number[] } {
  if (retrieved.length === 0) return { text: NO_ANSWER, limited: [] };
  const best = retrieved[0].scoreMicros;
  const limits = opts.verbatimLimits;
  const limited = new Set<number>();
  const tokenizer = tokenizerFor(index.params.tokenizer);
  const quotes: { contributionId: number; text: string }[] = [];
  for (const r of retrieved) {
    if (quotes.length >= opts.quotes) break;
    if (r.scoreMicros * 2 < best) break;
    let quote: string | null = readableQuote(r.passage.text);
    const n = limits?.get(r.passage.contributionId);
    if (n !== undefined && (view === undefined || view.has(r.passage.contributionId))) {
      const cut = truncateQuote(tokenizer, quote, n - 2);
      if (cut !== quote) limited.add(r.passage.contributionId);
      quote = cut;
    }
    if (quote) quotes.push({ contributionId: r.passage.contributionId, text: quote });
  }
  const guard = limits && limits.size > 0 ? new VerbatimGuard(index, view, limits) : null;
  while (quotes.length > 0 && guard?.active) {
    const violations = guard.violations(tokenizer.encode(quotes.map((q) => q.text).join(" ")));
    if (violations.length === 0) break;
    for (const rank of violations) limited.add(index.contributionIds[rank]);
    quotes.pop();
  }
  const text = quotes.length > 0 ? quotes.map((q) => q.text).join(" ") : NO_ANSWER;
  return { text, limited: [...limited].sort((a, b) => a - b) };
}

/**
 * The rag rule's raw weights, exact: a share α (in ppm) by the retrieved passages' scores (summed per
 * contribution) and 1 − α by the span-tracing weights of the answer restricted to the retrieved contributions:
 *   raw_c = α·R_c·T + (10⁶ − α)·P_c·S,   S = Σ R, T = Σ P,
 * so raw_c / Σ raw = (α/10⁶)·R_c/S + (1 − α/10⁶)·P_c/T. When the answer copied nothing from them (T = 0) or the
 * answer is extractive (no spans), α is 10⁶ and the weights are R. Nothing retrieved: no weights (the record falls
 * back to the Datanet treasuries).
 */
export function ragWeights(retrieved: Retrieved[], spans: Map<number, bigint> | null, alphaPpm: number): { raw: Map<number, bigint>; alphaPpm: number } {
  if (!Number.isSafeInteger(alphaPpm) || alphaPpm < 0 || alphaPpm > PPM) throw new AttributionError("α must be a whole number of ppm in 0..1,000,000.");
  const R = new Map<number, bigint>();
  for (const r of retrieved) R.set(r.passage.contributionId, (R.get(r.passage.contributionId) ?? 0n) + BigInt(r.scoreMicros));
  let S = 0n;
  for (const w of R.values()) S += w;
  if (S === 0n) return { raw: new Map(), alphaPpm: PPM };
  const P = new Map<number, bigint>();
  let T = 0n;
  if (spans) {
    for (const [id, w] of spans) {
      if (!R.has(id) || w <= 0n) continue;
      P.set(id, w);
      T += w;
    }
  }
  if (T === 0n || alphaPpm === PPM) return { raw: R, alphaPpm: PPM };
  const a = BigInt(alphaPpm);
  const raw = new Map<number, bigint>();
  for (const [id, r] of R) raw.set(id, a * r * T + (BigInt(PPM) - a) * (P.get(id) ?? 0n) * S);
  return { raw, alphaPpm };
}

/** The prompt an external LLM gets: the retrieved records as numbered context, then the question. */
export function ragPrompt(question: string, retrieved: Retrieved[]): string {
  const context = retrieved.map((r, i) => `[${i + 1}] ${stripMarkdown(r.passage.text).replace(/\s+/g, " ").trim()}`).join("\n");
  return `Answer the question using only these records, quoting them where you can.\n\nRecords:\n${context || "(none)"}\n\nQuestion: ${question}`;
}
