import { and, eq, inArray, lte } from "drizzle-orm";
import type { Db } from "@/db/client";
import { contents, contributions, datanets, datanetVersions } from "@/db/schema";
import { parseRecords } from "@/lib/content/records";
import { contentText, formatOfMediaType } from "@/lib/content/store";
import { FactoryError } from "./spec";

export interface SourceContribution {
  id: number;
  datanetId: number;
  contributor: string;
  /** The contribution's records, split exactly as the upload route split them. */
  records: string[];
}

export interface BuildSources {
  versions: { datanetId: number; version: number; root: string; count: number }[];
  contributions: SourceContribution[];
}

/**
 * The accepted contributions of the chosen Datanet versions (version N = the first N accepted, in
 * acceptance order), with their stored content. Only versions whose on-chain root the indexer recomputed
 * and verified are buildable: the artifact must contain exactly what the root commits to.
 */
export async function loadBuildSources(db: Db, chosen: { id: number; version: number }[]): Promise<BuildSources> {
  const versions: BuildSources["versions"] = [];
  const out: SourceContribution[] = [];
  for (const { id, version } of chosen) {
    const [datanet] = await db.select({ id: datanets.id }).from(datanets).where(eq(datanets.id, id)).limit(1);
    if (!datanet) throw new FactoryError(`Datanet ${id} was not found.`, 404);
    const [v] = await db
      .select()
      .from(datanetVersions)
      .where(and(eq(datanetVersions.datanetId, id), eq(datanetVersions.version, version)))
      .limit(1);
    if (!v) throw new FactoryError(`Datanet ${id} has no version ${version}: publish it first, or pick a published version.`, 404);
    if (!v.rootVerified) {
      throw new FactoryError(`Version ${version} of Datanet ${id} does not match its contributions on-chain, so it cannot be built.`);
    }
    const rows = await db
      .select({ id: contributions.id, contributor: contributions.contributor, contentHash: contributions.contentHash })
      .from(contributions)
      .where(and(eq(contributions.datanetId, id), eq(contributions.status, "accepted"), lte(contributions.acceptedSeq, v.count)))
      .orderBy(contributions.acceptedSeq);
    if (rows.length !== v.count) {
      throw new FactoryError(`Version ${version} of Datanet ${id} lists ${v.count} contributions but ${rows.length} are indexed; wait for the indexer.`, 409);
    }
    const bodies = rows.length
      ? await db.select().from(contents).where(inArray(contents.hash, [...new Set(rows.map((r) => r.contentHash))]))
      : [];
    const byHash = new Map(bodies.map((b) => [b.hash, b]));
    for (const r of rows) {
      const body = byHash.get(r.contentHash);
      if (!body) {
        throw new FactoryError(`The content of contribution ${r.id} (${r.contentHash}) is not in this server's content store.`);
      }
      const { records } = parseRecords(contentText(body), formatOfMediaType(body.mediaType));
      out.push({ id: r.id, datanetId: id, contributor: r.contributor, records });
    }
    versions.push({ datanetId: id, version, root: v.root, count: v.count });
  }
  if (out.length === 0) throw new FactoryError("The chosen Datanet versions hold no accepted contributions.");
  out.sort((a, b) => a.id - b.id);
  return { versions, contributions: out };
}
