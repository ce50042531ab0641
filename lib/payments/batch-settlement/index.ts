/** x402 `batch-settlement` (issue 16): the server scheme's shared channel state. */
export * from "./channel-storage";
