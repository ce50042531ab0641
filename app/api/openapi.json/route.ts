import { json, route } from "@/lib/api/route";
import { openapi } from "@/lib/api/endpoints";
import { openApiDocument } from "@/lib/api/openapi";

/** The OpenAPI 3.1 document of every route under /api, generated from the zod schemas they validate with. */
export const GET = route(openapi, async () => json(openApiDocument(), { headers: { "cache-control": "public, max-age=300" } }));
