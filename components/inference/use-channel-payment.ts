"use client";

import { useEffect, useReducer, useRef, type Dispatch } from "react";
import { BaseError, type Address, type Hex } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { useAccount, usePublicClient, useSignTypedData } from "wagmi";
import { x402BatchSettlementAbi } from "@/contracts-abi/X402BatchSettlement";
import { errorCodeOf } from "@/lib/errors";
import {
  BATCH_SETTLEMENT_ADDRESS,
  blockedBy,
  channelReducer,
  channelStorageKey,
  depositFor,
  hasDeposit,
  initialChannel,
  newChannelRecord,
  parseChannelRecord,
  type ChannelError,
  type ChannelRecord,
  type ClientChannelContext,
} from "./channel-machine";
import type { PaidInferenceAction } from "./paid-inference-machine";
import type { PaidInferenceRequest, Quote } from "./use-paid-inference";
import type { ChannelIdentity } from "./channel-payment";

/** The per-call ceiling a quote offers for batch-settlement (its 402 `amount`), or null when it offers none. */
export function channelCeilingOf(quote: Quote | undefined): bigint | null {
  const accept = quote?.x402.accepts.find((a) => a.scheme === "batch-settlement");
  return accept ? BigInt(accept.amount) : null;
}

function messageOf(err: unknown): string {
  if (err instanceof BaseError) return err.shortMessage;
  return err instanceof Error ? err.message : String(err);
}

function bodyMessage(body: unknown): string | undefined {
  return body !== null && typeof body === "object" && "error" in body && typeof body.error === "string" ? body.error : undefined;
}

const POLL_MS = 4000;

/**
 * The payer's batch-settlement channel with this server on this chain (localStorage), paying prompts from it, and
 * its cooperative refund. The answer of each prompt goes to the Playground's paid-inference machine.
 */
