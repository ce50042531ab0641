/**
 * One inference and its attribution, as a pure function of the model artifact and the request: the
 * operator serves with it and anyone verifies with it (same inputs → same record, byte for byte).
 */
import { keccakText } from "./keccak";
import { z } from "zod";
import { deserializeCorpusIndex } from "./artifact";
import type { CorpusIndex } from "./corpus";
import { AttributionError } from "./errors";
import { generate, indexTokenizer, MAX_SEED, type GenerateOptions } from "./infinigram";
import { loadTokenizer, tokenizerFor, type Tokenizer } from "./tokenizer";
import { classify, type KnnModel } from "./knn";
import { deserializeKnnModel } from "./knn-artifact";
import { buildRecord, CURRENT_RECORD_VERSION, type AttributionRecord, type BuildRecordInput, type FallbackContribution, type RecordVersion, type TermsEntry, type WithdrawalsAt } from "./record";
import type { VerbatimLimits } from "./terms";
import { traceSpans } from "./span-trace";
import { extractiveAnswer, RAG_MAX_K, ragWeights, retrieve } from "./rag";
import type { ModelView } from "./view";
import { isSharded, shardedLength, type ShardedIndex } from "./shards";

export type LoadedModel = { format: "corpus"; index: CorpusIndex } | { format: "knn"; model: KnnModel };

/**
 * A sharded corpus index (shards.ts) as a model: ∞-gram and external span-tracing records identical to the one
 * index's (same output, record bytes and hash). Not a LoadedModel yet: serving, withdrawals and RAG take one index.
 */
export type ShardedModel = { format: "sharded"; index: ShardedIndex };

/** Reads an artifact by its magic bytes ("LLIX" corpus index, "LLKN" kNN model). */
export function loadArtifact(bytes: Uint8Array): LoadedModel {
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  if (magic === "LLIX") return { format: "corpus", index: deserializeCorpusIndex(bytes) };
  if (magic === "LLKN") return { format: "knn", model: deserializeKnnModel(bytes) };
  throw new AttributionError("This file is not a Ledgerline model artifact.");
}

/**
 * The tokenizer a model answers in and whose tokens its usage counts (issue 17): its corpus index's (r50k_base for
 * a kNN model, whose answer is a label). cl100k_base and o200k_base must be loaded: see readyModel.
 */
export function modelTokenizer(model: LoadedModel | ShardedModel): Tokenizer {
  return model.format === "knn" ? tokenizerFor() : indexTokenizer(model.index);
}

/** Loads the BPE tables the model's tokenizer needs (none for r50k_base): await it after opening an artifact, before running it. */
export async function readyModel(model: LoadedModel | ShardedModel): Promise<void> {
  if (model.format !== "knn") await loadTokenizer((isSharded(model.index) ? model.index.shards[0] : model.index).params.tokenizer);
}

/** Per-request inference parameters: stored with the inference, so the answer can be recomputed. */
export const inferenceParamsSchema = {
  infinigram: z.object({
    seed: z
      .union([z.number().int().min(0), z.string().regex(/^[0-9]{1,20}$/)])
      .transform((s) => BigInt(s))
      .refine((s) => s <= MAX_SEED, "the seed must be at most 2^64 − 1"),
    maxTokens: z.number().int().min(1).max(1_024),
    temperature: z.number().min(0).max(5),
    topK: z.number().int().min(1).max(1_000),
    maxSupport: z.number().int().min(1).max(100_000),
  }),
  knn: z.object({ k: z.number().int().min(1).max(100) }),
  external: z.object({ minSpanTokens: z.number().int().min(1).max(64), maxSupport: z.number().int().min(1).max(100_000) }),
  /** `llm`: an external endpoint answered with the retrieved records as context (the answer is given); else extractive. */
  rag: z.object({
    k: z.number().int().min(1).max(RAG_MAX_K),
    quotes: z.number().int().min(1).max(RAG_MAX_K),
    alphaPpm: z.number().int().min(0).max(1_000_000),
    minSpanTokens: z.number().int().min(1).max(64),
    maxSupport: z.number().int().min(1).max(100_000),
    llm: z.boolean(),
  }),
};

