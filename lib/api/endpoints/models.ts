/** Models: the list, one model and its usage. */
import { z } from "zod";
import { MODEL_API_SORTS, MODEL_KINDS } from "@/lib/queries";
import { cursorInput, endpoint, idInput, limitInput, named, pageOf, rangeShape, resolveRange, searchInput } from "../spec";
import { enumOf, idPath } from "./shared";
import { ModelDetail, ModelSummary, ModelUsage } from "./schemas";

export const modelsList = endpoint({
  method: "GET",
  path: "/api/models",
  operationId: "listModels",
  tag: "Models",
  summary: "Models: search, kind and Datanet filters, sort; cursor-paginated.",
  query: z.object({
    q: searchInput,
    kind: enumOf(MODEL_KINDS).optional(),
    datanet: idInput.optional().meta({ description: "Only models built from a version of this Datanet." }),
    sort: enumOf(MODEL_API_SORTS).default("new").meta({ description: "new (newest first), usage (most inferences first) or price (cheapest first)." }),
    limit: limitInput,
    cursor: cursorInput,
  }),
  response: named("ModelPage", pageOf(ModelSummary)),
});

export const modelGet = endpoint({
  method: "GET",
  path: "/api/models/{id}",
  operationId: "getModel",
  tag: "Models",
  summary: "One model with its lineage (the Datanet versions it was built from).",
  params: idPath,
  notFound: true,
  response: ModelDetail,
});

export const modelUsage = endpoint({
  method: "GET",
  path: "/api/models/{id}/usage",
  operationId: "getModelUsage",
  tag: "Models",
  summary: "A model's settled inferences and revenue per hour or day (model_usage_hourly).",
  description: "Range at most 31 days with bucket=hour and 1096 days with bucket=day. Buckets without inferences are omitted.",
  params: idPath,
  notFound: true,
  query: z.object(rangeShape).transform(resolveRange),
  response: ModelUsage,
});
