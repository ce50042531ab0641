/**
 * Claiming the channels' vouchers in the settlement contract, one channel's refusal kept from stopping the others.
 *
 * The package's channel manager claims up to 100 channels in one transaction, simulated first: one row the contract
 * refuses fails the whole claim. A payer can make its own row refused after being served: finalize a timed withdrawal
 * before the booker claims (`ClaimExceedsBalance`), or, signing through an ERC-1271 wallet, revoke the signature
 * (`InvalidSignature`). Without isolation that channel would stop every booking, and honest payers could withdraw
 * what was never claimed. So a failed claim is followed by one simulated claim per channel; the channels the contract
 * refuses are left out (their charges stay pending, named in a warning) and the rest are claimed. A refused channel
 * is tried alone again on each run, since a new deposit can make it claimable.
 */
import type { Account, Address, Hex, PublicClient, WalletClient } from "viem";
import { BatchSettlementChannelManager, type Channel, type ClaimResult } from "@x402/evm/batch-settlement/server";
import { x402BatchSettlementAbi } from "@/contracts-abi";
import { BATCH_SETTLEMENT_ADDRESS } from "@/lib/chain/batch-settlement";
import { log as opsLog } from "@/lib/ops/log";
import type { BatchServer } from "./server";

export interface ClaimOptions {
  publicClient: PublicClient;
  operator: WalletClient;
  server: BatchServer;
  market: Address;
  token: Address;
  /** Claim only these channels (lower-case ids); default every channel charged beyond its claim. */
  only?: Set<string>;
  log: (msg: string) => void;
}

/** Channels the contract refused to claim, per server, with why (tried again alone on every run). */
const refusedBy = new WeakMap<BatchServer, Map<string, string>>();

const claimable = (c: Channel) => BigInt(c.chargedCumulativeAmount) > BigInt(c.totalClaimed);

/** Why the contract would refuse this channel's claim as the package builds it, or null when it would take it. */
export async function claimRefusal(publicClient: PublicClient, operator: WalletClient, c: Channel): Promise<string | null> {
  const config = c.channelConfig;
  try {
    await publicClient.simulateContract({
      account: operator.account as Account,
      address: BATCH_SETTLEMENT_ADDRESS,
      abi: x402BatchSettlementAbi,
      functionName: "claim",
      args: [
        [
          {
            voucher: {
              channel: { payer: config.payer as Address, payerAuthorizer: config.payerAuthorizer as Address, receiver: config.receiver as Address, receiverAuthorizer: config.receiverAuthorizer as Address, token: config.token as Address, withdrawDelay: config.withdrawDelay, salt: config.salt as Hex },
              maxClaimableAmount: BigInt(c.signedMaxClaimable),
            },
            signature: c.signature as Hex,
            totalClaimed: BigInt(c.chargedCumulativeAmount),
          },
        ],
      ],
    });
    return null;
  } catch (err) {
    const e = err as { cause?: { data?: { errorName?: string } }; shortMessage?: string; message: string };
    const name = e.cause?.data?.errorName;
    // Only the contract's refusal leaves a channel out; a node that cannot answer is the run's failure.
    if (!name) throw err;
    return name;
  }
}

/** Claims the vouchers of the selected channels (see the file comment); returns the claim transactions' results. */
export async function claimVouchers(opts: ClaimOptions): Promise<ClaimResult[]> {
  const { server, only } = opts;
  const refused = refusedBy.get(server) ?? new Map<string, string>();
  refusedBy.set(server, refused);
  const manager = new BatchSettlementChannelManager({ scheme: server.scheme, facilitator: server.facilitator, receiver: opts.market, token: opts.token, network: server.network });
  const selected = (c: Channel) => !only || only.has(c.channelId.toLowerCase());

  // Channels refused before: each alone, kept out while the contract still refuses it.
  const channels = (await server.storage.list()).filter((c) => selected(c) && claimable(c));
  for (const c of channels) {
    const id = c.channelId.toLowerCase();
    if (!refused.has(id)) continue;
    const reason = await claimRefusal(opts.publicClient, opts.operator, c);
    if (reason) refused.set(id, reason);
    else refused.delete(id);
  }
  const claim = () => manager.claim({ selectClaimChannels: (list) => list.filter((c) => selected(c) && !refused.has(c.channelId.toLowerCase())) });
  try {
    return await claim();
  } catch (err) {
    let found = 0;
    for (const c of channels) {
      const id = c.channelId.toLowerCase();
      if (refused.has(id)) continue;
      const reason = await claimRefusal(opts.publicClient, opts.operator, c);
      if (!reason) continue;
      refused.set(id, reason);
      found++;
      const message = `booking: channel ${id}: the settlement contract refuses its voucher claim (${reason}); its ${BigInt(c.chargedCumulativeAmount) - BigInt(c.totalClaimed)} wei of unclaimed charges stay pending, the other channels are claimed`;
      opts.log(message);
      opsLog("booking").warn({ channelId: id, reason }, message);
    }
    if (found === 0) throw err;
    return claim();
  }
}
