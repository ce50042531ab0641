/**
 * Checks an epoch claim proof the way InferenceMarket.claim does, with viem only (safe in the browser, where a
 * contributor checks their own share without trusting the server): the OpenZeppelin StandardMerkleTree leaf
 * keccak256(bytes.concat(keccak256(abi.encode(account, cumulativeAmount)))), folded with the proof by hashing each
 * pair in sorted order (OZ MerkleProof.processProof).
 */
import { concat, encodeAbiParameters, keccak256, type Address, type Hex } from "viem";

/** The leaf of (account, cumulativeAmount) in an epoch tree. */
export function claimLeafHash(account: Address, cumulativeAmount: bigint): Hex {
  return keccak256(keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [account, cumulativeAmount])));
}

/** keccak256 of the two nodes, smaller first (as bytes32 numbers). */
function hashPair(a: Hex, b: Hex): Hex {
  return BigInt(a) < BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

/** The root a proof leads to from a leaf. */
export function foldProof(leaf: Hex, proof: readonly Hex[]): Hex {
  return proof.reduce<Hex>((node, sibling) => hashPair(node, sibling), leaf);
}

const HASH = /^0x[0-9a-fA-F]{64}$/;

/** True when (account, cumulativeAmount) with `proof` is a leaf of the tree whose root is `root`. */
export function verifyClaimProof(root: Hex, account: Address, cumulativeAmount: bigint, proof: readonly Hex[]): boolean {
  if (!HASH.test(root) || !proof.every((p) => HASH.test(p)) || cumulativeAmount < 0n || cumulativeAmount >= 1n << 256n) return false;
  try {
    return foldProof(claimLeafHash(account, cumulativeAmount), proof).toLowerCase() === root.toLowerCase();
  } catch {
    return false; // not an address viem accepts (e.g. a wrong EIP-55 checksum)
  }
}
