/** Inferences: the list, one inference, and re-verifying its attribution. */
import { z } from "zod";
import { INFERENCE_STATUSES } from "@/lib/queries";
import { addressInput, cursorInput, endpoint, idInput, limitInput, named, pageOf } from "../spec";
import { enumOf, idPath } from "./shared";
import { InferenceDetail, InferenceItem, VerifyReport } from "./schemas";

export const inferencesList = endpoint({
  method: "GET",
  path: "/api/inferences",
  operationId: "listInferences",
  tag: "Inferences",
  summary: "Inferences, newest payment first, by model, payer or status; cursor-paginated.",
  query: z.object({
    modelId: idInput.optional().meta({ description: "Only inferences of this model." }),
    payer: addressInput.optional(),
    status: enumOf(INFERENCE_STATUSES).optional(),
    limit: limitInput,
    cursor: cursorInput,
  }),
  response: named("InferencePage", pageOf(InferenceItem)),
});

export const inferenceGet = endpoint({
  method: "GET",
  path: "/api/inferences/{id}",
  operationId: "getInference",
  tag: "Inferences",
  summary: "One inference: payment, settlement split, served result and attribution joined to contributions and Datanets.",
  params: idPath,
  notFound: true,
  response: InferenceDetail,
});

export const inferenceVerify = endpoint({
  method: "GET",
  path: "/api/inferences/{id}/verify",
  operationId: "verifyInference",
  tag: "Inferences",
  summary: "Recompute an inference's answer and attribution record from the model artifact and compare with the stored record and the on-chain hashes.",
  params: idPath,
  notFound: true,
  response: VerifyReport,
});
