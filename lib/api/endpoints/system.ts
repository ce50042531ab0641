/** The system: health, the deployment, the live event stream and this API's OpenAPI document. */
import { z } from "zod";
import { addressOut, countOut, endpoint, hashOut, named } from "../spec";

const Check = z.object({ ok: z.boolean(), error: z.string().optional().meta({ description: "What is wrong, in words." }) });

export const health = endpoint({
  method: "GET",
  path: "/api/health",
  operationId: "getHealth",
  tag: "System",
  summary:
    "What is up and what is down: the chain (its RPC answers), the database, and the indexer (no further behind the chain head than HEALTH_MAX_INDEXER_LAG blocks). 200 when all are up, 503 naming what is down.",
  response: named(
    "Health",
    z.object({
      ok: z.boolean(),
      down: z.array(z.enum(["chain", "database", "indexer"])).meta({ description: "The checks that failed." }),
      chainId: z.number().int().nullable(),
      head: z.number().int().nullable().meta({ description: "The chain's latest block (null: unreachable)." }),
      indexed: z.number().int().nullable().meta({ description: "The indexer's last committed block (null: nothing indexed yet, or the database is down)." }),
      lag: z.number().int().nullable().meta({ description: "head − indexed, in blocks." }),
      maxLag: z.number().int(),
      checks: z.object({ chain: Check, database: Check, indexer: Check }),
    }),
  ),
});

export const metrics = endpoint({
  method: "GET",
  path: "/metrics",
  operationId: "getMetrics",
  tag: "System",
  summary:
    "Prometheus metrics (text exposition format 0.0.4): paid requests by scheme and status, serve latency, settle and refund counts, indexer lag, SSE subscribers, job queue depth, the operator's gas balance. Needs `Authorization: Bearer <METRICS_TOKEN>`; without METRICS_TOKEN, open on the local dev chain only.",
  response: { contentType: "text/plain; version=0.0.4", description: "Prometheus text exposition format." },
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
