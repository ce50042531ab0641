/** Paying for inference: canonical requests, x402 v2 (gasless, EIP-3009) and wallet `pay` transactions. */
export * from "./errors";
export * from "./request";
export * from "./x402";
export * from "./transaction";
export { decodeRevert, formatOpen, type DecodedRevert } from "./revert";
