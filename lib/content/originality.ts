/**
 * The originality shield at review time (issue 14): how much of a contribution already exists in its Datanet.
 *
 * - **Exact duplicate**: the same bytes (sha-256) or the same text after normalisation (`normalizeText`:
 *   Unicode NFC, every run of whitespace → one space, trimmed; its sha-256 is `contents.normalized_hash`) as an
 *   earlier contribution of the Datanet. Open Datanets refuse to attest one (`assertNotDuplicate`, 409
 *   duplicate_content), so it cannot be registered; curated owners see it in the review queue.
 * - **Near-duplicate**: the share of its tokens (GPT-2 BPE, as the attribution engine tokenizes the
 *   contribution's records) inside verbatim runs of ≥ ORIGINAL_SPAN_TOKENS tokens that an earlier contribution
 *   holds, and which earlier contributions they come from (each copied token counted once, for its lowest-id
 *   source; see ./copied-runs.ts). Shown, never refused: in attribution, those runs earn the original.
 *
 * "Earlier" means registration order: accepted or pending contributions of the Datanet with a lower id;
 * rejected ones are not part of the Datanet. A file not registered yet (the upload preview) is measured
 * against every accepted or pending contribution. Shares are integers in parts per million, rounded down.
 * Sources are ordered by tokens (most first), ties to the lower contribution id.
 *
 * Bounds and cost: every contribution of the Datanet is listed (ids, hashes: one query); near-duplicates are
 * searched in the earliest contributions whose tokens add up to at most ORIGINALITY_MAX_CORPUS_TOKENS (the rest
 * are reported as not compared; exact duplicates are still found in all of them). One suffix array over that
 * corpus answers every contribution at once, so it is built once per Datanet state (cached by the list of
 * contributions and their statuses) and once per previewed upload (cached by its hash): O(N) time for N
 * tokens, about 24 bytes per token at the peak; measured on a shared 2-core machine, 2,000,000 tokens in 2,000
 * contributions take ≈ 3 s and ≈ 190 MB (process RSS). Tokenizing is ≈ 0.4 s per MiB of text, once per content:
 * token arrays are cached per content hash (at most TOKEN_CACHE_TOKENS tokens).
 */
import { createHash } from "node:crypto";
import { and, asc, eq, inArray, isNull } from "drizzle-orm";
import type { Hex } from "viem";
import type { Db } from "@/db/client";
import { contents, contributions, datanets } from "@/db/schema";
import { ORIGINAL_SPAN_TOKENS } from "@/lib/attribution/originality";
import { encode } from "@/lib/attribution/tokenizer";
import { AppError, notFound } from "@/lib/errors";
import { textOfRecord } from "@/lib/factory/build";
import { copiedRuns, ppm, type RunDocument } from "./copied-runs";
import { parseRecords } from "./records";
import { normalizedHashOf } from "./normalize";
import { formatOfMediaType } from "./store";

export { normalizedHashOf, normalizeText } from "./normalize";

/** Near-duplicates are searched in at most this many tokens of earlier contributions (lowest ids first). */
export const ORIGINALITY_MAX_CORPUS_TOKENS = 2_000_000;
let maxCorpusTokens = ORIGINALITY_MAX_CORPUS_TOKENS;
/** Token arrays kept between requests, in tokens (2 bytes each). */
const TOKEN_CACHE_TOKENS = 8_000_000;
const PPM = 1_000_000;

// ── Results ────────────────────────────────────────────────────────────────────────────────────────────

export interface OriginalitySource {
  contributionId: number;
  contributor: string;
  status: "pending" | "accepted";
  /** Tokens of the measured text whose source is this contribution. */
  tokens: number;
  /** tokens / the measured text's tokens, in ppm, rounded down. */
  sharePpm: number;
}

export interface ExactDuplicate {
  contributionId: number;
  contributor: string;
  status: "pending" | "accepted";
  /** "bytes": the same sha-256; "normalized": the same text after normalizeText. */
  match: "bytes" | "normalized";
}

