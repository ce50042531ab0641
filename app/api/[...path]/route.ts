import { route } from "@/lib/api/route";
import { AppError } from "@/lib/errors";

/** Any /api address no route serves: the API's JSON 404, not the site's HTML page. */
const unknown = route({}, async ({ request }) => {
  throw new AppError("not_found", `There is no API route at ${new URL(request.url).pathname}: GET /api/openapi.json lists them.`);
});

export { unknown as DELETE, unknown as GET, unknown as PATCH, unknown as POST, unknown as PUT };
