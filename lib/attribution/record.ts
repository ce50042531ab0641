/**
 * The canonical attribution record: what `settle` commits to on-chain through `attributionHash`.
 * Everything here is integer math on bigints so anyone can recompute the record byte for byte.
 */
import { keccakText } from "./keccak";
import { z } from "zod";
import { AttributionError } from "./errors";

/** Version 1 methods; version 2 replaced the volume fallback with the Datanet treasuries. */
export type AttributionMethodV1 = "infinigram" | "span-trace" | "knn-shapley" | "fallback-datanet-tokens";
export type AttributionMethodV2 = "infinigram" | "span-trace" | "knn-shapley" | "rag" | "fallback-datanet-treasury";
export type AttributionMethod = AttributionMethodV1 | AttributionMethodV2;
/** The methods that attribute to contributions (a fallback is chosen by buildRecord, never asked for). */
export type EngineMethod = "infinigram" | "span-trace" | "knn-shapley" | "rag";

export const PPM = 1_000_000;
const PPM_N = BigInt(PPM);

export interface AttributionEntry {
  contributionId: number;
  weightPpm: number;
}

/** A Datanet treasury's share (version 2's fallback: nothing in the answer matched). */
export interface DatanetEntry {
  datanetId: number;
  weightPpm: number;
}

/**
 * A contributor's "no verbatim over N tokens" term that concerned this answer: for an ∞-gram answer, the limit
 * held back a continuation (enforced); for a traced external answer, the answer exceeded it (a violation).
 */
export interface TermsEntry {
  contributionId: number;
  maxVerbatimTokens: number;
}

/** The block whose set of withdrawn contributions the model's view excluded (takedowns). */
export interface WithdrawalsAt {
  block: number;
  hash: `0x${string}`;
}

interface RecordBase {
  modelId: number;
  /** sha-256 hex of the model artifact */
  artifactHash: `0x${string}`;
  /** decimal string of the on-chain request id (bigint-safe) */
  requestId: string;
  /** ascending contributionId, weights > 0 */
  entries: AttributionEntry[];
}

/** Version 1 (credit proportional to occurrences; fallback pro rata by tokens): still verified as it was. */
export interface AttributionRecordV1 extends RecordBase {
  version: 1;
  method: AttributionMethodV1;
}

/**
 * Version 2: originality rules (copies of an earlier contribution earn nothing for the copied runs, each
 * contribution counts once per token, exact ties to the lower id) and the Datanet-treasury fallback.
 * Σ entries + Σ datanets == 1,000,000 ppm; one of the two lists is empty.
 */
export interface AttributionRecordV2 extends RecordBase {
  version: 2;
  method: AttributionMethodV2;
  withdrawalsAt: WithdrawalsAt | null;
  /** ascending datanetId, weights > 0; only under "fallback-datanet-treasury" */
  datanets: DatanetEntry[];
  /** ascending contributionId: verbatim limits enforced on (∞-gram) or exceeded by (span tracing) this answer */
  terms: TermsEntry[];
  /**
   * Only under method "rag" (and then always): the share of the pool, in ppm, that followed the retrieval scores;
   * the rest followed the answer's verbatim spans (1,000,000 for extractive answers). Encoded last, so records of
   * every other method keep their bytes.
   */
  alphaPpm?: number;
}

export type AttributionRecord = AttributionRecordV1 | AttributionRecordV2;
export type RecordVersion = AttributionRecord["version"];
export const RECORD_VERSIONS: readonly RecordVersion[] = [1, 2];
/**
 * What new inferences are attributed with. Verify and the watcher recompute a stored record with its own
 * version, so version 1 records keep verifying as they were.
 */
export const CURRENT_RECORD_VERSION = 2 as const;

export interface FallbackContribution {
  id: number;
  datanetId: number;
  tokens: number;
}

export const ATTRIBUTION_METHODS_V1: readonly AttributionMethodV1[] = ["infinigram", "span-trace", "knn-shapley", "fallback-datanet-tokens"];
export const ATTRIBUTION_METHODS_V2: readonly AttributionMethodV2[] = ["infinigram", "span-trace", "knn-shapley", "rag", "fallback-datanet-treasury"];
export const ATTRIBUTION_METHODS: readonly AttributionMethod[] = [...new Set<AttributionMethod>([...ATTRIBUTION_METHODS_V1, ...ATTRIBUTION_METHODS_V2])];
const ENGINE_METHODS: readonly EngineMethod[] = ["infinigram", "span-trace", "knn-shapley", "rag"];

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

/** The model's Datanets, equally (ties to the lower id): version 2's fallback when nothing matched. */
export function treasuryWeights(datanetIds: readonly number[]): Map<number, bigint> {
  const out = new Map<number, bigint>();
  for (const id of datanetIds) {
    checkId(id, "A Datanet id");
    out.set(id, 1n);
  }
  return out;
}

