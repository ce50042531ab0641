import { BATCH_SETTLEMENT_ADDRESS as X402_BATCH_SETTLEMENT_ADDRESS } from "@x402/evm";
import { describe, expect, it } from "vitest";
import {
  BATCH_SETTLEMENT_ADDRESS,
  blockedBy,
  channelNotice,
  channelReducer,
  channelStorageKey,
  channelSummary,
  DEFAULT_CHANNEL_CALLS,
  depositFor,
  initialChannel,
  isChannelBusy,
  newChannelRecord,
  parseChannelRecord,
  type ChannelAction,
  type ChannelError,
  type ChannelState,
} from "./channel-machine";

const PAYER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const KEY = `0x${"11".repeat(32)}` as const;
const CHANNEL = `0x${"ab".repeat(32)}`;
const fresh = newChannelRecord({ chainId: 31337, payer: PAYER, sessionKey: KEY, perCall: 100n });
const run = (...actions: ChannelAction[]): ChannelState => actions.reduce(channelReducer, initialChannel);
/** A channel with 2,000 wei deposited and `charged` charged over `calls` calls. */
const opened = (charged = 100n) => run({ type: "loaded", record: null }, { type: "pay-started", record: fresh }, { type: "charged", channelId: CHANNEL, deposit: "2000", charged: charged.toString() });

