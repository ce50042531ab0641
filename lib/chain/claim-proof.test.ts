import { getAddress, type Address, type Hex } from "viem";
import { describe, expect, it } from "vitest";
import { claimLeafHash, verifyClaimProof } from "./claim-proof";
import { buildClaimsTree, claimLeaf, verifyClaim } from "./merkle";

/** Mulberry32, so every run builds the same trees. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

describe("the browser's check of a claim proof (viem only)", () => {
  const rand = prng(13);
  const account = (i: number) => getAddress(`0x${(0xc0ffee00 + i).toString(16).padStart(40, "0")}`) as Address;
  const trees = [1, 2, 3, 7, 64, 257].map((n) =>
    buildClaimsTree(Array.from({ length: n }, (_, i) => ({ account: account(i), cumulativeAmount: BigInt(Math.floor(rand() * 1e15)) * 10n ** 9n + BigInt(i) }))),
  );

  it("computes the contract's leaf", () => {
    expect(claimLeafHash(account(1), 12345n)).toBe(claimLeaf(account(1), 12345n));
  });

  it("verifies every proof buildClaimsTree gives, as OpenZeppelin's verifier does", () => {
    for (const tree of trees) {
      for (const e of tree.entries) {
        const proof = tree.proofFor(e.account);
        expect(verifyClaimProof(tree.root, e.account, e.cumulativeAmount, proof)).toBe(true);
        expect(verifyClaim(tree.root, e.account, e.cumulativeAmount, proof)).toBe(true);
        // Any address case: the leaf encodes the address, not its spelling.
        expect(verifyClaimProof(tree.root.toUpperCase().replace("0X", "0x") as Hex, e.account.toLowerCase() as Address, e.cumulativeAmount, proof)).toBe(true);
      }
    }
  });

  it("fails a tampered amount, another account, a tampered proof, another root", () => {
    for (const tree of trees) {
      const [e, other] = tree.entries;
      const proof = tree.proofFor(e.account);
      expect(verifyClaimProof(tree.root, e.account, e.cumulativeAmount + 1n, proof)).toBe(false);
      expect(verifyClaimProof(tree.root, e.account, e.cumulativeAmount - 1n, proof)).toBe(false);
      expect(verifyClaimProof(tree.root, account(999), e.cumulativeAmount, proof)).toBe(false);
      if (other) expect(verifyClaimProof(tree.root, other.account, e.cumulativeAmount, proof)).toBe(false);
      if (proof.length) {
        const flipped = [...proof];
        flipped[0] = `0x${(BigInt(flipped[0]) ^ 1n).toString(16).padStart(64, "0")}` as Hex;
        expect(verifyClaimProof(tree.root, e.account, e.cumulativeAmount, flipped)).toBe(false);
        expect(verifyClaimProof(tree.root, e.account, e.cumulativeAmount, proof.slice(1))).toBe(false);
      }
      expect(verifyClaimProof(trees[0] === tree ? trees[1].root : trees[0].root, e.account, e.cumulativeAmount, proof)).toBe(false);
    }
  });

  it("refuses malformed input instead of throwing", () => {
    const tree = trees[2];
    const e = tree.entries[0];
    expect(verifyClaimProof("0x1234", e.account, e.cumulativeAmount, tree.proofFor(e.account))).toBe(false);
    expect(verifyClaimProof(tree.root, e.account, e.cumulativeAmount, ["0xzz" as Hex])).toBe(false);
    expect(verifyClaimProof(tree.root, e.account, -1n, tree.proofFor(e.account))).toBe(false);
    expect(verifyClaimProof(tree.root, e.account, 1n << 256n, tree.proofFor(e.account))).toBe(false);
  });
});
