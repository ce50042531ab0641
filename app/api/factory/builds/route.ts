import { getDb } from "@/db/client";
import { factoryBuildCreate, factoryBuildsList } from "@/lib/api/endpoints";
import { limit, limitRequest } from "@/lib/api/rate-limit";
import { requireSession } from "@/lib/auth/server";
import { AppError } from "@/lib/errors";
import { route } from "@/lib/api/route";
import { createBuild, describeBuilds, listBuilds, processBuildRunner } from "@/lib/factory/jobs";
import { loadBuildSources } from "@/lib/factory/sources";

/**
 * Queue a build under the signed-in account (the session, not the body, says who the builder is): each
 * build runs a child process, so a caller address and an account get a few an hour, an account at most
 * MAX_OPEN_BUILDS_PER_ACCOUNT at once, and the runner takes accounts in turn. The request is checked
 * against the database first, so a bad one writes nothing.
 */
export const POST = route(factoryBuildCreate, async ({ body, request }) => {
  const db = await getDb();
  // A request naming Datanet versions that do not exist is refused as such (404/422), signed in or not.
  await loadBuildSources(db, body.datanets);
  const builder = (await requireSession(db, request, "build a model")).address.toLowerCase();
  if (body.builder && body.builder !== builder) {
    throw new AppError("forbidden", `You are signed in as ${builder}; a build is recorded under the signed-in account, not ${body.builder}.`);
  }
  await limitRequest("build-ip", request);
  await limit("build-account", builder);
  const row = await createBuild(db, { ...body, builder });
  processBuildRunner(db).kick();
  const [view] = await describeBuilds(db, [row]);
  return view;
});

export const GET = route(factoryBuildsList, async ({ query }) => {
  const db = await getDb();
  return { items: await describeBuilds(db, await listBuilds(db, query)) };
});