describe("the channel payment state machine", () => {
  it("pins the settlement contract's address to the official client's", () => {
    expect(BATCH_SETTLEMENT_ADDRESS).toBe(X402_BATCH_SETTLEMENT_ADDRESS);
  });

  it("loads to none without a stored channel and to open with a funded one; busy while loading", () => {
    expect(isChannelBusy(initialChannel)).toBe(true);
    expect(run({ type: "loaded", record: null })).toMatchObject({ phase: "none", record: null, calls: DEFAULT_CHANNEL_CALLS });
    expect(run({ type: "loaded", record: { ...fresh, deposit: "5" } }).phase).toBe("open");
    // A record whose deposit never happened (e.g. the signature was rejected) keeps its key but is not open.
    expect(run({ type: "loaded", record: fresh }).phase).toBe("none");
  });

  it("the first prompt deposits (calls × ceiling), later prompts pay from the channel; charges and remaining follow", () => {
    expect(depositFor(100n, 20)).toBe(2000n);
    expect(depositFor(100n, 0)).toBe(100n);
    expect(depositFor(100n, 5000)).toBe(100_000n);
    const depositing = run({ type: "loaded", record: null }, { type: "set-calls", calls: 20 }, { type: "pay-started", record: fresh });
    expect(depositing.phase).toBe("depositing");
    expect(isChannelBusy(depositing)).toBe(true);
    const first = channelReducer(depositing, { type: "charged", channelId: CHANNEL, deposit: "2000", charged: "90" });
    expect(first).toMatchObject({ phase: "open", record: { channelId: CHANNEL, deposit: "2000", charged: "90", calls: 1 } });
    const paying = channelReducer(first, { type: "pay-started", record: newChannelRecord({ chainId: 31337, payer: PAYER, sessionKey: `0x${"22".repeat(32)}`, perCall: 100n }) });
    // An open channel keeps its record (and key): the fresh record is only for a channel without a deposit.
    expect(paying).toMatchObject({ phase: "paying", record: { sessionKey: KEY } });
    const second = channelReducer(paying, { type: "charged", channelId: CHANNEL, deposit: "2000", charged: "190" });
    expect(channelSummary(second.record!, 100n)).toEqual({ deposit: 2000n, charged: 190n, remaining: 1810n, perCall: 100n, callsLeft: 18n, pendingSettlement: 190n, calls: 2 });
    // The operator claimed part of it on-chain: less pending settlement.
    const claimed = channelReducer(second, { type: "claimed-read", totalClaimed: "90" });
    expect(channelSummary(claimed.record!).pendingSettlement).toBe(100n);
    expect(channelReducer(claimed, { type: "claimed-read", totalClaimed: "90" })).toBe(claimed);
  });

  it("blocks a prompt the remaining deposit cannot cover (a top-up would need the wallet)", () => {
    expect(blockedBy(run({ type: "loaded", record: null }), 100n)).toBeNull();
    expect(blockedBy(opened(1900n), 100n)).toBeNull();
    expect(blockedBy(opened(1950n), 100n)).toEqual({ kind: "exhausted", remaining: "50", perCall: "100" });
    // A price rise after the deposit counts against what remains.
    expect(blockedBy(opened(1900n), 101n)).toEqual({ kind: "exhausted", remaining: "100", perCall: "101" });
  });

  it("a failure returns to where it was with the error; a resync updates the client's view", () => {
    const cancelled = run({ type: "loaded", record: null }, { type: "pay-started", record: fresh }, { type: "pay-failed", error: { kind: "cancelled" } });
    expect(cancelled).toMatchObject({ phase: "none", record: fresh, error: { kind: "cancelled" } });
    const refused = channelReducer(opened(), { type: "pay-failed", error: { kind: "refused", status: 422, message: "bad" }, deposit: "2000", charged: "300" });
    expect(refused).toMatchObject({ phase: "open", record: { charged: "300", calls: 1 }, error: { kind: "refused" } });
    expect(channelReducer(refused, { type: "dismiss" }).error).toBeNull();
  });

  it("refunds: refunding → none with the refund shown; a failed refund keeps the channel", () => {
    const refunding = channelReducer(opened(), { type: "refund-started" });
    expect(refunding.phase).toBe("refunding");
    expect(channelReducer(run({ type: "loaded", record: null }), { type: "refund-started" }).phase).toBe("none");
    const done = channelReducer(refunding, { type: "refunded", amount: "1900", tx: "0xfeed" });
    expect(done).toMatchObject({ phase: "none", record: null, refund: { amount: "1900", tx: "0xfeed" }, error: null });
    // A new channel hides the old refund.
    expect(channelReducer(done, { type: "pay-started", record: fresh }).refund).toBeNull();
    const failed = channelReducer(refunding, { type: "refund-failed", message: "offline" });
    expect(failed).toMatchObject({ phase: "open", error: { kind: "refund_failed", message: "offline" } });
    expect(failed.record?.deposit).toBe("2000");
  });

  it("keeps the official client's storage in the record", () => {
    const stored = channelReducer(opened(), { type: "client-stored", channelId: CHANNEL, context: { balance: "2000", chargedCumulativeAmount: "100" } });
    expect(stored.record!.client[CHANNEL]).toEqual({ balance: "2000", chargedCumulativeAmount: "100" });
    expect(channelReducer(stored, { type: "client-stored", channelId: CHANNEL, context: null }).record!.client).toEqual({});
  });

  it("stores per payer and chain, and reads back only a well-formed record of that payer and chain", () => {
    expect(channelStorageKey(31337, PAYER)).toBe(`ledgerline:channel:v1:31337:${PAYER.toLowerCase()}`);
    const record = opened().record!;
    const raw = JSON.stringify(record);
    expect(parseChannelRecord(null, 31337, PAYER)).toBeNull();
    expect(parseChannelRecord(raw, 31337, PAYER)).toEqual(record);
    expect(parseChannelRecord(raw, 1, PAYER)).toBeInstanceOf(Error);
    expect(parseChannelRecord(raw, 31337, "0x0000000000000000000000000000000000000001")).toBeInstanceOf(Error);
    expect(parseChannelRecord("{", 31337, PAYER)).toBeInstanceOf(Error);
    expect(parseChannelRecord(JSON.stringify({ ...record, charged: "-1" }), 31337, PAYER)).toBeInstanceOf(Error);
    expect(parseChannelRecord(JSON.stringify({ ...record, sessionKey: "0x12" }), 31337, PAYER)).toBeInstanceOf(Error);
    expect(parseChannelRecord(JSON.stringify({ ...record, v: 2 }), 31337, PAYER)).toBeInstanceOf(Error);
  });

  it("says what happened and what to do next for every failure", () => {
    const errors: ChannelError[] = [
      { kind: "cancelled" },
      { kind: "insufficient_funds", message: "0x… holds 1 OPEN" },
      { kind: "price_changed", asked: "200" },
      { kind: "exhausted", remaining: "50", perCall: "100" },
      { kind: "network_error", message: "offline" },
      { kind: "sign_failed", message: "boom" },
      { kind: "refused", status: 402, message: "no" },
      { kind: "refund_failed", message: "offline" },
      { kind: "storage", message: "not JSON" },
    ];
    for (const e of errors) {
      const n = channelNotice(e, { localChain: true });
      expect(n.title.length, e.kind).toBeGreaterThan(0);
      expect(n.message.length, e.kind).toBeGreaterThan(0);
      expect(n.hint.length, e.kind).toBeGreaterThan(0);
    }
    expect(channelNotice({ kind: "insufficient_funds", message: "x" }, { localChain: true }).hint).toMatch(/faucet/);
    expect(channelNotice({ kind: "insufficient_funds", message: "x" }, { localChain: false }).hint).not.toMatch(/faucet/);
    expect(channelNotice({ kind: "refund_failed", message: "x" }, { localChain: true }).hint).toMatch(/still in the channel/);
  });
});
