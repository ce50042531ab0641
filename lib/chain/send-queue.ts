/**
 * One account's transactions reach the node in nonce order. viem's nonce manager hands out nonces to
 * concurrent sends in call order, but the signed transactions can arrive out of order; a node that mines
 * on arrival (anvil's automine, as `npm start` runs it) then holds the early-arriving higher nonce until
 * some later transaction triggers a block, so its receipt never comes. Sending through this queue (only
 * the send: gas estimates and receipt waits stay concurrent) keeps arrival in nonce order.
 */
import type { Account, Chain, Transport, WalletClient } from "viem";
import { singleton } from "@/lib/singleton";

const queues = singleton("sendQueues", () => new Map<string, Promise<unknown>>());

/** Runs `send` after every earlier send queued under the same key has finished (or failed). */
export function sendInOrder<T>(key: string, send: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const run = previous.then(send, send);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, settled);
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return run;
}

/** The queue key of a wallet's account on its chain: share it with every sender of that account (e.g. x402 settlement). */
export function sendQueueKey(wallet: WalletClient<Transport, Chain, Account>): string {
  return `${wallet.chain.id}:${wallet.account.address.toLowerCase()}`;
}