export function useChannelPayment(modelId: number, quote: Quote | undefined, inference: Dispatch<PaidInferenceAction>) {
  const { address } = useAccount();
  const chainId = quote?.chainId;
  const publicClient = usePublicClient({ chainId });
  const { signTypedDataAsync } = useSignTypedData();
  const [state, dispatch] = useReducer(channelReducer, initialChannel);
  const key = address && chainId ? channelStorageKey(chainId, address) : null;
  // The official client reads its storage right after writing it (before React renders): kept here synchronously.
  const client = useRef<Record<string, ClientChannelContext>>({});
  const running = useRef(false);

  // Load the payer's channel when the account or chain changes.
  useEffect(() => {
    if (!key || !address || !chainId) return;
    let raw: string | null = null;
    try {
      raw = window.localStorage.getItem(key);
    } catch {
      raw = null;
    }
    const parsed = parseChannelRecord(raw, chainId, address);
    if (parsed instanceof Error) {
      // Set aside, never overwritten: it may hold the key of a funded channel.
      try {
        window.localStorage.setItem(`${key}:unreadable:${Date.now()}`, raw ?? "");
        window.localStorage.removeItem(key);
      } catch {
        /* storage unavailable */
      }
      client.current = {};
      dispatch({ type: "loaded", record: null, error: { kind: "storage", message: parsed.message } });
      return;
    }
    client.current = { ...(parsed?.client ?? {}) };
    dispatch({ type: "loaded", record: parsed });
  }, [key, address, chainId]);

  // Persist every change of the record (and forget it once refunded).
  const loadedFor = state.phase === "loading" ? null : key;
  useEffect(() => {
    if (!loadedFor) return;
    try {
      if (state.record) window.localStorage.setItem(loadedFor, JSON.stringify(state.record));
      else window.localStorage.removeItem(loadedFor);
    } catch {
      /* storage unavailable: the channel lives for this page only */
    }
  }, [loadedFor, state.record]);

  // What the operator has claimed on-chain: charged − claimed is pending settlement.
  const channelId = state.record?.channelId ?? null;
  useEffect(() => {
    if (!channelId || !publicClient) return;
    let stopped = false;
    const read = async () => {
      try {
        const [, totalClaimed] = await publicClient.readContract({ address: BATCH_SETTLEMENT_ADDRESS, abi: x402BatchSettlementAbi, functionName: "channels", args: [channelId as Hex] });
        if (!stopped) dispatch({ type: "claimed-read", totalClaimed: totalClaimed.toString() });
      } catch {
        /* the next poll tries again */
      }
    };
    void read();
    const timer = setInterval(read, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [channelId, publicClient]);

  async function identity(record: ChannelRecord): Promise<ChannelIdentity> {
    const { objectStorage } = await import("./channel-payment");
    if (!publicClient || !address || !quote) throw new Error("The wallet or the chain is not ready.");
    return {
      wallet: { address, signTypedData: ({ domain, types, primaryType, message }) => signTypedDataAsync({ domain, types, primaryType, message } as never) },
      sessionKey: record.sessionKey,
      readContract: (args) => publicClient.readContract(args as never),
      chainId: quote.chainId,
      token: quote.token as Address,
      storage: objectStorage(
        () => client.current,
        (id, context) => {
          const next = { ...client.current };
          if (context) next[id] = context;
          else delete next[id];
          client.current = next;
          dispatch({ type: "client-stored", channelId: id, context });
        },
      ),
    };
  }

  const fail = (error: ChannelError, message: string) => {
    dispatch({ type: "pay-failed", error });
    inference({ type: "failed", failure: { kind: error.kind === "network_error" ? "network_error" : "sign_failed", message } });
  };

  /** Pays one prompt from the channel, opening it (one wallet signature) when it has no deposit. */
  async function pay(request: PaidInferenceRequest, requestCeiling?: bigint) {
    // A per-token model's ceiling depends on the request (prompt tokens, max tokens): the one the person reviewed.
    const offered = channelCeilingOf(quote);
    const ceiling = offered === null ? null : (requestCeiling ?? offered);
    if (running.current || !quote || !address || ceiling === null || state.phase === "loading") return;
    const blocked = blockedBy(state, ceiling);
    if (blocked) return dispatch({ type: "pay-failed", error: blocked });
    running.current = true;
    try {
      const record = state.record ?? (newChannelRecord({ chainId: quote.chainId, payer: address, sessionKey: generatePrivateKey(), perCall: ceiling }) as ChannelRecord);
      const opening = !hasDeposit(record);
      // No deposit known here: let the client read the channel on-chain (a deposit whose answer was lost counts).
      if (opening) client.current = {};
      const sized = opening ? { ...record, perCall: ceiling.toString() } : record;
      dispatch({ type: "pay-started", record: sized });
      inference({ type: "started" });
      const { payWithChannel } = await import("./channel-payment");
      const outcome = await payWithChannel({
        ...(await identity(sized)),
        url: `/api/models/${modelId}/inference`,
        init: { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify(request) },
        quotedCeiling: ceiling.toString(),
        depositAmount: depositFor(ceiling, state.calls).toString(),
        onDepositSignatureRequested: () => inference({ type: "signature-requested" }),
        onDepositSigned: () => inference({ type: "signed" }),
      });
      switch (outcome.kind) {
        case "cancelled":
          dispatch({ type: "pay-failed", error: { kind: "cancelled" } });
          return inference({ type: "cancelled" });
        case "price_changed":
          fail({ kind: "price_changed", asked: outcome.asked }, "The price changed; nothing was signed.");
          return;
        case "exhausted":
          return fail({ kind: "exhausted", remaining: outcome.remaining, perCall: ceiling.toString() }, "The channel cannot cover another call.");
        case "network_error":
          return fail({ kind: "network_error", message: `Could not reach the server: ${messageOf(outcome.error)}` }, `Could not reach the server: ${messageOf(outcome.error)}`);
        case "sign_failed":
          return fail({ kind: "sign_failed", message: messageOf(outcome.error) }, messageOf(outcome.error));
        case "response": {
          const res = outcome.response;
          const body: unknown = await res.json().catch(() => null);
          const ctx = client.current[outcome.channelId.toLowerCase()];
          if (!res.ok) {
            const message = bodyMessage(body) ?? `The request failed (HTTP ${res.status}).`;
            const code = errorCodeOf(body);
            const error: ChannelError = code === "insufficient_funds" && opening ? { kind: "insufficient_funds", message } : { kind: "refused", status: res.status, message };
            dispatch({ type: "pay-failed", error, ...(ctx ? { deposit: ctx.balance ?? "0", charged: ctx.chargedCumulativeAmount ?? "0" } : {}) });
            return inference({ type: "refused", refusal: { status: res.status, code, message } });
          }
          const answer = body as { requestId: string; output: string; price: string; cost?: { charged: string; ceiling: string }; attribution?: { method?: string } };
          // Per-token: charged for the tokens used, at most the ceiling the voucher signed.
          const charged = answer.cost?.charged ?? outcome.chargedAmount ?? answer.price;
          dispatch({ type: "charged", channelId: outcome.channelId, deposit: ctx?.balance ?? sized.deposit, charged: ctx?.chargedCumulativeAmount ?? (BigInt(sized.charged) + BigInt(charged)).toString() });
          inference({ type: "channel-answered", requestId: answer.requestId, output: answer.output, method: answer.attribution?.method ?? null, cost: { charged, ceiling: answer.cost?.ceiling ?? ceiling.toString() } });
        }
      }
    } catch (err) {
      fail({ kind: "network_error", message: `Could not reach the server: ${messageOf(err)}` }, `Could not reach the server: ${messageOf(err)}`);
    } finally {
      running.current = false;
    }
  }

  /** Cooperative refund of what the channel holds beyond its charges (signed by the session key). */
  async function refund() {
    const record = state.record;
    if (running.current || !record || !hasDeposit(record)) return;
    running.current = true;
    dispatch({ type: "refund-started" });
    try {
      const { refundChannel } = await import("./channel-payment");
      const { tx, amount } = await refundChannel(await identity(record));
      const unused = BigInt(record.deposit) - BigInt(record.charged);
      client.current = {};
      dispatch({ type: "refunded", tx, amount: amount ?? (unused > 0n ? unused : 0n).toString() });
    } catch (err) {
      dispatch({ type: "refund-failed", message: messageOf(err) });
    } finally {
      running.current = false;
    }
  }

  return {
    state,
    ceiling: channelCeilingOf(quote),
    pay,
    refund,
    setCalls: (calls: number) => dispatch({ type: "set-calls", calls }),
    dismiss: () => dispatch({ type: "dismiss" }),
  };
}
