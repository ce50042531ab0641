import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { contributions, datanets, inferences, models } from "@/db/schema";
import { countDistinctOf, countRows, sumWei } from "./sql";

export interface HomeStats {
  datanets: number;
  contributions: number;
  /** Distinct contributor addresses across all Datanets. */
  contributors: number;
  models: number;
  settledInferences: number;
  /** Σ price of settled inferences, in wei. */
  feesPaid: bigint;
  /** Σ contributor pools of settled inferences, in wei. */
  contributorEarnings: bigint;
}

/** Marketplace-wide counters for the home page. */
export async function getHomeStats(): Promise<HomeStats> {
  const db = await getDb();
  const settled = eq(inferences.status, "settled");
  const [[d], [c], [m], [i]] = await Promise.all([
    db.select({ n: countRows() }).from(datanets),
    db
      .select({ n: countRows(), contributors: countDistinctOf(contributions.contributor) })
      .from(contributions),
    db.select({ n: countRows() }).from(models),
    db
      .select({
        settled: countRows(settled),
        feesPaid: sumWei(inferences.price, settled),
        contributorEarnings: sumWei(inferences.contributorPool, settled),
      })
      .from(inferences),
  ]);
  return {
    datanets: d?.n ?? 0,
    contributions: c?.n ?? 0,
    contributors: c?.contributors ?? 0,
    models: m?.n ?? 0,
    settledInferences: i?.settled ?? 0,
    feesPaid: i?.feesPaid ?? 0n,
    contributorEarnings: i?.contributorEarnings ?? 0n,
  };
}
