import type { Db } from "@/db/client";
import * as t from "@/db/schema";

/** Every chain-derived table as sorted JSON rows: "equals a fresh index" is a deep-equal of two dumps. */
export async function dumpReadModel(db: Db): Promise<Record<string, string[]>> {
  const tables = {
    datanets: t.datanets,
    contributions: t.contributions,
    datanetVersions: t.datanetVersions,
    models: t.models,
    modelDatanets: t.modelDatanets,
    inferences: t.inferences,
    attributionEntries: t.attributionEntries,
    ledgerEntries: t.ledgerEntries,
    earningsHourly: t.earningsHourly,
    modelUsageHourly: t.modelUsageHourly,
    datanetUsageHourly: t.datanetUsageHourly,
    epochs: t.epochs,
    claims: t.claims,
    operators: t.operators,
    operatorEvents: t.operatorEvents,
    feeSchedules: t.feeSchedules,
    marketParams: t.marketParams,
    governorSettings: t.governorSettings,
    voteSupply: t.voteSupply,
    voteAccounts: t.voteAccounts,
    proposals: t.proposals,
    proposalVotes: t.proposalVotes,
  };
  const out: Record<string, string[]> = {};
  for (const [name, table] of Object.entries(tables)) {
    const rows = await db.select().from(table);
    out[name] = rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? `${v}n` : v))).sort();
  }
  return out;
}
