/**
 * On-disk serving (issue 17): which models the operator serves memory-mapped (ON_DISK_MODELS, ON_DISK_MIN_BYTES),
 * and opening a model's artifact from the store in its mode. The catalog, Verify and span records all open through
 * here, so a model runs on the same arrays whichever of them asks; a mapped index answers byte for byte what a loaded
 * one does (lib/attribution/artifact-mapped.ts).
 *
 * A mapped artifact is opened with its artifactHash (the on-chain hash) as `expectHash`: one streamed sha-256 pass
 * (constant memory) at open, as getArtifact checks every read. The store may be shared storage that another host
 * writes, and Verify must rest on public data only, so the file is not trusted for being in the operator's store.
 */
import fs from "node:fs";
import { openCorpusIndexMapped } from "@/lib/attribution/artifact-mapped";
import { loadArtifact, type LoadedModel } from "@/lib/attribution/run";
import { serverConfig, type ServerConfig } from "@/lib/config";
import { artifactDir as defaultArtifactDir, artifactPath, getArtifact } from "@/lib/factory/artifacts";

export type OnDiskPolicy = ServerConfig["onDisk"];

/** Today's behaviour: every artifact loaded into memory. */
export const IN_MEMORY: OnDiskPolicy = Object.freeze({ all: false, modelIds: Object.freeze([]), minBytes: undefined });

/** Whether the operator wants this model served on disk (its artifact is `artifactBytes` long). */
export function servedOnDisk(policy: OnDiskPolicy, modelId: number, artifactBytes: number): boolean {
  return policy.all || policy.modelIds.includes(modelId) || (policy.minBytes !== undefined && artifactBytes >= policy.minBytes);
}

/** The first four bytes: only corpus indexes ("LLIX") map; kNN models ("LLKN") are small and stay in memory. */
function magicOf(file: string): string {
  const fd = fs.openSync(/*turbopackIgnore: true*/ file, "r");
  try {
    const head = new Uint8Array(4);
    const got = fs.readSync(fd, head, 0, 4, 0);
    return new TextDecoder().decode(head.subarray(0, got));
  } finally {
    fs.closeSync(fd);
  }
}

export interface OpenedArtifact {
  model: LoadedModel;
  /** True when the corpus index is memory-mapped from the store's file. */
  onDisk: boolean;
}

/**
 * The model's artifact from the store, mapped when the policy says so and it is a corpus index, else loaded.
 * Null when the store does not have it; throws when its file does not hash to `artifactHash` or is not a model.
 */
export function openModelArtifact(
  artifactHash: `0x${string}`,
  opts: { modelId: number; dir?: string; onDisk?: OnDiskPolicy },
): OpenedArtifact | null {
  const dir = opts.dir ?? defaultArtifactDir();
  const policy = opts.onDisk ?? serverConfig().onDisk;
  const file = artifactPath(artifactHash, dir);
  let size: number;
  try {
    size = fs.statSync(/*turbopackIgnore: true*/ file).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  if (servedOnDisk(policy, opts.modelId, size) && magicOf(file) === "LLIX") {
    return { model: { format: "corpus", index: openCorpusIndexMapped(file, { expectHash: artifactHash }) }, onDisk: true };
  }
  const bytes = getArtifact(artifactHash, dir);
  return bytes ? { model: loadArtifact(bytes), onDisk: false } : null;
}
