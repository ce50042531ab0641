/**
 * One model build, start to finish, as a pure function of its request and sources (no database): the
 * job runner calls it in a child process, tests call it directly. Same inputs → byte-identical artifact.
 */
import { createHash } from "node:crypto";
import { buildCorpusIndex, type CorpusContribution, type CorpusIndex } from "@/lib/attribution/corpus";
import { serializeCorpusIndex } from "@/lib/attribution/artifact";
import { evaluateInfinigram } from "@/lib/attribution/evaluate-infinigram";
import { buildKnnModel, labelledRecordsOf, type KnnOptions, type LabelledRecord } from "@/lib/attribution/knn";
import { serializeKnnModel } from "@/lib/attribution/knn-artifact";
import { evaluateKnn } from "@/lib/attribution/evaluate-knn";
import type { LoadedModel } from "@/lib/attribution/run";
import { stripMarkdown } from "@/lib/attribution/rag";
import { loadTokenizer } from "@/lib/attribution/tokenizer";
import { DEFAULT_TOKENIZER } from "@/lib/attribution/tokenizer-names";
import { sha256Of, type ArtifactHash } from "./artifacts";
import type { BuildSources, SourceContribution } from "./sources";
import type { BuildPhase, BuildRequest } from "./spec";

export interface BuildOutput {
  artifact: Uint8Array;
  artifactHash: ArtifactHash;
  contributions: number;
  records: number;
  /** Corpus tokens (∞-gram / external) or labelled records (kNN). */
  tokens: number;
  evaluation: Record<string, unknown>;
  /** The index a corpus build serialized (∞-gram, external, RAG): the worker prepares its copy map. */
  index?: CorpusIndex;
}

export type BuildProgress = (phase: BuildPhase, progress: number) => void;

/** Held-out split, deterministic by content: about 1 record in 10, chosen by the record's sha-256. */
export function isHeldOut(record: string): boolean {
  return createHash("sha256").update(record).digest()[0] < 26;
}

/** The text a record contributes to a text corpus: a JSON record's `text` field, else the record itself. */
export function textOfRecord(record: string): string {
  if (record.startsWith("{")) {
    try {
      const value = JSON.parse(record) as unknown;
      if (value && typeof value === "object" && typeof (value as { text?: unknown }).text === "string") return (value as { text: string }).text;
    } catch {
      // Not JSON after all: the record is its own text.
    }
  }
  return record;
}

/** The corpus text of a record: its text, with markdown markup removed for plain-text builds (RAG, ∞-gram with plainText). */
export function corpusText(record: string, plainText: boolean): string {
  const text = textOfRecord(record);
  return plainText ? stripMarkdown(text) : text;
}

function corpusOf(sources: SourceContribution[], keep: (record: string) => boolean, plainText = false): CorpusContribution[] {
  return sources
    .map((c) => ({ id: c.id, datanetId: c.datanetId, text: c.records.filter(keep).map((r) => corpusText(r, plainText)).join("\n\n") }))
    .filter((c) => c.text.length > 0);
}

/** Maps a sub-step's own 0..1 into the build's overall progress window [from, to]. */
const within = (report: BuildProgress, phase: BuildPhase, from: number, to: number) => (done: number, total: number) =>
  report(phase, from + (to - from) * (total > 0 ? Math.min(1, done / total) : 1));

const EVAL_TEXTS = 200;
const EVAL_TOKENS_PER_TEXT = 128;

/**
 * The model a build would serve, without evaluating or serialising it: what the earnings forecast replays
 * (lib/forecast). The same corpus and kNN construction as runBuild, so it answers as the built artifact would.
 */
export function modelOfSources(kind: BuildRequest["kind"], knn: KnnOptions | null, sources: SourceContribution[], plainText = kind === "rag", tokenizer: string = DEFAULT_TOKENIZER): LoadedModel {
  if (kind === "knn") {
    if (!knn) throw new Error("A kNN model needs its k and dims.");
    const labelled = sources.flatMap((c) => labelledRecordsOf(c.id, c.records));
    return { format: "knn", model: buildKnnModel(labelled, knn) };
  }
  return { format: "corpus", index: buildCorpusIndex(corpusOf(sources, () => true, plainText), { tokenizer }) };
}

/** The tokenizer a corpus build uses: the request's, else r50k_base (GPT-2), as before the choice existed. */
export function buildTokenizer(request: BuildRequest): string {
  return request.kind === "knn" ? DEFAULT_TOKENIZER : (request.parameters.tokenizer ?? DEFAULT_TOKENIZER);
}

/** Loads what runBuild needs beyond r50k_base (a cl100k_base or o200k_base build's BPE tables): call before it. */
export async function prepareBuild(request: BuildRequest): Promise<void> {
  await loadTokenizer(buildTokenizer(request));
}

