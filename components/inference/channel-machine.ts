/**
 * Paying from an x402 `batch-settlement` channel in the Playground, as a state machine (pure: no effects).
 * useChannelPayment does the effects (the wallet's one deposit signature, the browser's session key signing
 * vouchers, localStorage, chain reads) and dispatches what happened; the Playground renders the state.
 *
 * One channel per payer and chain: the first prompt deposits `calls × perCall` (the wallet signs one EIP-3009
 * authorization; the operator submits it), every later prompt is paid with a cumulative voucher signed by a
 * session key kept in this browser (the channel's `payerAuthorizer`), so no wallet prompt. "Refund unused deposit"
 * asks the operator for the cooperative refund (also signed by the session key): charged vouchers are claimed,
 * the rest goes back to the payer, and the channel is forgotten here.
 *
 *   loading → none ─(first prompt)→ depositing → open ⇄ paying
 *                                                open → refunding → none (with the refund shown)
 * Any failure returns to none/open with an `error` that says why and what to do next.
 */
import type { Hex } from "viem";
import { formatOpen } from "@/components/format";
import type { ClientFailure } from "./paid-inference-machine";

/** X402BatchSettlement at the canonical address the official client uses (pinned to @x402/evm by the unit test). */
export const BATCH_SETTLEMENT_ADDRESS = "0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003" as const;

/** How many calls a new channel's deposit covers unless the person picks another number. */
export const DEFAULT_CHANNEL_CALLS = 20;
export const MAX_CHANNEL_CALLS = 1000;

/** The official client's per-channel record (`BatchSettlementClientContext`), kept verbatim. */
export interface ClientChannelContext {
  chargedCumulativeAmount?: string;
  balance?: string;
  totalClaimed?: string;
  signedMaxClaimable?: string;
  signature?: Hex;
}

/** What this browser keeps about its channel with this server, in localStorage under {@link channelStorageKey}. */
export interface ChannelRecord {
  v: 1;
  chainId: number;
  /** The wallet that deposits (lower-case). */
  payer: string;
  /** The session key that signs vouchers and the refund: the channel's payerAuthorizer. Bounded by the deposit. */
  sessionKey: Hex;
  /** Known once the deposit is taken. */
  channelId: string | null;
  /** The per-call ceiling (wei) the deposit was sized with. */
  perCall: string;
  /** What the channel holds (wei), as the official client tracks it. */
  deposit: string;
  /** Charged so far (wei): the cumulative the server charged. */
  charged: string;
  /** Prompts paid from the channel. */
  calls: number;
  /** Claimed on-chain by the operator so far (wei): charged − claimed is pending settlement. */
  claimed: string;
  /** The official client's storage (ClientChannelStorage), by channel id. */
  client: Record<string, ClientChannelContext>;
}

export type ChannelError =
  /** The person rejected the deposit signature in the wallet. */
  | { kind: "cancelled" }
  /** The wallet does not hold the deposit. */
  | { kind: "insufficient_funds"; message: string }
  /** The server asks another per-call ceiling than the one reviewed. */
  | { kind: "price_changed"; asked: string }
  /** What is left in the channel does not cover another call at the quoted ceiling. */
  | { kind: "exhausted"; remaining: string; perCall: string }
  | ClientFailure
  /** The server refused the payment or the request (nothing charged). */
  | { kind: "refused"; status: number; message: string }
  | { kind: "refund_failed"; message: string }
  /** The stored channel could not be read (corrupt or from another version): it was set aside. */
  | { kind: "storage"; message: string };

export type ChannelPhase = "loading" | "none" | "depositing" | "open" | "paying" | "refunding";

export interface ChannelState {
  phase: ChannelPhase;
  record: ChannelRecord | null;
  /** Calls the next deposit covers (the person's choice). */
  calls: number;
  error: ChannelError | null;
  /** The last cooperative refund, shown until a new channel is opened. */
  refund: { amount: string; tx: string } | null;
}

export type ChannelAction =
  | { type: "loaded"; record: ChannelRecord | null; error?: ChannelError }
  | { type: "set-calls"; calls: number }
  /** A prompt is being paid; with no deposit yet, `record` is the new channel (its fresh session key). */
  | { type: "pay-started"; record?: ChannelRecord }
  /** The server charged this prompt; the official client's view of the channel after it. */
  | { type: "charged"; channelId: string; deposit: string; charged: string }
  | { type: "pay-failed"; error: ChannelError; /** the client's view, when the failure changed it (a resync) */ deposit?: string; charged?: string }
  /** The chain's view: what the operator has claimed from the channel. */
  | { type: "claimed-read"; totalClaimed: string }
  | { type: "refund-started" }
  | { type: "refunded"; amount: string; tx: string }
  | { type: "refund-failed"; message: string }
  | { type: "client-stored"; channelId: string; context: ClientChannelContext | null }
  | { type: "dismiss" };

