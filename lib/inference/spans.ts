/**
 * Traced spans of an answer: the stretches of its text that came from (∞-gram) or occur verbatim in
 * (span tracing, external models) identified contributions, with how strongly, for highlighting.
 * Not part of the settled record: a pure function of the model artifact and the stored request, so it
 * is recomputed on read (like verification) and never stored.
 */
import { eq, inArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { contributions, datanets, inferenceResults, inferences, models } from "@/db/schema";
import type { CorpusIndex } from "@/lib/attribution/corpus";
import type { GeneratedToken } from "@/lib/attribution/infinigram";
import { decodeRecord, type RecordVersion } from "@/lib/attribution/record";
import { modelTokenizer, readyModel, runAttribution, type LoadedModel } from "@/lib/attribution/run";
import { traceSpans } from "@/lib/attribution/span-trace";
import type { VerbatimLimits } from "@/lib/attribution/terms";
import { withdrawnMembers, withoutWithdrawn } from "@/lib/attribution/withdrawn";
import { indexedVerbatimLimits } from "./terms";
import { withdrawalSet } from "./verify";
import { openModelArtifact, type OnDiskPolicy } from "./on-disk";
import type { Tokenizer } from "@/lib/attribution/tokenizer";
import type { ServableModel } from "./models";
import type { StoredAnswer } from "./types";
import type { ModelView } from "@/lib/attribution/view";

/** A span's share of one contribution, in parts per million of the span's credit. */
export interface SpanSource {
  contributionId: number;
  sharePpm: number;
}

export interface AnswerSpan {
  /** Offsets in the answer text (UTF-16 code units), [start, end); spans do not overlap and are in order. */
  start: number;
  end: number;
  /** 0..1: how strongly the span is traced (∞-gram: concentration of its credit; span tracing: rarity). */
  strength: number;
  /** Largest share first, at most MAX_SOURCES. */
  sources: SpanSource[];
}

/** A span source with who contributed it and where (for people). */
export interface DescribedSource extends SpanSource {
  contributor: string;
  datanetId: number;
  datanetName: string | null;
}

export interface DescribedSpan extends Omit<AnswerSpan, "sources"> {
  sources: DescribedSource[];
}

const MAX_SOURCES = 5;
const PPM = 1_000_000;

/**
 * Character offset after each token, where the text up to it is complete (a token that ends inside a
 * UTF-8 sequence gets the offset of the token that completes it).
 */
function tokenEnds(tokens: ArrayLike<number>, output: string, tokenizer: Tokenizer): number[] {
  const ends: number[] = [];
  let done = 0;
  let pending: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    pending.push(tokens[i]);
    const piece = tokenizer.decode(pending);
    if (!piece.endsWith("\uFFFD") && output.startsWith(piece, done)) {
      done += piece.length;
      pending = [];
    }
    ends.push(done);
  }
  if (ends.length) ends[ends.length - 1] = output.length;
  return ends;
}

function topSources(credit: Map<number, number>): SpanSource[] {
  const total = [...credit.values()].reduce((a, b) => a + b, 0);
  if (total <= 0) return [];
  return [...credit.entries()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, MAX_SOURCES)
    .map(([contributionId, c]) => ({ contributionId, sharePpm: Math.round((c * PPM) / total) }));
}

/**
 * ∞-gram: every token has its own credit. Consecutive tokens whose largest creditor is the same
 * contribution form a span; its strength is that contribution's mean share of the tokens' credit. Tokens
 * drawn from the unigram distribution (no matching context) are not traced.
 */
