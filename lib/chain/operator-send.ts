/**
 * Every transaction the operator's key sends goes through here. In one process the sends are queued so they
 * reach the node in nonce order (lib/chain/send-queue.ts). When several web instances share one Postgres they
 * also share the key, and each process's nonce manager would hand out the same nonces: then each send takes a
 * transaction-scoped advisory lock for the key and reads the next nonce from the node, so the instances take
 * turns and never collide.
 */
import postgres from "postgres";
import type { Account, Chain, Hex, PublicClient, Transport, WalletClient } from "viem";
import { serverConfig } from "@/lib/config";
import { singleton } from "@/lib/singleton";
import { sendInOrder, sendQueueKey } from "./send-queue";

type Operator = WalletClient<Transport, Chain, Account>;

/** Lock key of an operator address on a chain: its first 8 address bytes mixed with the chain id. */
const lockKey = (chainId: number, address: string) => (BigInt.asIntN(64, BigInt(`0x${address.slice(2, 18)}`) ^ BigInt(chainId))).toString();

const lockPool = (url: string) => singleton(`operatorLockPool:${url}`, () => postgres(url, { max: 2, onnotice: () => {} }));

/**
 * Sends one operator transaction: `send(nonce)` signs and submits it, with `nonce` set when instances share the
 * key (undefined: the account's own nonce manager chooses).
 */
export function sendAsOperator(operator: Operator, publicClient: Pick<PublicClient, "getTransactionCount">, send: (nonce: number | undefined) => Promise<Hex>): Promise<Hex> {
  const url = serverConfig().databaseUrl;
  return sendInOrder(sendQueueKey(operator), async () => {
    if (!url) return send(undefined);
    return lockPool(url).begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${lockKey(operator.chain.id, operator.account.address)}::bigint)`;
      const nonce = await publicClient.getTransactionCount({ address: operator.account.address, blockTag: "pending" });
      return send(nonce);
    }) as Promise<Hex>;
  });
}
