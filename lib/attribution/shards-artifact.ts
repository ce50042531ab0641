/**
 * Storing a sharded index (issue 17): one ordinary artifact per shard (the same bytes serializeCorpusIndex writes,
 * each verified on load by its sha-256) and a small JSON manifest naming them in order. The manifest's own sha-256
 * (manifestHash) commits to every shard through their hashes. A shard holding only empty contributions (possible
 * when a run of them falls between two full shards) has no artifact: the manifest lists its ids, and the loader
 * rebuilds it (its text is only separators). Beside each artifact goes its unigram counts' sidecar (unigram-sidecar.ts),
 * so a trusted on-disk open reads them instead of searching the suffix array; the manifest does not name the
 * sidecars, so its hash is what it was.
 */
import fs from "node:fs";
import path from "node:path";
import { artifactHash, loadCorpusIndexFile, serializeCorpusIndex } from "./artifact";
import { openCorpusIndexMapped } from "./artifact-mapped";
import { buildShardFromTokens, type CorpusIndex, type CorpusTokens } from "./corpus";
import { tokenWidth } from "./corpus-index";
import { AttributionError } from "./errors";
import { fromShards, shardRuns, type ShardedIndex, type ShardOptions } from "./shards";
import { TOKENIZER, tokenizerInfo } from "./tokenizer";
import { writeUnigramSidecar } from "./unigram-sidecar";

export const SHARD_MANIFEST = "shards.json";
const FORMAT = "ledgerline-sharded-index";

type ShardEntry =
  | { file: string; artifactHash: `0x${string}`; tokens: number; contributions: number }
  | { contributionIds: number[]; datanetIds: number[] };

interface Manifest {
  format: typeof FORMAT;
  version: 1;
  tokenizer: string;
  tokenWidth: 16 | 32;
  maxShardTokens: number;
  shards: ShardEntry[];
}

const tokenless = (s: CorpusIndex): boolean => s.tokens.length === s.contributionIds.length;

/** One shard's manifest entry, writing its artifact into `dir` (a shard without tokens has none). */
function writeShard(dir: string, s: CorpusIndex, i: number): ShardEntry {
  if (tokenless(s)) return { contributionIds: Array.from(s.contributionIds), datanetIds: Array.from(s.datanetIds) };
  const bytes = serializeCorpusIndex(s);
  const file = `shard-${String(i).padStart(5, "0")}.llix`;
  const hash = artifactHash(bytes);
  fs.writeFileSync(path.join(dir, file), bytes);
  writeUnigramSidecar(path.join(dir, file), { head: bytes, size: bytes.length, sha256: hash }, s.unigram);
  return { file, artifactHash: hash, tokens: s.tokens.length, contributions: s.contributionIds.length };
}

function writeManifest(dir: string, manifest: Manifest): { manifestFile: string; manifestHash: `0x${string}` } {
  const bytes = new TextEncoder().encode(JSON.stringify(manifest, null, 1) + "\n");
  const manifestFile = path.join(dir, SHARD_MANIFEST);
  fs.writeFileSync(manifestFile, bytes);
  return { manifestFile, manifestHash: artifactHash(bytes) };
}

/** Writes each shard's artifact and the manifest into `dir` (created if needed); returns the manifest's path and sha-256. */
export function writeShardedIndex(dir: string, index: ShardedIndex): { manifestFile: string; manifestHash: `0x${string}` } {
  fs.mkdirSync(dir, { recursive: true });
  const withTokens = index.shards.find((s) => !tokenless(s))!;
  return writeManifest(dir, {
    format: FORMAT,
    version: 1,
    tokenizer: index.params.tokenizer,
    tokenWidth: tokenWidth(withTokens),
    maxShardTokens: index.maxShardTokens,
    shards: index.shards.map((s, i) => writeShard(dir, s, i)),
  });
}

/** Progress of a streamed sharded build: shards written so far, and tokens indexed (separators included). */
export interface ShardBuildProgress {
  shard: number;
  shards: number;
  tokens: number;
  totalTokens: number;
}