export interface Originality {
  datanetId: number;
  contentHash: Hex;
  /** The measured contribution, or null for a file not registered in this Datanet (an upload preview). */
  contributionId: number | null;
  /** L: the shortest verbatim run that counts as copied. */
  spanTokens: number;
  /** Tokens of the measured text (its records as the attribution engine reads them). */
  tokens: number;
  exactDuplicate: ExactDuplicate | null;
  /** Tokens inside copied runs (all of them for an exact duplicate). */
  copiedTokens: number;
  /** copiedTokens / tokens in ppm, rounded down (1,000,000 for an exact duplicate). */
  copiedPpm: number;
  /** Where the copied tokens come from: most tokens first, ties to the lower contribution id. */
  sources: OriginalitySource[];
  /** What near-duplicates were searched in: earlier contributions whose content this server holds, within the bound. */
  compared: { contributions: number; tokens: number; complete: boolean };
}

// ── Loading ────────────────────────────────────────────────────────────────────────────────────────────

interface Member {
  id: number;
  contributor: string;
  status: "pending" | "accepted";
  contentHash: string;
  normalizedHash: string | null;
  /** Whether this server holds the content. */
  stored: boolean;
}

const tokenCache = new Map<string, Uint16Array>();
let tokenCacheSize = 0;

/** The text the attribution engine indexes for a content: its records (a JSON record's `text`), blank-line separated. */
function engineText(body: Uint8Array, mediaType: string): string {
  const text = new TextDecoder().decode(body);
  try {
    return parseRecords(text, formatOfMediaType(mediaType)).records.map(textOfRecord).join("\n\n");
  } catch {
    return text;
  }
}

async function tokensOf(db: Db, hashes: string[]): Promise<Map<string, Uint16Array>> {
  const out = new Map<string, Uint16Array>();
  const missing: string[] = [];
  for (const h of hashes) {
    const cached = tokenCache.get(h);
    if (cached) {
      // Refresh its place in the LRU order.
      tokenCache.delete(h);
      tokenCache.set(h, cached);
      out.set(h, cached);
    } else missing.push(h);
  }
  for (let i = 0; i < missing.length; i += 8) {
    const rows = await db
      .select({ hash: contents.hash, body: contents.body, mediaType: contents.mediaType })
      .from(contents)
      .where(inArray(contents.hash, missing.slice(i, i + 8)));
    for (const row of rows) {
      const tokens = encode(engineText(row.body, row.mediaType));
      out.set(row.hash, tokens);
      tokenCache.set(row.hash, tokens);
      tokenCacheSize += tokens.length;
    }
  }
  for (const [h, t] of tokenCache) {
    if (tokenCacheSize <= TOKEN_CACHE_TOKENS) break;
    tokenCache.delete(h);
    tokenCacheSize -= t.length;
  }
  return out;
}

/** Fills normalized_hash for contents stored before the column existed (once per content). */
async function fillNormalizedHashes(db: Db, hashes: string[]): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  for (let i = 0; i < hashes.length; i += 8) {
    const rows = await db
      .select({ hash: contents.hash, body: contents.body })
      .from(contents)
      .where(and(inArray(contents.hash, hashes.slice(i, i + 8)), isNull(contents.normalizedHash)));
    for (const row of rows) {
      const normalized = normalizedHashOf(row.body);
      out.set(row.hash, normalized);
      if (normalized) await db.update(contents).set({ normalizedHash: normalized }).where(eq(contents.hash, row.hash));
    }
  }
  return out;
}

async function datanetOf(db: Db, datanetId: number) {
  const [row] = await db.select({ id: datanets.id, curated: datanets.curated }).from(datanets).where(eq(datanets.id, datanetId)).limit(1);
  if (!row) throw notFound(`Datanet #${datanetId}`);
  return row;
}

/** The Datanet's accepted and pending contributions in id order, with their contents' hashes. */
async function membersOf(db: Db, datanetId: number): Promise<Member[]> {
  const rows = await db
    .select({
      id: contributions.id,
      contributor: contributions.contributor,
      status: contributions.status,
      contentHash: contributions.contentHash,
      normalizedHash: contents.normalizedHash,
      stored: contents.hash,
    })
    .from(contributions)
    .leftJoin(contents, eq(contents.hash, contributions.contentHash))
    .where(and(eq(contributions.datanetId, datanetId), inArray(contributions.status, ["accepted", "pending"])))
    .orderBy(asc(contributions.id));
  const members: Member[] = rows.map((r) => ({
    id: r.id,
    contributor: r.contributor.toLowerCase(),
    status: r.status as "pending" | "accepted",
    contentHash: r.contentHash.toLowerCase(),
    normalizedHash: r.normalizedHash,
    stored: r.stored !== null,
  }));
  const unfilled = members.filter((m) => m.stored && m.normalizedHash === null).map((m) => m.contentHash);
  if (unfilled.length) {
    const filled = await fillNormalizedHashes(db, [...new Set(unfilled)]);
    for (const m of members) if (filled.has(m.contentHash)) m.normalizedHash = filled.get(m.contentHash) ?? null;
  }
  return members;
}

