/**
 * The originality shield (issue 14) on a real database (PGlite; Postgres too with TEST_DATABASE_URL): contents
 * stored as uploads are, contributions as the indexer writes them, measured through the module and its routes.
 * (The open Datanet's refusal to attest, with a real chain, is in ./attestation.test.ts.)
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as contributionRoute from "@/app/api/datanets/[id]/contributions/[contributionId]/originality/route";
import * as uploadRoute from "@/app/api/datanets/[id]/originality/route";
import { setDatabaseForTests, type Database } from "@/db/client";
import * as t from "@/db/schema";
import { openTestDatabase, testDatabaseKinds } from "@/db/testing";
import { ORIGINAL_SPAN_TOKENS } from "@/lib/attribution/originality";
import { encode } from "@/lib/attribution/tokenizer";
import {
  clearOriginalityCache,
  measureContributionOriginality,
  measureOriginality,
  normalizeText,
  setOriginalityCorpusBoundForTests,
} from "./originality";
import { sha256Hex, storeContent } from "./store";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ALICE = "0x00000000000000000000000000000000000a11ce";
const BOB = "0x0000000000000000000000000000000000000b0b";
const CAROL = "0x000000000000000000000000000000000000ca01";
const MALLORY = "0x000000000000000000000000000000000000bad0";

/** Prose no other paragraph shares a 32-token run with: words drawn by a seeded generator. */
const WORDS =
  "river stone lantern harvest orchard meadow falcon copper willow thunder amber harbor glacier ember prairie canyon marble violet cedar beacon timber saffron quarry lagoon summit thistle basalt heron juniper comet".split(
    " ",
  );
function prose(seed: number, words: number): string {
  let x = seed;
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out.push(WORDS[(x >>> 8) % WORDS.length]);
  }
  out[0] = out[0][0].toUpperCase() + out[0].slice(1);
  return `${out.join(" ")}.`;
}

