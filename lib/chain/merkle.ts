/**
 * Merkle trees shared by the contracts and the off-chain code (OpenZeppelin StandardMerkleTree:
 * leaf = keccak256(bytes.concat(keccak256(abi.encode(...values)))), sorted leaves, sorted-pair hashing),
 * so proofs verify with OZ's MerkleProof on-chain.
 *
 * - Epoch claims (InferenceMarket.postEpoch/claim): leaves (address account, uint256 cumulativeAmount).
 * - Datanet versions (DatanetRegistry.publishVersion): leaves (uint256 contributionId, bytes32 contentHash).
 *
 * Amounts are bigint everywhere.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { encodeAbiParameters, getAddress, isAddress, isHex, keccak256, type Address, type Hex } from "viem";

export const CLAIM_LEAF_ENCODING = ["address", "uint256"] as const;
export const VERSION_LEAF_ENCODING = ["uint256", "bytes32"] as const;

export interface ClaimEntry {
  account: Address;
  cumulativeAmount: bigint;
}

export interface ClaimsTree {
  root: Hex;
  /** Σ cumulativeAmount: the `cumulativeTotal` to pass to postEpoch. */
  total: bigint;
  /** Entries with checksummed accounts, in input order. */
  entries: ClaimEntry[];
  /** Cumulative amount of `account` in this tree (undefined when absent). */
  amountOf(account: Address): bigint | undefined;
  /** Proof for `account`'s leaf; throws when the account is not in the tree. */
  proofFor(account: Address): Hex[];
  /** JSON-serializable dump (StandardMerkleTree format), to store and reload with {loadClaimsTree}. */
  dump(): unknown;
}

const MAX_UINT256 = (1n << 256n) - 1n;

function checkUint256(value: bigint, what: string): void {
  if (typeof value !== "bigint") throw new TypeError(`${what} must be a bigint, got ${typeof value}`);
  if (value < 0n || value > MAX_UINT256) throw new RangeError(`${what} out of uint256 range: ${value}`);
}

/** The leaf hash the contract computes in claim(): keccak256(bytes.concat(keccak256(abi.encode(account, amount)))). */
export function claimLeaf(account: Address, cumulativeAmount: bigint): Hex {
  return keccak256(
    keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [account, cumulativeAmount])),
  );
}

function wrapClaimsTree(tree: StandardMerkleTree<[string, string]>, entries: ClaimEntry[]): ClaimsTree {
  const index = new Map<string, number>();
  for (const [i, [account]] of tree.entries()) index.set(account.toLowerCase(), i);
  const byAccount = new Map(entries.map((e) => [e.account.toLowerCase(), e.cumulativeAmount]));
  return {
    root: tree.root as Hex,
    total: entries.reduce((s, e) => s + e.cumulativeAmount, 0n),
    entries,
    amountOf: (account) => byAccount.get(account.toLowerCase()),
    proofFor(account) {
      const i = index.get(account.toLowerCase());
      if (i === undefined) throw new Error(`account ${account} is not in the claims tree`);
      return tree.getProof(i) as Hex[];
    },
    dump: () => tree.dump(),
  };
}

/**
 * Builds the epoch claims tree from cumulative per-account earnings. Rejects an empty list, duplicate
 * accounts, invalid addresses and amounts outside uint256.
 */
export function buildClaimsTree(entries: readonly ClaimEntry[]): ClaimsTree {
  if (entries.length === 0) throw new Error("claims tree needs at least one entry");
  const seen = new Set<string>();
  const normalized: ClaimEntry[] = entries.map(({ account, cumulativeAmount }) => {
    if (!isAddress(account, { strict: false })) throw new Error(`invalid account address: ${account}`);
    checkUint256(cumulativeAmount, `cumulativeAmount of ${account}`);
    const key = account.toLowerCase();
    if (seen.has(key)) throw new Error(`duplicate account in claims tree: ${account}`);
    seen.add(key);
    return { account: getAddress(account), cumulativeAmount };
  });
  const tree = StandardMerkleTree.of<[string, string]>(
    normalized.map((e) => [e.account, e.cumulativeAmount.toString()]),
    [...CLAIM_LEAF_ENCODING],
  );
  return wrapClaimsTree(tree, normalized);
}

/** Reloads a tree saved with `dump()` (validates it). */
export function loadClaimsTree(data: unknown): ClaimsTree {
  const tree = StandardMerkleTree.load<[string, string]>(data as ReturnType<StandardMerkleTree<[string, string]>["dump"]>);
  const d = tree.dump();
  if (JSON.stringify(d.leafEncoding) !== JSON.stringify(CLAIM_LEAF_ENCODING)) {
    throw new Error(`not a claims tree: leaf encoding ${JSON.stringify(d.leafEncoding)}`);
  }
  tree.validate();
  const entries = d.values.map(({ value: [account, amount] }) => ({
    account: getAddress(account),
    cumulativeAmount: BigInt(amount),
  }));
  return wrapClaimsTree(tree, entries);
}

/** Verifies a claim proof off-chain exactly as the contract does. */
export function verifyClaim(root: Hex, account: Address, cumulativeAmount: bigint, proof: readonly Hex[]): boolean {
  return StandardMerkleTree.verify(root, [...CLAIM_LEAF_ENCODING], [account, cumulativeAmount.toString()], [...proof]);
}

export interface VersionContribution {
  id: bigint;
  contentHash: Hex;
}

function versionValues(contributions: readonly VersionContribution[]): [string, string][] {
  if (contributions.length === 0) throw new Error("a Datanet version needs at least one contribution");
  const seen = new Set<bigint>();
  return contributions.map(({ id, contentHash }) => {
    checkUint256(id, "contribution id");
    if (id === 0n) throw new Error("contribution id 0 is not a valid id");
    if (seen.has(id)) throw new Error(`duplicate contribution id in version: ${id}`);
    seen.add(id);
    if (!isHex(contentHash, { strict: true }) || contentHash.length !== 66) {
      throw new Error(`contentHash of contribution ${id} must be 32 bytes hex: ${contentHash}`);
    }
    return [id.toString(), contentHash.toLowerCase()];
  });
}

/** Tree over a Datanet version's accepted contributions (leaves (uint256 id, bytes32 contentHash)). */
export function versionTree(contributions: readonly VersionContribution[]): {
  root: Hex;
  count: number;
  proofFor(id: bigint): Hex[];
} {
  const tree = StandardMerkleTree.of<[string, string]>(versionValues(contributions), [...VERSION_LEAF_ENCODING]);
  const index = new Map<string, number>();
  for (const [i, [id]] of tree.entries()) index.set(id, i);
  return {
    root: tree.root as Hex,
    count: contributions.length,
    proofFor(id) {
      const i = index.get(id.toString());
      if (i === undefined) throw new Error(`contribution ${id} is not in this version`);
      return tree.getProof(i) as Hex[];
    },
  };
}

/** Root of a Datanet version (the `root` argument of publishVersion). Rejects an empty list. */
export function versionRoot(contributions: readonly VersionContribution[]): Hex {
  return versionTree(contributions).root;
}
