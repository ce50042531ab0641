/**
 * Every transaction the operator's key sends goes through here. In one process the sends are queued so they
 * reach the node in nonce order (lib/chain/send-queue.ts), and each takes the node's pending nonce inside the
 * queue: viem's nonce manager counts a nonce as used once handed out, so a send that failed after taking one
 * left a gap every later operator transaction waited behind (the workload test hung on a receipt in CI). When
 * several web instances share one Postgres they also share the key: then each send also holds a
 * transaction-scoped advisory lock for the key while it reads the nonce and sends, so the instances take turns.
 */
import postgres from "postgres";
import type { Abi, Account, Chain, Hex, PublicClient, TransactionReceipt, Transport, WalletClient } from "viem";
import { serverConfig } from "@/lib/config";
import { singleton } from "@/lib/singleton";
import { sendInOrder, sendQueueKey } from "./send-queue";

type Operator = WalletClient<Transport, Chain, Account>;

/** Lock key of an operator address on a chain: its first 8 address bytes mixed with the chain id. */
const lockKey = (chainId: number, address: string) => (BigInt.asIntN(64, BigInt(`0x${address.slice(2, 18)}`) ^ BigInt(chainId))).toString();

const lockPool = (url: string) => singleton(`operatorLockPool:${url}`, () => postgres(url, { max: 2, onnotice: () => {} }));

/**
 * Sends one operator transaction: `send(nonce)` signs and submits it with the node's pending nonce.
 */
export function sendAsOperator(operator: Operator, publicClient: Pick<PublicClient, "getTransactionCount">, send: (nonce: number) => Promise<Hex>): Promise<Hex> {
  const url = serverConfig().databaseUrl;
  return sendInOrder(sendQueueKey(operator), async () => {
    if (!url) return send(await publicClient.getTransactionCount({ address: operator.account.address, blockTag: "pending" }));
    return lockPool(url).begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${lockKey(operator.chain.id, operator.account.address)}::bigint)`;
      const nonce = await publicClient.getTransactionCount({ address: operator.account.address, blockTag: "pending" });
      return send(nonce);
    }) as Promise<Hex>;
  });
}

/** A contract call the operator makes (the market's settle, refund, payWithAuthorization, postEpoch, finalizeEpoch). */
export interface OperatorCall {
  address: Hex;
  abi: Abi | readonly unknown[];
  functionName: string;
  args: readonly unknown[];
}

/** Estimated gas plus 20 % and 10k: a state read by the call can change between estimate and mining. */
export const withOperatorGasHeadroom = (gas: bigint): bigint => (gas * 6n) / 5n + 10_000n;

/**
 * Estimates the call (one that would revert throws here, naming its custom error, before a nonce is taken, so
 * no nonce is ever skipped), then sends it in nonce order with the gas fixed. `blockTag: "pending"` estimates
 * against the block the transaction lands in (e.g. a root covering the head block).
 */
export async function sendOperatorCall(
  operator: WalletClient,
  publicClient: PublicClient,
  call: OperatorCall,
  opts: { blockTag?: "latest" | "pending" } = {},
): Promise<Hex> {
  const account = operator.account;
  if (!account) throw new Error(`${call.functionName}: the operator wallet has no account`);
  const gas = await publicClient.estimateContractGas({ ...call, account, ...(opts.blockTag ? { blockTag: opts.blockTag } : {}) } as never);
  const wallet = operator as Operator;
  return sendAsOperator(wallet, publicClient, (nonce) =>
    wallet.writeContract({ ...call, account, chain: wallet.chain ?? null, gas: withOperatorGasHeadroom(gas), nonce } as never),
  );
}

/** sendOperatorCall, then its receipt; throws when the transaction reverted. */
export async function operatorCall(
  operator: WalletClient,
  publicClient: PublicClient,
  call: OperatorCall,
  opts: { blockTag?: "latest" | "pending"; timeoutMs?: number } = {},
): Promise<TransactionReceipt> {
  const hash = await sendOperatorCall(operator, publicClient, call, opts);
  const receipt = await publicClient.waitForTransactionReceipt({ hash, ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}) });
  if (receipt.status !== "success") throw new Error(`${call.functionName} transaction ${hash} reverted`);
  return receipt;
}
