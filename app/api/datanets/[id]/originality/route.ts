import { getDb } from "@/db/client";
import { datanetOriginality } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { measureOriginality } from "@/lib/content/originality";

/** The upload preview's originality shield: how much of an uploaded file already exists in the Datanet. */
export const GET = route(datanetOriginality, async ({ params, query }) => measureOriginality(await getDb(), params.id, query.hash));
