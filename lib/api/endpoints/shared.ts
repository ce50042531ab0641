/** Zod pieces several endpoint modules share: path parameters, enums and the range of a series. */
import { z } from "zod";
import { INFERENCE_STATUSES, MODEL_KINDS } from "@/lib/queries";
import { BUCKETS } from "@/lib/queries/series";
import { addressInput, idInput, timestamp } from "../spec";

export const CONTRIBUTION_STATUSES = ["pending", "accepted", "rejected"] as const;
export const enumOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `must be one of ${values.join(", ")}` });

export const idPath = z.object({ id: idInput.meta({ description: "Numeric id." }) });
export const addressPath = z.object({ address: addressInput });

export const contributionStatus = z.enum(CONTRIBUTION_STATUSES);
export const modelKind = z.enum(MODEL_KINDS);
export const inferenceStatus = z.enum(INFERENCE_STATUSES);

export const rangeOut = {
  bucket: z.enum(BUCKETS),
  from: timestamp.meta({ description: "Effective start (inclusive, a bucket boundary)." }),
  to: timestamp.meta({ description: "Effective end (exclusive, a bucket boundary)." }),
};
