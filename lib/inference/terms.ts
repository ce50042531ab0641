/** Contributors' verbatim limits as indexed (ContributionTerms): what serving enforces and offline Verify recomputes with. */
import { isNotNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { contributions } from "@/db/schema";
import type { VerbatimLimits } from "@/lib/attribution/terms";

export async function indexedVerbatimLimits(db: Db): Promise<VerbatimLimits> {
  const rows = await db
    .select({ id: contributions.id, n: contributions.maxVerbatimTokens })
    .from(contributions)
    .where(isNotNull(contributions.maxVerbatimTokens));
  return new Map(rows.map((r) => [r.id, r.n!]));
}