export function spansFromTokens(tokens: GeneratedToken[], output: string, tokenizer: Tokenizer): AnswerSpan[] {
  const ends = tokenEnds(tokens.map((t) => t.token), output, tokenizer);
  const spans: AnswerSpan[] = [];
  let cur: { start: number; end: number; top: number; share: number; n: number; credit: Map<number, number> } | null = null;
  const flush = () => {
    if (cur && cur.end > cur.start) spans.push({ start: cur.start, end: cur.end, strength: Math.min(1, cur.share / cur.n), sources: topSources(cur.credit) });
    cur = null;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const start = i === 0 ? 0 : ends[i - 1];
    const total = t.credit.reduce((a, [, c]) => a + c, 0);
    if (t.suffixLength === 0 || total <= 0) {
      flush();
      continue;
    }
    const [top, topCredit] = t.credit.reduce((best, e) => (e[1] > best[1] || (e[1] === best[1] && e[0] < best[0]) ? e : best));
    if (!cur || cur.top !== top) {
      flush();
      cur = { start, end: start, top, share: 0, n: 0, credit: new Map() };
    }
    cur.end = ends[i];
    cur.share += topCredit / total;
    cur.n++;
    for (const [id, c] of t.credit) cur.credit.set(id, (cur.credit.get(id) ?? 0) + c);
  }
  flush();
  return spans;
}

/**
 * Span tracing (external models): the traced spans, strength by rarity relative to the rarest, sources by
 * the credit the record's rules gave (version 2: copies credit their original; version 1: occurrences).
 */
export function spansFromTrace(index: CorpusIndex, output: string, params: Record<string, unknown>, view?: ModelView, rules?: RecordVersion): AnswerSpan[] {
  const minSpanTokens = typeof params.minSpanTokens === "number" ? params.minSpanTokens : 4;
  const maxSupport = typeof params.maxSupport === "number" ? params.maxSupport : 1_000;
  const { spans } = traceSpans(index, output, { minSpanTokens, maxSupport, view, rules });
  if (!spans.length) return [];
  const tokenizer = modelTokenizer({ format: "corpus", index });
  const ends = tokenEnds(tokenizer.encode(output), output, tokenizer);
  const maxRarity = spans.reduce((m, s) => (s.rarityMicros > m ? s.rarityMicros : m), 1n);
  const out: AnswerSpan[] = [];
  let prevEnd = 0;
  for (const s of spans) {
    // Maximal spans may overlap: each keeps the text after the previous one.
    const start = Math.max(prevEnd, s.start === 0 ? 0 : ends[s.start - 1]);
    const end = ends[s.end - 1];
    if (end <= start) continue;
    out.push({ start, end, strength: Number((s.rarityMicros * 1000n) / maxRarity) / 1000, sources: topSources(s.credit ?? s.contributions) });
    prevEnd = end;
  }
  return out;
}

export interface SpanInput {
  kind: "infinigram" | "knn" | "external" | "rag";
  model: LoadedModel;
  view?: ModelView;
  modelId: number;
  artifactHash: `0x${string}`;
  requestId: bigint | string;
  prompt: string;
  params: Record<string, unknown>;
  output: string;
  /** The stored record's version: its rules produced the answer and its credit (default: the current one). */
  recordVersion?: RecordVersion;
  /** Version 2: the contributors' verbatim limits the answer was generated under. */
  verbatimLimits?: VerbatimLimits;
}

/** Recomputes an answer's spans from the model (a kNN label has none). */
export function computeSpans(input: SpanInput): AnswerSpan[] {
  if (input.kind === "knn") return [];
  if (input.kind === "external" || input.kind === "rag") {
    if (input.model.format !== "corpus") return [];
    return spansFromTrace(input.model.index, input.output, input.params, input.view, input.recordVersion);
  }
  const tokens: GeneratedToken[] = [];
  const run = runAttribution({ ...input, output: undefined, onToken: (t) => tokens.push(t) });
  // Another answer than the stored one (a changed artifact): no highlighting rather than wrong highlighting.
  if (run.output !== input.output) return [];
  return spansFromTokens(tokens, input.output, modelTokenizer(input.model));
}

/**
 * The spans of a stored answer: from the tokens it was generated with, cut in the model's own tokenizer, or recomputed
 * as it answered (version 2: without withdrawn contributions and under the contributors' terms).
 */
