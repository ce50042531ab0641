/**
 * Server-only read functions over the database (drizzle query builder; PGlite or Postgres).
 * Pages read these, never the chain. Amounts are bigint wei.
 */
export * from "./datanets";
export * from "./models";
export * from "./stats";
export * from "./inferences";
export * from "./accounts";
export * from "./records";
export * from "./settlements";
export * from "./operators";
export * from "./governance";
export { CursorError, type Page } from "./pagination";
export { BUCKETS, type Bucket } from "./series";
export { likePattern } from "./sql";

import { clearClaimTreeCache } from "./accounts";
import { clearLeaderboardCache } from "./datanets";
import { clearRecordCache } from "./records";

/** Forgets every in-memory cache of the read functions (built claim trees, leaderboards): tests that swap databases. */
export function clearQueryCaches(): void {
  clearClaimTreeCache();
  clearLeaderboardCache();
  clearRecordCache();
}
