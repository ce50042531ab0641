import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { copyMapBounds, copyMapDirStore, copyMapViewKey } from "@/lib/attribution/copy-map-store";
import type { CorpusIndex } from "@/lib/attribution/corpus-index";
import { keepCopyMaps } from "@/lib/attribution/credit";
import { serverConfig } from "@/lib/config";

/**
 * Model artifacts, content-addressed by sha-256 (the on-chain artifactHash). A directory by default
 * (`ARTIFACT_DIR`, else `.data/artifacts`); a deployment points ARTIFACT_DIR at shared storage.
 */
export function artifactDir(): string {
  return serverConfig().artifactDir;
}

export type ArtifactHash = `0x${string}`;

export function sha256Of(bytes: Uint8Array): ArtifactHash {
  return `0x${createHash("sha256").update(bytes).digest("hex")}`;
}

function fileOf(hash: string, dir: string): string {
  if (!/^0x[0-9a-f]{64}$/.test(hash)) throw new Error(`not an artifact hash: ${hash}`);
  return path.join(dir, `${hash.slice(2)}.bin`);
}

/** Where the artifact with this hash is (or would be) stored: on-disk mode maps the file itself. */
export function artifactPath(hash: string, dir = artifactDir()): string {
  return fileOf(hash.toLowerCase(), dir);
}

/**
 * Where the copy maps of the artifact's own index are kept (copy-map-store.ts): written by the build that made it and
 * by the catalog, read by the catalog.
 */
export function copyMapDir(hash: string, dir = artifactDir()): string {
  const h = hash.toLowerCase();
  if (!/^0x[0-9a-f]{64}$/.test(h)) throw new Error(`not an artifact hash: ${hash}`);
  return path.join(dir, "copy-maps", h.slice(2));
}

/** Keeps the copy maps of the artifact's own index (one per view and L) under copyMapDir, for the build and the catalog alike. */
export function keepArtifactCopyMaps(hash: string, index: CorpusIndex, dir = artifactDir(), log?: (msg: string) => void): void {
  keepCopyMaps(index, copyMapDirStore(copyMapDir(hash, dir), copyMapBounds(index), log), copyMapViewKey);
}

/** Writes atomically (temp file + rename), so a crash never leaves a half artifact under its hash. */
export function putArtifact(bytes: Uint8Array, dir = artifactDir()): { hash: ArtifactHash; path: string } {
  const hash = sha256Of(bytes);
  const file = fileOf(hash, dir);
  if (!fs.existsSync(/*turbopackIgnore: true*/ file)) {
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, file);
  }
  return { hash, path: file };
}

/** Reads an artifact and checks it still hashes to its name. */
export function getArtifact(hash: string, dir = artifactDir()): Uint8Array | null {
  const file = fileOf(hash.toLowerCase(), dir);
  if (!fs.existsSync(/*turbopackIgnore: true*/ file)) return null;
  const bytes = new Uint8Array(fs.readFileSync(/*turbopackIgnore: true*/ file));
  if (sha256Of(bytes) !== hash.toLowerCase()) throw new Error(`artifact ${hash} on disk is corrupt (its sha-256 differs)`);
  return bytes;
}

// Files whose sha-256 was checked, by path → "inode:size:mtime": a file replaced or changed on disk is checked again.
const checked = new Map<string, string>();

/**
 * An artifact to stream to someone else (GET /api/models/{id}/artifact): its size and a fresh read stream, once its
 * sha-256 has been checked against its name in one streaming pass (never the whole file in memory). Null if absent;
 * throws if the file no longer hashes to its name.
 */
export async function openArtifact(hash: string, dir = artifactDir()): Promise<{ size: number; stream(): fs.ReadStream } | null> {
  const file = fileOf(hash.toLowerCase(), dir);
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(/*turbopackIgnore: true*/ file);
  } catch {
    return null;
  }
  const stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  if (checked.get(file) !== stamp) {
    const h = createHash("sha256");
    for await (const chunk of fs.createReadStream(/*turbopackIgnore: true*/ file)) h.update(chunk as Buffer);
    if (`0x${h.digest("hex")}` !== hash.toLowerCase()) throw new Error(`artifact ${hash} on disk is corrupt (its sha-256 differs)`);
    checked.set(file, stamp);
  }
  return { size: stat.size, stream: () => fs.createReadStream(/*turbopackIgnore: true*/ file) };
}
