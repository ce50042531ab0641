/**
 * The canonical attribution record: what `settle` commits to on-chain through `attributionHash`.
 * Everything here is integer math on bigints so anyone can recompute the record byte for byte.
 */
import { keccak256, stringToBytes } from "viem";
import { z } from "zod";
import { AttributionError } from "./errors";

export type AttributionMethod = "infinigram" | "span-trace" | "knn-shapley" | "fallback-datanet-tokens";

export const PPM = 1_000_000;
const PPM_N = BigInt(PPM);

export interface AttributionEntry {
  contributionId: number;
  weightPpm: number;
}

export interface AttributionRecord {
  version: 1;
  method: AttributionMethod;
  modelId: number;
  /** sha-256 hex of the model artifact */
  artifactHash: `0x${string}`;
  /** decimal string of the on-chain request id (bigint-safe) */
  requestId: string;
  /** ascending contributionId, weights > 0, Σ == 1,000,000 exactly */
  entries: AttributionEntry[];
}

export interface FallbackContribution {
  id: number;
  datanetId: number;
  tokens: number;
}

export const ATTRIBUTION_METHODS: readonly AttributionMethod[] = [
  "infinigram",
  "span-trace",
  "knn-shapley",
  "fallback-datanet-tokens",
];

function checkId(id: number, what: string): void {
  if (!Number.isSafeInteger(id) || id < 0) {
    throw new AttributionError(`${what} must be a non-negative integer, got ${String(id)}.`);
  }
}

/**
 * Largest-remainder rounding of raw weights to parts per million: floor(1e6·w/W) each, then one
 * more ppm to the largest remainders (ties: lower contribution id). Zero weights, and weights that
 * round to zero, are dropped; the result always sums to exactly 1,000,000.
 */
export function toPpm(raw: Map<number, bigint>): AttributionEntry[] {
  let total = 0n;
  const items: { id: number; w: bigint }[] = [];
  for (const [id, w] of raw) {
    checkId(id, "A contribution id");
    if (typeof w !== "bigint") throw new AttributionError(`The weight of contribution ${id} must be a bigint.`);
    if (w < 0n) throw new AttributionError(`The weight of contribution ${id} is negative (${w}); weights must be ≥ 0.`);
    if (w === 0n) continue;
    total += w;
    items.push({ id, w });
  }
  if (total === 0n) throw new AttributionError("Cannot split 1,000,000 ppm over weights that sum to zero.");
  items.sort((a, b) => a.id - b.id);
  const floors = new Array<number>(items.length);
  const rems = new Array<bigint>(items.length);
  let assigned = 0;
  for (let i = 0; i < items.length; i++) {
    const scaled = items[i].w * PPM_N;
    floors[i] = Number(scaled / total);
    rems[i] = scaled % total;
    assigned += floors[i];
  }
  // Σ floors ≥ 1e6 − (n − 1), so at most n − 1 extra ppm to hand out.
  const leftover = PPM - assigned;
  if (leftover > 0) {
    const order = items.map((_, i) => i);
    order.sort((a, b) => (rems[a] > rems[b] ? -1 : rems[a] < rems[b] ? 1 : items[a].id - items[b].id));
    for (let j = 0; j < leftover; j++) floors[order[j]] += 1;
  }
  const out: AttributionEntry[] = [];
  for (let i = 0; i < items.length; i++) {
    if (floors[i] > 0) out.push({ contributionId: items[i].id, weightPpm: floors[i] });
  }
  return out;
}

/**
 * The explicit no-match rule: the pool goes to the model's Datanets pro rata by accepted tokens, and
 * within each Datanet pro rata by each contribution's tokens. The product of both shares is simply
 * tokens / Σ tokens, so the raw weight of a contribution is its token count.
 */
export function fallbackWeights(contributions: FallbackContribution[]): Map<number, bigint> {
  const out = new Map<number, bigint>();
  for (const c of contributions) {
    checkId(c.id, "A contribution id");
    checkId(c.datanetId, `The Datanet id of contribution ${c.id}`);
    checkId(c.tokens, `The token count of contribution ${c.id}`);
    if (out.has(c.id)) throw new AttributionError(`Contribution ${c.id} appears twice in the fallback list.`);
    out.set(c.id, BigInt(c.tokens));
  }
  return out;
}

const HASH_RE = /^0x[0-9a-f]{64}$/;
const DECIMAL_RE = /^(0|[1-9][0-9]*)$/;

function normaliseRequestId(requestId: bigint | string): string {
  if (typeof requestId === "bigint") {
    if (requestId < 0n) throw new AttributionError(`The request id must be ≥ 0, got ${requestId}.`);
    return requestId.toString();
  }
  if (typeof requestId !== "string" || !DECIMAL_RE.test(requestId)) {
    throw new AttributionError(`The request id must be a decimal integer string without leading zeros, got "${String(requestId)}".`);
  }
  return requestId;
}

function normaliseHash(hash: string): `0x${string}` {
  const lower = typeof hash === "string" ? hash.toLowerCase() : "";
  if (!HASH_RE.test(lower)) {
    throw new AttributionError(`The artifact hash must be 0x followed by 64 hex digits (sha-256), got "${String(hash)}".`);
  }
  return lower as `0x${string}`;
}

