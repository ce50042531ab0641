import { getDb } from "@/db/client";
import { datanetOriginality } from "@/lib/api/endpoints";
import { limitRequest } from "@/lib/api/rate-limit";
import { route } from "@/lib/api/route";
import { measureOriginality } from "@/lib/content/originality";

/** The upload preview's originality shield: how much of an uploaded file already exists in the Datanet. */
export const GET = route(datanetOriginality, async ({ request, params, query }) =>
  measureOriginality(await getDb(), params.id, query.hash, { beforeCompute: () => limitRequest("originality", request) }),
);