/** The earliest of `members` (all earlier than the measured text) with the same bytes or normalised text. */
function exactDuplicateIn(members: readonly Member[], contentHash: string, normalizedHash: string | null): ExactDuplicate | null {
  for (const m of members) {
    const match = m.contentHash === contentHash ? "bytes" : normalizedHash !== null && m.normalizedHash === normalizedHash ? "normalized" : null;
    if (match) return { contributionId: m.id, contributor: m.contributor, status: m.status, match };
  }
  return null;
}

// ── Measuring ──────────────────────────────────────────────────────────────────────────────────────────

type Measured = Omit<Originality, "datanetId" | "contentHash" | "contributionId" | "exactDuplicate">;

interface Analysis {
  /** Results by member index (members.length: the previewed upload). */
  results: Map<number, Measured>;
}

/**
 * Copied runs against earlier members, over the earliest stored members whose tokens fit the bound.
 * - `{ all: true }`: every member that fits is measured (one suffix array for the whole Datanet);
 * - `{ member: i }`: member i is measured against the earliest members before it that fit;
 * - `{ upload: hash }`: a file not registered yet, measured against every member that fits, after them.
 */
async function analyse(db: Db, members: readonly Member[], what: { all: true } | { member: number } | { upload: string }): Promise<Analysis> {
  const last = "member" in what ? what.member : members.length - 1;
  const docs: (RunDocument & { member: number })[] = [];
  let budget = maxCorpusTokens;
  // Contents are read and tokenized a few at a time, in id order, and only until the bound is reached: a
  // Datanet's whole content is never in memory at once.
  const BATCH = 8;
  let tokens = new Map<string, Uint16Array>();
  for (let i = 0; i <= last; i++) {
    const measured = "member" in what && what.member === i;
    if (!members[i].stored || (budget <= 0 && !measured)) continue;
    if (!tokens.has(members[i].contentHash)) {
      const next = members.slice(i, last + 1).filter((m) => m.stored).slice(0, BATCH).map((m) => m.contentHash);
      tokens = await tokensOf(db, [...new Set(measured ? [members[i].contentHash] : next)]);
    }
    const t = tokens.get(members[i].contentHash);
    if (!t) continue;
    if (!measured && t.length > budget) {
      // The earliest contributions that fit, without gaps: past the bound, nothing later is searched.
      budget = 0;
      continue;
    }
    docs.push({ id: members[i].id, tokens: t, member: i });
    budget -= t.length;
  }
  if ("member" in what && docs.at(-1)?.member !== what.member) {
    throw new AppError("not_found", `The content of contribution #${members[what.member].id} is not held by this server, so it cannot be measured.`);
  }
  if ("upload" in what) {
    const t = (await tokensOf(db, [what.upload])).get(what.upload);
    if (!t) throw new AppError("not_found", `Content ${what.upload} was not found: upload it first (POST /api/content).`);
    docs.push({ id: Number.MAX_SAFE_INTEGER, tokens: t, member: members.length });
  }
  const targets = "all" in what ? docs.map((_, i) => i) : [docs.length - 1];
  const runs = docs.length ? copiedRuns(docs, targets, ORIGINAL_SPAN_TOKENS) : [];
  const byId = new Map(members.map((m) => [m.id, m]));
  // tokensBefore[i]: tokens of docs[0..i).
  const tokensBefore = [0];
  for (const d of docs) tokensBefore.push(tokensBefore[tokensBefore.length - 1] + d.tokens.length);
  const results: Analysis["results"] = new Map();
  targets.forEach((di, w) => {
    const r = runs[w];
    const doc = docs[di];
    const sources: OriginalitySource[] = [...r.bySource]
      .map(([id, n]) => {
        const m = byId.get(id)!;
        return { contributionId: id, contributor: m.contributor, status: m.status, tokens: n, sharePpm: ppm(n, r.tokens) };
      })
      .sort((a, b) => b.tokens - a.tokens || a.contributionId - b.contributionId);
    results.set(doc.member, {
      spanTokens: ORIGINAL_SPAN_TOKENS,
      tokens: r.tokens,
      copiedTokens: r.copied,
      copiedPpm: ppm(r.copied, r.tokens),
      sources,
      // Complete when every earlier member was searched (none missing from this server, none over the bound).
      compared: { contributions: di, tokens: tokensBefore[di], complete: di === doc.member },
    });
  });
  return { results };
}

