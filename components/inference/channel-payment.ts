/**
 * Paying from an x402 `batch-settlement` channel in the browser with the official client (`@x402/fetch` +
 * `@x402/evm/batch-settlement/client`). Loaded on demand (the hook imports it dynamically).
 *
 * Who signs what: the wallet (the channel's `payer`) signs only the deposit's EIP-3009 authorization, once; the
 * client's `voucherSigner` — a session key generated and kept in this browser — signs every voucher and the
 * refund. The client puts that key's address in the channel config as `payerAuthorizer`, and X402BatchSettlement
 * accepts vouchers from the payerAuthorizer when it is set (contracts/X402BatchSettlement.sol), so no voucher
 * needs the wallet. The key can spend at most what was deposited; the payer (or the key) can always withdraw.
 */
import { decodePaymentResponseHeader } from "@x402/core/http";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { BatchSettlementEvmScheme, computeChannelId, type ClientChannelStorage } from "@x402/evm/batch-settlement/client";
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { ClientChannelContext } from "./channel-machine";
import { acceptOnlyQuoted, failureOf, newWatch, promptingSigner, watchedFetch, type BrowserSigner, type PaymentFailure } from "./x402-client";

export const BATCH_SCHEME = "batch-settlement";
export const REFUND_PATH = "/api/payments/batch-settlement/refund";

/** Reads the chain (the client reads the channel's on-chain balance when its local record is missing). */
export type ReadContract = (args: { address: Address; abi: readonly unknown[]; functionName: string; args?: readonly unknown[] }) => Promise<unknown>;

export interface ChannelIdentity {
  wallet: BrowserSigner;
  sessionKey: Hex;
  readContract: ReadContract;
  chainId: number;
  /** OPEN: the one asset this client may pay. */
  token: Address;
  /** The official client's per-channel storage (kept in localStorage by the hook). */
  storage: ClientChannelStorage;
}

export interface ChannelPaymentInput extends ChannelIdentity {
  url: string;
  init: RequestInit;
  /** The per-call ceiling the person reviewed: a voucher for any other amount is not signed. */
  quotedCeiling: string;
  /** The deposit to sign when the channel has none (calls × ceiling). */
  depositAmount: string;
  onDepositSignatureRequested(): void;
  onDepositSigned(): void;
}

export type ChannelPaymentOutcome =
  | { kind: "response"; response: Response; channelId: Hex; chargedAmount: string | null }
  /** The channel cannot cover the next voucher: a top-up would ask the wallet, so nothing is signed. */
  | { kind: "exhausted"; remaining: string }
  | PaymentFailure;

function schemeFor(id: ChannelIdentity, depositAmount?: string) {
  const session = privateKeyToAccount(id.sessionKey);
  const wallet = { address: id.wallet.address, signTypedData: id.wallet.signTypedData, readContract: id.readContract } as const;
  const voucherSigner = { address: session.address, signTypedData: (m: Parameters<typeof session.signTypedData>[0]) => session.signTypedData(m), readContract: id.readContract };
  return new BatchSettlementEvmScheme(wallet as never, {
    storage: id.storage,
    voucherSigner: voucherSigner as never,
    ...(depositAmount ? { depositStrategy: () => depositAmount } : {}),
  });
}

/** One paid request from the channel: deposit + voucher the first time (one wallet signature), a voucher after. */
export async function payWithChannel(input: ChannelPaymentInput): Promise<ChannelPaymentOutcome> {
  const network = `eip155:${input.chainId}` as const;
  const watch = newWatch();
  const seen: { exhausted: string | null; channelId: Hex | null } = { exhausted: null, channelId: null };
  const wallet = promptingSigner(input.wallet, watch, { requested: input.onDepositSignatureRequested, signed: input.onDepositSigned });
  const scheme = schemeFor({ ...input, wallet }, input.depositAmount);
  const client = new x402Client().register(network, scheme);
  acceptOnlyQuoted(client, watch, { chainId: input.chainId, token: input.token, quotedAmount: input.quotedCeiling, scheme: BATCH_SCHEME });
  // Runs after the price check (hooks run in order, the first abort stops).
  client.onBeforePaymentCreation(async ({ selectedRequirements }) => {
    const channelId = computeChannelId(scheme.buildChannelConfig(selectedRequirements), network) as Hex;
    seen.channelId = channelId;
    // A voucher beyond the deposit would make the client sign a top-up with the wallet: stop instead.
    const ctx = await input.storage.get(channelId.toLowerCase());
    if (ctx?.balance && BigInt(ctx.balance) > 0n) {
      const remaining = BigInt(ctx.balance) - BigInt(ctx.chargedCumulativeAmount ?? "0");
      if (remaining < BigInt(selectedRequirements.amount)) {
        seen.exhausted = (remaining > 0n ? remaining : 0n).toString();
        return { abort: true, reason: "channel_exhausted" };
      }
    }
  });

  try {
    const response = await wrapFetchWithPayment(watchedFetch(watch), client)(input.url, input.init);
    const header = response.headers.get("PAYMENT-RESPONSE");
    let chargedAmount: string | null = null;
    if (header) {
      const settled = decodePaymentResponseHeader(header);
      const amount = (settled.extra as { chargedAmount?: unknown } | undefined)?.chargedAmount;
      if (typeof amount === "string") chargedAmount = amount;
    }
    return { kind: "response", response, channelId: seen.channelId ?? ("0x" as Hex), chargedAmount };
  } catch (err) {
    if (seen.exhausted !== null) return { kind: "exhausted", remaining: seen.exhausted };
    return failureOf(watch, err);
  }
}

/** The cooperative refund of the unused deposit (signed by the session key: no wallet prompt). */
export async function refundChannel(id: ChannelIdentity): Promise<{ tx: string; amount: string | null }> {
  const scheme = schemeFor(id);
  const settled = await scheme.refund(REFUND_PATH);
  if (!settled.success) throw new Error(`The refund failed: ${settled.errorReason ?? "unknown"}${settled.errorMessage ? ` (${settled.errorMessage})` : ""}.`);
  return { tx: settled.transaction, amount: settled.amount ?? null };
}

/** The official client's storage over a plain object (the hook persists it with the channel's record). */
export function objectStorage(read: () => Record<string, ClientChannelContext>, write: (channelId: string, context: ClientChannelContext | null) => void): ClientChannelStorage {
  return {
    async get(key) {
      return read()[key.toLowerCase()];
    },
    async set(key, context) {
      write(key.toLowerCase(), context as ClientChannelContext);
    },
    async delete(key) {
      write(key.toLowerCase(), null);
    },
  };
}
