/**
 * A partial view over a mapped index takes its suffix-array ranks from `<artifact>.sarank` (mapped, not on the heap):
 * the same ranks and answers as in memory, written once and reused, recomputed when the file names another artifact or
 * is cut short, and computed in memory when the store cannot be written.
 */
import fc from "fast-check";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { artifactHash, serializeCorpusIndex } from "./artifact";
import { openCorpusIndexMapped } from "./artifact-mapped";
import { buildCorpusIndexFromTokens, count, nextTokenDistribution, type CorpusTokens } from "./corpus";
import { saRankSidecarPath, type SaRankSource } from "./sa-rank-sidecar";
import { createView, rankBlocks, saRanksInto, viewFilter } from "./view";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ledgerline-sarank-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** Ranks the obvious way: the contribution whose [start, next start) holds the position. */
function naiveRanks(sa: ArrayLike<number>, starts: ArrayLike<number>): number[] {
  return Array.from({ length: sa.length }, (_, k) => {
    let r = 0;
    while (r + 1 < starts.length && starts[r + 1] <= sa[k]) r++;
    return r;
  });
}

const corpusArb = fc
  .uniqueArray(fc.integer({ min: 0, max: 300 }), { minLength: 2, maxLength: 10 })
  .chain((ids) => fc.tuple(fc.constant(ids), fc.array(fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 60 }), { minLength: ids.length, maxLength: ids.length })))
  .map(([ids, ts]): CorpusTokens[] => ts.map((tokens, i) => ({ id: ids[i], datanetId: 1, tokens: Uint16Array.from(tokens) })))
  .filter((docs) => docs.filter((d) => d.tokens.length > 0).length >= 2);

function writeArtifact(docs: CorpusTokens[]) {
  const built = buildCorpusIndexFromTokens(docs);
  const bytes = serializeCorpusIndex(built);
  const file = path.join(dir, `a${files++}.llix`);
  fs.writeFileSync(file, bytes);
  return { built, file, hash: artifactHash(bytes) };
}

describe("suffix-array ranks of a mapped index", () => {
  it("rank blocks give every row's contribution, whatever the contribution lengths", () => {
    fc.assert(
      fc.property(corpusArb, (docs) => {
        const { sa, starts } = buildCorpusIndexFromTokens(docs);
        const out = new Uint32Array(sa.length);
        saRanksInto(sa, starts, rankBlocks(starts, sa.length), 0, out);
        expect(Array.from(out)).toEqual(naiveRanks(sa, starts));
      }),
      { numRuns: 100 },
    );
  });

  it("a partial view over a mapped index answers as in memory, from a sidecar written once and then reused", () => {
    fc.assert(
      fc.property(corpusArb, fc.integer({ min: 0, max: 1000 }), (docs, seed) => {
        const { built, file, hash } = writeArtifact(docs);
        // A view needs a member with tokens (an empty view is refused): the first such contribution is always one.
        const withTokens = docs.find((d) => d.tokens.length > 0)!.id;
        const members = built.contributionIds.filter((id, r) => (r + seed) % 2 === 0 || r === 0 || id === withTokens);
        const sources: SaRankSource[] = [];
        const mapped = openCorpusIndexMapped(file, { expectHash: hash, onSaRanks: (s) => sources.push(s) });
        const memView = createView(built, members);
        const diskView = createView(mapped, members);
        expect(Array.from(viewFilter(mapped, diskView)?.saRank ?? [])).toEqual(Array.from(viewFilter(built, memView)?.saRank ?? []));
        for (let t = 0; t <= 6; t++) {
          expect(count(mapped, [t], diskView)).toBe(count(built, [t], memView));
          expect(nextTokenDistribution(mapped, [t], { maxSupport: 1000, view: diskView })).toEqual(nextTokenDistribution(built, [t], { maxSupport: 1000, view: memView }));
        }
        if (!memView.full) {
          expect(sources).toEqual([{ source: "computed", why: "no sidecar" }]);
          expect(fs.statSync(saRankSidecarPath(file)).size).toBe(96 + 4 * built.sa.length);
          // A second open (a restart) maps the file instead of computing.
          const again: SaRankSource[] = [];
          const reopened = openCorpusIndexMapped(file, { onSaRanks: (s) => again.push(s) });
          createView(reopened, members);
          expect(again).toEqual([{ source: "sidecar" }]);
        }
      }),
      { numRuns: 40 },
    );
  });

  it("recomputes a sidecar that is cut short or names another artifact, and never answers from it", () => {
    const docs: CorpusTokens[] = [
      { id: 1, datanetId: 1, tokens: Uint16Array.of(1, 2, 3, 1, 2) },
      { id: 2, datanetId: 1, tokens: Uint16Array.of(2, 3, 1) },
      { id: 3, datanetId: 1, tokens: Uint16Array.of(3, 3, 2, 1) },
    ];
    const a = writeArtifact(docs);
    const b = writeArtifact([...docs, { id: 4, datanetId: 1, tokens: Uint16Array.of(1, 1) }]);
    const open = (file: string) => {
      const seen: SaRankSource[] = [];
      const index = openCorpusIndexMapped(file, { onSaRanks: (s) => seen.push(s) });
      const view = createView(index, [1, 3]);
      return { seen, index, view };
    };
    const first = open(a.file);
    const expected = count(first.index, [1], first.view);
    // Another artifact's sidecar (same length would not even be needed: its header names the other file).
    fs.copyFileSync(saRankSidecarPath(a.file), saRankSidecarPath(b.file));
    const other = (() => {
      const seen: SaRankSource[] = [];
      const index = openCorpusIndexMapped(b.file, { onSaRanks: (s) => seen.push(s) });
      createView(index, [1, 3]);
      return seen;
    })();
    expect(other[0].source).toBe("computed");
    // Cut short: recomputed, and the answers are the in-memory ones.
    fs.truncateSync(saRankSidecarPath(a.file), 100);
    const cut = open(a.file);
    expect(cut.seen).toEqual([{ source: "computed", why: "the sidecar's size does not fit the index" }]);
    expect(count(cut.index, [1], cut.view)).toBe(expected);
    expect(count(cut.index, [1], cut.view)).toBe(count(a.built, [1], createView(a.built, [1, 3])));
  });

  it("computes the ranks in memory when the sidecar cannot be written", () => {
    const { file, built } = writeArtifact([
      { id: 5, datanetId: 1, tokens: Uint16Array.of(4, 5, 6) },
      { id: 6, datanetId: 1, tokens: Uint16Array.of(6, 5, 4, 4) },
    ]);
    fs.mkdirSync(saRankSidecarPath(file)); // a directory where the file would go: the rename fails
    const seen: SaRankSource[] = [];
    const index = openCorpusIndexMapped(file, { onSaRanks: (s) => seen.push(s) });
    const view = createView(index, [6]);
    expect(seen[0].source).toBe("memory");
    expect(count(index, [4], view)).toBe(count(built, [4], createView(built, [6])));
    expect(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
