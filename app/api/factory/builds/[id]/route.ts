import { getDb } from "@/db/client";
import { factoryBuildGet } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { notFound } from "@/lib/errors";
import { describeBuilds, getBuild } from "@/lib/factory/jobs";

export const GET = route(factoryBuildGet, async ({ params }) => {
  const db = await getDb();
  const row = await getBuild(db, params.id);
  if (!row) throw notFound(`Build ${params.id}`);
  const [view] = await describeBuilds(db, [row]);
  return view;
});
