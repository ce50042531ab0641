import { z } from "zod";
import { AppError } from "@/lib/errors";
import { endpointUrl } from "@/lib/net/guarded-fetch";
import { MODEL_KINDS, type ModelKind } from "@/lib/metadata";
import { TOKENIZER_NAMES } from "@/lib/attribution/tokenizer-names";

export { MODEL_KINDS, type ModelKind };
export const kindByte = (kind: ModelKind) => MODEL_KINDS.indexOf(kind);

const datanetVersion = z.object({
  id: z.number({ error: "must be a Datanet id" }).int().positive("must be a positive Datanet id").max(Number.MAX_SAFE_INTEGER),
  version: z.number({ error: "must be a version number" }).int().positive("versions start at 1").max(2 ** 32 - 1),
});

const common = {
  name: z.string().trim().min(3, "A model name needs at least 3 characters").max(80, "A model name has at most 80 characters"),
  description: z.string().max(20_000).default(""),
  builder: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed address")
    .transform((s) => s.toLowerCase())
    .optional(),
  datanets: z
    .array(datanetVersion)
    .min(1, "Choose at least one Datanet version")
    .max(16, "A model can be built from at most 16 Datanets")
    .refine((d) => new Set(d.map((x) => x.id)).size === d.length, "Each Datanet can appear once"),
  /** Prompts the model page offers (ones that show what the model is good at); kept in the model card. */
  examples: z.array(z.string().trim().min(1).max(200, "An example prompt has at most 200 characters")).max(5, "At most 5 example prompts").optional(),
};

/**
 * The corpus's tokenizer (issue 17): GPT-2's r50k_base when absent, so a request made before the choice existed
 * builds the same bytes; cl100k_base and o200k_base build 32-bit indexes that generate, trace and retrieve in
 * their own tokens. Part of the request (a rebuild gives the same artifact) and of the model card.
 */
const tokenizerParam = z.enum(TOKENIZER_NAMES, { error: `tokenizer must be one of ${TOKENIZER_NAMES.join(", ")}` }).optional();

/** Serving defaults of an ∞-gram model; part of its card and of every inference's recomputation. */
const infinigramParams = z
  .object({
    maxSupport: z.number().int().min(1).max(100_000).default(1_000),
    maxTokens: z.number().int().min(1).max(1_024).default(64),
    temperature: z.number().min(0).max(5).default(0.8),
    topK: z.number().int().min(1).max(1_000).default(40),
    /**
     * Build the corpus from the records' plain text (markdown markup removed: "**tiger**" → "tiger"), so answers
     * read as text. Off unless asked for: a build request made before this parameter existed builds the same bytes.
     */
    plainText: z.boolean().optional(),
    tokenizer: tokenizerParam,
  })
  .default({ maxSupport: 1_000, maxTokens: 64, temperature: 0.8, topK: 40 });

const knnParams = z
  .object({
    k: z.number().int().min(1).max(100).default(5),
    dims: z
      .number()
      .int()
      .min(2 ** 8)
      .max(2 ** 22)
      .refine((n) => (n & (n - 1)) === 0, "dims must be a power of two")
      .default(2 ** 18),
  })
  .default({ k: 5, dims: 2 ** 18 });

// Normalised here (no query, fragment or credentials that could swallow the path we append); the address
// itself is checked when the endpoint is called (lib/net/guarded-fetch.ts), on the address connected to.
const baseUrlParam = z
  .url({ error: "must be the http(s) base URL of an OpenAI-compatible API" })
  .superRefine((u, ctx) => {
    try {
      endpointUrl(u, "chat/completions");
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
    }
  });

const externalParams = z.object({
  baseUrl: baseUrlParam,
  model: z.string().trim().min(1, "name the model to call at the endpoint").max(200),
  /** Sent as `Authorization: Bearer …`; stored encrypted apart from the request, never shown. */
  apiKey: z.string().min(1).max(1_000).optional(),
  minSpanTokens: z.number().int().min(1).max(64).default(4),
  maxSupport: z.number().int().min(1).max(100_000).default(1_000),
  maxTokens: z.number().int().min(1).max(4_096).default(256),
  tokenizer: tokenizerParam,
});

/**
 * A RAG model: BM25 retrieval of the top k records, answered extractively (offline default) or, with baseUrl and
 * model, by that OpenAI-compatible endpoint given the records as context. α (alphaPpm, parts per million) is the
 * share of the pool that follows retrieval scores for endpoint answers; the rest follows their verbatim spans.
 */
const ragParams = z
  .object({
    k: z.number().int().min(1).max(20).default(4),
    quotes: z.number().int().min(1).max(20).default(2),
    alphaPpm: z.number().int().min(0).max(1_000_000).default(500_000),
    baseUrl: baseUrlParam.optional(),
    model: z.string().trim().min(1, "name the model to call at the endpoint").max(200).optional(),
    apiKey: z.string().min(1).max(1_000).optional(),
    minSpanTokens: z.number().int().min(1).max(64).default(4),
    maxSupport: z.number().int().min(1).max(100_000).default(1_000),
    maxTokens: z.number().int().min(1).max(4_096).default(256),
    tokenizer: tokenizerParam,
  })
  .refine((p) => (p.baseUrl === undefined) === (p.model === undefined), "an endpoint needs both baseUrl and model (or neither, for extractive answers)")
  .refine((p) => p.apiKey === undefined || p.baseUrl !== undefined, "an API key needs an endpoint (baseUrl)")
  .default({ k: 4, quotes: 2, alphaPpm: 500_000, minSpanTokens: 4, maxSupport: 1_000, maxTokens: 256 });

export const buildRequestSchema = z.discriminatedUnion(
  "kind",
  [
    z.object({ kind: z.literal("infinigram"), ...common, parameters: infinigramParams }),
    z.object({ kind: z.literal("knn"), ...common, parameters: knnParams }),
    z.object({ kind: z.literal("external"), ...common, parameters: externalParams }),
    z.object({ kind: z.literal("rag"), ...common, parameters: ragParams }),
  ],
  { error: `kind must be one of ${MODEL_KINDS.join(", ")}` },
);
export type BuildRequest = z.output<typeof buildRequestSchema>;
export type BuildRequestInput = z.input<typeof buildRequestSchema>;

export const BUILD_STATUSES = ["queued", "running", "succeeded", "failed"] as const;
export const BUILD_PHASES = ["queued", "loading", "tokenizing", "indexing", "evaluating", "storing", "done"] as const;
export type BuildPhase = (typeof BUILD_PHASES)[number];

const FACTORY_CODES = { 400: "bad_request", 404: "not_found", 409: "conflict", 422: "unprocessable" } as const;

/** A build request that names things the database does not have (→ 4xx, nothing written). */
export class FactoryError extends AppError {
  constructor(message: string, status: keyof typeof FACTORY_CODES = 422) {
    super(FACTORY_CODES[status], message);
  }
}
