/**
 * The parameters an inference runs with, one zod schema per model kind. What resolveParams returns is
 * stored with the inference (inference_results.params) and read back to verify it (lib/inference/verify.ts
 * → runAttribution): its keys stay in the order below, so the stored JSON never changes.
 */
import { z } from "zod";
import { AppError } from "@/lib/errors";
import type { ModelKind } from "@/lib/metadata";
import type { ServableModel } from "./models";

/** The parameters were refused (before or after payment; after payment the request is refunded). */
export class InvalidParams extends AppError {
  constructor(message: string) {
    super("invalid_params", message);
  }
}

/** Each kind's parameters, as stored; a key of another kind is never there (so `params.seed` reads as undefined). */
type Only<T, Others> = T & { [K in Exclude<keyof Others, keyof T>]?: never };
export type InfinigramParams = { seed: string; maxTokens: number; temperature: number; topK: number; maxSupport: number };
export type KnnParams = { k: number };
export type ExternalParams = { maxTokens: number; minSpanTokens: number; maxSupport: number; temperature?: number };
/** A RAG model's: retrieval (k), extractive quotes, α, span tracing, and whether its endpoint answers (`llm`). */
export type RagParams = { k: number; quotes: number; alphaPpm: number; minSpanTokens: number; maxSupport: number; llm: boolean; maxTokens?: number; temperature?: number };
export type ParamsOfKind = {
  infinigram: Only<InfinigramParams, KnnParams & ExternalParams>;
  knn: Only<KnnParams, InfinigramParams & ExternalParams>;
  external: Only<ExternalParams, InfinigramParams & KnnParams>;
  rag: Only<RagParams, InfinigramParams & KnnParams & ExternalParams>;
};
export type InferenceParams = ParamsOfKind[ModelKind];

/** The seed an ∞-gram request gets when it names none: the first 8 bytes of its request hash, so it is recorded and reproducible. */
export function seedFromRequestHash(requestHash: string): string {
  return BigInt(`0x${requestHash.slice(2, 18)}`).toString();
}

/** What callers may set per kind; keys of the other kinds are ignored, anything else is refused. */
const KEYS_BY_KIND = {
  infinigram: { use: ["seed", "maxTokens", "temperature", "topK", "maxSupport"], ignore: ["k"] },
  knn: { use: ["k"], ignore: ["seed", "maxTokens", "temperature", "topK"] },
  external: { use: ["maxTokens", "temperature"], ignore: ["seed", "topK", "k"] },
  rag: { use: ["k", "maxTokens", "temperature"], ignore: ["seed", "topK"] },
} as const satisfies Record<ModelKind, { use: readonly string[]; ignore: readonly string[] }>;

/** A number parameter: absent or null → the fallback; anything else must be a (whole) number in range. */
function numberParam(name: string, o: { min: number; max: number; int?: boolean; fallback: number }) {
  const error = (iss: { input?: unknown }) => `${name} must be ${o.int ? "a whole number" : "a number"} between ${o.min} and ${o.max}, got ${JSON.stringify(iss.input)}.`;
  const n = z.number({ error }).min(o.min, { error }).max(o.max, { error });
  return (o.int ? n.int({ error }) : n).nullish().transform((v) => v ?? o.fallback);
}

/** A seed in 0..2^64-1 as a decimal string; absent → undefined (resolveParams derives it from the request hash). */
const seedParam = z
  .unknown()
  .optional()
  .transform((s, ctx): string | undefined => {
    if (s === undefined || s === null) return undefined;
    if (typeof s === "number" && Number.isSafeInteger(s) && s >= 0) return String(s);
    if (typeof s === "bigint" && s >= 0n && s < 2n ** 64n) return s.toString();
    if (typeof s === "string" && /^[0-9]{1,20}$/.test(s) && BigInt(s) < 2n ** 64n) return BigInt(s).toString();
    ctx.addIssue({ code: "custom", message: `seed must be a whole number in 0..2^64-1 (a number or a decimal string), got ${JSON.stringify(String(s))}.` });
    return z.NEVER;
  });

type Range = { min: number; max: number; int?: boolean };

/**
 * A model-card default, or the factory's when the card has none or an unusable one. Anyone can register a model
 * with any metadata on-chain (not only through the Factory, which checks the same ranges), so a card value outside
 * the Factory's range (e.g. maxTokens 10^9, alphaPpm 2,000,000) is unusable, not trusted.
 */
function cardNumber(card: Record<string, unknown>, key: string, fallback: number, range: Range): number {
  const v = card[key];
  const usable = typeof v === "number" && Number.isFinite(v) && v >= range.min && v <= range.max && (!range.int || Number.isInteger(v));
  return usable ? v : fallback;
}
/** A caller's parameter in range, defaulting to the card's value for the same key when that is in range too. */
const cardParam = (card: Record<string, unknown>, name: string, range: Range, fallback: number) => numberParam(name, { ...range, fallback: cardNumber(card, name, fallback, range) });
const TOKENS = { min: 1, max: 4_096, int: true };
const SPAN_TOKENS = { min: 1, max: 64, int: true };
const SUPPORT = { min: 1, max: 100_000, int: true };

