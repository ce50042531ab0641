/**
 * The record viewer: a Datanet's records, searchable and keyset-paginated.
 *
 * Records are not rows: a contribution's content is stored once (contents.body, content-addressed) and
 * split into records by lib/content/records.ts — the same split the attribution engine and the Model
 * Factory use. Content is immutable under its sha-256, so parsed records are cached in memory by hash
 * (LRU, bounded by characters) and a page is cut from the cached records. Search is a case-insensitive
 * substring match done here, so it behaves the same on PGlite and Postgres. Withdrawn contributions (takedowns)
 * are not listed.
 */
import { and, asc, eq, inArray, isNull, lte, ne, sql, type SQL } from "drizzle-orm";
import { getDb, type Db } from "@/db/client";
import { contents, contributions, datanetVersions } from "@/db/schema";
import { parseRecords } from "@/lib/content/records";
import { contentText, formatOfMediaType } from "@/lib/content/store";
import { AppError } from "@/lib/errors";
import type { ContributionStatus } from "./datanets";
import { decodeCursor, encodeCursor, pageSize, type Keyset, type Page } from "./pagination";

export interface RecordItem {
  contributionId: number;
  /** 0-based position of the record in its contribution's content. */
  index: number;
  text: string;
  contributor: string;
  status: ContributionStatus;
  /** The first published version that contains the contribution (null while not in any version). */
  version: number | null;
}

export interface RecordsPage extends Page<RecordItem> {
  /** Records matching the filters and the search, across all pages. */
  total: number;
  /** Contributions in the filter whose content this server does not hold (their records cannot be shown). */
  unavailable: number;
}

export interface RecordsQuery {
  /** Case-insensitive substring. */
  q?: string;
  /** Only the contributions in this published version. */
  version?: number;
  contributionId?: number;
  /** Default: accepted and pending (rejected content is not part of the Datanet). */
  status?: ContributionStatus;
  limit?: number;
  cursor?: string;
}

/** Something the caller named does not exist in this Datanet (→ 404). */
export class RecordsNotFound extends AppError {
  constructor(message: string) {
    super("not_found", message);
  }
}

// The cursor is (contribution id, record index); the SQL expressions are unused (the scan is in process).
const recordsKeyset: Keyset = {
  tag: "records:position",
  dir: "asc",
  parts: [
    { expr: sql`contribution_id`, kind: "int" },
    { expr: sql`record_index`, kind: "int" },
  ],
};

// ── Parsed content cache ─────────────────────────────────────────────────────────────────────────────

const CACHE_MAX_CHARS = 64 * 1024 * 1024;
const parsed = new Map<string, { records: string[]; lower: string[]; chars: number }>();
let cachedChars = 0;

function remember(hash: string, records: string[]) {
  const chars = records.reduce((s, r) => s + r.length, 0);
  parsed.set(hash, { records, lower: records.map((r) => r.toLowerCase()), chars });
  cachedChars += chars;
  while (cachedChars > CACHE_MAX_CHARS && parsed.size > 1) {
    const [oldest, entry] = parsed.entries().next().value!;
    parsed.delete(oldest);
    cachedChars -= entry.chars;
  }
}

/** Parsed records of these content hashes (missing = not stored here); reads the bodies not cached yet. */
async function recordsOf(db: Db, hashes: string[]): Promise<Map<string, { records: string[]; lower: string[] }>> {
  const out = new Map<string, { records: string[]; lower: string[] }>();
  const missing: string[] = [];
  for (const h of new Set(hashes)) {
    const hit = parsed.get(h);
    if (hit) {
      parsed.delete(h); // LRU: move to the back
      parsed.set(h, hit);
      out.set(h, hit);
    } else missing.push(h);
  }
  for (let i = 0; i < missing.length; i += 16) {
    const rows = await db
      .select({ hash: contents.hash, body: contents.body, mediaType: contents.mediaType })
      .from(contents)
      .where(inArray(contents.hash, missing.slice(i, i + 16)));
    for (const row of rows) {
      let records: string[];
      try {
        records = parseRecords(contentText(row), formatOfMediaType(row.mediaType)).records;
      } catch {
        continue; // stored before the parser changed: treat as unavailable rather than fail the page
      }
      remember(row.hash, records);
      out.set(row.hash, parsed.get(row.hash)!);
    }
  }
  return out;
}

/** Forget parsed content (tests). */
export function clearRecordCache(): void {
  parsed.clear();
  cachedChars = 0;
}

// ── The page ─────────────────────────────────────────────────────────────────────────────────────────

/**
 * One page of a Datanet's records in (contribution id, record index) order, with the total that match.
 * Throws RecordsNotFound for an unknown version or a contribution of another Datanet, CursorError for a
 * cursor this list did not issue.
 */