for (const { kind, available } of testDatabaseKinds) {
  describe.skipIf(!available)(`originality shield on ${kind}`, () => {
    let database: Database;
    let nextId = 1;
    const OPEN = 1;
    const CURATED = 2;
    const OTHER = 3;

    async function datanet(id: number, curated: boolean) {
      await database.db.insert(t.datanets).values({
        id,
        owner: ALICE,
        treasury: ALICE,
        metadataHash: `0x${String(id).padStart(64, "0")}`,
        metadataUri: "",
        name: `Datanet ${id}`,
        bond: 0n,
        curated,
        createdBlock: 1,
        createdTx: `0x${"1".repeat(64)}`,
        createdAt: new Date(),
      });
    }
    /** Uploads `text` as `who` and registers it in `datanetId` (as the indexer would), returning the contribution id. */
    async function contribute(datanetId: number, who: string, text: string, status: "pending" | "accepted" | "rejected" = "accepted") {
      const stored = await storeContent(database.db, { body: new TextEncoder().encode(text), filename: "c.md", uploader: who });
      const id = nextId++;
      await database.db.insert(t.contributions).values({
        id,
        datanetId,
        contributor: who,
        contentHash: stored.hash,
        bytes: stored.bytes,
        records: stored.records,
        bond: 0n,
        status,
        submittedBlock: id,
        submittedTx: `0x${id.toString(16).padStart(64, "0")}`,
        submittedAt: new Date(),
      });
      return { id, hash: stored.hash };
    }
    const upload = async (text: string, who = MALLORY) => (await storeContent(database.db, { body: new TextEncoder().encode(text), filename: "u.md", uploader: who })).hash;
    async function get(handler: typeof uploadRoute.GET, url: string, params: Record<string, string>) {
      const res = await handler(new Request(`http://ledgerline.test${url}`), { params: Promise.resolve(params) });
      return { status: res.status, body: (await res.json()) as Json };
    }
    /** The engine's tokens of a markdown upload: its paragraphs, blank-line separated. */
    const tokensOf = (text: string) => encode(text.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean).join("\n\n")).length;

    const original = [prose(1, 80), prose(2, 60)].join("\n\n");
    const copied = prose(3, 70);
    const second = prose(4, 50);
    let accepted: { id: number; hash: string };
    let source: { id: number; hash: string };
    let other: { id: number; hash: string };

    beforeAll(async () => {
      database = await openTestDatabase(kind);
      setDatabaseForTests(database);
      clearOriginalityCache();
      await datanet(OPEN, false);
      await datanet(CURATED, true);
      await datanet(OTHER, false);
      accepted = await contribute(OPEN, ALICE, original);
      source = await contribute(OPEN, BOB, copied);
      other = await contribute(OPEN, CAROL, second, "pending");
      await contribute(OPEN, CAROL, prose(5, 90), "rejected");
    });
    afterAll(async () => {
      setDatabaseForTests(undefined);
      await database?.close();
    });

    it("flags a re-upload of an accepted file as a 100 % exact duplicate of it", async () => {
      const m = await measureOriginality(database.db, OPEN, accepted.hash);
      expect(m).toMatchObject({
        datanetId: OPEN,
        contentHash: accepted.hash,
        contributionId: null,
        spanTokens: ORIGINAL_SPAN_TOKENS,
        exactDuplicate: { contributionId: accepted.id, contributor: ALICE, status: "accepted", match: "bytes" },
        copiedPpm: 1_000_000,
      });
      expect(m.copiedTokens).toBe(m.tokens);
      expect(m.sources).toEqual([{ contributionId: accepted.id, contributor: ALICE, status: "accepted", tokens: m.tokens, sharePpm: 1_000_000 }]);
    });

    it("treats whitespace-only and Unicode-normalisation variants as exact duplicates, and nothing else", async () => {
      const variants = [
        original.replace(/\n\n/g, "\r\n\r\n\r\n"),
        `  \t${original.replace(/ /g, "  ")}\n\n`,
        `\uFEFF${original.replace(/ /g, "\u00a0")}`,
      ];
      for (const v of variants) {
        const hash = await upload(v);
        expect(hash).not.toBe(accepted.hash);
        const m = await measureOriginality(database.db, OPEN, hash);
        expect(m.exactDuplicate, JSON.stringify(v.slice(0, 30))).toEqual({ contributionId: accepted.id, contributor: ALICE, status: "accepted", match: "normalized" });
        expect(m.copiedPpm).toBe(1_000_000);
      }
      // Composed and decomposed accents are the same text.
      expect(normalizeText("Cafe\u0301  au\tlait\n")).toBe(normalizeText("Café au lait"));
      // One word changed: not an exact duplicate (but nearly all of it is copied).
      const edited = await upload(original.replace(/\.$/, " finale."));
      const m = await measureOriginality(database.db, OPEN, edited);
      expect(m.exactDuplicate).toBeNull();
      expect(m.copiedPpm).toBeGreaterThan(900_000);
      expect(m.sources.map((s) => s.contributionId)).toEqual([accepted.id]);
    });

    it("measures a copied paragraph: its share of the file's tokens, and the contribution it comes from", async () => {
      const own = prose(6, 90);
      const text = `${own}\n\n${copied}\n`;
      const m = await measureOriginality(database.db, OPEN, await upload(text));
      const total = tokensOf(text);
      const run = encode(copied).length;
      expect(run).toBeGreaterThanOrEqual(ORIGINAL_SPAN_TOKENS);
      expect(m.tokens).toBe(total);
      expect(m.exactDuplicate).toBeNull();
      expect(m.copiedTokens).toBe(run);
      expect(m.copiedPpm).toBe(Math.floor((run * 1_000_000) / total));
      expect(m.sources).toEqual([{ contributionId: source.id, contributor: BOB, status: "accepted", tokens: run, sharePpm: Math.floor((run * 1_000_000) / total) }]);
      expect(m.compared).toEqual({ contributions: 3, tokens: tokensOf(original) + tokensOf(copied) + tokensOf(second), complete: true });
    });

    it("lists several sources by tokens, most first, and pending contributions count as earlier too", async () => {
      const text = `${second}\n\n${prose(7, 40)}\n\n${copied}`;
      const m = await measureOriginality(database.db, OPEN, await upload(text));
      expect(m.sources.map((s) => [s.contributionId, s.status, s.tokens])).toEqual([
        [source.id, "accepted", encode(copied).length],
        [other.id, "pending", encode(second).length],
      ]);
      expect(m.copiedTokens).toBe(encode(copied).length + encode(second).length);
    });

    it("flags nothing below 32 tokens, and ignores rejected contributions", async () => {
      const words = copied.split(" ");
      let k = words.length;
      while (encode(words.slice(0, k).join(" ")).length > 24) k--;
      const short = `${prose(8, 60)}\n\n${words.slice(0, k).join(" ")} ${prose(9, 30).toLowerCase()}`;
      const m = await measureOriginality(database.db, OPEN, await upload(short));
      expect(m).toMatchObject({ copiedTokens: 0, copiedPpm: 0, sources: [], exactDuplicate: null });
      // The rejected contribution's text is not part of the Datanet.
      const rejectedCopy = await measureOriginality(database.db, OPEN, await upload(prose(5, 90)));
      expect(rejectedCopy).toMatchObject({ copiedTokens: 0, exactDuplicate: null });
    });

    it("measures each contribution against those registered before it: the copy is flagged, the original is not", async () => {
      const copy = await contribute(OPEN, MALLORY, `${prose(10, 50)}\n\n${copied}`, "pending");
      const late = await measureContributionOriginality(database.db, OPEN, copy.id);
      expect(late.contributionId).toBe(copy.id);
      expect(late.sources.map((s) => [s.contributionId, s.contributor, s.tokens])).toEqual([[source.id, BOB, encode(copied).length]]);
      const first = await measureContributionOriginality(database.db, OPEN, source.id);
      expect(first).toMatchObject({ copiedTokens: 0, sources: [], exactDuplicate: null, compared: { contributions: 1 } });

      // Through the route, as the review queue reads it.
      const res = await get(contributionRoute.GET, `/api/datanets/${OPEN}/contributions/${copy.id}/originality`, { id: String(OPEN), contributionId: String(copy.id) });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ contributionId: copy.id, contentHash: copy.hash, copiedTokens: late.copiedTokens, sources: [{ contributionId: source.id, contributor: BOB }] });
    });

    it("is per Datanet: another Datanet's contributions are not sources, and a curated Datanet is measured the same way", async () => {
      const inOther = await measureOriginality(database.db, OTHER, accepted.hash);
      expect(inOther).toMatchObject({ exactDuplicate: null, copiedTokens: 0, compared: { contributions: 0 } });
      const curatedOriginal = await contribute(CURATED, ALICE, prose(11, 70));
      const res = await get(uploadRoute.GET, `/api/datanets/${CURATED}/originality?hash=${curatedOriginal.hash.toUpperCase().replace("0X", "0x")}`, { id: String(CURATED) });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ exactDuplicate: { contributionId: curatedOriginal.id, match: "bytes" }, copiedPpm: 1_000_000 });
    });

    it("answers hostile or unknown input with a clear 4xx, never a 500, and writes nothing", async () => {
      const before = await database.db.select({ hash: t.contents.hash }).from(t.contents);
      const zero = `0x${"0".repeat(64)}`;
      const cases: [typeof uploadRoute.GET, string, Record<string, string>, number, RegExp][] = [
        [uploadRoute.GET, `/api/datanets/${OPEN}/originality`, { id: String(OPEN) }, 400, /query\.hash/],
        [uploadRoute.GET, `/api/datanets/${OPEN}/originality?hash=0x12`, { id: String(OPEN) }, 400, /32-byte hex hash/],
        [uploadRoute.GET, `/api/datanets/${OPEN}/originality?hash=${accepted.hash}${"ab".repeat(5000)}`, { id: String(OPEN) }, 400, /query\.hash/],
        [uploadRoute.GET, `/api/datanets/${OPEN}/originality?hash=${encodeURIComponent("0x' or 1=1 --")}`, { id: String(OPEN) }, 400, /query\.hash/],
        [uploadRoute.GET, `/api/datanets/${OPEN}/originality?hash=${zero}`, { id: String(OPEN) }, 404, /Content 0x0{64} was not found: upload it first/],
        [uploadRoute.GET, `/api/datanets/999/originality?hash=${accepted.hash}`, { id: "999" }, 404, /Datanet #999 was not found/],
        [uploadRoute.GET, `/api/datanets/x/originality?hash=${accepted.hash}`, { id: "x" }, 404, /path\.id/],
        [contributionRoute.GET, `/api/datanets/${OTHER}/contributions/${accepted.id}/originality`, { id: String(OTHER), contributionId: String(accepted.id) }, 404, new RegExp(`Contribution #${accepted.id} of Datanet #${OTHER} was not found`)],
        [contributionRoute.GET, `/api/datanets/${OPEN}/contributions/99999/originality`, { id: String(OPEN), contributionId: "99999" }, 404, /was not found/],
        [contributionRoute.GET, `/api/datanets/${OPEN}/contributions/4/originality`, { id: String(OPEN), contributionId: "4" }, 422, /was rejected/],
        [contributionRoute.GET, `/api/datanets/${OPEN}/contributions/-1/originality`, { id: String(OPEN), contributionId: "-1" }, 404, /path\.contributionId/],
      ];
      const failures: string[] = [];
      for (const [handler, url, params, status, message] of cases) {
        const res = await get(handler, url, params);
        if (res.status !== status || !message.test(String(res.body.error))) failures.push(`${url.slice(0, 120)} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      }
      expect(failures).toEqual([]);
      expect(await database.db.select({ hash: t.contents.hash }).from(t.contents)).toHaveLength(before.length);
    });

    it("searches near-duplicates in the earliest contributions within the token bound, says so, and still finds exact duplicates", async () => {
      const first = tokensOf(original);
      setOriginalityCorpusBoundForTests(first + 1);
      try {
        const text = `${prose(15, 40)}\n\n${copied}`;
        const m = await measureOriginality(database.db, OPEN, await upload(text));
        // Only the first contribution fits: the copy of the second one is not searched, and the answer says so.
        expect(m.compared).toEqual({ contributions: 1, tokens: first, complete: false });
        expect(m.copiedTokens).toBe(0);
        // Exact duplicates are found by hash in every contribution.
        const dup = await measureOriginality(database.db, OPEN, await upload(`${copied}\n`));
        expect(dup.exactDuplicate).toMatchObject({ contributionId: source.id, match: "normalized" });
        // A registered contribution past the bound is measured against the earliest ones that fit.
        const late = await measureContributionOriginality(database.db, OPEN, other.id);
        expect(late.compared).toEqual({ contributions: 1, tokens: first, complete: false });
      } finally {
        setOriginalityCorpusBoundForTests();
      }
    });

    it("shares one analysis between concurrent requests, and rate-limits the ones that miss the cache per caller", async () => {
      clearOriginalityCache();
      process.env.RATE_LIMIT_ORIGINALITY_PER_MINUTE = "1";
      try {
        // The review queue asks for every pending contribution at once: one analysis of the Datanet answers all.
        const ids = [accepted.id, source.id, other.id];
        const answers = await Promise.all(
          ids.map((id) => get(contributionRoute.GET, `/api/datanets/${OPEN}/contributions/${id}/originality?c=${id}`, { id: String(OPEN), contributionId: String(id) })),
        );
        expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
        // Cached: asked again, no budget needed.
        expect((await get(contributionRoute.GET, `/api/datanets/${OPEN}/contributions/${source.id}/originality`, { id: String(OPEN), contributionId: String(source.id) })).status).toBe(200);
        // A new file to measure is a new analysis: over the budget, 429 with a message.
        const fresh = await upload(prose(14, 40));
        const refused = await get(uploadRoute.GET, `/api/datanets/${OPEN}/originality?hash=${fresh}`, { id: String(OPEN) });
        expect(refused.status).toBe(429);
        expect(refused.body.reason).toBe("rate_limited");
      } finally {
        delete process.env.RATE_LIMIT_ORIGINALITY_PER_MINUTE;
      }
    });

    it("stores the normalised hash with every upload, and fills it in for content stored before the column existed", async () => {
      const text = prose(12, 40);
      const hash = await upload(text);
      const [row] = await database.db.select({ n: t.contents.normalizedHash }).from(t.contents).where(eq(t.contents.hash, hash));
      expect(row.n).toBe(sha256Hex(new TextEncoder().encode(normalizeText(text))));
      // An old row: the hash is missing until the Datanet is measured.
      const old = await contribute(OTHER, ALICE, prose(13, 40));
      await database.db.update(t.contents).set({ normalizedHash: null }).where(eq(t.contents.hash, old.hash));
      const variant = await upload(`${prose(13, 40)}\n\n\n`);
      expect((await measureOriginality(database.db, OTHER, variant)).exactDuplicate).toMatchObject({ contributionId: old.id, match: "normalized" });
      const [filled] = await database.db.select({ n: t.contents.normalizedHash }).from(t.contents).where(eq(t.contents.hash, old.hash));
      expect(filled.n).toBe(sha256Hex(new TextEncoder().encode(normalizeText(prose(13, 40)))));
    });
  });
}