export const initialChannel: ChannelState = { phase: "loading", record: null, calls: DEFAULT_CHANNEL_CALLS, error: null, refund: null };

/** localStorage key of a payer's channel on a chain. */
export function channelStorageKey(chainId: number, payer: string): string {
  return `ledgerline:channel:v1:${chainId}:${payer.toLowerCase()}`;
}

/** A new channel's record before its deposit. */
export function newChannelRecord(input: { chainId: number; payer: string; sessionKey: Hex; perCall: bigint }): ChannelRecord {
  return { v: 1, chainId: input.chainId, payer: input.payer.toLowerCase(), sessionKey: input.sessionKey, channelId: null, perCall: input.perCall.toString(), deposit: "0", charged: "0", calls: 0, claimed: "0", client: {} };
}

/** The deposit a new channel asks the wallet for: `calls` × the per-call ceiling. */
export function depositFor(perCall: bigint, calls: number): bigint {
  return perCall * BigInt(clampCalls(calls));
}

export function clampCalls(calls: number): number {
  if (!Number.isFinite(calls)) return DEFAULT_CHANNEL_CALLS;
  return Math.min(MAX_CHANNEL_CALLS, Math.max(1, Math.trunc(calls)));
}

const UINT = /^[0-9]{1,78}$/;
const HEX32 = /^0x[0-9a-fA-F]{64}$/;

/** Reads a stored record; null when absent, an Error when present but unusable. */
export function parseChannelRecord(raw: string | null, chainId: number, payer: string): ChannelRecord | null | Error {
  if (raw === null) return null;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return new Error("the stored channel is not JSON");
  }
  const r = v as Partial<ChannelRecord>;
  if (typeof r !== "object" || r === null || r.v !== 1) return new Error("the stored channel has an unknown format");
  if (r.chainId !== chainId || typeof r.payer !== "string" || r.payer !== payer.toLowerCase()) return new Error("the stored channel belongs to another account or chain");
  if (typeof r.sessionKey !== "string" || !HEX32.test(r.sessionKey)) return new Error("the stored channel has no valid session key");
  if (r.channelId !== null && (typeof r.channelId !== "string" || !HEX32.test(r.channelId))) return new Error("the stored channel id is malformed");
  for (const f of ["perCall", "deposit", "charged", "claimed"] as const) if (typeof r[f] !== "string" || !UINT.test(r[f])) return new Error(`the stored channel's ${f} is malformed`);
  if (typeof r.calls !== "number" || !Number.isSafeInteger(r.calls) || r.calls < 0) return new Error("the stored channel's call count is malformed");
  if (typeof r.client !== "object" || r.client === null) return new Error("the stored channel's client state is malformed");
  return r as ChannelRecord;
}

export interface ChannelSummary {
  deposit: bigint;
  charged: bigint;
  remaining: bigint;
  perCall: bigint;
  /** Whole calls the remaining deposit still covers at the per-call ceiling. */
  callsLeft: bigint;
  /** Charged but not yet claimed on-chain by the operator. */
  pendingSettlement: bigint;
  calls: number;
}

/** The figures the channel panel shows; `perCall` is the current quote's ceiling when known. */
export function channelSummary(record: ChannelRecord, perCall?: bigint): ChannelSummary {
  const deposit = BigInt(record.deposit);
  const charged = BigInt(record.charged);
  const remaining = deposit > charged ? deposit - charged : 0n;
  const ceiling = perCall ?? BigInt(record.perCall);
  const claimed = BigInt(record.claimed);
  return {
    deposit,
    charged,
    remaining,
    perCall: ceiling,
    callsLeft: ceiling > 0n ? remaining / ceiling : 0n,
    pendingSettlement: charged > claimed ? charged - claimed : 0n,
    calls: record.calls,
  };
}

/** The channel has a deposit (vouchers can be signed without the wallet). */
export function hasDeposit(record: ChannelRecord | null): boolean {
  return record !== null && BigInt(record.deposit) > 0n;
}

/** Why the next prompt cannot be paid from the channel at `perCall`, or null when it can (or a deposit is due). */
export function blockedBy(state: ChannelState, perCall: bigint): ChannelError | null {
  if (!state.record || !hasDeposit(state.record)) return null;
  const { remaining } = channelSummary(state.record, perCall);
  return remaining < perCall ? { kind: "exhausted", remaining: remaining.toString(), perCall: perCall.toString() } : null;
}

