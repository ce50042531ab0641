/** The Model Factory: queue a build from Datanet versions and follow it. */
import { z } from "zod";
import { BUILD_PHASES, BUILD_STATUSES, buildRequestSchema } from "@/lib/factory/spec";
import { addressInput, addressOut, countOut, endpoint, hashOut, idOut, limitInput, named, timestamp } from "../spec";
import { modelKind } from "./shared";

const buildIdPath = z.object({
  id: z.uuid({ error: "must be a build id (a UUID)" }).transform((s) => s.toLowerCase()).meta({ description: "Build id." }),
});

const ModelBuild = named(
  "ModelBuild",
  z.object({
    id: z.string(),
    kind: modelKind,
    name: z.string(),
    builder: addressOut.nullable(),
    status: z.enum(BUILD_STATUSES),
    phase: z.enum(BUILD_PHASES),
    progress: z.number().min(0).max(1).meta({ description: "Share of the whole build done, 0..1." }),
    error: z.string().nullable().meta({ description: "Why the build failed, for a person to read." }),
    datanets: z.array(z.object({ id: idOut, version: countOut })),
    parameters: z.record(z.string(), z.unknown()),
    artifactHash: hashOut.nullable().meta({ description: "sha-256 of the artifact: the on-chain artifactHash." }),
    artifactBytes: countOut.nullable(),
    contributions: countOut.nullable(),
    tokens: countOut.nullable().meta({ description: "Corpus tokens (∞-gram, external) or labelled records (kNN)." }),
    evaluation: z.record(z.string(), z.unknown()).nullable(),
    registration: z
      .object({
        metadataURI: z.string(),
        metadataHash: hashOut,
        artifactHash: hashOut,
        datanetIds: z.array(z.string()),
        versions: z.array(z.number().int()),
        kind: z.number().int(),
      })
      .nullable()
      .meta({ description: "ModelRegistry.registerModel arguments once the build succeeded; the builder adds price and builderBps." }),
    modelId: idOut.nullable().meta({ description: "The registered model, once the indexer has seen its registration." }),
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
  }),
);

export const factoryBuildCreate = endpoint({
  method: "POST",
  path: "/api/factory/builds",
  operationId: "createModelBuild",
  tag: "Model Factory",
  summary: "Start a model build from Datanet versions; answers 202 with the queued build. Poll it for progress.",
  body: buildRequestSchema,
  status: 202,
  notFound: true,
  unprocessable: true,
  response: ModelBuild,
});

export const factoryBuildsList = endpoint({
  method: "GET",
  path: "/api/factory/builds",
  operationId: "listModelBuilds",
  tag: "Model Factory",
  summary: "Recent builds, newest first.",
  query: z.object({ builder: addressInput.optional(), limit: limitInput }),
  response: named("ModelBuildList", z.object({ items: z.array(ModelBuild) })),
});

export const factoryBuildGet = endpoint({
  method: "GET",
  path: "/api/factory/builds/{id}",
  operationId: "getModelBuild",
  tag: "Model Factory",
  summary: "One build: status, phase and progress, evaluation, and the registration arguments when done.",
  params: buildIdPath,
  notFound: true,
  response: ModelBuild,
});