export function storedAnswerSpans(model: ServableModel, stored: StoredAnswer): AnswerSpan[] {
  if (stored.tokens) return spansFromTokens(stored.tokens, stored.output, modelTokenizer(model.model));
  const v2 = stored.record.version === 2;
  const served = v2 && model.withdrawals ? { model: model.withdrawals.model, view: model.withdrawals.view } : { model: model.model, view: model.view };
  return computeSpans({
    ...model,
    ...served,
    requestId: stored.requestId,
    prompt: "",
    params: stored.params,
    output: stored.output,
    recordVersion: stored.record.version,
    verbatimLimits: v2 ? model.verbatimLimits : undefined,
  });
}

/** Adds contributor and Datanet to each source (one query). */
export async function describeSpans(db: Db, spans: AnswerSpan[]): Promise<DescribedSpan[]> {
  const ids = [...new Set(spans.flatMap((s) => s.sources.map((x) => x.contributionId)))];
  const rows = ids.length
    ? await db
        .select({ id: contributions.id, contributor: contributions.contributor, datanetId: contributions.datanetId, datanetName: datanets.name })
        .from(contributions)
        .leftJoin(datanets, eq(datanets.id, contributions.datanetId))
        .where(inArray(contributions.id, ids))
    : [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  return spans.map((s) => ({
    ...s,
    sources: s.sources.map((x) => {
      const r = byId.get(x.contributionId);
      return { ...x, contributor: r?.contributor ?? "", datanetId: r?.datanetId ?? 0, datanetName: r?.datanetName ?? null };
    }),
  }));
}

const loaded = new Map<string, LoadedModel>();
const MAX_LOADED = 4;

/** The model as the server serves it (on disk or in memory: the same arrays, so the same spans). */
function loadCached(modelId: number, artifactHash: `0x${string}`, artifactDir?: string, onDisk?: OnDiskPolicy): LoadedModel | null {
  const hit = loaded.get(artifactHash);
  if (hit) return hit;
  const model = openModelArtifact(artifactHash, { modelId, dir: artifactDir, onDisk })?.model;
  if (!model) return null;
  if (loaded.size >= MAX_LOADED) loaded.delete(loaded.keys().next().value!);
  loaded.set(artifactHash, model);
  return model;
}

/**
 * The traced spans of a served inference, recomputed from its model artifact; null when there is no
 * stored answer or the artifact is not in this server's store.
 */
export async function inferenceSpans(db: Db, requestId: number, opts: { artifactDir?: string; onDisk?: OnDiskPolicy } = {}): Promise<DescribedSpan[] | null> {
  const [row] = await db
    .select({ model: models, requestHash: inferences.requestHash })
    .from(inferences)
    .innerJoin(models, eq(models.id, inferences.modelId))
    .where(eq(inferences.requestId, requestId))
    .limit(1);
  if (!row) return null;
  const [result] = await db.select().from(inferenceResults).where(eq(inferenceResults.requestHash, row.requestHash)).limit(1);
  if (!result) return null;
  const loadedModel = loadCached(row.model.id, row.model.artifactHash.toLowerCase() as `0x${string}`, opts.artifactDir, opts.onDisk);
  if (!loadedModel) return null;
  await readyModel(loadedModel);
  try {
    const record = decodeRecord(result.attributionRecord);
    // The model as it answered: without the contributions withdrawn as of the record's block, under the terms then.
    let served: { model: LoadedModel; view?: ModelView } = { model: loadedModel };
    if (record.version === 2 && record.withdrawalsAt !== null) {
      const { ids } = await withdrawalSet(db, record.withdrawalsAt, {});
      served = withoutWithdrawn(loadedModel, undefined, new Set(withdrawnMembers(loadedModel, undefined, ids)));
    }
    const spans = computeSpans({
      kind: row.model.kind,
      ...served,
      modelId: row.model.id,
      artifactHash: row.model.artifactHash as `0x${string}`,
      requestId: BigInt(requestId),
      prompt: result.prompt,
      params: result.params,
      output: result.output,
      recordVersion: record.version,
      verbatimLimits: record.version === 2 ? await indexedVerbatimLimits(db) : undefined,
    });
    return await describeSpans(db, spans);
  } catch {
    // Highlighting is an aid: an artifact that no longer runs leaves the answer plain.
    return null;
  }
}
