/** Ledger roles paid from the contributor pools: what epoch roots sum and contributors (or treasuries) claim. */
export const CONTRIBUTOR_ROLE = "contributor";
/** A Datanet treasury's share of a contributor pool (a record's fallback when nothing matched); claimed like a contributor's. */
export const DATANET_TREASURY_ROLE = "datanet-treasury";
export const POOL_ROLES = [CONTRIBUTOR_ROLE, DATANET_TREASURY_ROLE] as const;
