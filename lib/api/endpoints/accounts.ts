/** Accounts: earnings, the attribution feed, claims, contributions and the earnings CSV. */
import { z } from "zod";
import { EARNING_ROLES, EARNINGS_GROUPS } from "@/lib/queries";
import {
  addressOut,
  countOut,
  cursorInput,
  endpoint,
  hashOut,
  idInput,
  idOut,
  limitInput,
  named,
  pageOf,
  rangeShape,
  resolveRange,
  timestamp,
  wei,
} from "../spec";
import { addressPath, CONTRIBUTION_STATUSES, contributionStatus, enumOf } from "./shared";
import { AttributionFeedItem, Claim, Earnings } from "./schemas";

export const accountEarnings = endpoint({
  method: "GET",
  path: "/api/accounts/{address}/earnings",
  operationId: "getAccountEarnings",
  tag: "Accounts",
  summary: "An account's earnings per hour or UTC day from the hourly rollup, optionally filtered and grouped.",
  description:
    "Reads earnings_hourly only (primary key (account, hour, …)). Range at most 31 days with bucket=hour and 1096 days with bucket=day, else 400 \"range too large\". Buckets without earnings are omitted.",
  params: addressPath,
  invalidParams: 400,
  query: z
    .object({
      ...rangeShape,
      role: enumOf(EARNING_ROLES).optional(),
      datanetId: idInput.optional().meta({ description: "Only earnings credited through this Datanet." }),
      modelId: idInput.optional().meta({ description: "Only earnings from this model's inferences." }),
      groupBy: enumOf(EARNINGS_GROUPS).default("none").meta({ description: "One series per role, Datanet or model; none: one series." }),
    })
    .transform(resolveRange),
  response: Earnings,
});

export const accountAttribution = endpoint({
  method: "GET",
  path: "/api/accounts/{address}/attribution",
  operationId: "getAccountAttribution",
  tag: "Accounts",
  summary: "The attribution feed: a contributor's newest credits, with inference, model, Datanet, weight and amount; cursor-paginated.",
  params: addressPath,
  invalidParams: 400,
  query: z.object({ limit: limitInput, cursor: cursorInput }),
  response: named("AttributionFeedPage", pageOf(AttributionFeedItem)),
});

export const accountClaim = endpoint({
  method: "GET",
  path: "/api/accounts/{address}/claim",
  operationId: "getAccountClaim",
  tag: "Accounts",
  summary: "Claimable balance against the latest epoch, with the Merkle proof for InferenceMarket.claim.",
  description: 'Before the first epoch: 200 with epoch null and claimable "0".',
  params: addressPath,
  invalidParams: 400,
  response: Claim,
});

const ClaimHistoryItem = named(
  "ClaimHistoryItem",
  z.object({
    epoch: idOut,
    amount: wei.meta({ description: "What this claim paid." }),
    cumulativeAmount: wei.meta({ description: "The cumulative amount the Merkle proof was for." }),
    tx: hashOut,
    logIndex: countOut,
    block: countOut,
    claimedAt: timestamp,
    status: z.enum(["confirmed"]).meta({ description: "Claims are indexed from mined Claimed events, so always confirmed." }),
  }),
);

export const accountClaims = endpoint({
  method: "GET",
  path: "/api/accounts/{address}/claims",
  operationId: "listAccountClaims",
  tag: "Accounts",
  summary: "An account's claim history (InferenceMarket.claim), newest first; cursor-paginated.",
  params: addressPath,
  invalidParams: 400,
  query: z.object({ limit: limitInput, cursor: cursorInput }),
  response: named("ClaimHistoryPage", pageOf(ClaimHistoryItem)),
});

const AccountContribution = named(
  "AccountContribution",
  z.object({
    id: idOut,
    datanetId: idOut,
    datanetName: z.string().nullable(),
    contentHash: hashOut,
    records: countOut,
    bytes: countOut,
    bond: wei,
    status: contributionStatus,
    submittedAt: timestamp,
    submittedTx: hashOut,
    reviewedAt: timestamp.nullable(),
    withdrawnBy: addressOut.nullable().meta({ description: "Takedown: the contributor (withdrew it) or the Datanet owner (removed it); null while it is not withdrawn. Models skip a withdrawn contribution from the next inference on." }),
    withdrawnReason: z.string().nullable().meta({ description: "The owner's stated reason for a removal; empty for the contributor's own withdrawal." }),
    withdrawnAt: timestamp.nullable(),
    withdrawnTx: hashOut.nullable(),
    termsKind: z.union([z.literal(0), z.literal(1), z.literal(2)]).meta({ description: "The contributor's terms for model outputs (fixed at registration): 0 open, 1 attribution required, 2 no verbatim over maxVerbatimTokens." }),
    maxVerbatimTokens: countOut.nullable().meta({ description: "For terms 2: the longest run of its tokens an answer may copy." }),
    trailing: z
      .object({
        earned: wei.meta({ description: "Credited to this contribution over the trailing 7 days (chain time)." }),
        inferences: countOut.meta({ description: "Settled inferences of models built on its Datanet over the same days." }),
        per1000: wei.nullable().meta({ description: "earned × 1000 / inferences: what 1,000 such inferences paid it (null without inferences)." }),
      })
      .meta({ description: "Trailing earnings per 1,000 inferences." }),
  }),
);

export const accountContributions = endpoint({
  method: "GET",
  path: "/api/accounts/{address}/contributions",
  operationId: "listAccountContributions",
  tag: "Accounts",
  summary: "An account's contributions to every Datanet with their review status, newest first; cursor-paginated.",
  params: addressPath,
  invalidParams: 400,
  query: z.object({
    status: enumOf(CONTRIBUTION_STATUSES).optional().meta({ description: "Only contributions with this review status." }),
    limit: limitInput,
    cursor: cursorInput,
  }),
  response: named("AccountContributionPage", pageOf(AccountContribution)),
});

export const accountEarningsCsv = endpoint({
  method: "GET",
  path: "/api/accounts/{address}/earnings.csv",
  operationId: "exportAccountEarnings",
  tag: "Accounts",
  summary: "Every earning of an account as CSV (one row per ledger credit), oldest first, streamed.",
  description:
    "Columns: time_utc, role, amount_open, amount_wei, model_id, model_name, datanet_id, datanet_name, contribution_id, inference_id, tx. amount_open is the exact decimal of amount_wei (18 decimals); the rows sum to the account's total earnings. An address without earnings gets the header row only.",
  params: addressPath,
  invalidParams: 400,
  response: { contentType: "text/csv", description: "CSV (RFC 4180) with a header row, as an attachment." },
});