export interface AttributionInput {
  kind: "infinigram" | "knn" | "external" | "rag";
  model: LoadedModel | ShardedModel;
  modelId: number;
  artifactHash: `0x${string}`;
  requestId: bigint | string;
  prompt: string;
  params: Record<string, unknown>;
  /** For external models (and RAG models with an endpoint): the endpoint's answer, which span tracing attributes. */
  output?: string;
  /** A shared index's view of this model's contributions (serving); absent when the artifact is the model's own. */
  view?: ModelView;
  /** ∞-gram: each token as it is generated, with its credit (it only observes). */
  onToken?: GenerateOptions["onToken"];
  /** The record version whose rules apply: new inferences use the current one; Verify passes the stored record's. */
  recordVersion?: RecordVersion;
  /** Version 2: the block whose withdrawal set the view excluded (takedowns), named in the record. */
  withdrawalsAt?: WithdrawalsAt | null;
  /** A kNN model's Datanets (its treasuries take the pool when nothing earns); corpus models read theirs from the index. */
  datanetIds?: readonly number[];
  /** Version 2: contributors' "no verbatim over N tokens" terms (contribution id → N), from the chain. */
  verbatimLimits?: VerbatimLimits;
}

/** The record's terms: the named contributions with their limits. */
function termsOf(ids: number[], limits: VerbatimLimits | undefined): TermsEntry[] {
  return ids.map((contributionId) => ({ contributionId, maxVerbatimTokens: limits!.get(contributionId)! }));
}

/** Contributions by token count, the explicit fallback when nothing in the answer matches. */
function corpusFallback(index: CorpusIndex | ShardedIndex, view?: ModelView): FallbackContribution[] {
  const out: FallbackContribution[] = [];
  const total = isSharded(index) ? shardedLength(index) : index.tokens.length;
  for (let r = 0; r < index.contributionIds.length; r++) {
    const end = r + 1 < index.starts.length ? index.starts[r + 1] : total;
    const id = index.contributionIds[r];
    if (view && !view.has(id)) continue;
    out.push({ id, datanetId: index.datanetIds[r], tokens: end - index.starts[r] - 1 });
  }
  return out;
}

/** The fallback the record version uses, computed only for it (it walks every contribution of the model). */
function corpusFallbacks(version: RecordVersion, index: CorpusIndex | ShardedIndex, view?: ModelView): Pick<BuildRecordInput, "fallback" | "datanetIds"> {
  return version === 1 ? { fallback: corpusFallback(index, view) } : { datanetIds: corpusDatanets(index, view) };
}

/** The Datanets of the model's contributions, ascending: version 2's fallback pays their treasuries. */
function corpusDatanets(index: CorpusIndex | ShardedIndex, view?: ModelView): number[] {
  const ids = new Set<number>();
  for (let r = 0; r < index.contributionIds.length; r++) if (!view || view.members[r] === 1) ids.add(index.datanetIds[r]);
  return [...ids].sort((a, b) => a - b);
}

