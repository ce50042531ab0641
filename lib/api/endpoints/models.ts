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

export const modelArtifact = endpoint({
  method: "GET",
  path: "/api/models/{id}/artifact",
  operationId: "getModelArtifact",
  tag: "Models",
  summary: "The model artifact, byte for byte (streamed): its sha-256 is the artifactHash registered on-chain, which anyone checks before recomputing an attribution.",
  description:
    "Content-addressed, so cached for good (`Cache-Control: public, max-age=31536000, immutable`, `ETag` = the hash; `If-None-Match` answers 304). " +
    "The server checks the file's sha-256 before serving it. 404 when the model is unknown or this server does not hold its artifact. " +
    "The artifact can also be rebuilt from the model's build request (GET /api/models/{id}: parameters and lineage) and the contributions' contents (GET /api/content/{hash}); `npm run watch` uses the artifact.",
  params: idPath,
  notFound: true,
  response: { contentType: "application/octet-stream", description: "The artifact's bytes (Content-Length set)." },
});