const datanetCache = new Map<number, { key: string; analysis: Promise<Analysis> }>();
const previewCache = new Map<string, Promise<Analysis>>();
const PREVIEW_CACHE_ENTRIES = 64;

/** What the analysis depends on: the members' ids, statuses and contents. */
function stateKey(members: readonly Member[]): string {
  const h = createHash("sha256");
  for (const m of members) h.update(`${m.id}:${m.status}:${m.contentHash}:${m.stored ? 1 : 0};`);
  return h.digest("hex");
}

function remember(key: string, analysis: Promise<Analysis>): void {
  previewCache.set(key, analysis);
  for (const k of previewCache.keys()) {
    if (previewCache.size <= PREVIEW_CACHE_ENTRIES) break;
    previewCache.delete(k);
  }
}

/** Analyses run one at a time in this process: at most one suffix array's memory at once. */
let queue: Promise<unknown> = Promise.resolve();
function exclusive<T>(run: () => Promise<T>): Promise<T> {
  const next = queue.then(run, run);
  queue = next.catch(() => {});
  return next;
}

/** Options of the measuring functions. */
export interface MeasureOptions {
  /** Called before an analysis that is not cached (e.g. to take a rate-limit token); may throw to refuse it. */
  beforeCompute?: () => Promise<void>;
}

/**
 * An analysis not in the cache: the caller's check first, then its turn. Callers put the promise in the cache
 * synchronously (no await between looking and storing), so concurrent requests share one analysis.
 */
async function computed(opts: MeasureOptions, run: () => Promise<Analysis>): Promise<Analysis> {
  await opts.beforeCompute?.();
  return exclusive(run);
}

function cached<T>(promise: Promise<T>, forget: () => void): Promise<T> {
  promise.catch(forget);
  return promise;
}

function withExact(
  datanetId: number,
  contentHash: string,
  contributionId: number | null,
  measured: Measured,
  exact: ExactDuplicate | null,
): Originality {
  const base = { datanetId, contentHash: contentHash as Hex, contributionId, exactDuplicate: exact };
  if (!exact) return { ...base, ...measured };
  // An exact duplicate is copied whole, from the contribution it duplicates.
  return {
    ...base,
    ...measured,
    copiedTokens: measured.tokens,
    copiedPpm: PPM,
    sources: [{ contributionId: exact.contributionId, contributor: exact.contributor, status: exact.status, tokens: measured.tokens, sharePpm: PPM }],
  };
}

/**
 * How much of the content `contentHash` already exists in Datanet `datanetId`, measured as a new upload: against
 * every accepted or pending contribution (one with the same bytes makes it an exact duplicate of that one).
 * 404 for an unknown Datanet or content.
 */
export async function measureOriginality(db: Db, datanetId: number, contentHash: string, opts: MeasureOptions = {}): Promise<Originality> {
  const hash = contentHash.toLowerCase();
  await datanetOf(db, datanetId);
  const [row] = await db.select({ hash: contents.hash, normalizedHash: contents.normalizedHash, body: contents.body }).from(contents).where(eq(contents.hash, hash)).limit(1);
  if (!row) throw new AppError("not_found", `Content ${hash} was not found: upload it first (POST /api/content).`);
  const normalized = row.normalizedHash ?? normalizedHashOf(row.body);
  const members = await membersOf(db, datanetId);
  const exact = exactDuplicateIn(members, hash, normalized);
  const key = `${datanetId}:${stateKey(members)}:${hash}`;
  let analysis = previewCache.get(key);
  if (!analysis) {
    analysis = cached(computed(opts, () => analyse(db, members, { upload: hash })), () => previewCache.delete(key));
    remember(key, analysis);
  }
  const measured = (await analysis).results.get(members.length)!;
  return withExact(datanetId, hash, null, measured, exact);
}

