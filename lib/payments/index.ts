/**
 * Paying for inference: canonical requests, and the payment schemes (./scheme.ts) that take the money
 * into InferenceMarket's escrow: x402 "exact" (gasless, EIP-3009) and the wallet's own `pay` transaction.
 */
export * from "./errors";
export * from "./request";
export * from "./scheme";
export * from "./schemes";
export * from "./x402";
export * from "./exact";
export * from "./transaction";
export { decodeRevert, formatOpen, paymentErrorFromRevert, type DecodedRevert } from "./revert";
