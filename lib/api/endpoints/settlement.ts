/**
 * Settlement: posting an epoch (a Merkle root of cumulative earnings) on demand, and the public inputs anyone
 * needs to recompute a root (`npm run watch`): the settled inferences with what was served, and a root's leaves.
 */
import { z } from "zod";
import { addressOut, countOut, cursorInput, endpoint, hashOut, idInput, idOut, limitInput, named, pageOf, wei } from "../spec";

export const settlementEpoch = endpoint({
  method: "POST",
  path: "/api/settlement/epoch",
  operationId: "postEpoch",
  tag: "Settlement",
  summary: "Operator: post a Merkle root of cumulative contributor earnings now (the job also runs every EPOCH_INTERVAL_MINUTES). Needs `Authorization: Bearer <EPOCH_TRIGGER_TOKEN>`, or the local chain.",
  unprocessable: true,
  response: named(
    "EpochRun",
    z.object({
      posted: z.boolean(),
      epoch: z.number().int().optional(),
      root: z.string().optional(),
      cumulativeTotal: z.string().optional(),
      accounts: z.number().int().optional(),
      tx: z.string().optional(),
      gasUsed: z.string().optional(),
      reason: z.string().optional(),
      error: z.string().optional(),
      durationMs: z.number(),
    }),
  ),
});

/** Leaves per page of an epoch's balances (lib/queries/settlements.ts clamps to the same). */
export const BALANCE_PAGE_MAX = 1000;

/** Block numbers in a query: whole numbers ≥ 0. */
const blockInput = z.coerce
  .number({ error: "must be a block number" })
  .int("must be a whole block number")
  .min(0, "must be ≥ 0")
  .max(Number.MAX_SAFE_INTEGER, "is too large");

const SettledInference = named(
  "SettledInference",
  z.object({
    requestId: idOut,
    modelId: idOut,
    artifactHash: hashOut.nullable().meta({ description: "The model's artifact hash (sha-256) as registered on-chain; null if the model is not indexed." }),
    requestHash: hashOut,
    payer: addressOut,
    operator: addressOut.nullable(),
    price: wei,
    contributorPool: wei,
    outputHash: hashOut.nullable().meta({ description: "keccak-256 of the output, as settled on-chain." }),
    attributionHash: hashOut.nullable().meta({ description: "keccak-256 of the canonical attribution record, as settled on-chain." }),
    settledBlock: countOut,
    settledTx: hashOut,
    served: z
      .object({
        prompt: z.string(),
        params: z.record(z.string(), z.unknown()).meta({ description: "The inference parameters (with the seed), as the model ran." }),
        output: z.string(),
        attributionMethod: z.string(),
        attributionRecord: z.string().meta({ description: "The canonical attribution record, byte for byte (its keccak-256 must be attributionHash)." }),
      })
      .nullable()
      .meta({ description: "What the operator served and settled; null when this node holds no answer for the request (its pool is unattributed)." }),
  }),
);

export const settledInferences = endpoint({
  method: "GET",
  path: "/api/settlements",
  operationId: "listSettledInferences",
  tag: "Settlement",
  summary: "Every settled inference in chain order with what was served (prompt, parameters, output, attribution record): the inputs of an epoch root; cursor-paginated.",
  description:
    "An epoch root with `throughBlock` B covers the settlements with settledBlock ≤ B. Payers are told their prompt and answer become public. " +
    "A watcher lists the settlements from the chain (InferenceSettled) and fetches their inputs here; the model artifacts are at GET /api/models/{id}/artifact.",
  query: z.object({
    fromBlock: blockInput.optional().meta({ description: "Only settlements in this block or later." }),
    throughBlock: blockInput.optional().meta({ description: "Only settlements in this block or earlier (an epoch's throughBlock)." }),
    limit: limitInput,
    cursor: cursorInput,
  }),
  response: named("SettledInferencePage", pageOf(SettledInference)),
});

const EpochBalance = named(
  "EpochBalance",
  z.object({
    account: addressOut,
    cumulativeAmount: wei.meta({ description: "The account's leaf in the epoch's Merkle tree: cumulative contributor earnings." }),
  }),
);

export const epochBalances = endpoint({
  method: "GET",
  path: "/api/epochs/{epoch}/balances",
  operationId: "listEpochBalances",
  tag: "Settlement",
  summary: "The leaves (account, cumulative amount) of an epoch root as the root poster built them, by account; cursor-paginated.",
  description: "Rebuild the OpenZeppelin StandardMerkleTree of (address, uint256) from every page and compare its root with getEpoch(epoch).root on-chain.",
  params: z.object({ epoch: idInput.meta({ description: "Epoch number (from 1)." }) }),
  notFound: true,
  query: z.object({
    limit: z.coerce
      .number({ error: "must be a number" })
      .int("must be a whole number")
      .min(1, "must be at least 1")
      .max(BALANCE_PAGE_MAX, `must be at most ${BALANCE_PAGE_MAX}`)
      .default(BALANCE_PAGE_MAX)
      .meta({ description: `Page size, 1..${BALANCE_PAGE_MAX}.` }),
    cursor: cursorInput,
  }),
  response: named("EpochBalancePage", pageOf(EpochBalance)),
});
