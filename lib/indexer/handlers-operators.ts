/**
 * How the market's operator and parameter events change the read model: stakes (operators, operator_events),
 * fee schedules, the governed parameters, and the requests each operator settled.
 */
import type { DecodedEvent } from "./decode";
import type { EventContext } from "./handlers";
import type { RangeStore } from "./store";
import type { GovernancePreload } from "./store-governance";

type Ev<N extends DecodedEvent["eventName"]> = Extract<DecodedEvent, { eventName: N }>;
type OperatorRow = ReturnType<RangeStore["gov"]["operators"]["get"]> & object;

const lower = (a: string) => a.toLowerCase();
const toDate = (seconds: bigint | number) => new Date(Number(seconds) * 1000);

export function collectOperatorPreload(ev: DecodedEvent, into: GovernancePreload): void {
  switch (ev.eventName) {
    case "Staked":
    case "UnstakeRequested":
    case "StakeWithdrawn":
    case "Slashed":
    case "InferenceSettled":
      into.operators.add(lower(ev.args.operator));
  }
}

/** The operator's row, or a fresh one (an address's first stake; or a settlement by an address never seen staking). */
function operatorRow(store: RangeStore, address: string, ctx: EventContext): OperatorRow {
  return (
    store.gov.operators.get(address) ?? {
      address,
      active: 0n,
      unbonding: 0n,
      releaseAt: null,
      staked: 0n,
      withdrawn: 0n,
      slashed: 0n,
      slashCount: 0,
      requestsServed: 0,
      feesEarned: 0n,
      firstStakedAt: null,
      updatedBlock: ctx.block,
      updatedAt: ctx.at,
    }
  );
}

function history(store: RangeStore, ctx: EventContext, e: Pick<typeof store.gov.operatorEvents[number], "operator" | "kind" | "amount"> & Partial<typeof store.gov.operatorEvents[number]>) {
  // Every row carries every column: bulkInsert takes the column list from the first row.
  store.gov.operatorEvents.push({
    block: ctx.block,
    logIndex: ctx.logIndex,
    tx: ctx.tx,
    active: null,
    releaseAt: null,
    challenger: null,
    toChallenger: null,
    toTreasury: null,
    at: ctx.at,
    ...e,
  });
}

export function onStaked(store: RangeStore, ev: Ev<"Staked">, ctx: EventContext): void {
  const a = ev.args;
  const address = lower(a.operator);
  const o = operatorRow(store, address, ctx);
  store.gov.putOperator({
    ...o,
    active: a.active,
    staked: o.staked + a.amount,
    firstStakedAt: o.firstStakedAt ?? ctx.at,
    updatedBlock: ctx.block,
    updatedAt: ctx.at,
  });
  history(store, ctx, { operator: address, kind: "staked", amount: a.amount, active: a.active });
}

export function onUnstakeRequested(store: RangeStore, ev: Ev<"UnstakeRequested">, ctx: EventContext): void {
  const a = ev.args;
  const address = lower(a.operator);
  const o = operatorRow(store, address, ctx);
  const releaseAt = toDate(a.releaseAt);
  store.gov.putOperator({ ...o, active: a.active, unbonding: o.unbonding + a.amount, releaseAt, updatedBlock: ctx.block, updatedAt: ctx.at });
  history(store, ctx, { operator: address, kind: "unstake_requested", amount: a.amount, active: a.active, releaseAt });
}

export function onStakeWithdrawn(store: RangeStore, ev: Ev<"StakeWithdrawn">, ctx: EventContext): void {
  const a = ev.args;
  const address = lower(a.operator);
  const o = operatorRow(store, address, ctx);
  // withdrawStake takes everything unbonding.
  store.gov.putOperator({ ...o, unbonding: 0n, releaseAt: null, withdrawn: o.withdrawn + a.amount, updatedBlock: ctx.block, updatedAt: ctx.at });
  history(store, ctx, { operator: address, kind: "stake_withdrawn", amount: a.amount, active: o.active });
}

export function onSlashed(store: RangeStore, ev: Ev<"Slashed">, ctx: EventContext): void {
  const a = ev.args;
  const address = lower(a.operator);
  const o = operatorRow(store, address, ctx);
  // _slash takes the whole stake, active and unbonding.
  store.gov.putOperator({
    ...o,
    active: 0n,
    unbonding: 0n,
    releaseAt: null,
    slashed: o.slashed + a.amount,
    slashCount: o.slashCount + 1,
    updatedBlock: ctx.block,
    updatedAt: ctx.at,
  });
  history(store, ctx, {
    operator: address,
    kind: "slashed",
    amount: a.amount,
    active: 0n,
    challenger: lower(a.challenger),
    toChallenger: a.toChallenger,
    toTreasury: a.toTreasury,
  });
}

/** A settlement: the operator that made it served one more request and earned its fee. */
/** An inference the operator settled (InferenceSettled) or booked (one record of InferencesBooked). */
export function onOperatorSettled(store: RangeStore, s: { operator: string; operatorFee: bigint }, ctx: EventContext): void {
  const address = lower(s.operator);
  const o = operatorRow(store, address, ctx);
  store.gov.putOperator({ ...o, requestsServed: o.requestsServed + 1, feesEarned: o.feesEarned + s.operatorFee, updatedBlock: ctx.block, updatedAt: ctx.at });
}

export function onFeesChanged(store: RangeStore, ev: Ev<"FeesChanged">, ctx: EventContext): void {
  const a = ev.args;
  store.gov.feeSchedules.push({ version: Number(a.version), protocolBps: a.protocolBps, operatorBps: a.operatorBps, block: ctx.block, tx: ctx.tx, at: ctx.at });
}

export function onParamsChanged(store: RangeStore, ev: Ev<"ParamsChanged">, ctx: EventContext): void {
  const a = ev.args;
  store.gov.marketParams.push({
    block: ctx.block,
    logIndex: ctx.logIndex,
    tx: ctx.tx,
    protocolTreasury: lower(a.protocolTreasury),
    refundTimeout: Number(a.refundTimeout),
    challengeWindow: Number(a.challengeWindow),
    unbondingDelay: Number(a.unbondingDelay),
    minStake: a.minStake,
    disputeBond: a.disputeBond,
    challengerRewardBps: a.challengerRewardBps,
    rootPoster: lower(a.rootPoster),
    at: ctx.at,
  });
}
