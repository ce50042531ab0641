/** The system: health, the live event stream and this API's OpenAPI document. */
import { z } from "zod";
import { endpoint, named } from "../spec";

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
