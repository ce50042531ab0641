/** The system: health, the deployment, the live event stream and this API's OpenAPI document. */
import { z } from "zod";
import { addressOut, countOut, endpoint, hashOut, named } from "../spec";

export const health = endpoint({
  method: "GET",
  path: "/api/health",
  operationId: "getHealth",
  tag: "System",
  summary: "Liveness and how far the indexer is behind the chain head.",
  response: named(
    "Health",
    z.object({ ok: z.boolean(), chainId: z.number().int(), head: z.number().int(), indexed: z.number().int().nullable(), lag: z.number().int().nullable() }),
  ),
});

export const deployment = endpoint({
  method: "GET",
  path: "/api/deployment",
  operationId: "getDeployment",
  tag: "System",
  summary: "The chain and contract addresses this node serves (its deployment file): where a watcher reads the chain. Check them against the chain; the market links to the others (token(), models(), models().datanets()).",
  response: named(
    "Deployment",
    z.object({
      chainId: z.number().int().positive(),
      contractsVersion: hashOut.meta({ description: "keccak-256 of the deployed contracts' bytecode (a deployment from other contracts differs)." }),
      token: addressOut,
      datanetRegistry: addressOut,
      modelRegistry: addressOut,
      inferenceMarket: addressOut,
      openVotes: addressOut,
      timelock: addressOut,
      governor: addressOut,
      startBlock: countOut.meta({ description: "Block of the first deployment transaction: where to start reading logs." }),
      publicRpcUrl: z.string().meta({ description: "The JSON-RPC this node hands to browsers (PUBLIC_RPC_URL). A watcher should prefer its own." }),
    }),
  ),
});

export const stream = endpoint({
  method: "GET",
  path: "/api/stream",
  operationId: "streamEvents",
  tag: "System",
  summary: "Server-Sent Events: every change the indexer commits, as small typed events.",
  query: z.object({
    types: z
      .string()
      .regex(/^[a-z.,]+$/, "must be a comma-separated list of event types")
      .max(500)
      .optional()
      .meta({ description: "Only events of these types (comma-separated), e.g. `inference.settled,epoch.posted`." }),
  }),
  response: { contentType: "text/event-stream", description: "An SSE stream; heartbeat comments every 15 s." },
});

export const openapi = endpoint({
  method: "GET",
  path: "/api/openapi.json",
  operationId: "getOpenApi",
  tag: "System",
  summary: "This document: OpenAPI 3.1, generated from the same zod schemas the routes validate with.",
  response: { contentType: "application/json", description: "An OpenAPI 3.1 document." },
});
