import { getDb } from "@/db/client";
import { contributionOriginality } from "@/lib/api/endpoints";
import { limitRequest } from "@/lib/api/rate-limit";
import { route } from "@/lib/api/route";
import { measureContributionOriginality } from "@/lib/content/originality";

/** The review queue's originality shield: how much of a contribution repeats contributions registered before it. */
export const GET = route(contributionOriginality, async ({ request, params }) =>
  measureContributionOriginality(await getDb(), params.id, params.contributionId, { beforeCompute: () => limitRequest("originality", request) }),
);