export async function pageRecords(datanetId: number, params: RecordsQuery = {}): Promise<RecordsPage> {
  const db = await getDb();
  const limit = pageSize(params.limit);
  const after = params.cursor === undefined ? null : (decodeCursor(recordsKeyset, params.cursor) as [number, number]);
  const needle = params.q?.trim().toLowerCase() || undefined;

  const versions = await db
    .select({ version: datanetVersions.version, count: datanetVersions.count })
    .from(datanetVersions)
    .where(eq(datanetVersions.datanetId, datanetId))
    .orderBy(asc(datanetVersions.version));

  const c = contributions;
  const where: (SQL | undefined)[] = [eq(c.datanetId, datanetId)];
  if (params.version !== undefined) {
    const v = versions.find((x) => x.version === params.version);
    if (!v) throw new RecordsNotFound(`Datanet ${datanetId} has no version ${params.version}.`);
    where.push(eq(c.status, "accepted"), lte(c.acceptedSeq, v.count));
  }
  if (params.contributionId !== undefined) {
    const [own] = await db.select({ id: c.id }).from(c).where(and(eq(c.id, params.contributionId), eq(c.datanetId, datanetId))).limit(1);
    if (!own) throw new RecordsNotFound(`Contribution ${params.contributionId} is not in Datanet ${datanetId}.`);
    where.push(eq(c.id, params.contributionId));
  }
  where.push(params.status ? eq(c.status, params.status) : ne(c.status, "rejected"));
  // Takedown: a withdrawn or removed contribution's records leave the viewer (whatever the filter).
  where.push(isNull(c.withdrawnBlock));

  const rows = await db
    .select({ id: c.id, contributor: c.contributor, status: c.status, acceptedSeq: c.acceptedSeq, contentHash: c.contentHash, records: c.records })
    .from(c)
    .where(and(...where))
    .orderBy(asc(c.id));

  // Version N holds acceptance positions 1..count: a contribution first appears in the first version that reaches its position.
  const versionOf = (seq: number | null) => (seq === null ? null : (versions.find((v) => v.count >= seq)?.version ?? null));

  const items: RecordItem[] = [];
  let total = 0;
  let unavailable = 0;
  let more = false;
  // Without a search the totals come from the indexed counts; only the page's contributions are read.
  if (!needle) {
    const first = after ? rows.findIndex((r) => r.id >= after[0]) : 0;
    const BATCH = 8;
    for (let i = Math.max(first, 0); first >= 0 && i < rows.length && !more; i += BATCH) {
      const batch = rows.slice(i, i + BATCH);
      const parsedBatch = await recordsOf(db, batch.map((r) => r.contentHash));
      for (const r of batch) {
        const p = parsedBatch.get(r.contentHash);
        if (!p) continue;
        const start = after && r.id === after[0] ? after[1] + 1 : 0;
        for (let k = start; k < p.records.length; k++) {
          if (items.length === limit) {
            more = true;
            break;
          }
          items.push({ contributionId: r.id, index: k, text: p.records[k], contributor: r.contributor, status: r.status, version: versionOf(r.acceptedSeq) });
        }
        if (more) break;
      }
    }
    const all = await recordsOfCounts(db, rows.map((r) => r.contentHash));
    for (const r of rows) {
      if (all.has(r.contentHash)) total += r.records;
      else unavailable++;
    }
  } else {
    // A search reads every contribution in the filter (cached after the first time) to count the matches.
    const all = await recordsOf(db, rows.map((r) => r.contentHash));
    for (const r of rows) {
      const p = all.get(r.contentHash);
      if (!p) {
        unavailable++;
        continue;
      }
      for (let k = 0; k < p.lower.length; k++) {
        if (!p.lower[k].includes(needle)) continue;
        total++;
        if (after && (r.id < after[0] || (r.id === after[0] && k <= after[1]))) continue;
        if (items.length === limit) {
          more = true;
          continue;
        }
        items.push({ contributionId: r.id, index: k, text: p.records[k], contributor: r.contributor, status: r.status, version: versionOf(r.acceptedSeq) });
      }
    }
  }

  const last = items[items.length - 1];
  return { items, nextCursor: more && last ? encodeCursor(recordsKeyset, [last.contributionId, last.index]) : null, total, unavailable };
}

/** Which of these content hashes are stored (one indexed lookup; bodies are not read). */
async function recordsOfCounts(db: Db, hashes: string[]): Promise<Set<string>> {
  const unique = [...new Set(hashes)];
  const stored = new Set<string>();
  for (const h of unique) if (parsed.has(h)) stored.add(h);
  const rest = unique.filter((h) => !stored.has(h));
  for (let i = 0; i < rest.length; i += 500) {
    const rows = await db.select({ hash: contents.hash }).from(contents).where(inArray(contents.hash, rest.slice(i, i + 500)));
    for (const r of rows) stored.add(r.hash);
  }
  return stored;
}