export function runBuild(request: BuildRequest, sources: BuildSources, report: BuildProgress = () => {}): BuildOutput {
  const records = sources.contributions.reduce((n, c) => n + c.records.length, 0);
  if (request.kind === "knn") return buildKnn(request, sources, records, report);

  // RAG corpora are always plain text (a new kind: no earlier artifact to keep); ∞-gram only when asked (plainText).
  const plainText = request.kind === "rag" || (request.kind === "infinigram" && request.parameters.plainText === true);
  const all = corpusOf(sources.contributions, () => true, plainText);
  const tokenizer = buildTokenizer(request);
  const index = buildCorpusIndex(all, {
    tokenizer,
    onProgress: (phase, done, total) =>
      phase === "tokenizing" ? within(report, "tokenizing", 0.05, 0.35)(done, total) : within(report, "indexing", 0.35, 0.55)(done, total),
  });
  let evaluation: Record<string, unknown>;
  if (request.kind === "infinigram") {
    // Evaluate on an index without the held-out records: the final index contains them verbatim.
    const heldOut = sources.contributions.flatMap((c) => c.records.filter(isHeldOut).map((r) => corpusText(r, plainText))).slice(0, EVAL_TEXTS);
    const train = corpusOf(sources.contributions, (r) => !isHeldOut(r), plainText);
    report("evaluating", 0.55);
    if (heldOut.length === 0 || train.length === 0) {
      evaluation = { heldOutRecords: heldOut.length, note: "Too few records for a held-out split (about 1 in 10 records is held out)." };
    } else {
      const step = within(report, "evaluating", 0.55, 0.7);
      const trainIndex = buildCorpusIndex(train, { tokenizer, onProgress: (_phase, done, total) => step(done, total) });
      const result = evaluateInfinigram(trainIndex, heldOut, {
        maxSupport: request.parameters.maxSupport,
        maxTokensPerText: EVAL_TOKENS_PER_TEXT,
        onProgress: within(report, "evaluating", 0.7, 0.9),
      });
      evaluation = { heldOutRecords: heldOut.length, heldOutTokens: result.tokens, nextTokenAccuracy: result.nextTokenAccuracy, perplexity: result.perplexity };
    }
  } else if (request.kind === "rag") {
    evaluation = { note: "Answers quote (or, with an endpoint, are written from) the records BM25 retrieves; retrieval scores and span tracing attribute them. No held-out evaluation." };
  } else {
    evaluation = { note: "Answers come from the external endpoint; span tracing attributes them to this index. No held-out evaluation." };
  }
  report("storing", 0.9);
  const artifact = serializeCorpusIndex(index);
  return {
    artifact,
    artifactHash: sha256Of(artifact),
    contributions: index.contributionIds.length,
    records,
    tokens: index.tokens.length - index.contributionIds.length,
    evaluation: { ...evaluation, tokenizer },
    index,
  };
}

function buildKnn(request: Extract<BuildRequest, { kind: "knn" }>, sources: BuildSources, records: number, report: BuildProgress): BuildOutput {
  report("tokenizing", 0.05);
  const labelled: (LabelledRecord & { heldOut: boolean })[] = sources.contributions.flatMap((c) =>
    labelledRecordsOf(c.id, c.records).map((r, i) => ({ ...r, heldOut: isHeldOut(c.records[i]) })),
  );
  const opts = { k: request.parameters.k, dims: request.parameters.dims };
  const model = buildKnnModel(labelled, opts, within(report, "indexing", 0.1, 0.5));
  const heldOut = labelled.filter((r) => r.heldOut);
  const train = labelled.filter((r) => !r.heldOut);
  let evaluation: Record<string, unknown>;
  if (heldOut.length === 0 || train.length === 0) {
    evaluation = { heldOutRecords: heldOut.length, note: "Too few records for a held-out split (about 1 in 10 records is held out)." };
  } else {
    report("evaluating", 0.5);
    const trainModel = buildKnnModel(train, opts, within(report, "evaluating", 0.5, 0.7));
    report("evaluating", 0.7);
    const result = evaluateKnn(trainModel, heldOut, { k: opts.k });
    evaluation = { heldOutRecords: heldOut.length, accuracy: result.accuracy, macroF1: result.macroF1, perClass: result.perClass };
  }
  report("storing", 0.9);
  const artifact = serializeKnnModel(model);
  return {
    artifact,
    artifactHash: sha256Of(artifact),
    contributions: new Set(labelled.map((r) => r.contributionId)).size,
    records,
    tokens: labelled.length,
    evaluation,
  };
}