/** The request's parameters for a model of this kind: its values where given, the card's defaults otherwise. */
export const paramsSchemas = {
  infinigram: (card: Record<string, unknown>) => {
    const cardSupport = cardNumber(card, "maxSupport", 1_000, SUPPORT);
    return z.object({
      seed: seedParam,
      maxTokens: cardParam(card, "maxTokens", { min: 1, max: 1_024, int: true }, 64),
      temperature: cardParam(card, "temperature", { min: 0, max: 5 }, 0.8),
      topK: cardParam(card, "topK", { min: 1, max: 1_000, int: true }, 40),
      // More support costs more work per token: at most what the builder set.
      maxSupport: numberParam("maxSupport", { min: 1, max: cardSupport, int: true, fallback: cardSupport }),
    });
  },
  knn: (card: Record<string, unknown>) => z.object({ k: cardParam(card, "k", { min: 1, max: 100, int: true }, 5) }),
  external: (card: Record<string, unknown>) =>
    z
      .object({
        maxTokens: cardParam(card, "maxTokens", TOKENS, 256),
        temperature: numberParam("temperature", { min: 0, max: 2, fallback: 1 }).optional(),
      })
      .transform(({ maxTokens, temperature }) => ({
        maxTokens,
        // Attribution parameters are the model's, not the caller's.
        minSpanTokens: cardNumber(card, "minSpanTokens", 4, SPAN_TOKENS),
        maxSupport: cardNumber(card, "maxSupport", 1_000, SUPPORT),
        ...(temperature !== undefined ? { temperature } : {}),
      })),
  rag: (card: Record<string, unknown>) => {
    const llm = typeof card.baseUrl === "string" && typeof card.model === "string";
    const cardK = cardNumber(card, "k", 4, { min: 1, max: 20, int: true });
    return z
      .object({
        // More records cost more work and dilute the credit: at most what the builder set.
        k: numberParam("k", { min: 1, max: cardK, int: true, fallback: cardK }),
        maxTokens: cardParam(card, "maxTokens", TOKENS, 256),
        temperature: numberParam("temperature", { min: 0, max: 2, fallback: 1 }).optional(),
      })
      .transform(({ k, maxTokens, temperature }): RagParams => ({
        k,
        // Attribution parameters are the model's, not the caller's.
        quotes: cardNumber(card, "quotes", 2, { min: 1, max: 20, int: true }),
        alphaPpm: llm ? cardNumber(card, "alphaPpm", 500_000, { min: 0, max: 1_000_000, int: true }) : 1_000_000,
        minSpanTokens: cardNumber(card, "minSpanTokens", 4, SPAN_TOKENS),
        maxSupport: cardNumber(card, "maxSupport", 1_000, SUPPORT),
        llm,
        ...(llm ? { maxTokens, ...(temperature !== undefined ? { temperature } : {}) } : {}),
      }));
  },
} satisfies Record<ModelKind, (card: Record<string, unknown>) => z.ZodType>;

/** An object whose keys (set to anything but undefined) all belong to this kind or are ignored by it. */
function knownKeys(kind: ModelKind) {
  const keys = KEYS_BY_KIND[kind];
  const known: ReadonlySet<string> = new Set([...keys.use, ...keys.ignore]);
  return z.record(z.string(), z.unknown(), { error: "params must be an object." }).superRefine((params, ctx) => {
    const unknown = Object.keys(params).filter((k) => params[k] !== undefined && !known.has(k));
    if (unknown.length) {
      ctx.addIssue({ code: "custom", message: `Unknown parameter${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")} for a ${kind} model; allowed: ${keys.use.join(", ")}.` });
    }
  });
}

/**
 * The parameters an inference runs with, as stored with it (inference_results.params) so anyone can
 * recompute it: the request's values where given, the model card's defaults otherwise, and for ∞-gram a
 * seed derived from the request hash when none was given. Keys of another model kind (e.g. `k` for an
 * ∞-gram model) are ignored; unknown keys are refused ({@link InvalidParams}, the first problem found).
 * Routes may call this before asking for payment.
 */
export function resolveParams<K extends ModelKind>(model: { kind: K } & Pick<ServableModel, "parameters">, requestHash: string, params: Record<string, unknown>): ParamsOfKind[K] {
  const parsed = schemaFor(model.kind, model.parameters ?? {}).safeParse(params);
  if (!parsed.success) throw new InvalidParams(parsed.error.issues[0].message);
  if (model.kind !== "infinigram") return parsed.data as ParamsOfKind[K];
  const { seed, ...rest } = parsed.data as InfinigramParams;
  return { seed: seed ?? seedFromRequestHash(requestHash), ...rest } as ParamsOfKind[K];
}

/** Building a zod schema costs far more than parsing with it: one per kind and model card, kept (there are few cards). */
const schemas = new Map<string, z.ZodType>();
function schemaFor(kind: ModelKind, card: Record<string, unknown>): z.ZodType {
  const key = `${kind} ${JSON.stringify(card)}`;
  let schema = schemas.get(key);
  if (!schema) schemas.set(key, (schema = knownKeys(kind).pipe(paramsSchemas[kind](card))));
  return schema;
}

/** Parameters read back from the database: what resolveParams stored. */
export const storedParams = (json: Record<string, unknown>) => json as InferenceParams;
