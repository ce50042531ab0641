/**
 * The canonical inference request and its hash: what `InferenceMarket.pay` / `payWithAuthorization`
 * commit to through `requestHash` (each hash can be paid once).
 *
 *   requestHash = keccak256(utf8(canonicalRequest({ modelId, prompt, params, nonce })))
 *
 * canonicalRequest is JSON with object keys sorted at every level and no whitespace, e.g.
 *   {"modelId":1,"nonce":"0xab…","params":{"maxTokens":32,"seed":"7"},"prompt":"hello"}
 *
 * - Transaction path: the browser picks a random 32-byte `nonce`, computes the hash with this module
 *   (it has no Node dependencies), sends `pay(modelId, requestHash, maxPrice)` and posts prompt, params,
 *   nonce and the transaction hash; the server recomputes the hash and checks it against the payment.
 * - x402 path: the nonce is the EIP-3009 authorization's own nonce, so one signed authorization pays for
 *   exactly one request (a replayed authorization maps to the same, already used, request hash).
 *
 * Pass `params` as parsed by {@link inferenceRequestSchema} so equal requests hash equally
 * (the schema drops absent keys and writes `seed` as a decimal string).
 */
import { keccak256, stringToBytes, type Hex } from "viem";
import { z } from "zod";

export const MAX_PROMPT_CHARS = 8_000;

const PARAM_KEYS = ["maxTokens", "temperature", "topK", "seed", "k"] as const;

const seedSchema = z
  .union(
    [
      z
        .number({ error: "seed must be a whole number" })
        .int("seed must be a whole number")
        .min(0, "seed must not be negative")
        .max(Number.MAX_SAFE_INTEGER, "seed is too large as a JSON number; send it as a decimal string"),
      z.string().regex(/^[0-9]{1,20}$/, "seed must be a decimal string of at most 20 digits"),
    ],
    { error: "seed must be a non-negative whole number or a decimal string" },
  )
  .transform((s) => BigInt(s).toString());

export const inferenceParamsSchema = z.strictObject(
  {
    maxTokens: z
      .number({ error: "maxTokens must be a number" })
      .int("maxTokens must be a whole number")
      .min(1, "maxTokens must be at least 1")
      .max(256, "maxTokens must be at most 256")
      .optional(),
    temperature: z
      .number({ error: "temperature must be a number" })
      .min(0, "temperature must be between 0 and 2")
      .max(2, "temperature must be between 0 and 2")
      .optional(),
    topK: z
      .number({ error: "topK must be a number" })
      .int("topK must be a whole number")
      .min(1, "topK must be between 1 and 100")
      .max(100, "topK must be between 1 and 100")
      .optional(),
    seed: seedSchema.optional(),
    k: z
      .number({ error: "k must be a number" })
      .int("k must be a whole number")
      .min(1, "k must be between 1 and 50")
      .max(50, "k must be between 1 and 50")
      .optional(),
  },
  {
    error: (iss) =>
      iss.code === "unrecognized_keys"
        ? `Unknown parameter${iss.keys.length > 1 ? "s" : ""} ${iss.keys.map((k) => `"${k}"`).join(", ")}; allowed: ${PARAM_KEYS.join(", ")}.`
        : iss.code === "invalid_type"
          ? "params must be an object"
          : undefined,
  },
);

export type InferenceParams = z.output<typeof inferenceParamsSchema>;

export const inferenceRequestSchema = z.object(
  {
    prompt: z
      .string({ error: "prompt must be a string" })
      .min(1, "The prompt is empty.")
      .max(MAX_PROMPT_CHARS, `The prompt is too long: at most ${MAX_PROMPT_CHARS.toLocaleString("en-US")} characters.`)
      .refine((s) => s.trim().length > 0, "The prompt is only whitespace."),
    params: inferenceParamsSchema.default({}),
  },
  { error: (iss) => (iss.code === "invalid_type" ? "The request body must be a JSON object with a prompt." : undefined) },
);

export type InferenceRequest = z.output<typeof inferenceRequestSchema>;

export interface CanonicalRequestInput {
  modelId: number | bigint;
  prompt: string;
  params: Record<string, unknown>;
  /** 32 random bytes (the EIP-3009 authorization nonce for x402). */
  nonce: Hex;
}

/** Sorted keys, absent (undefined) entries dropped, bigints as decimal strings; refuses non-JSON values. */
function canonicalValue(v: unknown, path: string): unknown {
  if (v === null || typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new TypeError(`${path} is not a finite number`);
    return Object.is(v, -0) ? 0 : v;
  }
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return v.map((x, i) => canonicalValue(x, `${path}[${i}]`));
  if (typeof v === "object") {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) throw new TypeError(`${path} is not a plain object`);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x === undefined) continue;
      out[k] = canonicalValue(x, `${path}.${k}`);
    }
    return out;
  }
  throw new TypeError(`${path} cannot be part of a request (${typeof v})`);
}

/** The canonical JSON text of a request (see the module comment). */
export function canonicalRequest(input: CanonicalRequestInput): string {
  const modelId =
    typeof input.modelId === "bigint" ? input.modelId : Number.isSafeInteger(input.modelId) ? BigInt(input.modelId) : 0n;
  if (
    (typeof input.modelId === "number" && !Number.isSafeInteger(input.modelId)) ||
    modelId <= 0n ||
    modelId > BigInt(Number.MAX_SAFE_INTEGER)
  ) {
    throw new TypeError(`modelId must be a positive integer, got ${String(input.modelId)}`);
  }
  if (typeof input.nonce !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(input.nonce)) {
    throw new TypeError("nonce must be a 0x-prefixed 32-byte hex string");
  }
  if (typeof input.prompt !== "string") throw new TypeError("prompt must be a string");
  const params = { ...input.params };
  // A seed sent as a number or bigint hashes like its decimal string (the schema's form).
  if (typeof params.seed === "number" || typeof params.seed === "bigint") params.seed = BigInt(params.seed).toString();
  return JSON.stringify(
    canonicalValue(
      { modelId: Number(modelId), nonce: input.nonce.toLowerCase(), params, prompt: input.prompt },
      "request",
    ),
  );
}

/** keccak256 of the UTF-8 bytes of {@link canonicalRequest}: the `requestHash` paid for on-chain. */
export function requestHashOf(input: CanonicalRequestInput): Hex {
  return keccak256(stringToBytes(canonicalRequest(input)));
}

/** A fresh random request nonce (32 bytes), for the transaction path. */
export function randomRequestNonce(): Hex {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `0x${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