/**
 * Builds and writes a sharded index one shard at a time (each dropped once written), so a corpus far larger
 * than one build's memory is indexed with the peak of its largest shard. The same files and manifest hash as
 * writeShardedIndex(dir, buildShardedIndexFromTokens(items, opts)).
 */
export function writeShardedIndexFromTokens(
  dir: string,
  items: CorpusTokens[],
  opts: ShardOptions & { onShardWritten?: (p: ShardBuildProgress) => void } = {},
): { manifestFile: string; manifestHash: `0x${string}` } {
  const { runs, limit } = shardRuns(items, opts);
  fs.mkdirSync(dir, { recursive: true });
  const info = tokenizerInfo(opts.tokenizer ?? TOKENIZER);
  const sizes = runs.map((r) => r.reduce((a, it) => a + it.tokens.length + 1, 0));
  const totalTokens = sizes.reduce((a, b) => a + b, 0);
  let done = 0;
  let width: 16 | 32 | null = null;
  const shards = runs.map((r, i) => {
    const shard = buildShardFromTokens(r, opts);
    if (!tokenless(shard)) width ??= tokenWidth(shard);
    const entry = writeShard(dir, shard, i);
    done += sizes[i];
    opts.onShardWritten?.({ shard: i + 1, shards: runs.length, tokens: done, totalTokens });
    return entry;
  });
  return writeManifest(dir, { format: FORMAT, version: 1, tokenizer: info.name, tokenWidth: width!, maxShardTokens: limit, shards });
}

/**
 * Loads a sharded index written by writeShardedIndex, checking every shard's hash (and the manifest's, when
 * given). `mode: "disk"` maps the shards (artifact-mapped.ts); there `verifyShards: false` skips hashing them
 * (the files are trusted) so opening costs the same at any corpus size.
 */
export function loadShardedIndex(
  dir: string,
  opts: { expectManifestHash?: `0x${string}`; mode?: "memory" | "disk"; verifyShards?: boolean } = {},
): ShardedIndex {
  const bytes = new Uint8Array(fs.readFileSync(path.join(dir, SHARD_MANIFEST)));
  if (opts.expectManifestHash && artifactHash(bytes) !== opts.expectManifestHash.toLowerCase()) {
    throw new AttributionError(`The shard manifest does not hash to ${opts.expectManifestHash}.`);
  }
  let m: Manifest;
  try {
    m = JSON.parse(new TextDecoder().decode(bytes)) as Manifest;
  } catch {
    throw new AttributionError("The shard manifest is not JSON.");
  }
  if (m?.format !== FORMAT || m.version !== 1 || !Array.isArray(m.shards) || m.shards.length === 0) {
    throw new AttributionError("This is not a version 1 shard manifest.");
  }
  const shards = m.shards.map((e, i): CorpusIndex => {
    if ("contributionIds" in e) {
      const items = e.contributionIds.map((id, k) => ({ id, datanetId: e.datanetIds[k], tokens: [] }));
      return buildShardFromTokens(items, { tokenizer: m.tokenizer, tokenWidth: m.tokenWidth });
    }
    if (typeof e.file !== "string" || path.basename(e.file) !== e.file) throw new AttributionError(`Shard ${i}'s file name is not a plain name.`);
    const file = path.join(dir, e.file);
    const s =
      opts.mode === "disk"
        ? openCorpusIndexMapped(file, opts.verifyShards === false ? {} : { expectHash: e.artifactHash })
        : loadCorpusIndexFile(file, { expectHash: e.artifactHash });
    if (s.tokens.length !== e.tokens || s.contributionIds.length !== e.contributions || s.params.tokenizer !== m.tokenizer || tokenWidth(s) !== m.tokenWidth) {
      throw new AttributionError(`Shard ${i} (${e.file}) does not match its manifest entry.`);
    }
    return s;
  });
  return fromShards(shards, m.maxShardTokens);
}
