/**
 * ERC-2612 permits for the bond token (OpenToken implements it): the typed data a contributor signs so that
 * DatanetRegistry.contributeWithPermit can take the bond without a prior approve transaction.
 * Browser- and node-safe (viem only).
 */
import { parseSignature, type Address, type Hex } from "viem";

export const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export interface PermitRequest {
  /** The token's EIP-712 domain (eip712Domain() on-chain: name "Open", version "1" for OpenToken). */
  domain: { name: string; version: string; chainId: number; verifyingContract: Address };
  owner: Address;
  spender: Address;
  value: bigint;
  nonce: bigint;
  deadline: bigint;
}

/** The typed data to hand to signTypedData (a wallet, or a local account in tests). */
export function permitTypedData(p: PermitRequest) {
  return {
    domain: p.domain,
    types: PERMIT_TYPES,
    primaryType: "Permit" as const,
    message: { owner: p.owner, spender: p.spender, value: p.value, nonce: p.nonce, deadline: p.deadline },
  };
}

/** The registry's Permit struct from a signature over {@link permitTypedData}. */
export function permitArgs(value: bigint, deadline: bigint, signature: Hex): { value: bigint; deadline: bigint; v: number; r: Hex; s: Hex } {
  const { r, s, v, yParity } = parseSignature(signature);
  return { value, deadline, v: v !== undefined ? Number(v) : yParity + 27, r, s };
}
