import { getDb } from "@/db/client";
import { factoryBuildCreate, factoryBuildsList } from "@/lib/api/endpoints";
import { limitRequest } from "@/lib/api/rate-limit";
import { route } from "@/lib/api/route";
import { createBuild, describeBuilds, listBuilds, processBuildRunner } from "@/lib/factory/jobs";

/** Queue a build: the request is checked against the database first, so a bad one writes nothing. */
export const POST = route(factoryBuildCreate, async ({ body, request }) => {
  // Each build runs a child process: a few an hour per caller.
  await limitRequest("build-ip", request);
  const db = await getDb();
  const row = await createBuild(db, body);
  processBuildRunner(db).kick();
  const [view] = await describeBuilds(db, [row]);
  return view;
});

export const GET = route(factoryBuildsList, async ({ query }) => {
  const db = await getDb();
  return { items: await describeBuilds(db, await listBuilds(db, query)) };
});
