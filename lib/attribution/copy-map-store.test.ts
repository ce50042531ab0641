import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { copyMapBounds, copyMapDirStore, copyMapViewKey } from "./copy-map-store";
import { buildCorpusIndex } from "./corpus";
import { copyMap, keepCopyMaps, type CopyMap } from "./credit";
import { traceSpans } from "./span-trace";
import { loadTokenizer } from "./tokenizer";
import { createView, viewFilter } from "./view";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "ledgerline-copies-"));
  dirs.push(d);
  return d;
};

const passage = "The quick brown fox jumps over the lazy dog near the quiet river bank at dawn";
const docs = [
  { id: 1, datanetId: 1, text: `${passage}. First words of one.` },
  { id: 2, datanetId: 1, text: `Copied: ${passage}, and more.` },
  { id: 3, datanetId: 2, text: `Another copy ${passage} again.` },
];
/** A fresh index object each time, as a new process would load. */
const index = () => buildCorpusIndex(docs);
const segments = (m: CopyMap) => ({ starts: Array.from(m.starts), ends: Array.from(m.ends), owners: Array.from(m.owners) });

describe("copy maps kept on disk", () => {
  it("writes a computed copy map once and reads it back in a later process: the same segments and the same trace", () => {
    const dir = tmp();
    const first = index();
    const L = 8;
    keepCopyMaps(first, copyMapDirStore(dir, copyMapBounds(first)), copyMapViewKey);
    const computed = copyMap(first, undefined, null, L);
    expect(computed.starts.length).toBeGreaterThan(0);
    expect(fs.readdirSync(dir)).toEqual([`copies-all-L${L}.bin`]);

    const later = index();
    keepCopyMaps(later, copyMapDirStore(dir, copyMapBounds(later)), copyMapViewKey);
    expect(segments(copyMap(later, undefined, null, L))).toEqual(segments(computed));
    const plain = index();
    const opts = { minSpanTokens: 4, maxSupport: 100, originalSpanTokens: L };
    expect(traceSpans(later, `Copied: ${passage}`, opts)).toEqual(traceSpans(plain, `Copied: ${passage}`, opts));
  });

  it("reads what the file holds (it is the cache), and recomputes a file that does not fit the index", () => {
    const dir = tmp();
    const L = 8;
    const fresh = copyMap(index(), undefined, null, L);
    const file = path.join(dir, `copies-all-L${L}.bin`);
    // A well-formed file with one made-up segment is served as is: the operator's own cache, like the shared index.
    fs.writeFileSync(file, new Uint8Array(Uint32Array.of(0x4d434c4c, 1, L, 1, 2, 5, 0).buffer));
    const a = index();
    keepCopyMaps(a, copyMapDirStore(dir, copyMapBounds(a)), copyMapViewKey);
    expect(segments(copyMap(a, undefined, null, L))).toEqual({ starts: [2], ends: [5], owners: [0] });
    // An owner that is no contribution of the index, a truncated file, another L: each recomputed (and rewritten).
    for (const bad of [Uint32Array.of(0x4d434c4c, 1, L, 1, 2, 5, 99), Uint32Array.of(0x4d434c4c, 1, L, 2, 2, 5, 0), Uint32Array.of(0x4d434c4c, 1, L + 1, 0)]) {
      fs.writeFileSync(file, new Uint8Array(bad.buffer));
      const b = index();
      const logs: string[] = [];
      keepCopyMaps(b, copyMapDirStore(dir, copyMapBounds(b), (m) => logs.push(m)), copyMapViewKey);
      expect(segments(copyMap(b, undefined, null, L))).toEqual(segments(fresh));
      expect(logs.join()).toMatch(/does not fit its index/);
    }
  });

  it("a version 1 file (runs stopped at GPT-2's separator) is still read for an r50k_base index, recomputed for an o200k_base one", async () => {
    await loadTokenizer("o200k_base");
    const L = 8;
    for (const [tokenizer, kept] of [
      ["r50k_base", true],
      ["o200k_base", false],
    ] as const) {
      const dir = tmp();
      const fresh = copyMap(buildCorpusIndex(docs, { tokenizer }), undefined, null, L);
      fs.writeFileSync(path.join(dir, `copies-all-L${L}.bin`), new Uint8Array(Uint32Array.of(0x4d434c4c, 1, L, 1, 2, 5, 0).buffer));
      const ix = buildCorpusIndex(docs, { tokenizer });
      const logs: string[] = [];
      keepCopyMaps(ix, copyMapDirStore(dir, copyMapBounds(ix), (m) => logs.push(m)), copyMapViewKey);
      expect(segments(copyMap(ix, undefined, null, L)), tokenizer).toEqual(kept ? { starts: [2], ends: [5], owners: [0] } : segments(fresh));
      expect(logs.join(), tokenizer).toMatch(kept ? /^$/ : /does not fit its index/);
    }
  });

  it("keeps each view's copy map apart from the whole index's", () => {
    const dir = tmp();
    const L = 8;
    const ix = index();
    keepCopyMaps(ix, copyMapDirStore(dir, copyMapBounds(ix)), copyMapViewKey);
    const view = createView(ix, [2, 3]);
    const whole = copyMap(ix, undefined, null, L);
    const inView = copyMap(ix, view, viewFilter(ix, view), L);
    expect(segments(inView)).not.toEqual(segments(whole));
    expect(fs.readdirSync(dir).sort()).toEqual([`copies-all-L${L}.bin`, `copies-${copyMapViewKey(view)}-L${L}.bin`].sort());
    const again = index();
    keepCopyMaps(again, copyMapDirStore(dir, copyMapBounds(again)), copyMapViewKey);
    const view2 = createView(again, [2, 3]);
    expect(segments(copyMap(again, view2, viewFilter(again, view2), L))).toEqual(segments(inView));
  });
});
