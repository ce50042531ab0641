/**
 * InferenceMarket's enums as the contracts number them (contracts/InferenceMarket.sol, contracts/EpochRoots.sol):
 * one copy for the server, the indexer and the watcher.
 */
export const REQUEST_STATUS = { None: 0, Paid: 1, Settled: 2, Refunded: 3 } as const;

export const EPOCH_STATUS = { None: 0, Pending: 1, Disputed: 2, Final: 3, Discarded: 4 } as const;

/** EPOCH_STATUS's names, indexed by the on-chain number. */
export const EPOCH_STATUS_NAMES = ["none", "pending", "disputed", "final", "discarded"] as const;
export type EpochStatusName = (typeof EPOCH_STATUS_NAMES)[number];

export const epochStatusName = (status: number): EpochStatusName => EPOCH_STATUS_NAMES[status] ?? "none";