/**
 * Originality of contribution `contributionId` of Datanet `datanetId` against the accepted or pending
 * contributions registered before it (what the owner's review queue shows). 404 for an unknown Datanet or a
 * contribution of another Datanet; 422 for a rejected one (no longer part of the Datanet); 404 when this
 * server does not hold its content.
 */
export async function measureContributionOriginality(db: Db, datanetId: number, contributionId: number, opts: MeasureOptions = {}): Promise<Originality> {
  await datanetOf(db, datanetId);
  const [c] = await db
    .select({ id: contributions.id, datanetId: contributions.datanetId, status: contributions.status, contentHash: contributions.contentHash })
    .from(contributions)
    .where(eq(contributions.id, contributionId))
    .limit(1);
  if (!c || c.datanetId !== datanetId) throw notFound(`Contribution #${contributionId} of Datanet #${datanetId}`);
  if (c.status === "rejected") throw new AppError("unprocessable", `Contribution #${contributionId} was rejected: it is no longer part of the Datanet.`);
  const members = await membersOf(db, datanetId);
  const index = members.findIndex((m) => m.id === contributionId);
  const member = members[index];
  if (!member?.stored) throw new AppError("not_found", `The content of contribution #${contributionId} (${c.contentHash}) is not held by this server, so it cannot be measured.`);
  const key = stateKey(members);
  let entry = datanetCache.get(datanetId);
  if (!entry || entry.key !== key) {
    // Every member that fits the bound at once: one suffix array answers them all.
    const fresh = { key, analysis: computed(opts, () => analyse(db, members, { all: true })) };
    // A failed analysis (e.g. refused by the rate limit) is not kept; a newer one stays.
    fresh.analysis.catch(() => datanetCache.get(datanetId) === fresh && datanetCache.delete(datanetId));
    entry = fresh;
    datanetCache.set(datanetId, entry);
  }
  let measured = (await entry.analysis).results.get(index);
  if (!measured) {
    // Past the bound of the Datanet-wide analysis: its own, against the earliest contributions that fit.
    const own = `${datanetId}:${key}:#${contributionId}`;
    let analysis = previewCache.get(own);
    if (!analysis) {
      analysis = cached(computed(opts, () => analyse(db, members, { member: index })), () => previewCache.delete(own));
      remember(own, analysis);
    }
    measured = (await analysis).results.get(index)!;
  }
  const exact = exactDuplicateIn(members.slice(0, index), member.contentHash, member.normalizedHash);
  return withExact(datanetId, member.contentHash, contributionId, measured, exact);
}

/**
 * Refuses (409 duplicate_content) an exact duplicate of an accepted or pending contribution of an open Datanet,
 * before anything is written or signed; curated Datanets are never refused (their owner decides). Cheap: hashes
 * only, no tokenizing.
 */
export async function assertNotDuplicate(db: Db, datanetId: number, contentHash: string): Promise<void> {
  const datanet = await datanetOf(db, datanetId);
  if (datanet.curated) return;
  const hash = contentHash.toLowerCase();
  const [row] = await db.select({ normalizedHash: contents.normalizedHash, body: contents.body }).from(contents).where(eq(contents.hash, hash)).limit(1);
  if (!row) return;
  const normalized = row.normalizedHash ?? normalizedHashOf(row.body);
  const exact = exactDuplicateIn(await membersOf(db, datanetId), hash, normalized);
  if (!exact) return;
  throw new AppError(
    "duplicate_content",
    `This file already appears as contribution #${exact.contributionId} by ${exact.contributor}${exact.match === "normalized" ? " (the same text, up to whitespace and Unicode normalisation)" : ""}. This open Datanet accepts each text once, so nothing was signed; contribute text of your own.`,
    { contributionId: exact.contributionId, contributor: exact.contributor, match: exact.match },
  );
}

/** Tests: a smaller bound (undefined: the default); forgets what was cached under the old one. */
export function setOriginalityCorpusBoundForTests(tokens?: number): void {
  maxCorpusTokens = tokens ?? ORIGINALITY_MAX_CORPUS_TOKENS;
  clearOriginalityCache();
}

/** Forgets cached analyses and tokens (tests). */
export function clearOriginalityCache(): void {
  datanetCache.clear();
  previewCache.clear();
  tokenCache.clear();
  tokenCacheSize = 0;
}
