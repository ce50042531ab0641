/**
 * The OpenAPI 3.1 document, generated from the endpoint specs (lib/api/endpoints/) with zod's
 * z.toJSONSchema: the schemas that validate requests and encode responses are the ones published.
 * Schemas are rendered for their input side, i.e. the JSON on the wire (wei as decimal strings).
 */
import { z } from "zod";
import { endpoints } from "./endpoints";
import { apiSchemas, isZodSchema, type EndpointSpec, type RawContent } from "./spec";

type JsonSchema = Record<string, unknown>;

const toJson = (schema: z.ZodType): JsonSchema => {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, { io: "input", target: "draft-2020-12", unrepresentable: "any" }) as JsonSchema;
  return rest;
};

/** One OpenAPI parameter per property of an object schema (params or query). */
function parameters(schema: z.ZodType | undefined, where: "path" | "query"): JsonSchema[] {
  if (!schema) return [];
  const js = toJson(schema);
  const properties = (js.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((js.required ?? []) as string[]);
  return Object.entries(properties).map(([name, prop]) => {
    const { description, ...propSchema } = prop;
    return {
      name,
      in: where,
      required: where === "path" || required.has(name),
      ...(description ? { description } : {}),
      schema: propSchema,
    };
  });
}

/** A response or request body: a $ref when the schema is a named component, else inline. */
function content(body: z.ZodType | RawContent): JsonSchema {
  if (!isZodSchema(body)) return { [body.contentType]: { schema: {} } };
  const id = apiSchemas.get(body)?.id;
  return { "application/json": { schema: id ? { $ref: `#/components/schemas/${id}` } : toJson(body) } };
}

function operation(e: EndpointSpec): JsonSchema {
  const responses: JsonSchema = {
    [String(e.status ?? 200)]: {
      description: isZodSchema(e.response) ? e.summary : e.response.description,
      content: content(e.response),
    },
  };
  if (e.query || e.body || e.invalidParams === 400) responses["400"] = { $ref: "#/components/responses/BadRequest" };
  if (e.session) responses["401"] = { $ref: "#/components/responses/Unauthorized" };
  if (e.notFound || (e.params && e.invalidParams !== 400)) responses["404"] = { $ref: "#/components/responses/NotFound" };
  if (e.conflict) responses["409"] = { $ref: "#/components/responses/Conflict" };
  if (e.body && (!isZodSchema(e.body) || e.unprocessable)) responses["422"] = { $ref: "#/components/responses/Unprocessable" };
  responses["500"] = { $ref: "#/components/responses/ServerError" };
  return {
    operationId: e.operationId,
    summary: e.summary,
    ...(e.description ? { description: e.description } : {}),
    tags: [e.tag],
    parameters: [...parameters(e.params, "path"), ...parameters(e.query, "query")],
    ...(e.body
      ? {
          requestBody: {
            required: true,
            ...(isZodSchema(e.body) ? {} : { description: e.body.description }),
            content: content(e.body),
          },
        }
      : {}),
    responses,
  };
}

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

export function buildOpenApiDocument(list: readonly EndpointSpec[] = endpoints): JsonSchema {
  const { schemas } = z.toJSONSchema(apiSchemas, {
    io: "input",
    target: "draft-2020-12",
    unrepresentable: "any",
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, JsonSchema> };
  const components: Record<string, JsonSchema> = {};
  for (const [id, { $schema: _s, $id: _i, ...schema }] of Object.entries(schemas)) components[id] = schema;

  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const e of list) (paths[e.path] ??= {})[e.method.toLowerCase()] = operation(e);

  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: "Ledgerline API",
      version: "1",
      description:
        "Datanets, models, paid inference and Proof of Attribution. Amounts are wei as decimal strings; addresses go out lower-case; lists are cursor-paginated ({ items, nextCursor }); errors are { error } with a 4xx status.",
    },
    tags: [...new Set(list.map((e) => e.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: components,
      responses: {
        BadRequest: errorResponse("Malformed input: the message says which parameter and why."),
        Unauthorized: errorResponse("Not signed in: sign in with your wallet (GET /api/auth/nonce, then POST /api/auth/session)."),
        NotFound: errorResponse("No such resource (or a path id that cannot exist)."),
        Conflict: errorResponse("Conflicts with what is stored: `reason` says which conflict (e.g. content_claimed)."),
        Unprocessable: errorResponse("The content cannot be stored as sent."),
        ServerError: errorResponse("A fault on the server side."),
      },
    },
  };
}

let cached: JsonSchema | undefined;

/** The document for the registered endpoints (built once per process). */
export function openApiDocument(): JsonSchema {
  return (cached ??= buildOpenApiDocument());
}