export function isChannelBusy(state: ChannelState): boolean {
  return state.phase === "loading" || state.phase === "depositing" || state.phase === "paying" || state.phase === "refunding";
}

const idleOf = (record: ChannelRecord | null): ChannelPhase => (hasDeposit(record) ? "open" : "none");

/** The next state of the channel (pure). */
export function channelReducer(state: ChannelState, action: ChannelAction): ChannelState {
  switch (action.type) {
    case "loaded":
      return { ...state, phase: idleOf(action.record), record: action.record, error: action.error ?? null };
    case "set-calls":
      return { ...state, calls: clampCalls(action.calls) };
    case "pay-started": {
      const record = hasDeposit(state.record) ? state.record : (action.record ?? state.record);
      if (!record) return state;
      return { ...state, record, phase: hasDeposit(record) ? "paying" : "depositing", error: null, refund: hasDeposit(record) ? state.refund : null };
    }
    case "charged": {
      if (!state.record) return state;
      const record = { ...state.record, channelId: action.channelId, deposit: action.deposit, charged: action.charged, calls: state.record.calls + 1 };
      return { ...state, phase: "open", record, error: null };
    }
    case "pay-failed": {
      const record = state.record && (action.deposit !== undefined || action.charged !== undefined)
        ? { ...state.record, deposit: action.deposit ?? state.record.deposit, charged: action.charged ?? state.record.charged }
        : state.record;
      return { ...state, phase: idleOf(record), record, error: action.error };
    }
    case "claimed-read":
      if (!state.record || state.record.claimed === action.totalClaimed) return state;
      return { ...state, record: { ...state.record, claimed: action.totalClaimed } };
    case "refund-started":
      if (!hasDeposit(state.record)) return state;
      return { ...state, phase: "refunding", error: null };
    case "refunded":
      return { ...state, phase: "none", record: null, error: null, refund: { amount: action.amount, tx: action.tx } };
    case "refund-failed":
      return { ...state, phase: idleOf(state.record), error: { kind: "refund_failed", message: action.message } };
    case "client-stored": {
      if (!state.record) return state;
      const client = { ...state.record.client };
      if (action.context) client[action.channelId] = action.context;
      else delete client[action.channelId];
      return { ...state, record: { ...state.record, client } };
    }
    case "dismiss":
      return { ...state, error: null };
  }
}

/** What the person reads about a channel failure: what happened and what to do next. */
export function channelNotice(error: ChannelError, opts: { localChain: boolean }): { title: string; message: string; hint: string } {
  switch (error.kind) {
    case "cancelled":
      return { title: "Deposit cancelled", message: "You cancelled the deposit signature; nothing was deposited or charged.", hint: "Press Pay and run again to open the channel, or switch to Pay per call." };
    case "insufficient_funds":
      return {
        title: "Not enough OPEN for the deposit",
        message: error.message,
        hint: opts.localChain
          ? "Lower the number of calls the deposit covers, or mint test OPEN with the token's faucet (or pick a funded dev account), then try again. Nothing was deposited."
          : "Lower the number of calls the deposit covers, or transfer OPEN to this address, then try again. Nothing was deposited.",
      };
    case "price_changed":
      return { title: "The price changed", message: `The server now asks up to ${formatOpen(BigInt(error.asked))} per call; nothing was signed or charged.`, hint: "Review the new price, then press Pay and run again." };
    case "exhausted":
      return {
        title: "The channel is nearly empty",
        message: `${formatOpen(BigInt(error.remaining))} is left in the channel, less than one call's ceiling of ${formatOpen(BigInt(error.perCall))}.`,
        hint: "Refund the unused deposit, then open a new channel (or pay this call per call).",
      };
    case "network_error":
      return { title: "Network error", message: error.message, hint: "Check your connection and try again; a voucher that was not answered is not charged, and the next one resyncs." };
    case "sign_failed":
      return { title: "Could not sign", message: error.message, hint: "Try again; if it keeps failing, pay per call instead." };
    case "refused":
      return { title: error.status === 402 ? "Payment refused" : "The inference failed", message: error.message, hint: "Nothing was charged for this prompt. Try again, or refund the channel if it keeps failing." };
    case "refund_failed":
      return {
        title: "The refund failed",
        message: error.message,
        hint: "Your deposit is still in the channel. Try again in a moment; if the server stays unreachable, the wallet can withdraw it on-chain after the channel's withdraw delay.",
      };
    case "storage":
      return { title: "Stored channel unreadable", message: `This browser's channel record was set aside: ${error.message}.`, hint: "Open a new channel; an earlier deposit can still be withdrawn on-chain by the wallet." };
  }
}