export function buildRecord(input: {
  method: Exclude<AttributionMethod, "fallback-datanet-tokens">;
  modelId: number;
  artifactHash: `0x${string}`;
  requestId: bigint | string;
  raw: Map<number, bigint>;
  fallback: FallbackContribution[];
}): AttributionRecord {
  if (input.method === ("fallback-datanet-tokens" as string) || !ATTRIBUTION_METHODS.includes(input.method)) {
    throw new AttributionError(`Unknown attribution method "${String(input.method)}".`);
  }
  checkId(input.modelId, "The model id");
  const artifactHash = normaliseHash(input.artifactHash);
  const requestId = normaliseRequestId(input.requestId);
  let total = 0n;
  for (const [id, w] of input.raw) {
    checkId(id, "A contribution id");
    if (typeof w !== "bigint" || w < 0n) throw new AttributionError(`The weight of contribution ${id} must be a bigint ≥ 0.`);
    total += w;
  }
  let method: AttributionMethod = input.method;
  let raw = input.raw;
  if (total === 0n) {
    method = "fallback-datanet-tokens";
    raw = fallbackWeights(input.fallback);
    let tokens = 0n;
    for (const w of raw.values()) tokens += w;
    if (tokens === 0n) {
      throw new AttributionError(
        "Nothing matched and the model has no accepted tokens to fall back on: there is no one to attribute this output to.",
      );
    }
  }
  return { version: 1, method, modelId: input.modelId, artifactHash, requestId, entries: toPpm(raw) };
}

/** Throws unless the record is canonical: every rule a decoded or hand-built record must satisfy. */
export function assertRecord(record: AttributionRecord): void {
  if (record === null || typeof record !== "object") throw new AttributionError("An attribution record must be an object.");
  if (record.version !== 1) throw new AttributionError(`Unsupported attribution record version ${String(record.version)}.`);
  if (!ATTRIBUTION_METHODS.includes(record.method)) {
    throw new AttributionError(`Unknown attribution method "${String(record.method)}".`);
  }
  checkId(record.modelId, "The model id");
  if (typeof record.artifactHash !== "string" || !HASH_RE.test(record.artifactHash)) {
    throw new AttributionError("The artifact hash must be 0x followed by 64 lowercase hex digits.");
  }
  if (typeof record.requestId !== "string" || !DECIMAL_RE.test(record.requestId)) {
    throw new AttributionError("The request id must be a decimal integer string without leading zeros.");
  }
  if (!Array.isArray(record.entries) || record.entries.length === 0) {
    throw new AttributionError("An attribution record needs at least one entry.");
  }
  let sum = 0;
  let prev = -1;
  for (const e of record.entries) {
    checkId(e.contributionId, "A contribution id");
    if (e.contributionId <= prev) throw new AttributionError("Attribution entries must be in strictly ascending contribution id order.");
    if (!Number.isSafeInteger(e.weightPpm) || e.weightPpm <= 0 || e.weightPpm > PPM) {
      throw new AttributionError(`The weight of contribution ${e.contributionId} must be an integer in 1..1,000,000 ppm.`);
    }
    prev = e.contributionId;
    sum += e.weightPpm;
  }
  if (sum !== PPM) throw new AttributionError(`Attribution weights sum to ${sum} ppm; they must sum to exactly 1,000,000.`);
}

/** Deterministic JSON: fixed key order, no whitespace, entries as [id, ppm] pairs. */
export function encodeRecord(record: AttributionRecord): string {
  assertRecord(record);
  const entries = record.entries.map((e) => `[${e.contributionId},${e.weightPpm}]`).join(",");
  return (
    `{"version":1,"method":${JSON.stringify(record.method)},"modelId":${record.modelId},` +
    `"artifactHash":"${record.artifactHash}","requestId":"${record.requestId}","entries":[${entries}]}`
  );
}

const wireSchema = z.strictObject({
  version: z.literal(1),
  method: z.enum(ATTRIBUTION_METHODS as [AttributionMethod, ...AttributionMethod[]]),
  modelId: z.number().int().nonnegative(),
  artifactHash: z.string().regex(HASH_RE),
  requestId: z.string().regex(DECIMAL_RE),
  entries: z.array(z.tuple([z.number().int().nonnegative(), z.number().int().positive()])).min(1),
});

export function decodeRecord(json: string): AttributionRecord {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new AttributionError("The attribution record is not valid JSON.");
  }
  const parsed = wireSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? ` at ${issue.path.join(".")}` : "";
    throw new AttributionError(`The attribution record is malformed${where}: ${issue.message}.`);
  }
  const w = parsed.data;
  const record: AttributionRecord = {
    version: 1,
    method: w.method,
    modelId: w.modelId,
    artifactHash: w.artifactHash as `0x${string}`,
    requestId: w.requestId,
    entries: w.entries.map(([contributionId, weightPpm]) => ({ contributionId, weightPpm })),
  };
  assertRecord(record);
  return record;
}

/** keccak-256 of the canonical encoding: the value `settle` stores on-chain. */
export function attributionHash(record: AttributionRecord): `0x${string}` {
  return keccak256(stringToBytes(encodeRecord(record)));
}

/**
 * Cumulative rounding (Drips): amount_i = floor(pool·cum_i/1e6) − floor(pool·cum_{i−1}/1e6), so the
 * amounts sum to the pool exactly and each is within 1 wei of pool·w_i/1e6.
 */
export function splitPool(record: AttributionRecord, pool: bigint): { contributionId: number; amount: bigint }[] {
  if (typeof pool !== "bigint") throw new AttributionError("The pool must be a bigint amount in wei.");
  if (pool < 0n) throw new AttributionError(`The pool must be ≥ 0 wei, got ${pool}.`);
  assertRecord(record);
  let cum = 0n;
  let prev = 0n;
  return record.entries.map((e) => {
    cum += BigInt(e.weightPpm);
    const upTo = (pool * cum) / PPM_N;
    const amount = upTo - prev;
    prev = upTo;
    return { contributionId: e.contributionId, amount };
  });
}
