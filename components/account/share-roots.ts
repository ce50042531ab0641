/**
 * The browser's check of a contributor's share: the server's leaf and Merkle proof for each current root (GET
 * /api/accounts/{address}/claim), folded with viem (lib/chain/claim-proof.ts), against the root the chain holds —
 * epochRoot() for the final one, getEpoch(e) for a pending one. Nothing here trusts the server's root.
 */
import type { Address, Hex, PublicClient } from "viem";
import { inferenceMarketAbi } from "@/contracts-abi/InferenceMarket";
import { wireHex, type SpecAt, type Wire } from "@/lib/api/client";
import { verifyClaimProof } from "@/lib/chain/claim-proof";

/** GET /api/accounts/{address}/claim as it arrives (decimal strings, hex). */
export type ClaimWire = Wire<SpecAt<"/api/accounts/{address}/claim">>;

/** One root checked in this browser: the server's leaf and proof, folded here, against the root the chain holds. */
export interface RootCheck {
  epoch: number;
  status: "final" | "pending" | "disputed";
  amount: bigint;
  proofLength: number;
  /** The root read from the chain (null when the chain's final epoch is another one than the server's). */
  chainRoot: Hex | null;
  /** Where the root came from, for the reader. */
  source: string;
  verified: boolean;
}

/** Reads each root from the chain (final: epochRoot(); pending: getEpoch(e)) and folds the proofs with viem. */
export async function checkShareRoots(client: PublicClient, market: Address, account: Address, s: ClaimWire): Promise<RootCheck[]> {
  const read = { address: market, abi: inferenceMarketAbi } as const;
  const out: RootCheck[] = [];
  if (s.epoch !== null) {
    const [finalEpoch, root] = await Promise.all([client.readContract({ ...read, functionName: "finalEpoch" }), client.readContract({ ...read, functionName: "epochRoot" })]);
    const same = Number(finalEpoch) === s.epoch;
    const amount = BigInt(s.cumulativeAmount);
    out.push({
      epoch: s.epoch,
      status: "final",
      amount,
      proofLength: s.proof.length,
      chainRoot: same ? root : null,
      source: same ? "epochRoot()" : `the chain's final epoch is #${finalEpoch}`,
      verified: same && amount > 0n && verifyClaimProof(root, account, amount, s.proof.map(wireHex)),
    });
  }
  if (s.pending) {
    const e = await client.readContract({ ...read, functionName: "getEpoch", args: [BigInt(s.pending.epoch)] });
    const amount = BigInt(s.pending.cumulativeAmount);
    out.push({
      epoch: s.pending.epoch,
      status: s.pending.status,
      amount,
      proofLength: s.pending.proof.length,
      chainRoot: e.root,
      source: `getEpoch(${s.pending.epoch})`,
      verified: amount > 0n && verifyClaimProof(e.root, account, amount, s.pending.proof.map(wireHex)),
    });
  }
  return out;
}
