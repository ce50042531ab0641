/** Settlement: posting an epoch (a Merkle root of cumulative earnings) on demand. */
import { z } from "zod";
import { endpoint, named } from "../spec";

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