function knnFallback(model: KnnModel): FallbackContribution[] {
  const byId = new Map<number, FallbackContribution>();
  for (let i = 0; i < model.recordContribution.length; i++) {
    const id = model.recordContribution[i];
    const entry = byId.get(id) ?? { id, datanetId: 0, tokens: 0 };
    entry.tokens++;
    byId.set(id, entry);
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

function requireFormat<F extends LoadedModel["format"]>(model: LoadedModel | ShardedModel, format: F, kind: string): Extract<LoadedModel, { format: F }> {
  if (model.format === "sharded" && format === "corpus") throw new AttributionError(`A ${kind} model does not take a sharded corpus index yet.`);
  if (model.format !== format) throw new AttributionError(`A ${kind} model needs a ${format === "knn" ? "kNN" : "corpus index"} artifact.`);
  return model as Extract<LoadedModel, { format: F }>;
}

/** One corpus index or a sharded one (∞-gram and external span tracing take both). */
function corpusOrShards(model: LoadedModel | ShardedModel, kind: string): CorpusIndex | ShardedIndex {
  return model.format === "sharded" ? model.index : requireFormat(model, "corpus", kind).index;
}

function parseParams<S extends z.ZodType>(schema: S, params: unknown): z.output<S> {
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw new AttributionError(`Bad inference parameters: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

/** Runs the model (∞-gram, kNN) or traces the given output (external) and builds the canonical record. */
export function runAttribution(input: AttributionInput): { output: string; record: AttributionRecord; details: unknown } {
  const version = input.recordVersion ?? CURRENT_RECORD_VERSION;
  const rules = version;
  const base = { modelId: input.modelId, artifactHash: input.artifactHash, requestId: input.requestId, version, withdrawalsAt: input.withdrawalsAt ?? null };
  const verbatimLimits = version === 2 ? input.verbatimLimits : undefined;
  switch (input.kind) {
    case "infinigram": {
      const index = corpusOrShards(input.model, "∞-gram");
      const p = parseParams(inferenceParamsSchema.infinigram, input.params);
      const result = generate(index, input.prompt, { ...p, view: input.view, onToken: input.onToken, rules, verbatimLimits });
      const terms = termsOf(result.limited, verbatimLimits);
      const record = buildRecord({ ...base, method: "infinigram", raw: result.rawWeights, terms, ...corpusFallbacks(version, index, input.view) });
      return { output: result.text, record, details: { steps: result.steps } };
    }
    case "external": {
      const index = corpusOrShards(input.model, "external");
      const p = parseParams(inferenceParamsSchema.external, input.params);
      if (input.output === undefined) throw new AttributionError("An external model's attribution needs its output.");
      const traced = traceSpans(index, input.output, { ...p, view: input.view, rules, verbatimLimits });
      const terms = termsOf(traced.violations, verbatimLimits);
      const record = buildRecord({ ...base, method: "span-trace", raw: traced.rawWeights, terms, ...corpusFallbacks(version, index, input.view) });
      return { output: input.output, record, details: { spans: traced.spans.map((s) => ({ start: s.start, end: s.end, text: s.text })) } };
    }
    case "rag": {
      if (version !== 2) throw new AttributionError("RAG models are attributed with version 2 records.");
      const { index } = requireFormat(input.model, "corpus", "RAG");
      const p = parseParams(inferenceParamsSchema.rag, input.params);
      const retrieved = retrieve(index, input.view, input.prompt, p.k);
      let output: string;
      let spans: Map<number, bigint> | null = null;
      let limited: number[];
      let traced: ReturnType<typeof traceSpans> | null = null;
      if (p.llm) {
        if (input.output === undefined) throw new AttributionError("A RAG model with an endpoint needs the endpoint's answer to attribute.");
        output = input.output;
        traced = traceSpans(index, output, { minSpanTokens: p.minSpanTokens, maxSupport: p.maxSupport, view: input.view, rules, verbatimLimits });
        spans = traced.rawWeights;
        limited = traced.violations;
      } else {
        // Extractive: the answer is recomputed from the retrieval (a given output is not trusted).
        const answer = extractiveAnswer(index, input.view, retrieved, { quotes: p.quotes, verbatimLimits });
        output = answer.text;
        limited = answer.limited;
      }
      const { raw, alphaPpm } = ragWeights(retrieved, spans, p.llm ? p.alphaPpm : 1_000_000);
      const terms = termsOf(limited, verbatimLimits);
      const datanetIds = corpusDatanets(index, input.view);
      const record = raw.size > 0 ? buildRecord({ ...base, method: "rag", raw, alphaPpm, terms, datanetIds }) : buildRecord({ ...base, method: "span-trace", raw, terms, datanetIds });
      return {
        output,
        record,
        details: {
          retrieved: retrieved.map((r) => ({ contributionId: r.passage.contributionId, passage: r.passage.ordinal, score: r.scoreMicros, text: r.passage.text })),
          spans: traced?.spans.map((s) => ({ start: s.start, end: s.end, text: s.text })) ?? [],
        },
      };
    }
    case "knn": {
      const { model } = requireFormat(input.model, "knn", "kNN");
      const p = parseParams(inferenceParamsSchema.knn, input.params);
      const result = classify(model, input.prompt, { k: p.k });
      const record = buildRecord({ ...base, method: "knn-shapley", raw: result.rawWeights, ...(version === 1 ? { fallback: knnFallback(model) } : { datanetIds: input.datanetIds }) });
      return { output: result.label, record, details: { votes: result.votes, neighbours: result.neighbours.slice(0, p.k) } };
    }
  }
}

/** The on-chain commitment to an answer: keccak-256 of its UTF-8 bytes. */
export function outputHash(output: string): `0x${string}` {
  return keccakText(output);
}