export interface BuildRecordInput {
  method: EngineMethod;
  modelId: number;
  artifactHash: `0x${string}`;
  requestId: bigint | string;
  /** contribution id → raw weight (any common scale) */
  raw: Map<number, bigint>;
  /** Version 1's fallback: the model's contributions by token count. */
  fallback?: FallbackContribution[];
  /** Version 2's fallback: the model's Datanets (their treasuries). */
  datanetIds?: readonly number[];
  /** Version 2: the withdrawal set the view excluded (null: none applied). */
  withdrawalsAt?: WithdrawalsAt | null;
  /** Version 2: verbatim limits enforced on or exceeded by the answer. */
  terms?: TermsEntry[];
  /** Default CURRENT_RECORD_VERSION; Verify rebuilds a stored record with its own version. */
  version?: RecordVersion;
  /** Method "rag" (version 2 only): the share in ppm that followed retrieval. */
  alphaPpm?: number;
}

export function buildRecord(input: BuildRecordInput): AttributionRecord {
  const version = input.version ?? CURRENT_RECORD_VERSION;
  if (!RECORD_VERSIONS.includes(version)) throw new AttributionError(`Unsupported attribution record version ${String(version)}.`);
  if (!ENGINE_METHODS.includes(input.method)) {
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
  const base = { modelId: input.modelId, artifactHash, requestId };
  if (input.method === "rag" && version !== 2) throw new AttributionError("RAG attribution records are version 2 records.");
  if ((input.method === "rag") !== (input.alphaPpm !== undefined)) throw new AttributionError("α (alphaPpm) is given with method rag, and only with it.");
  if (input.alphaPpm !== undefined && (!Number.isSafeInteger(input.alphaPpm) || input.alphaPpm < 0 || input.alphaPpm > PPM)) {
    throw new AttributionError("α (alphaPpm) must be a whole number in 0..1,000,000.");
  }
  if (version === 1) {
    if (total > 0n) return { version: 1, method: input.method as AttributionMethodV1, ...base, entries: toPpm(input.raw) };
    const raw = fallbackWeights(input.fallback ?? []);
    let tokens = 0n;
    for (const w of raw.values()) tokens += w;
    if (tokens === 0n) {
      throw new AttributionError("Nothing matched and the model has no accepted tokens to fall back on: there is no one to attribute this output to.");
    }
    return { version: 1, method: "fallback-datanet-tokens", ...base, entries: toPpm(raw) };
  }
  const withdrawalsAt = input.withdrawalsAt ? normaliseWithdrawals(input.withdrawalsAt) : null;
  const terms = [...(input.terms ?? [])].sort((a, b) => a.contributionId - b.contributionId);
  assertTerms(terms);
  if (total > 0n) {
    const record: AttributionRecordV2 = { version: 2, method: input.method, ...base, withdrawalsAt, entries: toPpm(input.raw), datanets: [], terms };
    if (input.method === "rag") record.alphaPpm = input.alphaPpm;
    return record;
  }
  const datanetIds = input.datanetIds ?? [];
  if (datanetIds.length === 0) {
    throw new AttributionError("Nothing matched and the model names no Datanet whose treasury could take the pool.");
  }
  const datanets = toPpm(treasuryWeights(datanetIds)).map((e) => ({ datanetId: e.contributionId, weightPpm: e.weightPpm }));
  return { version: 2, method: "fallback-datanet-treasury", ...base, withdrawalsAt, entries: [], datanets, terms };
}

function assertTerms(terms: unknown): void {
  if (!Array.isArray(terms)) throw new AttributionError("The attribution record's terms must be a list.");
  let prev = -1;
  for (const t of terms as TermsEntry[]) {
    checkId(t?.contributionId, "A contribution id");
    if (t.contributionId <= prev) throw new AttributionError("Terms must be in strictly ascending contribution id order.");
    if (!Number.isSafeInteger(t.maxVerbatimTokens) || t.maxVerbatimTokens < 1) {
      throw new AttributionError(`The verbatim limit of contribution ${t.contributionId} must be a positive integer.`);
    }
    prev = t.contributionId;
  }
}

function normaliseWithdrawals(w: WithdrawalsAt): WithdrawalsAt {
  if (w === null || typeof w !== "object") throw new AttributionError("withdrawalsAt must name a block number and hash.");
  checkId(w.block, "The withdrawals block number");
  const lower = typeof w.hash === "string" ? w.hash.toLowerCase() : "";
  if (!HASH_RE.test(lower)) throw new AttributionError(`The withdrawals block hash must be 0x followed by 64 hex digits, got "${String(w.hash)}".`);
  return { block: w.block, hash: lower as `0x${string}` };
}

function assertEntries<K extends "contributionId" | "datanetId">(list: unknown, key: K, what: string): number {
  if (!Array.isArray(list)) throw new AttributionError(`The attribution record's ${what} must be a list.`);
  let sum = 0;
  let prev = -1;
  for (const e of list as Record<K | "weightPpm", number>[]) {
    const id = e?.[key];
    checkId(id, what === "entries" ? "A contribution id" : "A Datanet id");
    if (id <= prev) throw new AttributionError(`Attribution ${what} must be in strictly ascending id order.`);
    if (!Number.isSafeInteger(e.weightPpm) || e.weightPpm <= 0 || e.weightPpm > PPM) {
      throw new AttributionError(`The weight of ${what === "entries" ? "contribution" : "Datanet"} ${id} must be an integer in 1..1,000,000 ppm.`);
    }
    prev = id;
    sum += e.weightPpm;
  }
  return sum;
}

/** Throws unless the record is canonical: every rule a decoded or hand-built record must satisfy. */
export function assertRecord(record: AttributionRecord): void {
  if (record === null || typeof record !== "object") throw new AttributionError("An attribution record must be an object.");
  if (!RECORD_VERSIONS.includes(record.version)) throw new AttributionError(`Unsupported attribution record version ${String(record.version)}.`);
  const methods: readonly string[] = record.version === 1 ? ATTRIBUTION_METHODS_V1 : ATTRIBUTION_METHODS_V2;
  if (!methods.includes(record.method)) {
    throw new AttributionError(`Unknown attribution method "${String(record.method)}" for a version ${record.version} record.`);
  }
  checkId(record.modelId, "The model id");
  if (typeof record.artifactHash !== "string" || !HASH_RE.test(record.artifactHash)) {
    throw new AttributionError("The artifact hash must be 0x followed by 64 lowercase hex digits.");
  }
  if (typeof record.requestId !== "string" || !DECIMAL_RE.test(record.requestId)) {
    throw new AttributionError("The request id must be a decimal integer string without leading zeros.");
  }
  let sum = assertEntries(record.entries, "contributionId", "entries");
  if (record.version === 2) {
    if (record.withdrawalsAt !== null) {
      const w = record.withdrawalsAt;
      if (w === null || typeof w !== "object" || !Number.isSafeInteger(w.block) || w.block < 0 || typeof w.hash !== "string" || !HASH_RE.test(w.hash)) {
        throw new AttributionError("withdrawalsAt must be null or a block number and its lowercase 0x hash.");
      }
    }
    sum += assertEntries(record.datanets, "datanetId", "datanets");
    assertTerms(record.terms);
    if ((record.method === "rag") !== (record.alphaPpm !== undefined)) {
      throw new AttributionError("A rag record names its α (alphaPpm), and only a rag record does.");
    }
    if (record.alphaPpm !== undefined && (!Number.isSafeInteger(record.alphaPpm) || record.alphaPpm < 0 || record.alphaPpm > PPM)) {
      throw new AttributionError("α (alphaPpm) must be a whole number in 0..1,000,000.");
    }
    const fallback = record.method === "fallback-datanet-treasury";
    if (fallback ? record.entries.length > 0 || record.datanets.length === 0 : record.datanets.length > 0 || record.entries.length === 0) {
      throw new AttributionError(
        fallback ? "A treasury fallback record has Datanet shares and no contribution entries." : "A record of this method has contribution entries and no Datanet shares.",
      );
    }
  } else if (record.entries.length === 0) {
    throw new AttributionError("An attribution record needs at least one entry.");
  }
  if (sum !== PPM) throw new AttributionError(`Attribution weights sum to ${sum} ppm; they must sum to exactly 1,000,000.`);
}

const pairs = (list: { weightPpm: number }[], key: "contributionId" | "datanetId") =>
  list.map((e) => `[${(e as unknown as Record<string, number>)[key]},${e.weightPpm}]`).join(",");

/** Deterministic JSON: fixed key order, no whitespace, entries as [id, ppm] pairs. */
export function encodeRecord(record: AttributionRecord): string {
  assertRecord(record);
  const head = `"method":${JSON.stringify(record.method)},"modelId":${record.modelId},"artifactHash":"${record.artifactHash}","requestId":"${record.requestId}"`;
  if (record.version === 1) return `{"version":1,${head},"entries":[${pairs(record.entries, "contributionId")}]}`;
  const w = record.withdrawalsAt === null ? "null" : `{"block":${record.withdrawalsAt.block},"hash":"${record.withdrawalsAt.hash}"}`;
  return `{"version":2,${head},"withdrawalsAt":${w},"entries":[${pairs(record.entries, "contributionId")}],"datanets":[${pairs(record.datanets, "datanetId")}],"terms":[${record.terms.map((t) => `[${t.contributionId},${t.maxVerbatimTokens}]`).join(",")}]${record.alphaPpm !== undefined ? `,"alphaPpm":${record.alphaPpm}` : ""}}`;
}

const wireBase = {
  modelId: z.number().int().nonnegative(),
  artifactHash: z.string().regex(HASH_RE),
  requestId: z.string().regex(DECIMAL_RE),
  entries: z.array(z.tuple([z.number().int().nonnegative(), z.number().int().positive()])),
};
const wireSchema = z.discriminatedUnion("version", [
  z.strictObject({ version: z.literal(1), method: z.enum(ATTRIBUTION_METHODS_V1 as [AttributionMethodV1, ...AttributionMethodV1[]]), ...wireBase }),
  z.strictObject({
    version: z.literal(2),
    method: z.enum(ATTRIBUTION_METHODS_V2 as [AttributionMethodV2, ...AttributionMethodV2[]]),
    ...wireBase,
    withdrawalsAt: z.strictObject({ block: z.number().int().nonnegative(), hash: z.string().regex(HASH_RE) }).nullable(),
    datanets: z.array(z.tuple([z.number().int().nonnegative(), z.number().int().positive()])),
    terms: z.array(z.tuple([z.number().int().nonnegative(), z.number().int().positive()])),
    alphaPpm: z.number().int().min(0).max(PPM).optional(),
  }),
]);

/**
 * Reads a record, accepting only its canonical bytes: whatever parses is re-encoded and must give back
 * exactly the input (no whitespace, key order as encoded, no `1.0` or `1e6`), so everyone hashing the
 * received bytes gets the same attributionHash.
 */
export function decodeRecord(json: string): AttributionRecord {
  if (typeof json !== "string") throw new AttributionError("The attribution record must be a JSON string.");
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
  const entries = w.entries.map(([contributionId, weightPpm]) => ({ contributionId, weightPpm }));
  const base = { modelId: w.modelId, artifactHash: w.artifactHash as `0x${string}`, requestId: w.requestId, entries };
  const record: AttributionRecord =
    w.version === 1
      ? { version: 1, method: w.method, ...base }
      : {
          version: 2,
          method: w.method,
          ...base,
          withdrawalsAt: w.withdrawalsAt && { block: w.withdrawalsAt.block, hash: w.withdrawalsAt.hash as `0x${string}` },
          datanets: w.datanets.map(([datanetId, weightPpm]) => ({ datanetId, weightPpm })),
          terms: w.terms.map(([contributionId, maxVerbatimTokens]) => ({ contributionId, maxVerbatimTokens })),
          ...(w.alphaPpm !== undefined ? { alphaPpm: w.alphaPpm } : {}),
        };
  assertRecord(record);
  if (encodeRecord(record) !== json) {
    throw new AttributionError("The attribution record is not in canonical form (no whitespace, fixed key order, plain integers): re-encode it before hashing.");
  }
  return record;
}

/** keccak-256 of the canonical encoding: the value `settle` stores on-chain. */
export function attributionHash(record: AttributionRecord): `0x${string}` {
  return keccakText(encodeRecord(record));
}

/** Datanet treasury shares of a record (version 2's fallback; none otherwise). */
export function datanetShares(record: AttributionRecord): DatanetEntry[] {
  return record.version === 2 ? record.datanets : [];
}

/** One share of a contributor pool: a contribution's (its contributor is paid) or a Datanet treasury's. */
export type PoolShare = { contributionId: number; datanetId?: undefined; weightPpm: number; amount: bigint } | { datanetId: number; contributionId?: undefined; weightPpm: number; amount: bigint };

/**
 * Cumulative rounding (Drips): amount_i = floor(pool·cum_i/1e6) − floor(pool·cum_{i−1}/1e6), over the
 * contribution entries then the Datanet shares, so the amounts sum to the pool exactly and each is within
 * 1 wei of pool·w_i/1e6.
 */
export function splitPool(record: AttributionRecord, pool: bigint): PoolShare[] {
  if (typeof pool !== "bigint") throw new AttributionError("The pool must be a bigint amount in wei.");
  if (pool < 0n) throw new AttributionError(`The pool must be ≥ 0 wei, got ${pool}.`);
  assertRecord(record);
  let cum = 0n;
  let prev = 0n;
  const next = (weightPpm: number) => {
    cum += BigInt(weightPpm);
    const upTo = (pool * cum) / PPM_N;
    const amount = upTo - prev;
    prev = upTo;
    return amount;
  };
  const out: PoolShare[] = record.entries.map((e) => ({ contributionId: e.contributionId, weightPpm: e.weightPpm, amount: next(e.weightPpm) }));
  for (const d of datanetShares(record)) out.push({ datanetId: d.datanetId, weightPpm: d.weightPpm, amount: next(d.weightPpm) });
  return out;
}
