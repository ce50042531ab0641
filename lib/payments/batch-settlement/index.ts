/** x402 `batch-settlement` (issue 16): channel state, the process's resource server, the scheme and its charges. */
export * from "./channel-storage";
export * from "./charges";
export * from "./server";
export * from "./scheme";
export * from "./pglite-channel-storage";
