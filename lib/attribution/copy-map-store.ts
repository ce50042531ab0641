/**
 * Copy maps kept on disk beside the index they belong to (credit.ts CopyMapStore). A copy map is derived data: the
 * same index, view and L always give the same segments, so a serving process reads it (12 bytes per segment) instead
 * of recomputing it with O(n) memory on the first span trace or generation after every start. This matters most for
 * a memory-mapped index, whose pages are otherwise all that a query costs.
 *
 * The file is the operator's own cache, like the persisted shared index: it is checked for shape (sorted, disjoint
 * segments inside the index, owners that are contributions of it) and recomputed when it does not fit; Verify never
 * reads it (it recomputes from the artifact).
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { copyMapFromSegments, type CopyMap, type CopyMapStore } from "./credit";
import { SEPARATOR } from "./tokenizer";
import type { ModelView } from "./view";

const MAGIC = 0x4d434c4c; // "LLCM" little-endian
/**
 * 2: runs stop at the index's own separator. Version 1 maps stopped at GPT-2's (50257), so a cl100k_base or o200k_base
 * index's version 1 map counted runs across a contribution's end (and not through the real token 50257): those are
 * recomputed; an r50k_base index's version 1 map is the same as version 2's and is still read.
 */
const VERSION = 2;
const HEADER_BYTES = 16; // magic, version, L, segments (u32 each)

/** "all" for the whole index, else a digest of the view's member bitmap. */
export function copyMapViewKey(view: ModelView | undefined): string {
  if (!view || view.full) return "all";
  return `view-${createHash("sha256").update(view.members).digest("hex").slice(0, 32)}`;
}

function encode(map: CopyMap): Uint8Array {
  const m = map.starts.length;
  const out = new Uint8Array(HEADER_BYTES + 12 * m);
  const u32 = new Uint32Array(out.buffer);
  u32.set([MAGIC, VERSION, map.spanTokens, m]);
  u32.set(map.starts, 4);
  u32.set(map.ends, 4 + m);
  u32.set(map.owners, 4 + 2 * m);
  return out;
}

/** What a copy map must fit: its index's token positions (separators included) and contributions. */
export interface CopyMapBounds {
  tokens: number;
  contributions: number;
  /** The index's separator (its vocabulary size). */
  separator: number;
}

export function copyMapBounds(index: { tokens: { length: number }; contributionIds: { length: number }; params: { separator: number } }): CopyMapBounds {
  return { tokens: index.tokens.length, contributions: index.contributionIds.length, separator: index.params.separator };
}

/** The map in `bytes`, or null when it is not a well-formed copy map within `bounds` for L = spanTokens. */
function decode(bytes: Uint8Array, bounds: CopyMapBounds, spanTokens: number): CopyMap | null {
  if (bytes.length < HEADER_BYTES || bytes.length % 4 !== 0) return null;
  const u32 = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const m = u32[3];
  const version = u32[1] === VERSION || (u32[1] === 1 && bounds.separator === SEPARATOR);
  if (u32[0] !== MAGIC || !version || u32[2] !== spanTokens || bytes.length !== HEADER_BYTES + 12 * m) return null;
  const starts = u32.slice(4, 4 + m);
  const ends = u32.slice(4 + m, 4 + 2 * m);
  const owners = u32.slice(4 + 2 * m, 4 + 3 * m);
  const n = bounds.tokens;
  const contributions = bounds.contributions;
  let prevEnd = 0;
  for (let i = 0; i < m; i++) {
    if (starts[i] < prevEnd || ends[i] <= starts[i] || ends[i] > n || owners[i] >= contributions) return null;
    prevEnd = ends[i];
  }
  return copyMapFromSegments(spanTokens, starts, ends, owners);
}

/**
 * Copy maps of one index (one index or a sharded one, within `bounds`) as files under `dir` (created when first written), one per view and L. Writes are atomic
 * (temporary file, then rename), so a reader sees a whole file or none; a write that fails only costs the next start
 * a recomputation, and is reported to `log`.
 */
export function copyMapDirStore(dir: string, bounds: CopyMapBounds, log?: (msg: string) => void): CopyMapStore {
  const file = (key: string) => path.join(dir, `copies-${key}.bin`);
  return {
    read(key, spanTokens) {
      let bytes: Uint8Array;
      try {
        bytes = fs.readFileSync(/*turbopackIgnore: true*/ file(key));
      } catch {
        return null;
      }
      const map = decode(bytes, bounds, spanTokens);
      if (!map) log?.(`copy map ${file(key)} does not fit its index: recomputed`);
      return map;
    },
    write(key, map) {
      // Positions are kept as 32-bit: a larger (sharded) corpus recomputes its copy map in each process.
      if (bounds.tokens > 0xffffffff) return;
      try {
        fs.mkdirSync(/*turbopackIgnore: true*/ dir, { recursive: true });
        const tmp = `${file(key)}.${process.pid}.tmp`;
        fs.writeFileSync(/*turbopackIgnore: true*/ tmp, encode(map));
        fs.renameSync(/*turbopackIgnore: true*/ tmp, file(key));
      } catch (err) {
        log?.(`copy map ${file(key)} not kept: ${(err as Error).message}`);
      }
    },
  };
}
