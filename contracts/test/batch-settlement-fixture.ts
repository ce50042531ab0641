/**
 * The x402 batch-settlement facilitator the contract tests run in process: @x402/evm's facilitator scheme signing
 * as the operator (every channel's receiver authorizer, as on a Ledgerline node), its writes sent straight from the
 * operator's wallet and recorded, so a test can read their receipts.
 */
import { createWalletClient, http, type Address, type Hex, type LocalAccount, type PublicClient } from "viem";
import { foundry } from "viem/chains";
import type { FacilitatorClient } from "@x402/core/server";
import { x402Facilitator } from "@x402/core/facilitator";
import { toFacilitatorEvmSigner } from "@x402/evm";
import { BatchSettlementEvmScheme as BatchFacilitator } from "@x402/evm/batch-settlement/facilitator";

/** X402BatchSettlement's ChannelConfig, as viem encodes it. */
export type ChannelConfig = {
  payer: Address;
  payerAuthorizer: Address;
  receiver: Address;
  receiverAuthorizer: Address;
  token: Address;
  withdrawDelay: number;
  salt: Hex;
};

export interface SentTransaction {
  kind: string;
  hash: Hex;
}

/** A FacilitatorClient over a local facilitator for `network`; every transaction it writes is pushed onto `txs`. */
export function localFacilitator(
  publicClient: PublicClient,
  rpcUrl: string,
  operator: LocalAccount,
  network: `eip155:${number}`,
  txs: SentTransaction[],
): FacilitatorClient {
  const wallet = createWalletClient({ account: operator, chain: foundry, transport: http(rpcUrl), pollingInterval: 20 });
  const signer = toFacilitatorEvmSigner({
    address: operator.address,
    readContract: (a) => publicClient.readContract({ ...a, account: operator.address } as never),
    verifyTypedData: (a) => publicClient.verifyTypedData(a as never),
    writeContract: async (a) => {
      const hash = await wallet.writeContract({ ...a, account: operator, chain: foundry } as never);
      txs.push({ kind: a.functionName, hash });
      return hash;
    },
    sendTransaction: (a) => wallet.sendTransaction({ ...a, account: operator, chain: foundry }),
    waitForTransactionReceipt: (a) => publicClient.waitForTransactionReceipt(a),
    getCode: (a) => publicClient.getCode(a),
  });
  const facilitator = new x402Facilitator().register(network, new BatchFacilitator(signer, operator));
  return {
    verify: (p, r) => facilitator.verify(p, r),
    settle: (p, r) => facilitator.settle(p, r),
    // x402Facilitator types networks as strings; the client interface wants CAIP-2 templates (same values).
    getSupported: async () => facilitator.getSupported() as Awaited<ReturnType<FacilitatorClient["getSupported"]>>,
  };
}
