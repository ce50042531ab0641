/**
 * Server-only read functions over the database (drizzle query builder; PGlite or Postgres).
 * Pages read these, never the chain. Amounts are bigint wei.
 */
export * from "./datanets";
export * from "./models";
export * from "./stats";
export { likePattern } from "./sql";
