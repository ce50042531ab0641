/**
 * The content attestation as EIP-712 typed data: what the server's attester signs and DatanetRegistry checks
 * (`ContentAttestation` under the domain "DatanetRegistry" version "1"). Browser-safe (viem only): the
 * server signs it, the browser and tests recover its signer from it.
 */
import { recoverTypedDataAddress, type Address, type Hex } from "viem";

export const CONTENT_ATTESTATION_TYPES = {
  ContentAttestation: [
    { name: "datanetId", type: "uint256" },
    { name: "contentHash", type: "bytes32" },
    { name: "uploader", type: "address" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export interface ContentAttestationMessage {
  datanetId: bigint;
  contentHash: Hex;
  /** The only account that may register the content with this attestation (the contract checks msg.sender). */
  uploader: Address;
  /** Unix seconds of chain time after which the registry refuses it (AttestationExpired). */
  deadline: bigint;
}

/** The typed data for `message` on `chainId`'s DatanetRegistry at `registry`. */
export function contentAttestationTypedData(domain: { chainId: number; registry: Address }, message: ContentAttestationMessage) {
  return {
    domain: { name: "DatanetRegistry", version: "1", chainId: domain.chainId, verifyingContract: domain.registry },
    types: CONTENT_ATTESTATION_TYPES,
    primaryType: "ContentAttestation",
    message,
  } as const;
}

/** Who signed an attestation (compare with the registry's `attester()`). */
export function attestationSigner(domain: { chainId: number; registry: Address }, message: ContentAttestationMessage, signature: Hex): Promise<Address> {
  return recoverTypedDataAddress({ ...contentAttestationTypedData(domain, message), signature });
}
