/**
 * The x402 batch-settlement server of this process: @x402/core's `x402ResourceServer` with @x402/evm 2.27's
 * `BatchSettlementEvmScheme`, over a local facilitator (Ledgerline is its own facilitator), initialized once and
 * shared by every request (docs/design/x402-batch-settlement.md §2.1).
 *
 * - payTo (the channel's receiver) = InferenceMarket; receiverAuthorizer = the operator's account (it signs the
 *   claim batches and cooperative refunds); withdrawDelay = BATCH_WITHDRAW_DELAY_SECONDS.
 * - Channel state: PostgresChannelStorage on the app's database (on PGlite its in-memory front,
 *   PgliteChannelStorage), whose write hook records each charge in
 *   `batch_charges` in the same transaction (./charges.ts).
 * - Transactions the facilitator sends (deposits, refunds, claims) go through the operator's send path
 *   (lib/chain/operator-send.ts): in nonce order with every other operator transaction of this process, under the
 *   Postgres advisory lock when instances share the key.
 */
import type { Account, Address, Chain, PublicClient, Transport, WalletClient } from "viem";
import { x402ResourceServer, type FacilitatorClient } from "@x402/core/server";
import { x402Facilitator } from "@x402/core/facilitator";
import { toFacilitatorEvmSigner } from "@x402/evm";
import { BatchSettlementEvmScheme as BatchServerScheme } from "@x402/evm/batch-settlement/server";
import { BatchSettlementEvmScheme as BatchFacilitatorScheme } from "@x402/evm/batch-settlement/facilitator";
import { isPglite, type Db } from "@/db/client";
import { sendAsOperator, withOperatorGasHeadroom } from "@/lib/chain/operator-send";
import { installNativeCrypto } from "@/lib/chain/native-crypto";
import { serverConfig } from "@/lib/config";
import { startHeartbeat } from "@/lib/process/instance";
import { singleton } from "@/lib/singleton";
import { PostgresChannelStorage } from "./channel-storage";
import { PgliteChannelStorage } from "./pglite-channel-storage";
import { recordChargeOnWrite } from "./charges";

export const BATCH_SETTLEMENT_SCHEME = "batch-settlement";

type Operator = WalletClient<Transport, Chain, Account>;

export interface BatchServerOptions {
  db: Db;
  publicClient: PublicClient;
  operator: WalletClient;
  chainId: number;
  token: Address;
  /** InferenceMarket: the channels' receiver. */
  market: Address;
  /** Default: serverConfig().batchWithdrawDelaySeconds. */
  withdrawDelay?: number;
}

export interface BatchServer {
  rs: x402ResourceServer;
  scheme: BatchServerScheme;
  facilitator: FacilitatorClient;
  storage: PostgresChannelStorage;
  network: `eip155:${number}`;
}

/** The facilitator's chain access as the operator: reads as it, writes through the operator's send queue. */
function facilitatorSigner(operator: Operator, publicClient: PublicClient) {
  const account = operator.account;
  return toFacilitatorEvmSigner({
    address: account.address,
    readContract: (a) => publicClient.readContract({ ...a, account: account.address } as never),
    verifyTypedData: (a) => publicClient.verifyTypedData(a as never),
    writeContract: async (a) => {
      // A failing estimate throws here, before a nonce is taken (as every operator send does).
      const gas = a.gas ?? withOperatorGasHeadroom(await publicClient.estimateContractGas({ ...a, account } as never));
      return sendAsOperator(operator, publicClient, (nonce) => operator.writeContract({ ...a, account, chain: operator.chain, gas, nonce } as never));
    },
    sendTransaction: (a) => sendAsOperator(operator, publicClient, (nonce) => operator.sendTransaction({ ...a, account, chain: operator.chain, nonce } as never)),
    waitForTransactionReceipt: (a) => publicClient.waitForTransactionReceipt({ ...a, pollingInterval: Math.min(publicClient.pollingInterval, 250) }),
    getCode: (a) => publicClient.getCode(a),
  });
}

async function startBatchServer(opts: BatchServerOptions): Promise<BatchServer> {
  const operator = opts.operator as Operator;
  if (!operator.account) throw new Error("batch-settlement: the operator wallet has no account");
  const account = operator.account as Account & { signTypedData?: unknown };
  if (typeof account.signTypedData !== "function") throw new Error("batch-settlement: the operator account cannot sign typed data (it authorizes claims and refunds)");
  const network = `eip155:${opts.chainId}` as const;
  // Each paid call hashes its channel and voucher and recovers the signer in @x402/evm, through this module graph's noble.
  await installNativeCrypto();
  // A viem local account is the `{ address, signTypedData }` both the facilitator and the server scheme sign with.
  const authorizer = account as never;
  const facilitator = new x402Facilitator().register(network, new BatchFacilitatorScheme(facilitatorSigner(operator, opts.publicClient), authorizer));
  const client: FacilitatorClient = {
    verify: (p, r) => facilitator.verify(p, r),
    settle: (p, r) => facilitator.settle(p, r),
    getSupported: async () => facilitator.getSupported() as Awaited<ReturnType<FacilitatorClient["getSupported"]>>,
  };
  // Reservations name this instance; its heartbeat tells the others when it has died (lib/process/instance.ts).
  await startHeartbeat(opts.db);
  // PGlite has one writer, this process: channels are kept in memory and reservations made there (./pglite-channel-storage.ts).
  const storage = isPglite(opts.db) ? new PgliteChannelStorage(opts.db, { onWrite: recordChargeOnWrite }) : new PostgresChannelStorage(opts.db, { onWrite: recordChargeOnWrite });
  const scheme = new BatchServerScheme(opts.market, {
    receiverAuthorizerSigner: authorizer,
    withdrawDelay: opts.withdrawDelay ?? serverConfig().batchWithdrawDelaySeconds,
    storage,
  });
  const rs = new x402ResourceServer(client).register(network, scheme);
  await rs.initialize();
  return { rs, scheme, facilitator: client, storage, network };
}

/** Per database and market: one server for the process (the app has one of each; tests may run several). */
const servers = singleton("batchSettlementServers", () => new WeakMap<Db, Map<string, Promise<BatchServer>>>());

/** This process's batch-settlement server for the app's database and market, started (and initialized) once. */
export function batchServer(opts: BatchServerOptions): Promise<BatchServer> {
  let byMarket = servers.get(opts.db);
  if (!byMarket) servers.set(opts.db, (byMarket = new Map()));
  const key = `${opts.chainId}:${opts.market.toLowerCase()}`;
  let p = byMarket.get(key);
  if (!p) {
    p = startBatchServer(opts);
    p.catch(() => byMarket.delete(key));
    byMarket.set(key, p);
  }
  return p;
}
