import { z } from "zod";

/** Model kinds; the index is the on-chain `kind` byte of ModelRegistry. */
export const MODEL_KINDS = ["infinigram", "knn", "external", "rag"] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/**
 * Datanet and model metadata live off-chain as JSON stored content-addressed (see db `contents`);
 * the chain holds its sha-256 (metadataHash) and a URI. The indexer resolves it by hash.
 */
/**
 * The most metadata bytes the indexer reads for one Datanet or model: the largest valid Datanet metadata (20,000
 * characters of description, 4 bytes each at worst, plus the short fields) fits with room to spare; a metadataHash
 * naming a bigger blob (anyone can point it at any stored content, e.g. a large upload) is treated as missing.
 */
export const METADATA_MAX_BYTES = 256 * 1024;

export const datanetMetadataSchema = z.object({
  name: z.string().trim().min(3, "A Datanet name needs at least 3 characters").max(80),
  summary: z.string().trim().max(200).default(""),
  description: z.string().max(20_000).default(""),
  tags: z.array(z.string().trim().toLowerCase().min(1).max(32)).max(12).default([]),
  license: z.string().trim().max(64).default("CC-BY-4.0"),
});
export type DatanetMetadata = z.infer<typeof datanetMetadataSchema>;

export const modelMetadataSchema = z.object({
  name: z.string().trim().min(3).max(80),
  description: z.string().max(20_000).default(""),
  parameters: z.record(z.string(), z.unknown()).default({}),
  evaluation: z.record(z.string(), z.unknown()).optional(),
});
export type ModelMetadata = z.infer<typeof modelMetadataSchema>;

/** Canonical JSON bytes for metadata: stable key order, so the same metadata hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/** URI form for content stored by this deployment's content store. */
export function contentUri(hash: string): string {
  return `ledgerline:content/${hash}`;
}
