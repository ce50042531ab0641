/** Staked operators: who they are, what they stake and served, and the disputes and slashes against them. */
import { z } from "zod";
import { EPOCH_STATUSES, OPERATOR_EVENT_KINDS } from "@/db/schema";
import { addressOut, countOut, cursorInput, endpoint, hashOut, limitInput, named, pageOf, timestamp, wei } from "../spec";
import { addressPath } from "./shared";

export const OperatorItem = named(
  "OperatorItem",
  z.object({
    address: addressOut,
    active: wei.meta({ description: "Active stake: counts towards the minimum stake and is slashable." }),
    unbonding: wei.meta({ description: "Requested for unstaking: slashable until withdrawn." }),
    releaseAt: timestamp.nullable().meta({ description: "When the unbonding stake may be withdrawn (and no root it posted is disputable)." }),
    staked: wei.meta({ description: "Σ ever staked for this operator (by anyone)." }),
    withdrawn: wei,
    slashed: wei,
    slashCount: countOut,
    requestsServed: countOut.meta({ description: "Requests it settled (InferenceSettled.operator)." }),
    feesEarned: wei.meta({ description: "Σ operator fees of those settlements." }),
    firstStakedAt: timestamp.nullable(),
    isOperator: z.boolean().meta({ description: "Active stake ≥ the minimum stake now: may settle, refund and post roots." }),
    isRootPoster: z.boolean().meta({ description: "The operator governance named to post epoch roots." }),
    rootsPosted: countOut,
    disputes: countOut.meta({ description: "Roots it posted that someone disputed." }),
    disputesUpheld: countOut.meta({ description: "Disputes governance upheld (root discarded, stake slashed)." }),
    disputesOpen: countOut.meta({ description: "Disputes awaiting governance." }),
  }),
);

const OperatorEvent = named(
  "OperatorEvent",
  z.object({
    kind: z.enum(OPERATOR_EVENT_KINDS),
    amount: wei,
    active: wei.nullable().meta({ description: "Active stake after the event." }),
    releaseAt: timestamp.nullable(),
    challenger: addressOut.nullable().meta({ description: "Slashes: the challenger of the upheld dispute." }),
    toChallenger: wei.nullable(),
    toTreasury: wei.nullable(),
    epoch: countOut.nullable().meta({ description: "Slashes: the epoch whose upheld dispute slashed it." }),
    block: countOut,
    tx: hashOut,
    at: timestamp,
  }),
);

const OperatorDispute = named(
  "OperatorDispute",
  z.object({
    epoch: countOut,
    status: z.enum(EPOCH_STATUSES),
    challenger: addressOut,
    bond: wei.nullable(),
    disputedAt: timestamp.nullable(),
    disputeTx: hashOut.nullable(),
    upheld: z.boolean().nullable().meta({ description: "Governance's verdict (null while open)." }),
    resolvedAt: timestamp.nullable(),
    resolveTx: hashOut.nullable(),
  }),
);

export const operatorsList = endpoint({
  method: "GET",
  path: "/api/operators",
  operationId: "listOperators",
  tag: "Operators",
  summary: "Everyone who staked as an operator, largest active stake first, with requests served, roots posted, disputes and slashes; cursor-paginated.",
  query: z.object({ limit: limitInput, cursor: cursorInput }),
  response: named("OperatorPage", pageOf(OperatorItem)),
});

export const operatorGet = endpoint({
  method: "GET",
  path: "/api/operators/{address}",
  operationId: "getOperator",
  tag: "Operators",
  summary: "One operator: stake, its stake history (stakes, unstakes, withdrawals, slashes) and the disputes against roots it posted.",
  params: addressPath,
  invalidParams: 400,
  notFound: true,
  response: named(
    "OperatorDetail",
    OperatorItem.extend({
      events: z.array(OperatorEvent).meta({ description: "Newest first (at most 200)." }),
      disputeList: z.array(OperatorDispute).meta({ description: "Newest first (at most 200)." }),
    }),
  ),
});
